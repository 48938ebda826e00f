"""A change page reads each fact once: a figure is not repeated by its paragraph or its table."""

from __future__ import annotations

import re

from dodnews.diffing.detect import detect_changes
from dodnews.model import Article
from dodnews.reports import ReportEntry, format_html, format_markdown

OPENING = "Divers cleared 125 mines from the approach channel during the spring survey."
CLOSING = "The harbor reopens to commercial traffic once the last buoys are set."


def harbor(opening: str) -> Article:
    return Article(
        article_id=4300888,
        url="https://www.war.gov/News/News-Stories/Article/Article/4300888/harbor-mines/",
        section="news-stories",
        title="Navy Divers Clear Harbor Approach",
        paragraphs=[opening, CLOSING],
        extractor_version="1.0",
    )


def page_entry(opening: str) -> ReportEntry:
    report = detect_changes(harbor(OPENING), harbor(opening))
    return ReportEntry(
        change_id=5,
        report=report,
        title="Navy Divers Clear Harbor Approach",
        url=harbor(OPENING).url,
        detected_at="2026-06-02T12:00:00Z",
        from_version=1,
        to_version=2,
    )


def test_the_change_page_names_a_figure_once() -> None:
    entry = page_entry(OPENING.replace("125 mines", "130 mines"))
    html = format_html(entry)
    summary = re.search(r'<ul class="summary">(.*?)</ul>', html, re.S).group(1)
    assert "<li>Paragraph 1 edited: only the figure changed</li>" in summary
    assert "<li>Figure changed in paragraph 1: 125 → 130 mines</li>" in summary
    reasons = re.search(r'<ul class="reasons">(.*?)</ul>', html, re.S).group(1)
    assert reasons.count("<li>") == 1 and "figure changed in paragraph 1: 125 → 130" in reasons
    table = re.search(r'<table class="fig">(.*?)</table>', html, re.S).group(1)
    assert "<th>Summary</th>" not in table and "Figure changed" not in table
    assert "<td><del>125</del> mines</td><td><ins>130</ins> mines</td><td>¶1</td>" in table
    markdown = format_markdown(entry)
    assert "| 125 mines | 130 mines | ¶1 |" in markdown
    assert "- Paragraph 1 edited: only the figure changed" in markdown


def test_other_edits_beside_a_figure_show_with_their_context() -> None:
    entry = page_entry(OPENING.replace("125 mines", "130 mines").replace("spring", "autumn"))
    markdown = format_markdown(entry)
    assert "- Paragraph 1 edited: …channel during the «spring» → «autumn» survey." in markdown
    assert "«125»" not in markdown
