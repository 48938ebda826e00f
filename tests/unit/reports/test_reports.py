"""Reports: per-change Markdown/HTML/JSON, index.html and atom.xml, escaping and determinism."""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dodnews.diffing.model import KINDS, Change, ChangeReport, Provenance
from dodnews.errors import UserError
from dodnews.reports import (
    ReportEntry,
    format_atom,
    format_html,
    format_index,
    format_json,
    format_markdown,
    group_entries,
    write_reports,
    writer,
)
from dodnews.reports.index import index_script
from dodnews.reports.text import clean, md, safe_url
from tests.png_support import png_colors

ATOM = "{http://www.w3.org/2005/Atom}"
BANNER = (
    "This page belongs to a historical collection kept on defense.gov; some details may be out of "
    "date and some links may not work."
)
HOSTILE = '<script>alert(1)</script> and <img src=x onerror="alert(2)"> here'
RLO = "\u202e"


def provenance(article_id: int = 4100123) -> Provenance:
    return Provenance(
        article_id=article_id,
        old_captured_at="2025-03-02T10:00:00+00:00",
        new_captured_at="2025-09-06T08:30:00+00:00",
        old_hash="sha256:aaaa1111",
        new_hash="sha256:bbbb2222",
        old_url=f"https://www.defense.gov/News/News-Stories/Article/Article/{article_id}/bridge/",
        new_url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/bridge/",
        extractor_version="extract-7",
        tool_version="0.1.0",
    )


def full_report(article_id: int = 4100123) -> ChangeReport:
    """One report with every kind of change, written fresh for these tests."""
    changes = [
        Change(
            "title_changed",
            "title",
            "Engineers Reopen River Bridge",
            "Engineers Reopen Two River Bridges",
            "Title changed",
        ),
        Change(
            "byline_changed",
            "byline",
            "By Dana Ortiz",
            "By Dana Ortiz and Lee Park",
            "Byline changed",
        ),
        Change("date_changed", "published", "2025-03-01", "2025-03-02", "Date changed"),
        Change(
            "summary_changed",
            "summary",
            "A bridge reopened.",
            "Two bridges reopened.",
            "Summary changed",
        ),
        Change("banner_added", "banner", None, BANNER, "Historical-collection banner added"),
        Change(
            "correction_added",
            "corrections",
            None,
            "Correction: the crew numbered 140, not 120.",
            "Correction added",
        ),
        Change(
            "paragraph_edited",
            "paragraphs",
            "The repair cost $300 million and took 120 days.",
            "The repair cost $350 million and took 140 days.",
            "Paragraph 2 edited",
            {"old_index": 1, "new_index": 1},
            {
                "ops": [
                    {"op": "equal", "old": "The repair cost", "new": "The repair cost"},
                    {"op": "replace", "old": "$300", "new": "$350"},
                    {"op": "equal", "old": "million and took", "new": "million and took"},
                    {"op": "replace", "old": "120", "new": "140"},
                    {"op": "equal", "old": "days.", "new": "days."},
                ]
            },
        ),
        Change(
            "figure_changed",
            "paragraphs",
            "$300 million",
            "$350 million",
            "Figure $300 million -> $350 million",
            {"old_index": 1, "new_index": 1},
        ),
        Change(
            "figure_changed",
            "paragraphs",
            "120",
            "140",
            "Figure 120 -> 140",
            {"old_index": 1, "new_index": 1},
        ),
        Change(
            "paragraph_added",
            "paragraphs",
            None,
            "Barge traffic resumed the next morning.",
            "Paragraph 4 added",
            {"new_index": 3},
        ),
        Change(
            "paragraph_removed",
            "paragraphs",
            "Officials did not give a date.",
            None,
            "Paragraph 3 removed",
            {"old_index": 2},
        ),
        Change(
            "paragraph_moved",
            "paragraphs",
            "The crew worked in two shifts.",
            "The crew worked in two shifts.",
            "Paragraph moved",
            {"old_index": 4, "new_index": 2},
        ),
        Change(
            "image_added",
            "images",
            None,
            {
                "src": "https://media.defense.gov/2025/Mar/02/2003000001/bridge.jpg",
                "virin": "250302-A-ZZ999-1001",
            },
            "Image added",
        ),
        Change(
            "image_removed",
            "images",
            {"src": "https://media.defense.gov/old.jpg"},
            None,
            "Image removed",
        ),
        Change(
            "caption_changed",
            "images[0].caption",
            "Crews at dusk.",
            "Crews at dawn.",
            "Caption changed",
        ),
        Change(
            "credit_changed",
            "images[0].credit",
            "Sgt. Kim Reyes",
            "Spc. Kim Reyes",
            "Credit changed",
        ),
        Change(
            "related_added",
            "related",
            None,
            {
                "article_id": 4100200,
                "title": "Port Reopens",
                "url": "https://www.war.gov/Article/4100200/",
            },
            "Related story added",
        ),
        Change(
            "related_removed",
            "related",
            {"article_id": 4099000, "title": "Flood Warning"},
            None,
            "Related story removed",
        ),
        Change(
            "tags_changed",
            "tags",
            ["Army", "Infrastructure"],
            ["Army", "Logistics"],
            "Tags changed",
        ),
        Change(
            "url_changed",
            "url",
            "https://www.defense.gov/Article/4100123/bridge/",
            "https://www.war.gov/Article/4100123/bridges/",
            "URL changed",
        ),
        Change(
            "other_text_changed",
            "region",
            "By Lena Ortiz, Army News",
            "By Lena Ortiz and Sam Park, Army News",
            "Other text changed",
            {"old_index": 2, "new_index": 2},
            {
                "ops": [
                    {"op": "equal", "old": "By Lena", "new": "By Lena"},
                    {"op": "replace", "old": "Ortiz,", "new": "Ortiz and Sam Park,"},
                    {"op": "equal", "old": "Army News", "new": "Army News"},
                ],
                "before_near": ["Engineers Reopen River Bridge", None],
                "after_near": ["Engineers Reopen Two River Bridges", None],
            },
        ),
        Change(
            "banner_changed", "banner", "Old notice text.", "New notice text.", "Banner changed"
        ),
        Change("banner_removed", "banner", "A temporary notice.", None, "Banner removed"),
        Change(
            "correction_changed",
            "corrections",
            "Fixed a date.",
            "Fixed two dates.",
            "Correction changed",
        ),
    ]
    return ChangeReport(
        provenance=provenance(article_id),
        changes=changes,
        significance=0.82,
        reasons=["money figure changed", "banner added"],
    )


def entry(
    change_id: int = 1,
    report: ChangeReport | None = None,
    *,
    detected_at: str = "2025-09-06T08:31:00+00:00",
    title: str = "Engineers Reopen Two River Bridges",
    url: str = "https://www.war.gov/News/News-Stories/Article/Article/4100123/bridges/",
    **extra: object,
) -> ReportEntry:
    report = report or full_report()
    return ReportEntry(
        change_id=change_id,
        report=report,
        title=title,
        url=url,
        detected_at=detected_at,
        from_version=1,
        to_version=2,
        old_capture_url="https://archive.example.org/wayback/20250302/bridge",
        new_capture_url="https://archive.example.org/wayback/20250906/bridges",
        old_article={"title": "Engineers Reopen River Bridge", "paragraphs": ["One.", "Two."]},
        new_article={"title": title, "paragraphs": ["One.", "Two changed.", "Three."]},
        **extra,  # type: ignore[arg-type]
    )


def hostile_entry() -> ReportEntry:
    """Archived text that tries to inject markup, scripts, links and bidi reordering."""
    report = ChangeReport(
        provenance=provenance(4100999),
        changes=[
            Change(
                "paragraph_edited",
                "paragraphs",
                f"Plain text {RLO}gnp.exe",
                f"{HOSTILE} {RLO}gnp.exe",
                f"Edited {HOSTILE}",
                {"old_index": 0, "new_index": 0},
            ),
            Change(
                "paragraph_added",
                "paragraphs",
                None,
                f"[click](javascript:alert(3)) {HOSTILE} \x00\ud800\U000e0041",
                "added",
                {"new_index": 1},
            ),
            Change("banner_added", "banner", None, f"<b>bold</b>{RLO} notice & more"),
            Change(
                "figure_changed",
                "paragraphs",
                "<i>1</i>",
                "2\u202e0",
                "fig",
                {"old_index": 0, "new_index": 0},
            ),
            Change("related_added", "related", None, {"url": "javascript:alert(4)", "title": "x"}),
        ],
        reasons=[HOSTILE],
    )
    return ReportEntry(
        change_id=7,
        report=report,
        title=f"Title {HOSTILE} {RLO}",
        url="javascript:alert(5)",
        detected_at="2025-09-07T00:00:00Z",
        from_version=3,
        to_version=4,
        old_capture_url="JaVaScRiPt:alert(6)",
        new_capture_url="data:text/html,<script>alert(7)</script>",
        screenshots={"evil": "javascript:alert(8)", "ok": "data:image/png;base64,iVBORw0KGgo="},
    )


# --- per-change rendering ---


def test_full_report_covers_every_kind() -> None:
    assert set(full_report().kinds) == set(KINDS)


def test_html_shows_every_kind_and_side_by_side_word_diff() -> None:
    out = format_html(entry())
    for kind in KINDS:
        assert f"k-{kind}" in out, kind
    assert "<del>$300</del>" in out and "<ins>$350</ins>" in out
    assert "<del>120</del>" in out and "<ins>140</ins>" in out
    # Edited row: old cell then new cell, paragraph numbers 1-based.
    row = re.search(r'<tr class="edited">(.*?)</tr>', out).group(1)
    assert row.index('class="old"') < row.index('class="new"')
    assert '<span class="num">¶2</span>' in row
    assert '<tr class="added"><td class="old empty"></td>' in out
    assert "<ins>Barge traffic resumed the next morning.</ins>" in out
    net = re.search(r'<tr class="k-other_text_changed">(.*?)</tr>', out).group(1)
    assert "<del>Ortiz,</del>" in net and "<ins>Ortiz and Sam Park,</ins>" in net
    assert "text block 3, after “Engineers Reopen Two River Bridges”" in net
    assert "<del>Officials did not give a date.</del>" in out
    assert "Paragraph moved (¶5 → ¶3)" in out
    # Notice boxes, provenance, links, significance, CSP.
    assert '<div class="notice k-banner_added">' in out and "historical collection" in out
    assert '<div class="notice k-correction_added">' in out
    assert "Fixed <del>a date.</del>" in out and "Fixed <ins>two dates.</ins>" in out
    for value in (
        "4100123",
        "sha256:aaaa1111",
        "sha256:bbbb2222",
        "extract-7",
        "0.1.0",
        "2025-03-02T10:00:00+00:00",
        "2025-09-06T08:30:00+00:00",
    ):
        assert value in out
    assert 'href="https://archive.example.org/wayback/20250302/bridge"' in out
    assert 'href="https://archive.example.org/wayback/20250906/bridges"' in out
    assert 'href="https://www.war.gov/News/News-Stories/Article/Article/4100123/bridges/"' in out
    assert '<span class="sig high">0.82</span>' in out and "money figure changed" in out
    assert (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data: https: http:\">"
    ) in out
    assert "<script" not in out and "http-equiv" in out
    # Tags: the item only on one side is marked.
    assert "<del>Infrastructure</del>" in out and "<ins>Logistics</ins>" in out
    # Full-text context section from the Article dicts.
    assert '<li class="changed">Two changed.</li>' in out


def test_html_figures_table_rows() -> None:
    out = format_html(entry())
    table = re.search(r'<table class="fig">(.*?)</table>', out, re.S).group(1)
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", table)
    assert rows == [
        ("<del>$300 million</del>", "<ins>$350 million</ins>", "¶2"),
        ("<del>120</del>", "<ins>140</ins>", "¶2"),
    ]


def test_markdown_structure_and_figures_table() -> None:
    out = format_markdown(entry())
    assert out.startswith("# Engineers Reopen Two River Bridges\n")
    for heading in (
        "## Summary",
        "## Notices",
        "## Figures",
        "## Paragraphs",
        "## Other changes",
        "## Provenance",
    ):
        assert f"\n{heading}\n" in out
    assert "| $300 million | $350 million | ¶2 |" in out
    assert "| 120 | 140 | ¶2 |" in out
    assert "> The repair cost ~~$300~~ million and took ~~120~~ days." in out
    assert "> The repair cost **$350** million and took **140** days." in out
    assert "> **Barge traffic resumed the next morning.**" in out
    assert "> ~~Officials did not give a date.~~" in out
    assert "[https://archive.example.org/wayback/20250302/bridge](https://archive" in out
    assert "sha256:aaaa1111" in out
    assert "| Tags changed | tags | Army, Infrastructure | Army, Logistics |" in out
    # The safety net: unexplained words marked, and where they sit.
    assert (
        "| Other text changed | text block 3, after “Engineers Reopen Two River Bridges” "
        "| By Lena ~~Ortiz,~~ Army News | By Lena **Ortiz and Sam Park,** Army News |"
    ) in out


def test_word_diff_computed_when_detector_gave_no_ops() -> None:
    change = Change(
        "paragraph_edited",
        "paragraphs",
        "Forty sailors sailed east.",
        "Fifty sailors sailed east.",
        "",
        {"old_index": 0, "new_index": 0},
    )
    report = ChangeReport(provenance=provenance(), changes=[change])
    out = format_html(entry(report=report))
    assert "<del>Forty</del> sailors sailed east." in out
    assert "<ins>Fifty</ins> sailors sailed east." in out
    assert "~~Forty~~ sailors" in format_markdown(entry(report=report))


def test_json_is_report_plus_metadata_sorted() -> None:
    item = entry(revert=True)
    text = format_json(item)
    data = json.loads(text)
    assert data["changes"] == item.report.to_dict()["changes"]
    assert data["kinds"] == sorted(KINDS)
    assert data["provenance"]["new_hash"] == "sha256:bbbb2222"
    assert (data["article_id"], data["from_version"], data["to_version"]) == (4100123, 1, 2)
    assert data["revert"] is True and data["change_id"] == 1
    assert list(data) == sorted(data)
    assert text == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


# --- escaping ---


def test_json_keeps_archived_text_exact_but_invisible_characters_escaped() -> None:
    item = hostile_entry()
    text = format_json(item)
    assert RLO not in text and "\\u202e" in text and "\\ud800" in text
    assert "\\udb40\\udc41" in text  # a tag character outside the BMP, as a surrogate pair
    assert json.loads(text)["changes"] == item.report.to_dict()["changes"]
    text.encode("utf-8")  # lone surrogates would make this raise


def _assert_inert_html(out: str) -> None:
    # The index's own script (allowed by its hash in the page's CSP) is the only one there may be.
    out = out.replace(f"<script>{index_script()[0]}</script>", "", 1)
    lowered = out.lower()
    assert "<script" not in lowered
    assert "<img src=x" not in lowered and "onerror=" not in lowered.replace("onerror=&quot;", "")
    assert "<b>bold" not in lowered and "<i>1" not in lowered
    assert 'href="javascript' not in lowered and 'href="data:' not in lowered
    assert 'src="javascript' not in lowered
    assert RLO not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_html_escapes_archived_text() -> None:
    out = format_html(hostile_entry())
    _assert_inert_html(out)
    assert "[U+202E]" in out  # the bidi override is shown, not obeyed
    assert '<span class="url">javascript:alert(5)</span>' in out
    assert '<img class="shot" src="data:image/png;base64,iVBORw0KGgo="' in out
    # Only the CSP's own quotes and our tags: no attribute can be broken out of.
    assert 'onerror="' not in out


def test_markdown_escapes_archived_text() -> None:
    out = format_markdown(hostile_entry())
    assert "<script" not in out and "<img" not in out and "<b>" not in out
    assert RLO not in out
    assert not re.search(r"(?<!\\)\]\(javascript", out, re.I)
    assert "&lt;script&gt;" in out
    assert "\\[click\\](javascript:alert(3))" in out


def test_atom_and_index_escape_archived_text(tmp_path: Path) -> None:
    events = group_entries([hostile_entry()])
    index = format_index(events)
    _assert_inert_html(index)
    feed = format_atom(events)
    root = ET.fromstring(feed)
    content = root.find(f"{ATOM}entry/{ATOM}content").text
    _assert_inert_html(content)
    assert RLO not in feed and "<script" not in feed
    link = root.find(f"{ATOM}entry/{ATOM}link").get("href")
    assert link == "4100999-3-4.html"


def test_text_helpers() -> None:
    assert safe_url("https://www.war.gov/a") == "https://www.war.gov/a"
    for bad in ("javascript:alert(1)", " https://x.org", "https://x.org/\n", "//x.org", "http://"):
        assert safe_url(bad) is None, bad
    assert clean("a\u202eb\x00c\ud800") == "a[U+202E]b[U+0000]c[U+D800]"
    assert md("# *x* <y> & [z](w)") == "\\# \\*x\\* &lt;y&gt; &amp; \\[z\\](w)"
    assert md("- item") == "\\- item" and md("12. Twelve") == "12\\. Twelve"
    assert md("> quote") == "&gt; quote" and md("3.5 percent") == "3.5 percent"


def test_stem_uses_integers_only() -> None:
    bad = entry()
    bad.from_version = "1/../../etc"  # type: ignore[assignment]
    with pytest.raises(UserError):
        _ = bad.stem
    assert entry().stem == "4100123-1-2"


# --- index, feed, writer ---


def _small(
    change_id: int, article_id: int, detected_at: str, kind: str = "title_changed"
) -> ReportEntry:
    report = ChangeReport(
        provenance=provenance(article_id),
        changes=[Change(kind, "title", f"Old title {article_id}", f"New title {article_id}", "t")],
        significance=0.5,
    )
    return entry(change_id, report, detected_at=detected_at, title=f"Story {article_id}")


def test_index_newest_first_with_kind_filters() -> None:
    entries = [
        _small(1, 501, "2025-09-01T10:00:00Z"),
        _small(3, 503, "2025-09-03T10:00:00+02:00"),  # 08:00 UTC, earlier than 502
        _small(2, 502, "2025-09-03T09:00:00Z", kind="byline_changed"),
        _small(4, 504, "2025-09-03T09:00:00Z"),  # same time as 502, higher id first
    ]
    index = format_index(group_entries(entries))
    order = [int(m) for m in re.findall(r'<li id="change-(\d+)-1-2"', index)]
    assert order == [504, 502, 503, 501]
    assert '<a class="badge" href="#kind-title_changed">Title changed (3)</a>' in index
    assert "#kind-byline_changed:target ~ ol.events > li:not(.k-byline_changed)" in index
    assert '<a href="502-1-2.html"><strong>Story 502</strong></a>' in index


def test_atom_is_valid_and_has_one_entry_per_event() -> None:
    entries = [_small(n, 600 + n, f"2025-09-0{n}T12:00:00Z") for n in range(1, 5)]
    feed = format_atom(group_entries(entries), feed_url="https://feeds.example.org/dod/atom.xml")
    root = ET.fromstring(feed)
    assert root.tag == f"{ATOM}feed"
    items = root.findall(f"{ATOM}entry")
    assert len(items) == 4
    assert [e.find(f"{ATOM}id").text for e in items] == [
        f"tag:dodnews,2025:article/{600 + n}/1-2" for n in (4, 3, 2, 1)
    ]
    assert items[0].find(f"{ATOM}updated").text == "2025-09-04T12:00:00Z"
    assert root.find(f"{ATOM}updated").text == "2025-09-04T12:00:00Z"
    self_link = root.find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link == "https://feeds.example.org/dod/atom.xml"
    assert items[0].find(f"{ATOM}link").get("href") == "https://feeds.example.org/dod/604-1-2.html"
    content = items[0].find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert "<del>Old</del> title 604" in content.text and "<ins>New</ins> title 604" in content.text
    for required in ("title", "id", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None


def test_atom_carries_figures_and_paragraphs() -> None:
    content = ET.fromstring(format_atom(group_entries([entry()]))).find(
        f"{ATOM}entry/{ATOM}content"
    )
    assert '<table class="fig">' in content.text and "<del>$300 million</del>" in content.text
    assert "<ins>$350</ins>" in content.text and "Barge traffic" in content.text


def test_bad_feed_url_is_user_error() -> None:
    with pytest.raises(UserError):
        format_atom([], feed_url="javascript:alert(1)")


def test_write_reports_files_and_determinism(tmp_path: Path) -> None:
    entries = [entry(), hostile_entry(), _small(9, 700, "2025-08-01T00:00:00Z")]
    first, second = tmp_path / "a", tmp_path / "b"
    result = write_reports(entries, first, feed_url="https://f.example.org/atom.xml")
    write_reports(list(reversed(entries)), second, feed_url="https://f.example.org/atom.xml")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(
        [
            f"{s}.{ext}"
            for s in ("4100123-1-2", "4100999-3-4", "700-1-2")
            for ext in ("md", "html", "json")
        ]
        + ["index.html", "index.json", "atom.xml"]
        + ["article-4100123.html", "article-4100999.html", "article-700.html"]
    )
    assert len(result.written) == 15 and not result.unchanged
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    again = write_reports(entries, first, feed_url="https://f.example.org/atom.xml")
    assert not again.written and len(again.unchanged) == 15
    assert not [p for p in first.iterdir() if p.name.startswith(".")]  # no temp files left


def test_write_reports_generated_at_only_when_given(tmp_path: Path) -> None:
    write_reports([entry()], tmp_path, generated_at="2025-10-01T00:00:00Z")
    assert "2025-10-01T00:00:00Z" in (tmp_path / "atom.xml").read_text()
    assert "generated 2025-10-01T00:00:00Z" in (tmp_path / "index.html").read_text()


def test_write_reports_empty_set(tmp_path: Path) -> None:
    write_reports([], tmp_path)
    root = ET.fromstring((tmp_path / "atom.xml").read_text())
    assert root.findall(f"{ATOM}entry") == []
    assert "No changes recorded yet." in (tmp_path / "index.html").read_text()


def killed_mid_write(monkeypatch: pytest.MonkeyPatch, entries: list, diffs: Path) -> Path:
    """Run write_reports until its first temp file is written, and "die" before the rename."""

    def die(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # like a kill: no except clause runs, nothing is tidied

    monkeypatch.setattr(writer.os, "replace", die)
    with pytest.raises(KeyboardInterrupt):
        write_reports(entries, diffs)
    monkeypatch.undo()
    (left,) = [p for p in diffs.iterdir() if p.name.endswith(".tmp")]
    return left


def test_write_reports_removes_temp_files_a_killed_writer_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    diffs = tmp_path / "diffs"
    entries = [entry(), _small(9, 700, "2025-08-01T00:00:00Z")]
    left = killed_mid_write(monkeypatch, entries, diffs)
    assert re.fullmatch(r"\.[^/]+\.(json|md|html|xml)\.[a-z0-9_]{8}\.tmp", left.name)
    # Hidden and temp-like files that are not a report writer's temp file are left alone.
    others = [
        ".notes.tmp",
        ".index.html.tmp",
        ".index.html.ABCDEFGH.tmp",
        ".index.html.abcdefgh.tmp.bak",
        ".photo.png.abcdefgh.tmp",
        "index.html.abcdefgh.tmp",
        ".index.html.abcdefghi.tmp",
    ]
    for name in others:
        (diffs / name).write_text("not ours")
    (diffs / ".atom.xml.dir_0000.tmp").mkdir()  # the right name, but a folder
    (diffs / ".atom.xml.link_000.tmp").symlink_to(tmp_path / "elsewhere")
    (diffs / "sub").mkdir()  # the writer makes no subfolders: not its tree
    (diffs / "sub" / ".atom.xml.abcd_123.tmp").write_text("not ours")
    result = write_reports(entries, diffs)
    assert result.removed == [left] and not left.exists()
    for name in others:
        assert (diffs / name).read_text() == "not ours", name
    assert (diffs / ".atom.xml.dir_0000.tmp").is_dir()
    assert (diffs / ".atom.xml.link_000.tmp").is_symlink()
    assert (diffs / "sub" / ".atom.xml.abcd_123.tmp").exists()
    # 2 x 3 change files, 2 article pages, index.html, index.json, atom.xml
    assert len(result.written) == 11 and "</html>" in (diffs / "index.html").read_text()
    assert write_reports(entries, diffs).removed == []


def test_a_writer_at_work_keeps_its_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    diffs = tmp_path / "diffs"
    entries = [entry()]
    left = killed_mid_write(monkeypatch, entries, diffs)
    # Another writer holds the folder (shared, as while it writes): its temp file may be live.
    other = os.open(diffs, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(other, fcntl.LOCK_SH)
        result = write_reports(entries, diffs)
        assert result.removed == [] and left.exists()
        assert len(result.written) == 7  # and it still writes
    finally:
        os.close(other)
    assert write_reports(entries, diffs).removed == [left] and not left.exists()


# --- Chromium ---


@pytest.mark.services
def test_html_report_renders_in_chromium(tmp_path: Path, chromium_path: str) -> None:
    keep = {
        "banner_added",
        "paragraph_edited",
        "figure_changed",
        "paragraph_added",
        "title_changed",
    }
    report = full_report()
    report.changes = [c for c in report.changes if c.kind in keep]
    write_reports([entry(report=report)], tmp_path / "diffs")
    page = tmp_path / "diffs" / "4100123-1-2.html"
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            chromium_path,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,900",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    colors = png_colors(shot.read_bytes())
    # Text, the del/ins highlights, the notice box and borders give many colors; blank gives one.
    assert len(colors) >= 20, len(colors)
    assert any(c[0] > 0xF0 and c[1] < 0xF0 for c in colors)  # the pink deletion highlight


def test_where_reads_detector_locations() -> None:
    from dodnews.reports.view import where

    cases = [
        (
            Change("correction_added", "corrections", None, "x", "", {"new_index": 0}),
            "correction 1",
        ),
        (
            Change("caption_changed", "images", "a", "b", "", {"image": "250101-N-XY1-1"}),
            "image 250101-N-XY1-1",
        ),
        (Change("related_added", "related", None, {}, "", {"article_id": 42}), "article 42"),
        (
            Change(
                "paragraph_added", "paragraphs", None, "ARMY", "", {"new_index": 6, "heading": True}
            ),
            "heading ¶7",
        ),
        (Change("figure_changed", "title", "$1", "$2"), "title"),
        (
            Change("figure_changed", "paragraphs", "1", "2", "", {"old_index": 2, "new_index": 4}),
            "¶3 → ¶5",
        ),
    ]
    assert [where(change) for change, _ in cases] == [expected for _, expected in cases]
    # A correction's index is not a paragraph: the full-text view must not mark paragraph 1.
    report = ChangeReport(provenance=provenance(), changes=[cases[0][0]])
    assert '<li class="changed">' not in format_html(entry(report=report))
