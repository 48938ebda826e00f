"""The replica and extraction agree: what the replica renders from data, extraction reads back.

In-process (no server): every article of the packaged data plus generated ones, at every epoch,
and each listing shape, RSS and GetList.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from dodnews import site
from dodnews.extract import extract_article, extract_getlist, extract_listing, extract_rss
from dodnews.replica import render
from dodnews.replica.content import build_timeline, slug_of
from dodnews.replica.server import Replica

_CORRECTION = re.compile(r"(?i)(editor.s note|correction|update|clarification)")


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\u00a0", " ")).strip()


def _expected(article: dict[str, Any]) -> tuple[list[str], list[int], list[str]]:
    """Paragraphs, heading indexes and correction lines the data says the page shows."""
    paragraphs: list[str] = []
    headings: list[int] = []
    notes: list[str] = []
    for block in article["body"]:
        if "image" in block:
            continue
        if "note" in block:
            notes.append(block["note"])
        elif "heading" in block:
            headings.append(len(paragraphs))
            paragraphs.append(block["heading"])
        elif "speaker" in block:
            paragraphs.append(f"{block['speaker']}: {block['p']}")
        elif _CORRECTION.match(block["p"]):
            notes.append(block["p"])  # a hand-written correction line written as a paragraph
        else:
            paragraphs.append(block["p"])
    return [_norm(p) for p in paragraphs], headings, [_norm(n) for n in notes]


@pytest.fixture(scope="module")
def replica() -> Replica:
    return Replica(build_timeline(None, articles=600, seed=4))


def test_every_article_at_every_epoch_extracts_to_its_data(replica: Replica) -> None:
    checked = 0
    for epoch in range(replica.timeline.max_epoch + 1):
        replica.set_epoch(epoch)
        for article_id, data in replica.state.articles.items():
            path = site.article_path(article_id, data["section"], slug_of(data))
            page = replica.route(path, {}, {})
            assert page.status == 200
            art = extract_article(page.body, "https://www.war.gov" + path)
            paragraphs, headings, notes = _expected(data)
            where = (epoch, article_id)
            assert art.article_id == article_id, where
            assert art.url == site.canonical_url(article_id, data["section"], slug_of(data)), where
            assert art.section == data["section"], where
            assert _norm(art.title) == _norm(data["title"]), where
            assert [_norm(p) for p in art.paragraphs] == paragraphs, where
            assert art.headings == headings, where
            assert [_norm(c) for c in art.corrections] == notes, where
            assert _norm(art.byline) == _norm(data.get("byline")), where
            expected_date = data["published"] if data.get("show_time", True) else ""
            assert (art.published or "").startswith(expected_date or data["published"][:10])
            images = [b["image"] for b in data["body"] if "image" in b]
            assert [(i.virin, _norm(i.caption), _norm(i.credit)) for i in art.images] == [
                (i["virin"], _norm(i["caption"]), _norm(i["credit"])) for i in images
            ], where
            assert [r.article_id for r in art.related] == [
                r for r in data.get("related", []) if r in replica.state.known
            ], where
            assert sorted(set(art.tags)) == sorted(set(data.get("tags", []))), where
            assert bool(art.banner) == bool(data.get("banner")), where
            checked += 1
    assert checked > 1800


@pytest.mark.parametrize(
    ("section", "page"),
    [("news-stories", 1), ("contracts", 3), ("speeches", 2), ("transcripts", 3), (None, 1)],
)
def test_every_listing_shape_extracts(replica: Replica, section: str | None, page: int) -> None:
    replica.set_epoch(0)
    path = site.SECTIONS[section].listing_path if section else "/"
    ids = replica.state.by_section[section] if section else replica.state.order
    html = replica.route(path, {"page": str(page)}, {}).body
    entries = extract_listing(html, "https://www.war.gov" + path)
    assert [e.article_id for e in entries] == ids[(page - 1) * 10 : page * 10]
    assert all(e.url.startswith(("http://", "https://")) for e in entries)


def test_rss_and_getlist_extract(replica: Replica) -> None:
    replica.set_epoch(1)
    feed = replica.route(
        "/DesktopModules/ArticleCS/RSS.ashx", {"contenttype": "9", "max": "40"}, {}
    ).body
    entries = extract_rss(feed, site.rss_url(9, 40))
    assert [e.article_id for e in entries] == replica.state.by_section["releases"][:40]
    body = replica.route("/API/ArticleCS/Public/GetList", {"moduleid": "400", "dpage": "2"}, {})
    listed, done = extract_getlist(body.body, "https://www.war.gov/API/ArticleCS/Public/GetList")
    assert [e.article_id for e in listed] == replica.state.by_section["contracts"][10:20]
    assert done is False
    assert render.PAGE_SIZE == 10


def _articles_at(replica: Replica, epoch: int) -> dict:
    replica.set_epoch(epoch)
    found = {}
    for article_id, data in replica.state.articles.items():
        path = site.article_path(article_id, data["section"], slug_of(data))
        page = replica.route(path, {}, {})
        found[article_id] = extract_article(page.body, "https://www.war.gov" + path)
    return found


def test_epoch_edits_diff_to_their_typed_kinds_only(replica: Replica) -> None:
    """Each epoch against the one before, in process: every edit of the manifest comes out as
    exactly its typed kinds, the safety net adds nothing where they explain the edit, and chrome
    changes and noise edits report nothing."""
    from dodnews.diffing.detect import detect_changes
    from tests.crawl_support import expected_by_article

    problems = []
    compared = 0
    before = _articles_at(replica, 0)
    for epoch in range(1, replica.timeline.max_epoch + 1):
        after = _articles_at(replica, epoch)
        expected = expected_by_article(replica.timeline.manifest(epoch))
        for article_id in sorted(before.keys() & after.keys()):
            want = expected.get(article_id, {"kinds": set(), "ops": set()})
            if want["ops"] & {"move_article", "remove_article", "new_article"}:
                continue  # identity changes: the crawl tests follow them
            report = detect_changes(before[article_id], after[article_id])
            compared += 1
            if set(report.kinds) != want["kinds"] or "other_text_changed" in report.kinds:
                summaries = [c.summary for c in report.changes]
                problems.append((epoch, article_id, sorted(want["kinds"]), summaries))
        before = after
    assert problems == []
    assert compared > 1000
