"""`dodnews monitor` cycles against the replica: changes once, 304s, alerts, the lock, crashes.

Every monitor here is a real `python -m dodnews monitor` process running real crawls.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select, update

from dodnews.archive import Archive
from dodnews.archive.schema import articles, captures, versions
from dodnews.replica.testing import ReplicaProcess
from dodnews.warc.verify import verify_archive
from tests.crawl_support import expected_by_article

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses


class Workspace:
    """A folder with an archive, and `dodnews monitor` run inside it."""

    def __init__(self, root: Path, url: str, webhook: str | None = None) -> None:
        self.root = root
        self.url = url
        self.webhook = webhook
        self.archive = f"sqlite:///{root / 'archive.sqlite'}"

    def argv(self, *extra: str) -> list[str]:
        argv = [sys.executable, "-m", "dodnews", "monitor", "--base-url", self.url]
        argv += ["--archive", self.archive, "--data-dir", str(self.root / "data")]
        argv += ["--diffs-dir", str(self.root / "diffs"), "--max-pages", "1"]
        if self.webhook:
            argv += ["--webhook", self.webhook]
        return argv + list(extra)

    def run(self, *extra: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.argv("--once", *extra),
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def start(self, *extra: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*extra),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )

    def runs(self):
        with Archive.open(self.archive) as archive:
            return sorted(archive.runs(limit=None), key=lambda r: r.id)


class Hook:
    """A local HTTP receiver standing in for the alert webhook."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                posts.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture(scope="module")
def cycles(tmp_path_factory):
    """Cycle 1 at epoch 0; a month passes; cycle 2 at epoch 1; a bot-walled news-only cycle."""
    root = tmp_path_factory.mktemp("monitor")
    hook = Hook()
    out: dict[str, object] = {"hook": hook}
    try:
        with ReplicaProcess(epoch=0) as replica:
            work = Workspace(root, replica.url, hook.url)
            out["work"] = work
            out["first"] = work.run()
            with Archive.open(work.archive) as archive, archive.engine.begin() as conn:
                month_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
                conn.execute(update(articles).values(last_captured=month_ago))
            replica.set_epoch(1)
            out["manifest"] = replica.manifest(1)
            posts_before = len(hook.posts)
            out["second"] = work.run()
            out["second_posts"] = hook.posts[posts_before:]
            replica.fault("botwall", path="/article/|/news/")
            posts_before = len(hook.posts)
            out["walled"] = work.run("--spiders", "news")
            out["walled_posts"] = hook.posts[posts_before:]
            out["runs"] = work.runs()
            with Archive.open(work.archive) as archive:
                out["changes"] = archive.changes()
    finally:
        hook.close()
    return out


def test_first_cycle_runs_recheck_then_news_and_records_both(cycles):
    first = cycles["first"]
    assert first.returncode == 0, first.stderr[-3000:]
    runs = cycles["runs"]
    assert [r.spider for r in runs[:2]] == ["recheck", "news"]
    assert all(r.status == "ok" and r.finished_at for r in runs[:4])
    # the recheck of an empty archive discovers articles from the first listing pages
    assert runs[0].counts["ok"] > 0


def test_changes_are_found_exactly_once_and_304s_are_used(cycles):
    second = cycles["second"]
    assert second.returncode == 0, second.stderr[-3000:]
    recheck, news = cycles["runs"][2], cycles["runs"][3]
    assert recheck.spider == "recheck" and news.spider == "news"
    assert recheck.counts["not-modified"] > 0  # unchanged articles answered 304
    assert recheck.changes_found > 0
    assert news.changes_found == 0  # the news crawl right after found nothing new
    changed = [c.article_id for c in cycles["changes"]]
    assert len(changed) == len(set(changed))
    expected = {
        article_id
        for article_id, want in expected_by_article(cycles["manifest"]).items()
        if want["kinds"] and "remove_article" not in want["ops"]
    }
    assert set(changed) == expected


def test_changes_are_posted_to_the_webhook_with_a_report_link(cycles):
    posts = cycles["second_posts"]
    assert [p["run"]["spider"] for p in posts] == ["recheck"]  # the news run had nothing
    assert posts[0]["changes_found"] == cycles["runs"][2].changes_found
    assert posts[0]["changes"][0]["summaries"]


def test_a_blocked_cycle_alerts_and_exits_non_zero(cycles):
    walled = cycles["walled"]
    assert walled.returncode == 1
    assert "news crawl finished: exit 1 (failed)" in walled.stderr
    last = cycles["runs"][-1]
    assert last.spider == "news" and last.status == "failed"
    assert last.changes_found == 0
    posts = cycles["walled_posts"]
    assert len(posts) == 1 and posts[0]["status"] == "failed"
    assert "bot wall" in " ".join(posts[0]["run"]["errors"])


def test_every_run_is_listed_by_dodnews_runs(cycles):
    work = cycles["work"]
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "runs", "--format", "json", "--archive", work.archive],
        capture_output=True,
        text=True,
        check=True,
    )
    listed = json.loads(done.stdout)
    assert [r["id"] for r in listed] == [r.id for r in reversed(cycles["runs"])]
    assert [r["status"] for r in listed][:1] == ["failed"]
    assert all("captures" in r["counts"] for r in listed)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _captures(db: Path) -> int:
    # Closed at once: a connection left open here would outlive the crawls that change the file.
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute("select count(*) from captures").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def slow_replica():
    with ReplicaProcess(epoch=0, articles=60, latency_ms=2000) as replica:
        yield replica


def test_lock_and_kill_9_mid_crawl_leave_a_consistent_archive(slow_replica, tmp_path):
    work = Workspace(tmp_path, slow_replica.url)
    first = work.start("--once", "--spiders", "news")
    try:
        db = tmp_path / "archive.sqlite"
        _wait(lambda: (tmp_path / "data" / "logs" / "news.log").exists(), 60, "the crawl")
        # A second monitor finds the lock taken and skips its cycle without failing.
        second = work.run("--spiders", "news", timeout=60)
        assert second.returncode == 0
        assert "skipping this cycle" in second.stderr
        _wait(lambda: _captures(db) >= 1, 90, "the first captures")
        # kill -9 the monitor: its crawl inherited the lock and still holds it.
        crawl = _children(first.pid)
        assert len(crawl) == 1
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
        third = work.run("--spiders", "news", timeout=60)
        assert "skipping this cycle" in third.stderr
        # kill -9 the crawl mid-run too: nothing is left locked or half written.
        killed_at = _captures(db)
        os.kill(crawl[0], signal.SIGKILL)
        _wait(lambda: not Path(f"/proc/{crawl[0]}").exists() or _zombie(crawl[0]), 10, "exit")
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
    with Archive.open(work.archive) as archive:
        assert archive.verify() == []
        with archive.engine.connect() as conn:
            used = set(conn.execute(select(captures.c.version_id)).scalars())
            made = set(conn.execute(select(versions.c.id)).scalars())
        assert made and made <= used  # no version without the capture that made it
        assert archive.runs(limit=1)[0].status == "running"  # the killed run never finished
    fourth = work.run("--spiders", "news", timeout=180)
    assert fourth.returncode == 0, fourth.stderr[-3000:]
    with Archive.open(work.archive) as archive:
        assert verify_archive(archive, tmp_path / "data" / "warc") == []
        last = archive.runs(limit=1)[0]
        assert last.status == "ok" and last.counts["captures"] > killed_at


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


def test_sigterm_stops_a_scheduled_monitor_cleanly(slow_replica, tmp_path):
    work = Workspace(tmp_path, slow_replica.url)
    monitor = work.start("--every", "1h", "--spiders", "news")
    try:
        db = tmp_path / "archive.sqlite"
        _wait(lambda: _captures(db) >= 1, 90, "the first capture")
        started = time.monotonic()
        monitor.send_signal(signal.SIGTERM)
        _, stderr = monitor.communicate(timeout=30)
        assert monitor.returncode == 0, stderr[-3000:]
        assert time.monotonic() - started < 30
        assert "Signal 15: stopping" in stderr
    finally:
        if monitor.poll() is None:
            monitor.kill()
            monitor.communicate()
    # the crawl it ran was stopped too, and its run says so
    run = work.runs()[-1]
    assert run.status == "failed" and run.finished_at
