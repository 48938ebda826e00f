"""Extraction reads every replica markup variant back to the replica's ground truth.

One case per shape of each part (markup.PARTS), the other parts in the first replica's shape, so
a failure names the shape extraction does not read.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from dodnews.extract import extract_article
from dodnews.model import Article
from dodnews.replica import pages
from dodnews.replica.content import EpochState, Timeline, build_timeline, slug_of
from dodnews.replica.faults import restyle
from dodnews.replica.markup import CONTRACT_FRAME, PARTS, SHIFT_ONLY, MarkupPlan, Shift
from dodnews.site import WAR, article_path

# Fields each part can disturb; paragraphs always: page furniture must never become body text.
_FIELDS = {
    "frame": ("title", "url", "published", "byline", "images", "related", "banner", "headings"),
    "byline": ("byline", "title", "published"),
    "byline-place": ("byline", "title", "published"),
    "photo": ("images",),
    "photo-src": ("images",),
    "download": ("images",),
    "related": ("related",),
    "related-heading": ("related",),
    "banner": ("banner", "title"),
}
_TIMELINES: dict[tuple[tuple[Shift, ...], bool], Timeline] = {}


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\u00a0", " ")).strip()


def _timeline(shifts: tuple[Shift, ...], variants: bool = False) -> Timeline:
    key = (shifts, variants)
    if key not in _TIMELINES:
        plan = MarkupPlan(variants=variants, shifts=shifts)
        _TIMELINES[key] = build_timeline(None, articles=30, seed=2, markup=plan)
    return _TIMELINES[key]


def _got(art: Article, field: str) -> Any:
    if field == "images":
        return [
            (i.src, i.virin, _norm(i.title), _norm(i.alt), _norm(i.caption), _norm(i.credit))
            for i in art.images
        ]
    if field == "related":
        return [r.article_id for r in art.related]
    if field in ("title", "byline", "banner"):
        return _norm(getattr(art, field)) or None
    return getattr(art, field)


def _want(truth: dict[str, Any], field: str) -> Any:
    if field == "images":
        return [
            (
                i["src"],
                i["virin"],
                _norm(i["title"]),
                _norm(i["alt"]),
                _norm(i["caption"]),
                _norm(i["credit"]),
            )
            for i in truth["images"]
        ]
    if field in ("title", "byline", "banner"):
        return _norm(truth[field]) or None
    return truth[field]


def _check(state: EpochState, part: str, fields: tuple[str, ...], contracts: bool) -> int:
    checked = 0
    for article_id, data in state.articles.items():
        if (data["section"] == "contracts") != contracts:
            continue
        if part not in pages.shapes_of(state, data):
            continue  # the article has no such part (no byline, no photo...)
        path = article_path(article_id, data["section"], slug_of(data), WAR)
        page = pages.fill(pages.article_page(state, data).parts)
        art = extract_article(page, "https://www.war.gov" + path)
        truth = pages.ground_truth(state, data)
        where = (state.epoch, article_id, pages.shapes_of(state, data))
        for field in fields:
            if field == "published":
                assert (art.published or "").startswith(truth["published"]), (where, art.published)
            else:
                assert _got(art, field) == _want(truth, field), (where, field)
        assert [_norm(p) for p in art.paragraphs] == [_norm(p) for p in truth["paragraphs"]], where
        checked += 1
    return checked


def _cases() -> list[Any]:
    cases = []
    for part, shapes in PARTS.items():
        frames = PARTS["frame"] if part in ("byline", "byline-place", "related") else ("",)
        for shape in shapes:
            for frame in frames:
                name = f"{part}={shape}" + (f"+frame={frame}" if frame else "")
                cases.append(pytest.param(part, shape, frame, id=name))
    return cases


@pytest.mark.parametrize(("part", "shape", "frame"), _cases())
def test_each_markup_variant_extracts_to_the_ground_truth(
    part: str, shape: str, frame: str
) -> None:
    shifts = [Shift(part, 0, shape)]
    if frame:
        shifts.append(Shift("frame", 0, frame))
    timeline = _timeline(tuple(shifts))
    checked = sum(_check(timeline.state(e), part, _FIELDS[part], False) for e in (0, 2))
    assert checked >= 4


@pytest.mark.parametrize("epoch", [0, 1, 2])
def test_contracts_in_the_real_frame_extract_their_date_from_the_title(epoch: int) -> None:
    state = _timeline((), variants=True).state(epoch)
    assert all(
        pages.shapes_of(state, a)["frame"] == CONTRACT_FRAME
        for a in state.articles.values()
        if a["section"] == "contracts"
    )
    fields = ("title", "url", "published", "headings")
    assert _check(state, "frame", fields, True) >= 8


def test_shift_only_byline_card_is_not_required() -> None:
    """A redesign without the "By" label may lose the byline; it must not leak into the body."""
    state = _timeline((Shift("byline", 0, SHIFT_ONLY["byline"][0]),)).state(0)
    assert _check(state, "byline", ("title", "published"), False) >= 4


@pytest.mark.parametrize("frame", PARTS["frame"])
@pytest.mark.parametrize("shape", PARTS["byline"])
def test_restyle_fault_hides_the_byline_in_every_shape(shape: str, frame: str) -> None:
    """The `restyle` fault (a header redesign) finds the byline whatever its shape, and only it."""
    state = _timeline((Shift("byline", 0, shape), Shift("frame", 0, frame))).state(0)
    restyled = 0
    for article_id, data in state.articles.items():
        path = article_path(article_id, data["section"], slug_of(data), WAR)
        page = pages.fill(pages.article_page(state, data).parts).encode()
        before = extract_article(page, "https://www.war.gov" + path)
        after = extract_article(restyle(page), "https://www.war.gov" + path)
        assert after.byline is None, (article_id, shape)
        if data.get("byline"):
            assert before.byline == data["byline"]
            restyled += 1
        before.byline = None
        # the visible text loses its "By", and so the region text: not a field
        if data.get("byline"):
            assert data["byline"] not in " ".join(after.region)
        before.region = after.region
        assert after == before, article_id
    assert restyled >= 10
