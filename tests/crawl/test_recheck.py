"""`scrapy crawl recheck` against the replica: choosing articles, conditional requests, faults.

One news crawl fills an archive; then each recheck run below exercises one behaviour, in order.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dodnews.archive.schema import articles
from dodnews.replica.testing import ReplicaProcess
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses


def stat(log: str, name: str) -> float:
    """One value from the stats Scrapy dumps at the end of the log (0 when absent)."""
    match = re.search(rf"'{re.escape(name)}': ([0-9.]+)", log)
    return float(match.group(1)) if match else 0.0


@pytest.fixture(scope="module")
def rechecks(tmp_path_factory):
    root = tmp_path_factory.mktemp("recheck")
    out: dict[str, object] = {}
    with ReplicaProcess(epoch=0) as replica:
        work = CrawlWorkspace(root, replica.url)
        out["work"] = work
        assert work.crawl("news", max_pages="1") == 0, work.logs[-1][-3000:]
        with work.open() as archive:
            known = [a.article_id for a in archive.known_articles()]
            out["versions"] = archive.stats()["versions"]
        out["known"] = known

        chosen = known[:2]
        out["ids"] = (
            work.crawl("recheck", ids=f"{chosen[0]},{chosen[1]},99999999", listings="0"),
            chosen,
            work.last_run_captures(),
        )
        code = work.crawl("recheck", all="1", limit="3", listings="0")
        out["limit"] = (code, work.last_run_captures())

        # Due-ness: a few were captured long ago, the rest minutes ago (never due).
        due = known[2:6]
        with work.open() as archive, archive.engine.begin() as conn:
            now = datetime.now(UTC).replace(tzinfo=None)
            conn.execute(update(articles).values(last_captured=now - timedelta(minutes=10)))
            conn.execute(
                update(articles)
                .where(articles.c.article_id.in_(due))
                .values(last_captured=now - timedelta(days=400))
            )
        out["due"] = (work.crawl("recheck", listings="0"), due, work.last_run_captures())

        out["all"] = (work.crawl("recheck", all="1"), work.last_run_captures(), work.logs[-1])
        # Three pages last received whole 40 days ago: their 304s are no longer trusted.
        stale = known[:3]
        with work.open() as archive, archive.engine.begin() as conn:
            long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=40)
            conn.execute(
                update(articles)
                .where(articles.c.article_id.in_(stale))
                .values(last_downloaded=long_ago)
            )
        code = work.crawl("recheck", all="1", listings="0")
        with work.open() as archive:
            downloaded = {a: archive.article(a).last_downloaded for a in stale}
        out["untrusted"] = (code, stale, work.last_run_captures(), work.logs[-1], downloaded)
        out["refetch"] = (
            work.crawl("recheck", all="1", listings="0", refetch="1"),
            work.last_run_captures(),
            work.logs[-1],
        )

        replica.admin("conditional", ignore=1)
        # three runs in a row: the digest shortcut must hold on every one, not every other
        out["ignored"] = [
            (
                work.crawl("recheck", all="1", listings="0"),
                work.last_run_captures(),
                work.logs[-1],
            )
            for _ in range(3)
        ]
        replica.admin("conditional", ignore=0)

        replica.fault("429", path="/article/", count=2, retry_after=1)
        replica.fault("5xx", path="/article/", count=2, retry_after=1)
        out["faults"] = (
            work.crawl("recheck", all="1", listings="0"),
            work.last_run_captures(),
            work.logs[-1],
        )
        replica.clear_faults()

        replica.fault("botwall", path="/article/|/news/")
        out["walled"] = (work.crawl("recheck", all="1"), work.last_run_captures(), work.logs[-1])
        replica.clear_faults()
        with work.open() as archive:
            out["runs"] = archive.runs(limit=20)
            out["stats"] = archive.stats()
    return out


def test_ids_recaptures_just_those_and_skips_unknown_ids(rechecks):
    code, chosen, rows = rechecks["ids"]
    assert code == 0
    assert sorted(r.article_id for r in rows) == sorted(chosen)
    assert "Not in the archive, skipped: [99999999]" in rechecks["work"].logs[1]


def test_limit_caps_an_all_recheck(rechecks):
    code, rows = rechecks["limit"]
    assert code == 0 and len(rows) == 3
    assert len(rechecks["known"]) > 3


def test_only_due_articles_are_recaptured(rechecks):
    code, due, rows = rechecks["due"]
    assert code == 0
    assert sorted(r.article_id for r in rows) == sorted(due)


def test_conditional_requests_give_not_modified_captures_without_new_versions(rechecks):
    code, rows, log = rechecks["all"]
    assert code == 0
    assert len(rows) == len(rechecks["known"])
    assert {(r.outcome, r.status) for r in rows} == {("not-modified", 304)}
    assert all(r.version_id is not None for r in rows)  # still points at the current version
    assert stat(log, "downloader/response_status_count/304") == len(rows)
    assert stat(log, "dodnews/warc/writer/revisit") >= len(rows)  # 304s cost a revisit record
    assert stat(log, "dodnews/listing/ok") > 0
    assert rechecks["stats"]["versions"] == rechecks["versions"]
    assert rechecks["stats"]["changes"] == 0


def test_304s_are_not_trusted_for_pages_last_received_whole_too_long_ago(rechecks):
    code, stale, rows, log, downloaded = rechecks["untrusted"]
    assert code == 0 and len(rows) == len(rechecks["known"])
    assert stat(log, "dodnews/revalidate/untrusted") == len(stale)
    by_id = {r.article_id: (r.outcome, r.status) for r in rows}
    # asked without validators, the whole page came; its digest matched: not parsed
    assert {by_id[a] for a in stale} == {("not-modified", 200)}
    assert stat(log, "dodnews/recheck/same_digest") == len(stale)
    assert {v for a, v in by_id.items() if a not in stale} == {("not-modified", 304)}
    day_ago = datetime.now(UTC) - timedelta(days=1)
    assert all(datetime.fromisoformat(downloaded[a]) > day_ago for a in stale)


def test_refetch_downloads_and_parses_every_page_again(rechecks):
    code, rows, log = rechecks["refetch"]
    assert code == 0
    assert len(rows) == len(rechecks["known"])
    assert stat(log, "downloader/response_status_count/304") == 0  # no conditional request sent
    assert stat(log, "downloader/response_status_count/200") >= len(rows)  # and robots.txt
    assert stat(log, "dodnews/recheck/same_digest") == 0  # nor recognized by digest: parsed
    assert {(r.outcome, r.status) for r in rows} == {("ok", 200)}
    assert all(r.version_id is not None and r.warc_record_id for r in rows)
    assert rechecks["stats"]["versions"] == rechecks["versions"]  # parsed, found unchanged


def test_ignored_conditional_requests_are_recognized_by_digest_on_every_run(rechecks):
    runs = rechecks["ignored"]
    assert len(runs) == 3
    for run, (code, rows, log) in enumerate(runs):
        assert code == 0, run
        assert len(rows) == len(rechecks["known"]), run
        assert stat(log, "downloader/response_status_count/200") >= len(rows)
        assert stat(log, "downloader/response_status_count/304") == 0
        assert {(r.outcome, r.status) for r in rows} == {("not-modified", 200)}, run
        # every page came with fresh view-state tokens, yet none was parsed, on any run
        assert stat(log, "dodnews/recheck/same_digest") == len(rows), run
        assert all(r.warc_record_id for r in rows)


def test_429_and_503_pause_the_crawl_and_the_run_still_completes(rechecks):
    code, rows, log = rechecks["faults"]
    assert code == 0
    assert stat(log, "dodnews/backoff/count") >= 4
    assert stat(log, "dodnews/backoff/seconds") >= 2  # Retry-After: 1 honoured each time
    assert "pausing the crawl for 1.0 s" in log
    assert stat(log, "elapsed_time_seconds") >= 1.0
    assert len(rows) == len(rechecks["known"])
    assert {r.outcome for r in rows} == {"not-modified"}


def test_bot_walled_run_fails_loudly_and_is_recorded_as_failed(rechecks):
    code, rows, log = rechecks["walled"]
    assert code == 1
    assert "Run FAILED" in log and "blocked by the bot wall" in log
    assert rows and {r.outcome for r in rows} == {"blocked"}
    last = rechecks["runs"][0]
    assert last.status == "failed"
    assert any("bot wall" in str(e) for e in last.errors)
    shown = subprocess.run(
        [sys.executable, "-m", "dodnews", "runs", "--archive", rechecks["work"].archive],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    first = next(line for line in shown.splitlines() if line.strip().startswith(str(last.id)))
    assert "failed" in first and "recheck" in first


def test_every_recheck_opens_its_archive_once(rechecks):
    """The due articles, the pipeline and the validators share the crawl's one archive handle."""
    logs = rechecks["work"].logs
    assert len(logs) >= 10
    for log in logs:
        assert stat(log, "dodnews/archive/opened") == 1
        assert log.count("Archive opened: sqlite:///") == 1
