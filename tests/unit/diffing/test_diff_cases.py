"""Named before/after edits (web-monitoring-diff style): each shows one edit and its report."""

from __future__ import annotations

import copy
import json

import pytest

from dodnews.diffing.detect import detect_changes, mirror_change
from dodnews.diffing.model import KINDS, ChangeReport
from dodnews.model import Article, Image, RelatedLink

PARAGRAPHS = [
    "Engineers from the 19th Engineer Battalion finished a floating bridge across the river "
    "before dawn on Tuesday, letting armored vehicles cross hours ahead of the planned schedule.",
    "The crossing was the centerpiece of a two-week exercise that brought together units from "
    "four allied nations on a training range near the northern border.",
    "Commanders said the exercise cost about $300 million, most of it spent on moving heavy "
    "equipment by rail and sea from depots hundreds of miles away.",
    "Planners had expected the bridge to take six hours to assemble; crews finished it in a "
    "little over four, a pace officers credited to months of rehearsal at home station.",
    "Logistics specialists tracked every pallet with handheld scanners, a system the battalion "
    "adopted last year after losing shipments during an earlier deployment.",
    "A medical team set up a field hospital beside the crossing site and treated a handful of "
    "minor injuries, none of them serious, according to the exercise director.",
    "Allied liaison officers rode in the lead vehicles to practice passing orders between "
    "headquarters that use different radios and different map conventions.",
    "The exercise also tested new drones that map the riverbank in minutes and send the images "
    "straight to the engineers who decide where the bridge sections go.",
    "Local officials watched the crossing from an observation point and later toured the "
    "field kitchens, where cooks served roughly 7,500 meals a day.",
    "Weather cooperated for most of the two weeks, though a storm on the last weekend forced "
    "planners to delay a night river crossing by a full day.",
    "Leaders plan to publish a written review of lessons learned by late spring and share it "
    "with the allied armies that took part in the exercise.",
    "The next iteration of the exercise is scheduled for the same range, with a larger "
    "contingent expected from the partner nations.",
]


def base() -> Article:
    """A 12-paragraph news story with two photos, five related stories, tags and no notices."""
    return Article(
        article_id=4123456,
        url="https://www.war.gov/News/News-Stories/Article/Article/4123456/engineers-bridge-river/",
        section="news-stories",
        title="Engineers Bridge River in Allied Exercise",
        content_type="News",
        published="2026-03-24T14:30:00-04:00",
        byline="By Dana Whitfield, DOD News",
        summary="Army engineers built a floating bridge in four hours during an allied drill.",
        paragraphs=list(PARAGRAPHS),
        images=[
            Image(
                src="https://media.defense.gov/2026/Mar/24/2003111111/-1/-1/0/260324-A-QW123-1001.JPG",
                virin="260324-A-QW123-1001",
                caption="Soldiers push a bridge section into the river.",
                credit="Spc. Morgan Reyes",
            ),
            Image(
                src="https://media.defense.gov/2026/Mar/24/2003111112/-1/-1/0/260324-A-QW123-1002.JPG",
                virin="260324-A-QW123-1002",
                caption="An armored vehicle crosses the finished bridge.",
                credit="Sgt. Lee Park",
            ),
        ],
        related=[
            RelatedLink(4100000 + k, f"Related story {k}", f"https://www.war.gov/x/{k}/")
            for k in range(5)
        ],
        tags=["Army", "Exercises", "Allies"],
        extractor_version="1.0",
    )


def edited(**changes) -> Article:
    article = copy.deepcopy(base())
    for name, value in changes.items():
        setattr(article, name, value)
    return article


def with_paragraph(index: int, text: str) -> Article:
    paragraphs = list(PARAGRAPHS)
    paragraphs[index] = text
    return edited(paragraphs=paragraphs)


def kinds(report: ChangeReport) -> list[str]:
    return [c.kind for c in report.changes]


def canon(changes) -> list[str]:
    return sorted(json.dumps(c.__dict__, sort_keys=True) for c in changes)


def assert_mirror(old: Article, new: Article) -> None:
    forward, backward = detect_changes(old, new), detect_changes(new, old)
    assert canon(backward.changes) == canon(mirror_change(c) for c in forward.changes)
    assert backward.significance == forward.significance


def test_self_diff_is_empty():
    report = detect_changes(base(), base())
    assert report.changes == [] and not report.changed and report.significance == 0
    assert report.deepdiff == {}


def test_change_figure_in_paragraph():
    old = base()
    new = with_paragraph(2, PARAGRAPHS[2].replace("$300 million", "$350 million"))
    report = detect_changes(old, new)
    assert kinds(report) == ["paragraph_edited", "figure_changed"]
    figure = report.changes[1]
    assert (figure.before, figure.after) == ("$300 million", "$350 million")
    assert figure.location == {"old_index": 2, "new_index": 2}
    assert figure.summary == "Figure changed in paragraph 3: $300 million → $350 million"
    edit = report.changes[0]
    changed_ops = [op for op in edit.detail["ops"] if op["op"] != "equal"]
    assert changed_ops == [{"op": "replace", "old": "$300", "new": "$350"}]
    assert "figure changed in paragraph 3: $300 million → $350 million" in report.reasons
    assert_mirror(old, new)


def test_insert_paragraph_at_top():
    added = "A new opening paragraph now explains why the bridge matters to the alliance."
    new = edited(paragraphs=[added, *PARAGRAPHS])
    report = detect_changes(base(), new)
    assert kinds(report) == ["paragraph_added"]
    assert report.changes[0].after == added
    assert report.changes[0].location == {"new_index": 0}
    assert report.reasons == ["paragraph 1 added"]
    assert_mirror(base(), new)


def test_delete_paragraph():
    new = edited(paragraphs=PARAGRAPHS[:5] + PARAGRAPHS[6:])
    report = detect_changes(base(), new)
    assert kinds(report) == ["paragraph_removed"]
    assert report.changes[0].before == PARAGRAPHS[5]
    assert report.changes[0].location == {"old_index": 5}
    assert report.changes[0].summary.startswith("Paragraph 6 removed: “A medical team")


def test_swap_two_paragraphs():
    paragraphs = list(PARAGRAPHS)
    paragraphs[3], paragraphs[4] = paragraphs[4], paragraphs[3]
    report = detect_changes(base(), edited(paragraphs=paragraphs))
    assert kinds(report) == ["paragraph_moved"]
    assert_mirror(base(), edited(paragraphs=paragraphs))


def test_move_paragraph_to_end():
    paragraphs = PARAGRAPHS[:1] + PARAGRAPHS[2:] + PARAGRAPHS[1:2]
    report = detect_changes(base(), edited(paragraphs=paragraphs))
    assert kinds(report) == ["paragraph_moved"]
    change = report.changes[0]
    assert change.location == {"old_index": 1, "new_index": 11}
    assert change.before == change.after == PARAGRAPHS[1]


def test_reword_paragraph_without_figures():
    text = PARAGRAPHS[6].replace("rode in the lead vehicles", "traveled with the lead convoy")
    report = detect_changes(base(), with_paragraph(6, text))
    assert kinds(report) == ["paragraph_edited"]
    change = report.changes[0]
    assert (change.before, change.after) == (PARAGRAPHS[6], text)
    assert change.location == {"old_index": 6, "new_index": 6}
    changed = [(op["old"], op["new"]) for op in change.detail["ops"] if op["op"] != "equal"]
    assert changed == [("rode in", "traveled with"), ("vehicles", "convoy")]


def test_rewrite_whole_paragraph_is_removed_plus_added():
    text = "Officials declined to discuss the cost of the drill or how long it lasted."
    report = detect_changes(base(), with_paragraph(6, text))
    assert sorted(kinds(report)) == ["paragraph_added", "paragraph_removed"]


def test_insert_and_edit_elsewhere():
    paragraphs = ["An added paragraph at the top about river crossings in general.", *PARAGRAPHS]
    paragraphs[9] = paragraphs[9].replace("7,500 meals", "8,000 meals")
    report = detect_changes(base(), edited(paragraphs=paragraphs))
    assert kinds(report) == ["paragraph_added", "paragraph_edited", "figure_changed"]
    assert report.changes[1].location == {"old_index": 8, "new_index": 9}
    assert (report.changes[2].before, report.changes[2].after) == ("7,500", "8,000")
    assert report.changes[2].detail["unit"] == "meals"


def test_edited_and_moved_paragraph_is_one_edit():
    moved = PARAGRAPHS[4].replace("last year", "two years ago")
    paragraphs = PARAGRAPHS[:4] + PARAGRAPHS[5:] + [moved]
    report = detect_changes(base(), edited(paragraphs=paragraphs))
    assert kinds(report) == ["paragraph_edited"]
    assert report.changes[0].detail["moved"] is True
    assert report.changes[0].location == {"old_index": 4, "new_index": 11}


def test_duplicate_paragraphs_keep_their_own_changes():
    dup = "Photos from the exercise are available online."
    old = edited(paragraphs=[*PARAGRAPHS[:3], dup, *PARAGRAPHS[3:6], dup, *PARAGRAPHS[6:]])
    new = edited(paragraphs=[*PARAGRAPHS[:3], dup, *PARAGRAPHS[3:6], *PARAGRAPHS[6:]])
    report = detect_changes(old, new)
    assert kinds(report) == ["paragraph_removed"]
    assert report.changes[0].location == {"old_index": 7}


def test_heading_added_is_a_paragraph_marked_heading():
    new = edited(paragraphs=["ARMY", *PARAGRAPHS], headings=[0])
    report = detect_changes(base(), new)
    assert kinds(report) == ["paragraph_added"]
    assert report.changes[0].location == {"new_index": 0, "heading": True}
    assert report.changes[0].summary == "Heading 1 added: “ARMY”"


def test_add_banner():
    banner = "You are viewing part of a historical collection; some links may no longer work."
    report = detect_changes(base(), edited(banner=banner))
    assert kinds(report) == ["banner_added"]
    assert report.changes[0].after == banner
    assert report.reasons == ["banner added"]
    assert report.deepdiff["type_changes"]["root['banner']"]["new_value"] == banner


def test_remove_banner():
    banner = "You are viewing part of a historical collection."
    report = detect_changes(edited(banner=banner), base())
    assert kinds(report) == ["banner_removed"]
    assert report.changes[0].before == banner


def test_change_banner():
    old = edited(banner="You are viewing part of a historical collection.")
    new = edited(banner="You are viewing part of an archived collection.")
    report = detect_changes(old, new)
    assert kinds(report) == ["banner_changed"]


def test_add_correction():
    note = "Editor's note: This article was updated to correct the battalion's name."
    report = detect_changes(base(), edited(corrections=[note]))
    assert kinds(report) == ["correction_added"]
    assert report.changes[0].after == note
    assert report.reasons == ["correction added"]


def test_edit_correction():
    old = edited(corrections=["Correction: An earlier version misstated the length of the drill."])
    new = edited(
        corrections=["Correction: An earlier version misstated the length of the exercise."]
    )
    report = detect_changes(old, new)
    assert kinds(report) == ["correction_changed"]
    assert report.changes[0].location == {"old_index": 0, "new_index": 0}


def test_second_correction_added_and_one_removed():
    first = "Correction: An earlier version misstated the length of the drill."
    second = "Update: The review of lessons learned has been published."
    report = detect_changes(edited(corrections=[first]), edited(corrections=[first, second]))
    assert kinds(report) == ["correction_added"]
    removed = detect_changes(edited(corrections=[first]), base())
    assert kinds(removed) == ["correction_changed"]
    assert (removed.changes[0].before, removed.changes[0].after) == (first, None)
    assert removed.changes[0].summary.startswith("Correction removed")
    assert_mirror(edited(corrections=[first]), base())


def test_corrections_are_never_paragraph_changes():
    note = "Editor's note: This story was updated with new figures."
    report = detect_changes(base(), edited(corrections=[note], paragraphs=list(PARAGRAPHS)))
    assert not any(k.startswith("paragraph") for k in kinds(report))


def test_change_title_with_figure():
    new = edited(title="Engineers Bridge River in 4-Nation Allied Exercise")
    report = detect_changes(base(), new)
    assert kinds(report) == ["title_changed"]
    new = edited(title="Engineers Bridge River in 4 Hours")
    old = edited(title="Engineers Bridge River in 6 Hours")
    report = detect_changes(old, new)
    assert kinds(report) == ["title_changed", "figure_changed"]
    assert (report.changes[1].before, report.changes[1].after) == ("6", "4")
    assert report.changes[1].field == "title"
    assert report.changes[1].detail["unit"] == "Hours"


def test_change_caption():
    new = copy.deepcopy(base())
    new.images[0].caption = "Soldiers push the first bridge section into the river."
    report = detect_changes(base(), new)
    assert kinds(report) == ["caption_changed"]
    assert report.changes[0].location == {"image": "260324-A-QW123-1001"}
    assert report.reasons == ["caption of image 260324-A-QW123-1001 changed"]


def test_figure_in_caption():
    new = copy.deepcopy(base())
    old = copy.deepcopy(base())
    old.images[1].caption = "One of 40 armored vehicles crosses the bridge."
    new.images[1].caption = "One of 45 armored vehicles crosses the bridge."
    report = detect_changes(old, new)
    assert kinds(report) == ["caption_changed", "figure_changed"]
    assert report.changes[1].summary == (
        "Figure changed in caption of image 260324-A-QW123-1002: 40 → 45 armored vehicles"
    )


def test_change_credit():
    new = copy.deepcopy(base())
    new.images[1].credit = "Staff Sgt. Lee Park"
    report = detect_changes(base(), new)
    assert kinds(report) == ["credit_changed"]
    assert (report.changes[0].before, report.changes[0].after) == (
        "Sgt. Lee Park",
        "Staff Sgt. Lee Park",
    )


def test_add_image():
    new = copy.deepcopy(base())
    new.images.append(
        Image(
            src="https://media.defense.gov/2026/Mar/25/2003111113/-1/-1/0/260325-A-QW123-1003.JPG",
            virin="260325-A-QW123-1003",
            caption="Cooks prepare meals in a field kitchen.",
        )
    )
    report = detect_changes(base(), new)
    assert kinds(report) == ["image_added"]
    assert report.changes[0].after["virin"] == "260325-A-QW123-1003"


def test_remove_image():
    new = copy.deepcopy(base())
    del new.images[0]
    report = detect_changes(base(), new)
    assert kinds(report) == ["image_removed"]
    assert report.changes[0].location == {"image": "260324-A-QW123-1001"}


def test_image_size_variant_and_query_is_no_change():
    new = copy.deepcopy(base())
    new.images[
        0
    ].src = (
        "https://media.defense.gov/2026/Mar/24/2003111111/825/550/0/260324-A-QW123-1001.JPG?ver=3"
    )
    new.images.reverse()  # photo order alone is not an edit either
    assert detect_changes(base(), new).changes == []


def test_image_without_virin_matched_by_full_size_src():
    old, new = copy.deepcopy(base()), copy.deepcopy(base())
    old.images[0].virin = new.images[0].virin = None
    new.images[0].src = new.images[0].src.replace("/-1/-1/0/", "/640/427/0/") + "?cb=17"
    assert detect_changes(old, new).changes == []


def test_rotate_related():
    new = copy.deepcopy(base())
    newer = RelatedLink(4200001, "A newer story", "https://www.war.gov/y/")
    new.related = [*new.related[1:], newer]
    new.related[0].title = "A retitled related story"  # a changed related title is not a change
    report = detect_changes(base(), new)
    assert sorted(kinds(report)) == ["related_added", "related_removed"]
    by_kind = {c.kind: c for c in report.changes}
    assert by_kind["related_added"].location == {"article_id": 4200001}
    assert by_kind["related_removed"].location == {"article_id": 4100000}


def test_tags():
    new = edited(tags=["Allies", "Army", "Engineers"])
    report = detect_changes(base(), new)
    assert kinds(report) == ["tags_changed"]
    assert report.changes[0].detail == {"added": ["Engineers"], "removed": ["Exercises"]}
    assert detect_changes(base(), edited(tags=["Exercises", "Allies", "Army"])).changes == []


def test_url_slug_change():
    new = edited(url=base().url.replace("engineers-bridge-river", "engineers-bridge-wide-river"))
    report = detect_changes(base(), new)
    assert kinds(report) == ["url_changed"]
    assert report.changes[0].summary == (
        "URL slug changed: engineers-bridge-river → engineers-bridge-wide-river"
    )


def test_host_and_old_path_variants_are_no_change():
    variants = [
        "https://www.defense.gov/News/News-Stories/Article/Article/4123456/engineers-bridge-river/",
        "http://WWW.WAR.GOV/News/News-Stories/Article/Article/4123456/engineers-bridge-river/?ref=x",
        "https://www.defense.gov/Explore/News/Article/Article/4123456/engineers-bridge-river/",
    ]
    for url in variants:
        assert detect_changes(base(), edited(url=url)).changes == [], url


def test_byline_and_summary_and_date():
    new = edited(
        byline="By Dana Whitfield and Sam Ortiz, DOD News",
        summary="Army engineers built a floating bridge in three hours during an allied drill.",
        published="2026-03-26T09:00:00-04:00",
    )
    report = detect_changes(base(), new)
    assert kinds(report) == ["byline_changed", "date_changed", "summary_changed", "figure_changed"]
    assert (report.changes[3].before, report.changes[3].after) == ("four", "three")


def test_date_formatting_is_no_change():
    assert detect_changes(base(), edited(published="2026-03-24T18:30:00+00:00")).changes == []
    assert detect_changes(base(), edited(published="2026-03-24")).changes == []
    assert detect_changes(base(), edited(published="2026-03-24T14:30:00")).changes == []
    assert kinds(detect_changes(base(), edited(published="2026-03-25"))) == ["date_changed"]


def test_whitespace_only_is_no_change():
    paragraphs = [f"  {p.replace(' ', '   ', 3)}\n" for p in PARAGRAPHS]
    new = edited(paragraphs=paragraphs, title=" Engineers  Bridge River in Allied Exercise ")
    assert detect_changes(base(), new).changes == []


def test_nbsp_and_unicode_normalization_is_no_change():
    old = with_paragraph(0, "Caf\u00e9 owners near the range said 12 percent more visitors came.")
    new = with_paragraph(
        0, "Cafe\u0301 owners near the\u00a0range said 12\u00a0percent more visitors came."
    )
    new.title = base().title.replace(" ", "\u00a0", 1)
    new.images[0].caption = base().images[0].caption + "\u200b"
    assert detect_changes(old, new).changes == []


def test_quotes_are_kept_as_published():
    old = with_paragraph(1, 'The director said "the crossing went well" on Tuesday.')
    new = with_paragraph(1, "The director said \u201cthe crossing went well\u201d on Tuesday.")
    report = detect_changes(old, new)
    assert kinds(report) == ["paragraph_edited"]


def test_extractor_version_and_content_type_are_ignored():
    report = detect_changes(base(), edited(extractor_version="2.0", content_type="Story"))
    assert report.changes == []
    assert report.provenance.extractor_version == "1.0 -> 2.0"


def test_provenance():
    report = detect_changes(
        base(),
        edited(title="Engineers Span River"),
        old_captured_at="2026-03-24T20:00:00Z",
        new_captured_at="2026-03-25T20:00:00Z",
    )
    p = report.provenance
    assert p.article_id == 4123456
    assert (p.old_captured_at, p.new_captured_at) == (
        "2026-03-24T20:00:00Z",
        "2026-03-25T20:00:00Z",
    )
    assert len(p.old_hash) == len(p.new_hash) == 64 and p.old_hash != p.new_hash
    assert p.old_url == p.new_url == base().url
    assert p.extractor_version == "1.0"
    assert p.tool_version and p.deepdiff_version.startswith("9.")
    round_trip = ChangeReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert round_trip.to_dict() == report.to_dict()


def test_equal_hashes_short_cut_without_deepdiff():
    report = detect_changes(base(), edited(title="Anything"), old_hash="same", new_hash="same")
    assert report.changes == [] and report.deepdiff == {}


def test_different_articles_are_refused():
    with pytest.raises(ValueError, match="different articles"):
        detect_changes(base(), edited(article_id=1))


def test_every_change_has_a_known_kind_and_a_summary():
    new = copy.deepcopy(base())
    new.title = "Engineers Bridge River in Record Time"
    new.paragraphs = [
        PARAGRAPHS[1],
        PARAGRAPHS[0],
        *PARAGRAPHS[2:8],
        "A brand new paragraph.",
        *PARAGRAPHS[9:],
    ]
    new.banner = "Historical collection notice."
    new.images[0].credit = "Pfc. Ana Cruz"
    new.tags = ["Army"]
    report = detect_changes(base(), new)
    assert report.changes
    for change in report.changes:
        assert change.kind in KINDS
        assert change.summary
    json.dumps(report.to_dict())  # JSON-safe throughout
    assert 0 < report.significance < 1
    assert_mirror(base(), new)
