"""Each fact read once: edits with their context, figure edits named once, specific reasons."""

from __future__ import annotations

import copy

from dodnews.diffing.detect import detect_changes
from dodnews.diffing.fragments import edit_fragments, figure_only
from dodnews.diffing.model import Change
from dodnews.diffing.significance import score
from dodnews.model import Article, Image, RelatedLink
from tests.unit.diffing.test_diff_cases import assert_mirror

BODY = [
    "Coast Guard crews pulled 42 sailors from a disabled ferry near the harbor mouth on Sunday.",
    "The rescue took about six hours and cost the service roughly $2.5 million in fuel and "
    "overtime, officials said in a statement released Monday afternoon.",
    "Investigators will examine the ferry engines next week before the vessel returns to "
    "service on the island route.",
    "Harbor pilots praised the boat crews for working through high winds and heavy rain.",
]


def story(**changes) -> Article:
    article = Article(
        article_id=4300999,
        url="https://www.war.gov/News/News-Stories/Article/Article/4300999/ferry-rescue/",
        section="news-stories",
        title="Coast Guard Rescues 42 Sailors From Disabled Ferry",
        summary="Crews worked six hours in high winds.",
        paragraphs=list(BODY),
        images=[
            Image(
                src="https://media.defense.gov/2026/Jun/01/2003200001/-1/-1/0/260601-G-AB123-1001.JPG",
                virin="260601-G-AB123-1001",
                caption="A response boat approaches the ferry at dusk.",
                credit="Petty Officer Sam Ortiz",
            )
        ],
        related=[
            RelatedLink(4300800, "Coast Guard Opens New Station on the Lakes", "https://x/1/"),
            RelatedLink(4300801, "Ferry Safety Drills Resume After Winter Pause", "https://x/2/"),
        ],
        tags=["Coast Guard"],
        extractor_version="1.0",
    )
    for name, value in changes.items():
        setattr(article, name, value)
    return article


def body_with(index: int, text: str) -> Article:
    paragraphs = list(BODY)
    paragraphs[index] = text
    return story(paragraphs=paragraphs)


def test_a_paragraph_edit_that_is_only_a_figure_is_said_once() -> None:
    new = body_with(1, BODY[1].replace("$2.5 million", "$3.1 million"))
    report = detect_changes(story(), new)
    edit, figure = report.changes
    assert (edit.kind, figure.kind) == ("paragraph_edited", "figure_changed")
    assert edit.detail["figure_ops"] == [1]
    assert edit.summary == "Paragraph 2 edited: only the figure changed"
    assert "$2.5" not in edit.summary
    assert figure.summary == "Figure changed in paragraph 2: $2.5 million → $3.1 million"
    # One reason: the figure; the paragraph it sits in adds nothing to it.
    assert report.reasons == ["figure changed in paragraph 2: $2.5 million → $3.1 million"]
    assert figure_only(edit) and not figure_only(figure)
    assert_mirror(story(), new)


def test_a_paragraph_with_a_figure_and_other_edits_shows_only_the_others() -> None:
    text = BODY[1].replace("$2.5 million", "$3.1 million").replace("Monday afternoon", "Tuesday")
    new = body_with(1, text)
    report = detect_changes(story(), new)
    edit = report.changes[0]
    assert (
        edit.summary == "Paragraph 2 edited: …a statement released «Monday afternoon.» → «Tuesday.»"
    )
    assert "$2.5" not in edit.summary and "$3.1" not in edit.summary
    assert report.reasons == [
        "figure changed in paragraph 2: $2.5 million → $3.1 million",
        "paragraph 2 edited",
    ]
    assert_mirror(story(), new)


def test_edits_carry_a_few_words_of_context_on_both_sides() -> None:
    replaced = body_with(
        2, BODY[2].replace("examine the ferry engines", "inspect the ferry engines")
    )
    inserted = body_with(2, BODY[2].replace("the island route", "the busy island route"))
    deleted = body_with(3, BODY[3].replace("high winds and heavy rain", "high winds and rain"))
    first = body_with(0, BODY[0].replace("Coast Guard crews", "Two Coast Guard crews"))
    summaries = [detect_changes(story(), new).changes[0].summary for new in (replaced, inserted)]
    summaries += [detect_changes(story(), new).changes[0].summary for new in (deleted, first)]
    assert summaries == [
        "Paragraph 3 edited: Investigators will «examine» → «inspect» the ferry engines…",
        "Paragraph 3 edited: …service on the +«busy» island route.",
        "Paragraph 4 edited: …high winds and −«heavy» rain.",
        "Paragraph 1 edited: +«Two» Coast Guard crews…",
    ]


def test_nearby_edits_are_one_fragment_and_the_rest_are_counted() -> None:
    near = BODY[2].split()
    near[1], near[4] = "would", "boat"  # "will" and "ferry", two words apart: one fragment
    report = detect_changes(story(), body_with(2, " ".join(near)))
    assert edit_fragments(report.changes[0]) == [
        "Investigators «will» → «would» examine the «ferry» → «boat» engines next week…"
    ]
    far = [w.upper() if n % 5 == 0 else w for n, w in enumerate(BODY[1].split())]
    report = detect_changes(story(), body_with(1, " ".join(far)))
    edit = report.changes[0]
    fragments = edit_fragments(edit)
    assert len(fragments) > 3
    assert edit.summary.endswith(f" (+{len(fragments) - 3} more)")
    assert edit.summary.count("«") == 2 * 3  # three fragments shown, one replacement each


def test_reasons_name_which_paragraph_caption_image_and_story() -> None:
    new = copy.deepcopy(story())
    new.paragraphs = [BODY[0], "A new second paragraph about the tow to port.", *BODY[1:3]]
    new.images[0].caption = "A response boat approaches the listing ferry at dusk."
    new.related = [
        new.related[0],
        RelatedLink(4300802, "Cutter Crew Returns From Long Patrol", "https://x/3/"),
    ]
    report = detect_changes(story(), new)
    assert sorted(report.reasons) == sorted(
        [
            "paragraph 2 added",
            "paragraph 4 removed",
            "caption of image 260601-G-AB123-1001 changed",
            "related story added: “Cutter Crew Returns From Long Patrol”",
            "related story removed: “Ferry Safety Drills Resume After Winter Pause”",
        ]
    )
    caption = next(c for c in report.changes if c.kind == "caption_changed")
    assert caption.summary == (
        "Caption changed for image 260601-G-AB123-1001: …boat approaches the +«listing» ferry at "
        "dusk."
    )


def test_title_reasons_show_the_edit_and_a_figure_only_title_is_the_figure() -> None:
    reworded = detect_changes(
        story(), story(title="Coast Guard Saves 42 Sailors From Disabled Ferry")
    )
    assert reworded.reasons == ["title changed: Coast Guard «Rescues» → «Saves» 42 Sailors From…"]
    assert reworded.changes[0].summary == (
        "Title changed: Coast Guard «Rescues» → «Saves» 42 Sailors From…"
    )
    counted = detect_changes(
        story(), story(title="Coast Guard Rescues 44 Sailors From Disabled Ferry")
    )
    assert [c.kind for c in counted.changes] == ["title_changed", "figure_changed"]
    assert counted.reasons == ["figure changed in title: 42 → 44"]
    assert counted.changes[0].summary == "Title changed: only the figure changed"


def test_paragraph_numbers_in_reasons_are_ranges() -> None:
    changes = [
        Change(
            "paragraph_edited", "paragraphs", "a", "b", location={"old_index": i, "new_index": i}
        )
        for i in (1, 2, 3, 6)
    ]
    assert score(changes)[1] == ["paragraphs 2–4 and 7 edited"]
    heading = Change(
        "paragraph_added", "paragraphs", None, "ARMY", location={"new_index": 0, "heading": True}
    )
    assert score([heading])[1] == ["heading 1 added"]
