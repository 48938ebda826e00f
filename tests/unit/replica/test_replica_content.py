"""The replica's content layer: epoch edits, the timeline, the generator (no server)."""

from __future__ import annotations

import json
import time

import pytest

from dodnews.errors import UserError
from dodnews.replica import content, generator, pages
from dodnews.site import WAR


def _article(article_id: int = 4390001, **extra: object) -> dict:
    base = {
        "id": article_id,
        "section": "news-stories",
        "title": "Guard Engineers Rebuild Flooded Bridge in 19 Days",
        "published": "2026-06-03T09:15:00",
        "byline": "By Rita Olsen, DOD News",
        "summary": "Engineers from three states finished the span ahead of schedule.",
        "og": True,
        "show_time": True,
        "banner": None,
        "body": [
            {"p": "Engineers laid 14 steel girders across the river in under three weeks."},
            {
                "image": {
                    "virin": "260603-Z-QR512-1004",
                    "asset": 2003800123,
                    "date": "2026/Jun/03",
                    "title": "Girder Lift",
                    "alt": "A crane lifts a girder.",
                    "caption": "A crane lifts a girder into place.",
                    "credit": "Army Sgt. Lee Park",
                    "size_kb": 710,
                }
            },
            {"p": "The project cost $4.2 million, state officials said."},
            {"p": "Traffic will return to the bridge next month."},
        ],
        "related": [],
        "tags": ["National Guard"],
        "links": {"host": "war.gov", "variant": "plain"},
    }
    base.update(extra)
    return base


def test_replace_text_in_paragraph_counts_only_text_blocks() -> None:
    edit = {
        "op": "replace_text",
        "target": {"paragraph": 1},
        "old": "$4.2 million",
        "new": "$4.6 million",
    }
    after = content.apply_edit(_article(), edit, 1)
    assert after["body"][2]["p"] == "The project cost $4.6 million, state officials said."
    assert after["_rev"] == 1


def test_apply_edit_leaves_input_untouched() -> None:
    art = _article()
    content.apply_edit(art, {"op": "delete_paragraph", "at": 0}, 1)
    assert len(art["body"]) == 4


def test_replace_text_must_match_once() -> None:
    with pytest.raises(content.EditError):
        content.apply_edit(
            _article(),
            {"op": "replace_text", "target": {"paragraph": 0}, "old": "e", "new": "E"},
            1,
        )


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        (
            {"op": "insert_paragraph", "at": 3, "text": "New last."},
            lambda a: a["body"][-1] == {"p": "New last."},
        ),
        (
            {"op": "insert_paragraph", "at": 0, "text": "New first."},
            lambda a: a["body"][0] == {"p": "New first."},
        ),
        (
            {"op": "move_paragraph", "from": 0, "to": 2},
            lambda a: a["body"][-1]["p"].startswith("Engineers laid"),
        ),
        (
            {"op": "rewrite_paragraph", "at": 2, "text": "Rewritten."},
            lambda a: a["body"][3] == {"p": "Rewritten."},
        ),
        (
            {"op": "replace_text", "target": {"caption": 0}, "old": "crane", "new": "barge crane"},
            lambda a: a["body"][1]["image"]["caption"].startswith("A barge crane"),
        ),
        ({"op": "remove_image", "index": 0}, lambda a: all("image" not in b for b in a["body"])),
        (
            {"op": "add_note", "text": "Correction: The bridge has 14 girders, not 12."},
            lambda a: a["body"][-1]["note"].startswith("Correction:"),
        ),
        ({"op": "set_banner", "value": "historical"}, lambda a: a["banner"] == "historical"),
        (
            {"op": "set_field", "field": "title", "value": "Bridge Reopens"},
            lambda a: content.slug_of(a) == "Bridge-Reopens",
        ),
        ({"op": "noise", "what": "image_size"}, lambda a: a["_noise"] == {"image_size": 1}),
    ],
)
def test_each_op(edit: dict, check: object) -> None:
    assert check(content.apply_edit(_article(), edit, 2))  # type: ignore[operator]


def test_empty_contract_slug_survives_retitle() -> None:
    art = _article(section="contracts", slug="")
    after = content.apply_edit(art, {"op": "set_field", "field": "title", "value": "X"}, 1)
    assert content.slug_of(after) == ""
    assert content.canonical_of(after, WAR).endswith("/Article/4390001//")


def test_timeline_tracks_removed_moved_new_and_order() -> None:
    old = _article(4390002, published="2024-01-05T10:00:00", title="Older Story")
    epochs = [
        {
            "epoch": 1,
            "edits": [
                {"id": 4390001, "op": "remove_article", "expect": []},
                {
                    "id": 4390002,
                    "op": "move_article",
                    "section": "feature-stories",
                    "expect": [{"kind": "url_changed"}],
                },
                {
                    "op": "new_article",
                    "article": _article(
                        4390003, published="2026-11-20T08:00:00", title="Newest Story"
                    ),
                    "expect": [],
                },
            ],
        },
    ]
    timeline = content.Timeline([_article(), old], epochs)
    assert timeline.max_epoch == content.MIN_EPOCHS
    zero, one = timeline.state(0), timeline.state(1)
    assert zero.order == [4390001, 4390002]
    assert one.removed == {4390001}
    assert one.order == [4390003, 4390002]
    assert one.by_section["feature-stories"] == [4390002]
    before, after = one.moved[4390002]
    assert "/News-Stories/" in before and "/Feature-Stories/Story/" in after
    # cumulative: epoch 2 keeps what epoch 1 did
    assert timeline.state(2).removed == {4390001}
    entry = timeline.manifest(1)["edits"][1]
    assert entry["url_before"] == before and entry["url_after"] == after
    assert entry["op"] == "move_article" and entry["expect"] == [{"kind": "url_changed"}]


def test_unknown_epoch_is_a_user_error() -> None:
    with pytest.raises(UserError, match="unknown epoch 9"):
        content.Timeline([_article()], []).state(9)


def test_bad_edit_names_the_epoch() -> None:
    epochs = [{"epoch": 1, "edits": [{"id": 4390001, "op": "delete_paragraph", "at": 40}]}]
    with pytest.raises(UserError, match="epoch 1"):
        content.Timeline([_article()], epochs)


def test_load_data_from_directory(tmp_path) -> None:
    (tmp_path / "articles.json").write_text(json.dumps([_article()]))
    articles, epochs = content.load_data(tmp_path)
    assert articles[0]["id"] == 4390001 and epochs == []


def test_generator_is_deterministic_and_seed_sensitive() -> None:
    one = generator.generate_articles(60, seed=7)
    assert one == generator.generate_articles(60, seed=7)
    assert one != generator.generate_articles(60, seed=8)
    assert [a["published"] for a in one] == sorted(a["published"] for a in one)
    assert len({a["id"] for a in one}) == 60
    assert {a["section"] for a in one} == set(WAR.section_keys)


def test_generated_contracts_and_transcripts_have_their_shapes() -> None:
    arts = generator.generate_articles(300, seed=2)
    contracts = [a for a in arts if a["section"] == "contracts"]
    assert any(a.get("slug") == "" for a in contracts)
    assert all(any("heading" in b for b in a["body"]) for a in contracts)
    transcripts = [a for a in arts if a["section"] == "transcripts"]
    assert all(any("speaker" in b for b in a["body"]) for a in transcripts)


def test_generated_edits_apply_and_are_recorded() -> None:
    arts = generator.generate_articles(400, seed=3)
    timeline = content.Timeline([], [], arts, seed=3)
    edits = timeline.manifest(1)["edits"]
    assert len(edits) == 8  # 2 % of 400
    figure = next(e for e in edits if e["op"] == "replace_text")
    changed = timeline.state(1).articles[figure["id"]]
    assert figure["new"] in json.dumps(changed, ensure_ascii=False)
    assert figure["expect"][1] == {
        "kind": "figure_changed",
        "before": figure["old"],
        "after": figure["new"],
    }
    assert timeline.manifest(1) == content.Timeline([], [], arts, seed=3).manifest(1)


@pytest.mark.slow
def test_generator_is_fast_enough_for_50000() -> None:
    start = time.perf_counter()
    arts = generator.generate_articles(50_000, seed=1)
    content.Timeline([], [], arts, seed=1)
    assert len(arts) == 50_000
    assert time.perf_counter() - start < 20


def test_ap_dates_mix_month_forms() -> None:
    sept = [
        pages.ap_date(_article(i, published="2026-09-15T14:30:00"))
        for i in (4390001, 4390002, 4390003)
    ]
    assert set(sept) == {"Sept. 15, 2026", "Sep. 15, 2026"}
    assert pages.ap_date(_article(4390001, published="2025-07-04T09:00:00")) == "July 4, 2025"
    assert pages.ap_date(_article(4390002, published="2025-07-04T09:00:00")) == "Jul. 4, 2025"
