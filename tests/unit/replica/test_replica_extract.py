"""The replica and extraction agree: what the replica renders from data, extraction reads back.

In-process (no server): every article of the packaged data plus generated ones, at every epoch,
and each listing shape, RSS and GetList.
"""

from __future__ import annotations

import re

import pytest

from dodnews.extract import extract_article, extract_getlist, extract_listing, extract_rss
from dodnews.replica import pages
from dodnews.replica.content import build_timeline, slug_of
from dodnews.replica.markup import MarkupPlan
from dodnews.replica.server import Replica
from dodnews.site import WAR, article_path, rss_url


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\u00a0", " ")).strip()


@pytest.fixture(scope="module")
def replica() -> Replica:
    return Replica(build_timeline(None, articles=600, seed=4, markup=MarkupPlan(variants=False)))


@pytest.fixture(scope="module")
def varied() -> Replica:
    return Replica(build_timeline(None, articles=600, seed=4, markup=MarkupPlan(variants=True)))


def _check_every_article(replica: Replica) -> None:
    checked = 0
    for epoch in range(replica.timeline.max_epoch + 1):
        replica.set_epoch(epoch)
        for article_id, data in replica.state.articles.items():
            path = article_path(article_id, data["section"], slug_of(data), WAR)
            page = replica.route(path, {}, {})
            assert page.status == 200
            art = extract_article(page.body, "https://www.war.gov" + path)
            truth = pages.ground_truth(replica.state, data)
            where = (epoch, article_id, pages.shapes_of(replica.state, data))
            assert art.article_id == article_id, where
            assert art.url == truth["url"], where
            assert art.section == data["section"], where
            assert _norm(art.title) == _norm(truth["title"]), where
            assert [_norm(p) for p in art.paragraphs] == [_norm(p) for p in truth["paragraphs"]]
            assert art.headings == truth["headings"], where
            assert [_norm(c) for c in art.corrections] == [_norm(c) for c in truth["corrections"]]
            assert _norm(art.byline) == _norm(truth["byline"]), where
            assert (art.published or "").startswith(truth["published"]), where
            assert [
                (i.src, i.virin, _norm(i.title), _norm(i.alt), _norm(i.caption), _norm(i.credit))
                for i in art.images
            ] == [
                (
                    i["src"],
                    i["virin"],
                    _norm(i["title"]),
                    _norm(i["alt"]),
                    _norm(i["caption"]),
                    _norm(i["credit"]),
                )
                for i in truth["images"]
            ], where
            assert [r.article_id for r in art.related] == truth["related"], where
            assert sorted(set(art.tags)) == truth["tags"], where
            assert _norm(art.banner) == _norm(truth["banner"]), where
            checked += 1
    assert checked > 1800


@pytest.mark.slow  # 1,800 pages; test_replica_variants_extract.py reads each shape
def test_every_article_at_every_epoch_extracts_to_its_data(replica: Replica) -> None:
    """The single markup shape of the first replica (`variants` off)."""
    _check_every_article(replica)


@pytest.mark.slow  # as above
def test_every_article_in_every_markup_variant_extracts_to_its_data(varied: Replica) -> None:
    """Every part in the shape the article's id picks (docs/markup.md, "Replica variants")."""
    _check_every_article(varied)


@pytest.mark.parametrize(
    ("section", "page"),
    [("news-stories", 1), ("contracts", 3), ("speeches", 2), ("transcripts", 3), (None, 1)],
)
def test_every_listing_shape_extracts(replica: Replica, section: str | None, page: int) -> None:
    replica.set_epoch(0)
    path = WAR.section(section).listing_path if section else "/"
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
    entries = extract_rss(feed, rss_url(9, WAR, 40))
    assert [e.article_id for e in entries] == replica.state.by_section["releases"][:40]
    body = replica.route("/API/ArticleCS/Public/GetList", {"moduleid": "400", "dpage": "2"}, {})
    listed, done = extract_getlist(body.body, "https://www.war.gov/API/ArticleCS/Public/GetList")
    assert [e.article_id for e in listed] == replica.state.by_section["contracts"][10:20]
    assert done is False
    assert pages.PAGE_SIZE == 10


def _articles_at(replica: Replica, epoch: int) -> dict:
    replica.set_epoch(epoch)
    found = {}
    for article_id, data in replica.state.articles.items():
        path = article_path(article_id, data["section"], slug_of(data), WAR)
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
