"""Faults against the replica: after each, the archive verifies and nothing archived changed.

One replica and one archive for the module: a clean first crawl, then one `recheck -a all=1` per
fault with the replica's content unchanged. So any new version or change is invented data, and
any version row that differs afterwards is lost data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dodnews.archive.schema import captures, versions
from dodnews.crawling import run_crawl
from dodnews.replica.testing import ReplicaProcess
from tests.crawl_support import CrawlWorkspace

ARTICLE = r"/Article/"


class FaultWorkspace(CrawlWorkspace):
    """A CrawlWorkspace whose crawls take extra `-s` settings."""

    def crawl_with(self, spider: str, settings: dict[str, Any] | None = None, **args: Any) -> int:
        log = self.root / f"{spider}-{len(self.logs)}.log"
        done = run_crawl(
            spider,
            {"base_url": self.url, **args},
            settings={
                "DODNEWS_WARC_DIR": str(self.warc),
                "DODNEWS_PROGRESS_INTERVAL": 0,
                **(settings or {}),
            },
            archive=self.archive,
            diffs_dir=str(self.diffs),
            log_file=str(log),
            timeout=120,
        )
        self.logs.append(log.read_text())
        return done.returncode


def snapshot(work: CrawlWorkspace) -> dict[int, tuple[Any, ...]]:
    """Every version row, by id: what must never change once archived."""
    with work.open() as archive, archive.engine.connect() as conn:
        rows = conn.execute(select(versions)).all()
    return {r.id: (r.article_id, r.seq, r.content_hash, r.article, r.first_seen) for r in rows}


def last_run_captures(work: CrawlWorkspace) -> list[Any]:
    with work.open() as archive:
        run_id = archive.runs(limit=1)[0].id
        with archive.engine.connect() as conn:
            return conn.execute(select(captures).where(captures.c.run_id == run_id)).all()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("faults")
    with ReplicaProcess(epoch=0) as replica:
        work = FaultWorkspace(root, replica.url)
        assert work.crawl("news") == 0, work.logs[-1][-3000:]
        yield replica, work


def crawl_under(site, kind: str, settings: dict[str, Any] | None = None, **fault: Any):
    """Arm one fault, recheck every article, then check the archive; returns this run's captures."""
    replica, work = site
    replica.clear_faults()
    before = snapshot(work)
    replica.fault(kind, **fault)
    work.crawl_with("recheck", settings, all="1", listings="0")
    replica.clear_faults()
    after = snapshot(work)
    with work.open() as archive:
        assert archive.verify() == []
        assert archive.changes(run_id=archive.runs(limit=1)[0].id) == []
    # Nothing lost or altered, nothing invented: the content never changed.
    assert after == before, f"versions changed under fault {kind}"
    rows = last_run_captures(work)
    assert rows, work.logs[-1][-3000:]
    # A failed fetch is a capture without a version.
    for row in rows:
        if row.outcome in ("error", "blocked"):
            assert row.version_id is None
    return rows


def outcomes(rows: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return counts


def test_timeouts_are_error_captures(site) -> None:
    rows = crawl_under(
        site,
        "slow",
        settings={"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 0},
        path=r"/Article/43001\d\d/",
        delay=3,
        count=4,
    )
    errors = [r for r in rows if r.outcome == "error"]
    assert len(errors) >= 4 and all("Timeout" in (r.error or "") for r in errors)


def test_connection_resets_without_retries_are_error_captures(site) -> None:
    rows = crawl_under(site, "reset", settings={"RETRY_TIMES": 0}, path=ARTICLE, count=5)
    errors = [r for r in rows if r.outcome == "error"]
    # Twisted's pool silently retries a reset on a reused connection once, so not always 5.
    assert 1 <= len(errors) <= 5 and all("Connection" in r.error for r in errors)


def test_connection_resets_are_retried(site) -> None:
    rows = crawl_under(site, "reset", path=ARTICLE, count=5)
    assert set(outcomes(rows)) <= {"ok", "not-modified"}


def test_5xx_burst_is_retried_to_success(site) -> None:
    rows = crawl_under(site, "5xx", path=ARTICLE, count=6, retry_after=0)
    assert outcomes(rows).get("error", 0) == 0  # retries got through
    assert "'downloader/response_status_count/503'" in site[1].logs[-1]


def test_5xx_that_never_ends_is_an_error_capture(site) -> None:
    rows = crawl_under(
        site, "5xx", settings={"RETRY_TIMES": 1}, path=r"/Article/4300101/", retry_after=0
    )
    (row,) = [r for r in rows if r.article_id == 4300101]
    assert row.outcome == "error" and row.status in (500, 503) and row.version_id is None


def test_429_storm_backs_off_and_loses_nothing(site) -> None:
    rows = crawl_under(site, "429", path=ARTICLE, count=8, retry_after=0)
    assert outcomes(rows).get("error", 0) == 0
    assert "'downloader/response_status_count/429': 8" in site[1].logs[-1]


def test_transport_truncation_is_an_error_capture(site) -> None:
    rows = crawl_under(site, "truncate", settings={"RETRY_TIMES": 0}, path=ARTICLE, count=3)
    assert outcomes(rows)["error"] == 3


def test_half_page_with_matching_length_is_not_a_version(site) -> None:
    rows = crawl_under(site, "cut", path=ARTICLE, count=3)
    cut = [r for r in rows if r.outcome == "error"]
    assert len(cut) == 3 and all("truncated" in r.error for r in cut)


def test_malformed_html_around_intact_text_is_the_same_version(site) -> None:
    rows = crawl_under(site, "malformed", path=ARTICLE)
    assert outcomes(rows) == {"ok": len(rows)}


def test_lying_charset_header_is_the_same_version(site) -> None:
    rows = crawl_under(site, "charset", path=ARTICLE)
    assert outcomes(rows) == {"ok": len(rows)}


def test_10mb_page_over_maxsize_is_an_error_capture(site) -> None:
    rows = crawl_under(
        site,
        "huge",
        settings={"DOWNLOAD_MAXSIZE": 4 * 1024 * 1024, "DOWNLOAD_WARNSIZE": 1024 * 1024},
        path=r"/Article/4300101/",
        count=1,
    )
    (row,) = [r for r in rows if r.article_id == 4300101]
    assert row.outcome == "error" and row.version_id is None


def test_10mb_page_under_maxsize_is_the_same_version(site) -> None:
    rows = crawl_under(site, "huge", path=r"/Article/4300101/", count=1)
    (row,) = [r for r in rows if r.article_id == 4300101]
    assert row.outcome == "ok"


def test_redirect_loop_is_an_error_capture(site) -> None:
    rows = crawl_under(site, "redirectloop", path=r"/Article/4300101/")
    (row,) = [r for r in rows if r.article_id == 4300101]
    assert row.outcome == "error" and "redirect" in row.error.lower()


def test_bot_wall_mid_crawl_is_blocked_captures(site) -> None:
    rows = crawl_under(site, "botwall", path=r"/Article/43001[0-2]\d/")
    blocked = [r for r in rows if r.outcome == "blocked"]
    assert blocked and all(re.search(r"/Article/43001[0-2]\d/", r.requested_url) for r in blocked)
    assert len(blocked) < len(rows)  # the wall came in the middle: the rest got through


FLIP = 4300115  # epoch 1 raises a figure, epoch 2 puts it back


def test_article_flipping_between_versions_is_one_revert_per_flip(tmp_path: Path) -> None:
    with ReplicaProcess(epoch=0) as replica:
        assert FLIP in {e["id"] for e in replica.manifest(2)["edits"]}
        work = CrawlWorkspace(tmp_path, replica.url)
        assert work.crawl("news") == 0
        per_run: list[list[Any]] = []
        for epoch in (1, 2, 1, 2):
            replica.set_epoch(epoch)
            assert work.crawl("recheck", all="1", listings="0") == 0, work.logs[-1][-2000:]
            with work.open() as archive:
                run_id = archive.runs(limit=1)[0].id
                per_run.append([c for c in archive.changes(run_id=run_id) if c.article_id == FLIP])
        with work.open() as archive:
            assert archive.verify() == []
            assert [len(run) for run in per_run] == [1, 1, 1, 1]  # each flip reported once
            assert [run[0].revert for run in per_run] == [False, True, True, True]
            # Flipping back and forth never stores the same content twice.
            assert len(archive.versions(FLIP)) == 2
