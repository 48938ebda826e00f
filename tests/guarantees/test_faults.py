"""Faults against the replica: after each, the archive verifies and nothing archived changed.

One replica and one archive for the module: a clean first crawl, then one `recheck -a all=1` per
fault with the replica's content unchanged. So any new version or change is invented data, and
any version row that differs afterwards is lost data.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dodnews.archive.schema import captures, versions
from dodnews.replica.testing import ReplicaProcess
from dodnews.warc.verify import verify_archive
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

ARTICLE = r"/Article/"
NO_PAUSE = {"DODNEWS_BASE_BACKOFF": 0}


class FaultWorkspace(CrawlWorkspace):
    """A CrawlWorkspace whose crawls take extra `-s` settings."""

    def crawl_with(self, spider: str, settings: dict[str, Any] | None = None, **args: Any) -> int:
        return self.crawl(spider, settings=settings, **args)


def snapshot(work: CrawlWorkspace) -> dict[int, tuple[Any, ...]]:
    """Every version row, by id: what must never change once archived."""
    with work.open() as archive, archive.engine.connect() as conn:
        rows = conn.execute(select(versions)).all()
    return {r.id: (r.article_id, r.version, r.content_hash, r.article, r.first_seen) for r in rows}


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
        with work.open() as archive:
            ids = [a.article_id for a in archive.known_articles()]
        yield replica, work, ids


def crawl_under(site, faults: dict[str, dict[str, Any]], settings: dict[str, Any]):
    """Arm one fault per article, recheck every article, check the archive; captures by id."""
    replica, work, ids = site
    replica.clear_faults()
    before = snapshot(work)
    targets = dict(zip(faults, ids, strict=False))
    for name, article_id in targets.items():
        spec = dict(faults[name])
        replica.fault(spec.pop("kind"), path=f"/Article/{article_id}/", **spec)
    work.crawl_with("recheck", settings, all="1", listings="0")
    replica.clear_faults()
    after = snapshot(work)
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
        assert archive.changes(run_id=archive.runs(limit=1)[0].id) == []
    # Nothing lost or altered, nothing invented: the content never changed.
    assert after == before
    rows = {r.article_id: r for r in last_run_captures(work)}
    assert len(rows) == len(ids), work.logs[-1][-3000:]
    for row in rows.values():
        if row.outcome in ("error", "blocked"):
            assert row.version_id is None  # a failed fetch is a capture without a version
    untouched = [rows[i].outcome for i in ids if i not in targets.values()]
    assert set(untouched) <= {"ok", "not-modified"}
    return {name: rows[article_id] for name, article_id in targets.items()}, work.logs[-1]


# Faults a crawl cannot get through (no retries): each must become a failed capture.
FAILING = {
    "timeout": {"kind": "slow", "delay": 3},
    "reset": {"kind": "reset"},
    "truncate": {"kind": "truncate"},
    "cut": {"kind": "cut"},
    "5xx": {"kind": "5xx", "retry_after": 0},
    "429": {"kind": "429", "retry_after": 0},
    "huge": {"kind": "huge"},
    "redirectloop": {"kind": "redirectloop"},
    "botwall-1": {"kind": "botwall"},
    "botwall-2": {"kind": "botwall"},
}
# Faults a crawl gets through (bursts shorter than the retries, damage around intact text).
RECOVERING = {
    "5xx": {"kind": "5xx", "count": 2, "retry_after": 0},
    "429": {"kind": "429", "count": 2, "retry_after": 0},
    "reset": {"kind": "reset", "count": 1},
    "malformed": {"kind": "malformed"},
    "charset": {"kind": "charset"},
    "huge": {"kind": "huge", "count": 1},
}


@pytest.fixture(scope="module")
def failing(site):
    settings = {
        "DOWNLOAD_TIMEOUT": 1,
        "RETRY_TIMES": 0,
        "DOWNLOAD_MAXSIZE": 4 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 1024 * 1024,
        "DODNEWS_BASE_BACKOFF": 0,
    }
    return crawl_under(site, FAILING, settings)


@pytest.fixture(scope="module")
def recovering(site):
    # No pause between retries: the engine's unpause waits for its 5 s heartbeat.
    return crawl_under(site, RECOVERING, {"DODNEWS_BASE_BACKOFF": 0})


def test_timeout_is_an_error_capture(failing) -> None:
    row = failing[0]["timeout"]
    assert row.outcome == "error" and "Timeout" in row.error


def test_connection_reset_is_an_error_capture(failing) -> None:
    row = failing[0]["reset"]
    assert row.outcome == "error" and "Connection" in row.error


def test_transport_truncation_is_an_error_capture(failing) -> None:
    assert failing[0]["truncate"].outcome == "error"


def test_half_page_with_matching_length_is_an_error_capture(failing) -> None:
    row = failing[0]["cut"]
    assert row.outcome == "error" and "truncated" in row.error and row.status == 200


def test_5xx_and_429_that_do_not_end_are_error_captures(failing) -> None:
    assert failing[0]["5xx"].outcome == "error" and failing[0]["5xx"].status in (500, 503)
    assert failing[0]["429"].outcome == "error" and failing[0]["429"].status == 429


def test_10mb_page_over_maxsize_is_an_error_capture(failing) -> None:
    row = failing[0]["huge"]
    assert row.outcome == "error" and "size" in row.error.lower()


def test_redirect_loop_is_an_error_capture(failing) -> None:
    row = failing[0]["redirectloop"]
    assert row.outcome == "error" and "redirect" in row.error.lower()


def test_bot_wall_mid_crawl_is_blocked_captures(failing) -> None:
    assert failing[0]["botwall-1"].outcome == failing[0]["botwall-2"].outcome == "blocked"


def test_retried_bursts_get_through(recovering) -> None:
    rows, log = recovering
    for name in ("5xx", "429", "reset"):
        assert rows[name].outcome in ("ok", "not-modified"), name
    assert "'downloader/response_status_count/429': 2" in log


def test_malformed_html_and_lying_charset_are_the_same_version(recovering) -> None:
    # Served as 200 (the fault ignores If-None-Match): either extracted and equal to what was
    # archived, or recognized as unchanged by its content digest before parsing.
    assert recovering[0]["malformed"].outcome in ("ok", "not-modified")
    assert recovering[0]["charset"].outcome in ("ok", "not-modified")


def test_10mb_page_under_maxsize_is_the_same_version(recovering) -> None:
    assert recovering[0]["huge"].outcome in ("ok", "not-modified")


FLIP = 4300115  # epoch 1 raises a figure, epoch 2 puts it back


def test_article_flipping_between_versions_is_one_revert_per_flip(site) -> None:
    replica, work, _ = site
    assert FLIP in {e["id"] for e in replica.manifest(2)["edits"]}
    per_run: list[list[Any]] = []
    try:
        for epoch in (1, 2, 1, 2):
            replica.set_epoch(epoch)
            assert work.crawl("recheck", ids=str(FLIP), listings="0") == 0, work.logs[-1][-2000:]
            with work.open() as archive:
                run_id = archive.runs(limit=1)[0].id
                per_run.append([c for c in archive.changes(run_id=run_id) if c.article_id == FLIP])
    finally:
        replica.set_epoch(0)
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
        assert [len(run) for run in per_run] == [1, 1, 1, 1]  # each flip reported once
        assert [run[0].revert for run in per_run] == [False, True, True, True]
        # Flipping back and forth never stores the same content twice.
        assert len(archive.versions(FLIP)) == 2


class ForeignSite:
    """Another origin (127.0.0.2, not the site's and not base_url's host): one page for every
    GET, and a count of the requests it got."""

    def __init__(self, body: bytes) -> None:
        import http.server
        import threading

        owner = self
        self.requests = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.origin = f"http://127.0.0.2:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ForeignSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _page_path(work: CrawlWorkspace, article_id: int) -> str:
    from urllib.parse import urlsplit

    with work.open() as archive:
        return urlsplit(archive.article(article_id).url).path


def test_a_redirect_off_the_site_is_an_error_capture_and_never_followed(site) -> None:
    replica, work, ids = site
    article_id, other = [i for i in ids if i != FLIP][:2]
    _, _, page = replica.get(_page_path(work, article_id))
    # The same page with a planted paragraph: followed, it would be stored as an edit.
    planted = page.replace(
        b'<div class="body">\n<p>', b'<div class="body">\n<p>Planted elsewhere.</p>\n<p>', 1
    )
    assert planted != page
    before = snapshot(work)
    with ForeignSite(planted) as foreign:
        replica.clear_faults()
        replica.fault("offsite", path=f"/Article/{article_id}/", to=foreign.origin)
        try:
            code = work.crawl_with("recheck", ids=f"{article_id},{other}", listings="0")
        finally:
            replica.clear_faults()
    assert code == 0, work.logs[-1][-3000:]
    assert foreign.requests == 0  # never followed
    rows = {r.article_id: r for r in last_run_captures(work)}
    assert rows[other].outcome == "not-modified"
    row = rows[article_id]
    assert row.outcome == "error" and row.version_id is None and row.status == 302
    assert row.error == f"redirected off-site to {foreign.origin.removeprefix('http://')}"
    assert snapshot(work) == before
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
        assert archive.changes(run_id=archive.runs(limit=1)[0].id) == []


def test_a_304_we_did_not_ask_for_is_an_error_capture(site) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from dodnews.archive.schema import articles

    replica, work, ids = site
    stale, fresh = [i for i in ids if i != FLIP][1:3]
    long_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=40)
    with work.open() as archive, archive.engine.begin() as conn:
        # received whole 40 days ago: past the 30-day trust, asked for without validators
        conn.execute(
            update(articles).where(articles.c.article_id == stale).values(last_downloaded=long_ago)
        )
    replica.clear_faults()
    replica.fault("notmodified", path=f"/Article/({stale}|{fresh})/")
    try:
        code = work.crawl_with("recheck", ids=f"{stale},{fresh}", listings="0")
    finally:
        replica.clear_faults()
    assert code == 0, work.logs[-1][-3000:]
    rows = {r.article_id: r for r in last_run_captures(work)}
    # a 304 answering the validators we sent still counts
    assert (rows[fresh].outcome, rows[fresh].status) == ("not-modified", 304)
    # one answering a request without validators is no evidence the page is unchanged
    assert (rows[stale].outcome, rows[stale].status) == ("error", 304)
    assert rows[stale].version_id is None and "validators" in rows[stale].error
    with work.open() as archive:
        assert archive.article(stale).last_downloaded.startswith(long_ago.date().isoformat())
        assert verify_archive(archive, work.warc) == []
    # the next recheck still asks for the whole page
    assert work.crawl_with("recheck", ids=str(stale), listings="0") == 0
    (row,) = last_run_captures(work)
    assert (row.outcome, row.status) == ("not-modified", 200)
