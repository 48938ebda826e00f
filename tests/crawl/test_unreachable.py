"""A site that refuses every connection: one line says so, and the log has no tracebacks."""

from __future__ import annotations

import socket
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from dodnews.monitor.crawling import run_crawl

pytestmark = pytest.mark.slow  # real crawls in subprocesses


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("spider", ["news", "recheck"])
def test_refused_connections_are_one_line_in_the_summary_and_the_run(
    tmp_path: Path, spider: str
) -> None:
    port = closed_port()
    archive = tmp_path / "archive.sqlite"
    args = {"base_url": f"http://127.0.0.1:{port}"}
    # news: plain fetches only; recheck of an empty archive: only its listing pages
    args.update({"render": "never"} if spider == "news" else {"listings": "1"})
    done = run_crawl(
        spider,
        args,
        settings={"DODNEWS_WARC_DIR": str(tmp_path / "warc"), "DODNEWS_PROGRESS_INTERVAL": 0},
        archive=f"sqlite:///{archive}",
        diffs_dir=str(tmp_path / "diffs"),
        timeout=300,
    )
    log = done.stdout + done.stderr
    reason = f"connection refused by 127.0.0.1:{port}"
    assert done.returncode == 1, log[-3000:]
    assert "Traceback" not in log
    summary = [line for line in log.splitlines() if "Summary: " in line]
    assert len(summary) == 1 and summary[0].endswith(f" requests, {reason}"), summary
    assert done.stderr.strip().splitlines()[-1].startswith("scrapy crawl: run failed: ")
    assert f"fetches failed: {reason} (0 blocked by the bot wall" in done.stderr.strip()
    # One line per failed request, none from Scrapy's "Gave up retrying".
    assert "Gave up retrying" not in log
    with closing(sqlite3.connect(archive)) as db:
        (errors,) = db.execute("SELECT errors FROM runs").fetchone()
    assert reason in errors  # `dodnews runs` shows why
