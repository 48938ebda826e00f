"""Figures: every written form, paired by position in the word-level diff."""

from __future__ import annotations

import pytest

from dodnews.diffing.detect import detect_changes
from dodnews.diffing.figures import changed_figures, find_figures
from dodnews.diffing.paragraphs import word_ops
from dodnews.model import Article

CONTEXT = [
    "The drill began with a briefing for the visiting delegation at the range headquarters.",
    "Crews then rehearsed the crossing twice before the evaluators arrived to watch.",
]


def article(paragraph: str, title: str = "Range Report") -> Article:
    return Article(
        article_id=77,
        url="https://www.war.gov/News/Releases/Release/Article/77/range-report/",
        section="releases",
        title=title,
        paragraphs=[*CONTEXT, paragraph],
    )


def figure_pairs(old: str, new: str) -> list[tuple[str | None, str | None]]:
    report = detect_changes(article(old), article(new))
    assert report.changes[0].kind == "paragraph_edited"
    return [(c.before, c.after) for c in report.changes if c.kind == "figure_changed"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # money
        (
            "The award is worth $300 million over five years.",
            "The award is worth $350 million over five years.",
            ("$300 million", "$350 million"),
        ),
        (
            "The award is worth $300 million over five years.",
            "The award is worth $1.2 billion over five years.",
            ("$300 million", "$1.2 billion"),
        ),
        (
            "The firm received $7,500,000 for spare parts last week.",
            "The firm received $7,900,000 for spare parts last week.",
            ("$7,500,000", "$7,900,000"),
        ),
        (
            "Each meal kit costs $12.5 to make at the depot.",
            "Each meal kit costs $13.1 to make at the depot.",
            ("$12.5", "$13.1"),
        ),
        # counts
        (
            "Russia had massed 125 battalion tactical groups near the border.",
            "Russia had massed 130 battalion tactical groups near the border.",
            ("125", "130"),
        ),
        (
            "About 1,200 sailors and Marines joined the drill this month.",
            "About 1,450 sailors and Marines joined the drill this month.",
            ("1,200", "1,450"),
        ),
        (
            "The base expects 2.5 million visitors during the anniversary.",
            "The base expects 3 million visitors during the anniversary.",
            ("2.5 million", "3 million"),
        ),
        # percentages
        (
            "Readiness rose 12% over the previous quarter, officials said.",
            "Readiness rose 15% over the previous quarter, officials said.",
            ("12%", "15%"),
        ),
        (
            "Readiness rose 12 percent over the previous quarter, officials said.",
            "Readiness rose 14 percent over the previous quarter, officials said.",
            ("12 percent", "14 percent"),
        ),
        # fractions and number words
        (
            "Nearly two-thirds of the fleet was at sea during the storm.",
            "Nearly half of the fleet was at sea during the storm.",
            ("two-thirds", "half"),
        ),
        (
            "Only a third of the trucks needed repairs after the march.",
            "Only a quarter of the trucks needed repairs after the march.",
            ("a third", "a quarter"),
        ),
        (
            "Dozens of volunteers helped unload the supply ship on Monday.",
            "Hundreds of volunteers helped unload the supply ship on Monday.",
            ("Dozens", "Hundreds"),
        ),
        (
            "The team found one unexploded shell near the old firing line.",
            "The team found three unexploded shells near the old firing line.",
            ("one", "three"),
        ),
        (
            "Inspectors visited twelve depots before the end of the year.",
            "Inspectors visited twenty depots before the end of the year.",
            ("twelve", "twenty"),
        ),
        # dates
        (
            "The ceasefire talks opened on March 24 in a neutral capital.",
            "The ceasefire talks opened on March 26 in a neutral capital.",
            ("March 24", "March 26"),
        ),
        (
            "The invasion that began Feb. 24, 2022, reshaped the alliance.",
            "The invasion that began Feb. 23, 2022, reshaped the alliance.",
            ("Feb. 24, 2022", "Feb. 23, 2022"),
        ),
        (
            "The new barracks should be finished in 2026, the engineers said.",
            "The new barracks should be finished in 2027, the engineers said.",
            ("2026", "2027"),
        ),
        (
            "The carrier returns to port Sept. 15 after a long patrol.",
            "The carrier returns to port Oct. 2 after a long patrol.",
            ("Sept. 15", "Oct. 2"),
        ),
    ],
)
def test_every_figure_form(old, new, expected):
    assert figure_pairs(old, new) == [expected]


def test_count_change_reports_unit_noun():
    old = article("Russia had massed 125 battalion tactical groups near the border.")
    new = article("Russia had massed 130 battalion tactical groups near the border.")
    figure = detect_changes(old, new).changes[1]
    assert figure.detail["unit"] == "battalion tactical groups"
    assert figure.detail["before_kind"] == figure.detail["after_kind"] == "number"
    assert figure.summary == "Figure changed in paragraph 3: 125 → 130 battalion tactical groups"


def test_figure_formatting_is_not_a_figure_change():
    pairs = [
        ("The firm received $7,500,000 for parts.", "The firm received $7500000 for parts."),
        ("Costs rose 12 percent this year.", "Costs rose 12% this year."),
        ("The ship returns Sept. 15 to port.", "The ship returns September 15 to port."),
    ]
    for old, new in pairs:
        assert figure_pairs(old, new) == []


def test_moved_figure_is_not_a_change():
    old = "On March 24, officials said 125 soldiers had arrived at the camp."
    new = "Officials said 125 soldiers had arrived at the camp on March 24."
    assert figure_pairs(old, new) == []


def test_edit_without_figure_change_is_only_paragraph_edited():
    old = "The unit spent $4 million on new radios and trained 300 operators in March."
    new = "The unit spent $4 million on modern radios and trained 300 operators in March."
    report = detect_changes(article(old), article(new))
    assert [c.kind for c in report.changes] == ["paragraph_edited"]


def test_pairing_by_position_not_list_order():
    # The first figure was dropped from the sentence; the second changed. Global list order would
    # pair $5 million with $7 million; position in the diff pairs 40 with 45.
    old = "The yard got $5 million for cranes. Separately, 40 welders were hired this spring."
    new = "The yard got money for cranes. Separately, 45 welders were hired this spring."
    pairs = figure_pairs(old, new)
    assert ("40", "45") in pairs
    assert ("$5 million", "45") not in pairs


def test_two_figures_in_one_sentence():
    old = "The order covers 30 trucks and 12 trailers worth $9 million."
    new = "The order covers 32 trucks and 12 trailers worth $9.4 million."
    assert figure_pairs(old, new) == [("30", "32"), ("$9 million", "$9.4 million")]


def test_added_sentence_with_figures_is_no_figure_change():
    old = "The exercise ended on schedule."
    new = "The exercise ended on schedule. It cost $2 million and involved 900 troops."
    assert figure_pairs(old, new) == []


def test_figure_replaced_by_words_is_reported_with_none():
    old = "The contract is worth $45 million to the shipyard this year."
    new = "The contract is worth an undisclosed amount to the shipyard this year."
    assert figure_pairs(old, new) == [("$45 million", None)]


def test_number_word_dropped_in_rewording_is_not_a_figure():
    old = "No one at the depot was hurt in the fire on the loading dock."
    new = "Nobody at the depot was hurt in the fire on the loading dock."
    assert figure_pairs(old, new) == []


def test_may_as_a_verb_is_not_a_date():
    kinds = [f.kind for f in find_figures("Troops may leave early; the May 5 parade stays.")]
    assert kinds == ["date"]


def test_changed_figures_direct():
    old, new = "Costs rose 12% in 2025.", "Costs rose 18% in 2025."
    ops = word_ops(old.split(), new.split())
    pairs = changed_figures(old, new, ops)
    assert [(a.text, b.text) for a, b in pairs] == [("12%", "18%")]


def test_title_and_summary_figures():
    old = Article(
        1,
        "https://www.war.gov/News/Releases/Release/Article/1/x/",
        "releases",
        "Pentagon Awards $300 Million Contract",
        summary="The award covers 40 ships.",
    )
    new = Article(
        1,
        old.url,
        "releases",
        "Pentagon Awards $350 Million Contract",
        summary="The award covers 42 ships.",
    )
    report = detect_changes(old, new)
    figures = [(c.field, c.before, c.after) for c in report.changes if c.kind == "figure_changed"]
    assert figures == [("title", "$300 Million", "$350 Million"), ("summary", "40", "42")]
    assert report.reasons[:2] == [
        "figure changed in summary: 40 → 42",
        "figure changed in title: $300 Million → $350 Million",
    ]
