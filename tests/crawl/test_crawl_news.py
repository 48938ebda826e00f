"""`scrapy crawl news` against the replica, checked against the replica's own listing data.

Every crawl runs as a real `scrapy crawl` process with `-a base_url=` on the replica (never the
real site). The replica serves epoch 1 (one article removed, one moved) with 200 generated
articles on top of the hand-written ones, so listings run over several pages.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from dodnews.monitor.crawling import run_crawl
from dodnews.replica.content import EpochState, build_timeline
from dodnews.replica.pages import PAGE_SIZE
from dodnews.replica.testing import ReplicaProcess
from dodnews.site import WAR
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

GENERATED = 200
SEED = 1
EPOCH = 1
# Plain fetches only: a bot-walled page would otherwise be retried in the browser.
PLAIN = {"render": "never"}


@pytest.fixture(scope="module")
def replica():
    with ReplicaProcess(epoch=EPOCH, articles=GENERATED, seed=SEED) as running:
        yield running


@pytest.fixture(scope="module")
def site() -> EpochState:
    """What the replica serves, from the same data and seed (listing order, related ids)."""
    return build_timeline(articles=GENERATED, seed=SEED).state(EPOCH)


@pytest.fixture
def work(tmp_path, replica) -> CrawlWorkspace:
    return CrawlWorkspace(tmp_path, replica.url)


@pytest.fixture
def clean_faults(replica):
    yield replica
    replica.clear_faults()


def captures(work: CrawlWorkspace) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(work.root / "archive.sqlite")) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute(
            "SELECT article_id, outcome, status, requested_url, final_url, redirects, error "
            "FROM captures ORDER BY id"
        ).fetchall()
    out = [dict(row) for row in rows]
    for row in out:
        row["redirects"] = json.loads(row["redirects"]) if row["redirects"] else []
    return out


def stat(log: str, key: str) -> int:
    """One numeric value from the stats dump at the end of a crawl log (0 when absent)."""
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def related_closure(site: EpochState, start: set[int], depth: int) -> set[int]:
    """The ids reached from `start` by following related stories `depth` times."""
    found, frontier = set(start), set(start)
    for _ in range(depth):
        nxt: set[int] = set()
        for article_id in frontier:
            if article_id in site.articles:  # a removed article has no page to read links from
                nxt.update(site.known[article_id].get("related", []))
        frontier = nxt - found
        found |= frontier
    return found


def listed(site: EpochState, *sections: str) -> set[int]:
    return {i for s in sections for i in site.by_section[s]}


@pytest.mark.parametrize("depth", [0, 1, 2])
def test_chosen_sections_found_exactly_once_with_related_to_depth(work, site, depth):
    code = work.crawl(sections="contracts,releases", related_depth=depth, **PLAIN)
    assert code == 0, work.logs[-1][-3000:]
    rows = captures(work)
    per_id = Counter(r["article_id"] for r in rows)
    assert max(per_id.values()) == 1, "an article was captured twice"
    want = related_closure(site, listed(site, "contracts", "releases"), depth)
    assert set(per_id) == want
    if depth == 0:
        assert {site.articles[i]["section"] for i in per_id} == {"contracts", "releases"}
    else:
        extra_sections = {site.known[i]["section"] for i in set(per_id) - listed(site)}
        extra_sections |= {site.articles[i]["section"] for i in want if i in site.articles}
        assert extra_sections - {"contracts", "releases"}, "related stories stayed in section"
    assert all(r["outcome"] == "ok" for r in rows if r["article_id"] in site.articles)
    log = work.logs[-1]
    assert stat(log, "dodnews/captures/total") == len(rows)
    assert stat(log, "item_scraped_count") == len(rows)


def test_old_path_links_are_followed_through_their_301_and_recorded(work, site):
    assert work.crawl(sections="releases,news-stories", related_depth=0, **PLAIN) == 0
    rows = {r["article_id"]: r for r in captures(work)}
    # hand-written articles that other pages link to under an old /Explore/ or /Newsroom/ path
    old = [
        i
        for i in listed(site, "releases", "news-stories")
        if (site.articles[i].get("links") or {}).get("variant") == "oldpath"
    ]
    assert old
    for article_id in old:
        row = rows[article_id]
        assert row["outcome"] == "ok"
        assert len(row["redirects"]) == 1, row
        assert re.search(r"/(Explore|Newsroom)/", row["redirects"][0])
        assert row["final_url"].startswith("https://www.war.gov/News/")
    assert stat(work.logs[-1], "downloader/response_status_count/301") == len(old)


def test_moved_article_is_followed_and_removed_one_reported_gone(tmp_path):
    """Epoch 0 crawl, then the site moves one article and removes another: both are rechecked."""
    timeline = build_timeline()
    moved_id, (old_url, new_url) = next(iter(timeline.state(1).moved.items()))
    removed_id = next(iter(timeline.state(1).removed))
    with ReplicaProcess(epoch=0) as replica:
        work = CrawlWorkspace(tmp_path, replica.url)
        old_section = timeline.state(0).articles[moved_id]["section"]
        gone_section = timeline.state(0).articles[removed_id]["section"]
        code = work.crawl(sections=f"{old_section},{gone_section}", related_depth=0, **PLAIN)
        assert code == 0, work.logs[-1][-3000:]
        replica.set_epoch(1)
        code = work.crawl("recheck", ids=f"{moved_id},{removed_id}", listings=0)
        assert code == 0, work.logs[-1][-3000:]
    second = [r for r in captures(work) if r["article_id"] in (moved_id, removed_id)][-2:]
    by_id = {r["article_id"]: r for r in second}
    moved = by_id[moved_id]
    assert moved["outcome"] == "ok"
    assert moved["redirects"] == [old_url]
    assert moved["final_url"] == new_url
    assert (by_id[removed_id]["outcome"], by_id[removed_id]["status"]) == ("gone", 404)
    with work.open() as archive:
        record = archive.article(removed_id)
        assert record is not None and record.gone
        assert archive.article(moved_id).url == new_url


def test_bot_wall_is_counted_and_never_becomes_an_article(work, site, clean_faults):
    walled = site.by_section["releases"][:2]
    clean_faults.fault("botwall", path="/Article/(" + "|".join(map(str, walled)) + ")/")
    assert work.crawl(sections="releases", related_depth=0, **PLAIN) == 0
    rows = captures(work)
    blocked = {r["article_id"] for r in rows if r["outcome"] == "blocked"}
    assert blocked == set(walled)
    assert all(r["status"] == 403 for r in rows if r["outcome"] == "blocked")
    with work.open() as archive:
        for article_id in walled:
            assert archive.versions(article_id) == []
    log = work.logs[-1]
    assert stat(log, "dodnews/captures/blocked") == 2
    assert "2 blocked" in log  # the summary line


def test_a_mostly_walled_run_fails_with_exit_1_and_says_why(work, clean_faults):
    clean_faults.fault("botwall", path="/News/")
    code = work.crawl(sections="releases,speeches", related_depth=0, **PLAIN)
    assert code == 1
    log = work.logs[-1]
    assert "scrapy crawl: run failed:" in log
    assert re.search(r"\d+ of \d+ fetches failed \(\d+ blocked by the bot wall", log)
    assert "Traceback" not in log


def test_max_pages_bounds_listing_pages(work, site):
    assert work.crawl(sections="releases", max_pages=2, related_depth=0, **PLAIN) == 0
    ids = {r["article_id"] for r in captures(work)}
    assert ids == set(site.by_section["releases"][: 2 * PAGE_SIZE])
    assert stat(work.logs[-1], "dodnews/listing/ok") == 2


def test_without_max_pages_paging_runs_to_the_empty_page(work, site):
    assert work.crawl(sections="speeches", related_depth=0, **PLAIN) == 0
    pages = -(-len(site.by_section["speeches"]) // PAGE_SIZE)
    assert stat(work.logs[-1], "dodnews/listing/ok") == pages + 1
    assert {r["article_id"] for r in captures(work)} == set(site.by_section["speeches"])


def _published(site: EpochState, article_id: int) -> date:
    return date.fromisoformat(site.articles[article_id]["published"][:10])


def test_since_and_until_select_by_date_and_stop_paging(work, site):
    ids = site.by_section["releases"]
    # a window that ends on page 2 of the listing: paging must stop there
    since = _published(site, ids[PAGE_SIZE + 3])
    until = _published(site, ids[2])
    code = work.crawl(
        sections="releases", since=since.isoformat(), until=until.isoformat(), related_depth=0
    )
    assert code == 0, work.logs[-1][-3000:]
    want = {i for i in ids if since <= _published(site, i) <= until}
    assert {r["article_id"] for r in captures(work)} == want
    assert stat(work.logs[-1], "dodnews/listing/ok") == 2
    assert "entries older than" in work.logs[-1]


def test_rss_discovery_adds_the_feed_items(work, site):
    code = work.crawl(sections="speeches", rss=1, rss_max=3, related_depth=0, **PLAIN)
    assert code == 0, work.logs[-1][-3000:]
    want = set(site.by_section["speeches"])
    for content_type in WAR.rss_content_types:
        want |= set(site.by_section[WAR.section_by_content_type(content_type).key][:3])
    rows = captures(work)
    assert {r["article_id"] for r in rows} == want
    assert len(rows) == len(want)
    assert stat(work.logs[-1], "dodnews/rss/ok") == len(WAR.rss_content_types)


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("max_pages=lots", "-a max_pages: expected a whole number, got 'lots'"),
        ("sections=blogs", "-a sections: unknown section 'blogs'"),
        ("since=2026/01/01", "-a since: expected a date as YYYY-MM-DD"),
    ],
)
def test_bad_argument_is_one_line_and_exit_2(tmp_path, arg, message):
    name, value = arg.split("=", 1)
    done = run_crawl(
        "news",
        {"base_url": "http://127.0.0.1:9", name: value},
        archive=f"sqlite:///{tmp_path / 'a.sqlite'}",
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [f"scrapy crawl: error: {lines[0].split('error: ', 1)[1]}"]
    assert message in lines[0]
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "a.sqlite").exists()


def test_progress_lines_appear_during_the_crawl(tmp_path, replica):
    log = tmp_path / "crawl.log"
    done = run_crawl(
        "news",
        {"base_url": replica.url, "sections": "news-stories,contracts", **PLAIN},
        settings={"DODNEWS_PROGRESS_INTERVAL": 0.02, "DODNEWS_WARC_DIR": str(tmp_path / "w")},
        archive=f"sqlite:///{tmp_path / 'a.sqlite'}",
        diffs_dir=str(tmp_path / "d"),
        log_file=str(log),
        timeout=120,
    )
    text = Path(log).read_text()
    assert done.returncode == 0, text[-3000:]
    lines = re.findall(
        r"Progress: (\d+) pages, (\d+) captures, (\d+) failed, [\d.]+ pages/s, \d+ queued", text
    )
    assert lines, text[-3000:]
    assert int(lines[-1][0]) > 0
    assert "Summary: " in text
