"""Bad input everywhere a user types: one line on stderr, no traceback, exit 2, archive untouched.

Parametrized over every `dodnews` subcommand (in-process, through `dodnews.cli.main`) and over
the spiders' `-a` arguments (through `scrapy crawl`, whose checks run before anything starts).
"""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dodnews.archive import Archive
from dodnews.cli.main import build_parser, main
from dodnews.model import OUTCOME_OK
from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.settings import DOWNLOAD_MAXSIZE
from tests.unit.archive.test_archive import ARTICLE_ID, article_v1, article_v2, capture

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

HUGE = "9" * 30  # far past 2**63

# Every subcommand that reads the archive, as a user would type it (ARCHIVE is filled in).
ARCHIVE_COMMANDS = [
    ["changes"],
    ["history", str(ARTICLE_ID)],
    ["show", str(ARTICLE_ID)],
    ["runs"],
    ["due", str(ARTICLE_ID)],
    ["diff", "--id", str(ARTICLE_ID), "--from", "1", "--to", "2"],
    ["report", "--diffs-dir", "DIFFS"],
    ["archive", "status"],
    ["archive", "verify"],
    ["archive", "repair", "--wrong-ids"],
    ["archive", "repair", "--wrong-ids", "--apply"],
    ["archive", "upgrade"],
    ["export", "--warc", "OUT"],
]


def files_of(path: Path) -> dict[str, str]:
    """Hashes of the archive file and its WAL/SHM companions (what "untouched" means)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in path.parent.iterdir()
        if p.name.startswith(path.name)
    }


def sql(path: Path, *statements: str) -> None:
    """Run statements, then checkpoint the WAL so the bytes on disk are final for comparing."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


@pytest.fixture
def archive_file(tmp_path: Path) -> Path:
    path = tmp_path / "archive.sqlite"
    with Archive.open(str(path)) as archive:
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
        archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
    sql(path)
    return path


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own errors
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status: int, err: str) -> None:
    assert status == 2, err
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and err.startswith("dodnews"), err


def with_archive(argv: list[str], archive: str, tmp_path: Path) -> list[str]:
    names = {"DIFFS": str(tmp_path / "diffs"), "OUT": str(tmp_path / "diffs" / "out.warc.gz")}
    return [names.get(a, a) for a in argv] + ["--archive", archive]


def test_every_subcommand_is_covered() -> None:
    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    covered = {argv[0] for argv in ARCHIVE_COMMANDS} | {"demo", "extract", "monitor", "replica"}
    covered |= {"replay", "crawl"}
    assert set(sub.choices) == covered


@pytest.mark.parametrize("argv", ARCHIVE_COMMANDS, ids=lambda a: " ".join(a[:2]))
@pytest.mark.parametrize("problem", ["missing", "empty", "binary", "directory", "newer"])
def test_unusable_archive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], problem: str
) -> None:
    path = tmp_path / "archive.sqlite"
    if problem == "empty":
        path.touch()
    elif problem == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif problem == "directory":
        path.mkdir()
    elif problem == "newer":
        with Archive.open(str(path)):
            pass
        sql(path, "UPDATE schema_info SET version_num = '9999'")
    before = files_of(path) if path.is_file() else None
    status, out, err = run(capsys, with_archive(argv, str(path), tmp_path))
    if problem in ("missing", "empty") and argv == ["archive", "upgrade"]:
        assert status == 0  # upgrade is how an archive is made (an empty file is no archive yet)
        return
    if problem == "newer" and argv == ["archive", "status"]:
        assert status == 0 and "newer than this dodnews knows" in out  # it only reports
        assert files_of(path) == before
        return
    assert_one_line_error(status, err)
    assert out == ""
    if before is not None:
        assert files_of(path) == before  # untouched, byte for byte
    if problem == "missing":
        assert not path.exists()
    assert not (tmp_path / "diffs").exists()


@pytest.mark.parametrize("argv", ARCHIVE_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_locked_archive(
    tmp_path: Path, archive_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    before = files_of(archive_file)
    holder = sqlite3.connect(archive_file, isolation_level=None)
    try:
        # Another process holds the database exclusively (a long manual edit, a stuck tool).
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE runs SET status = 'x' WHERE 0")
        url = f"sqlite:///{archive_file}?timeout=0.1"
        status, _, err = run(capsys, with_archive(argv, url, tmp_path))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_one_line_error(status, err)
    assert "locked" in err
    assert files_of(archive_file) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["history", "abc"], "invalid"),
        (["history", "-5"], ""),
        (["show", str(ARTICLE_ID), "--version", "x"], ""),
        (["show", str(ARTICLE_ID), "--version", "99"], "no version 99"),
        (["changes", "--limit", "-1"], ""),
        (["changes", "--since", "\x00\x01"], "bad date"),
        (["changes", "--kind", "<script>"], "unknown change kind"),
        (["changes", "--run", "zero"], ""),
        (["changes", "--format", "yaml"], "invalid choice"),
        (["runs", "--limit", "nope"], ""),
        (["diff", "--id", str(ARTICLE_ID), "--from", "1"], "--to"),
        (["diff", "--id", str(ARTICLE_ID), "--from", "1", "--to", "9"], ""),
        (["diff", "--id", str(ARTICLE_ID), "--from", "one", "--to", "2"], ""),
        (["report", "--diffs-dir", "FILE"], ""),
        (["report", "--diffs-dir", "DIFFS", "--feed-url", "javascript:alert(1)"], ""),
        (["report", "--diffs-dir", "DIFFS", "--page-size", "0"], "DODNEWS_INDEX_PAGE_SIZE"),
        (["report", "--diffs-dir", "DIFFS", "--feed-entries", "ten"], "whole number"),
        (["nosuchcommand"], "invalid choice"),
        # Numbers past a 64-bit integer: no database can hold them, so none can match.
        (["changes", "--id", HUGE], "too large"),
        (["changes", "--run", HUGE], "too large"),
        (["changes", "--id", str(2**63)], "too large"),
        (["history", HUGE], "too large"),
        (["show", HUGE], "too large"),
        (["show", str(ARTICLE_ID), "--version", HUGE], "too large"),
        (["diff", "--id", str(ARTICLE_ID), "--from", "1", "--to", HUGE], "too large"),
        (["diff", "--id", HUGE, "--from", "1", "--to", "2"], "too large"),
        (["runs", "--limit", HUGE], "too large"),
        (["export", "--warc", "OUT", "--run", HUGE], "too large"),
        (["changes", "--since", "99999999d"], "too far back"),
        (["changes", "--since", "9" * 40 + "w"], "too far back"),
        (["report", "--diffs-dir", "DIFFS", "--replay-url", "file:///etc/passwd"], "http(s)"),
        (["report", "--diffs-dir", "DIFFS", "--replay-url", "ftp://example.org/c/"], "http(s)"),
    ],
)
def test_wrong_values(
    tmp_path: Path,
    archive_file: Path,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    before = files_of(archive_file)
    (tmp_path / "FILE").write_text("a file where a folder should be")
    argv = [str(tmp_path / "FILE") if a == "FILE" else a for a in argv]
    full = argv if argv == ["nosuchcommand"] else with_archive(argv, str(archive_file), tmp_path)
    status, _, err = run(capsys, full)
    assert_one_line_error(status, err)
    assert message in err
    assert files_of(archive_file) == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["extract", "MISSING"], "MISSING"),
        (["extract", "DIR"], ""),
        (["extract", "BINARY"], ""),
        (["extract", "EMPTY"], "empty"),
        (["extract", "--listing", "BINARY"], ""),
        (["diff", "MISSING", "EMPTY"], ""),
        (["diff", "BINARY", "BINARY"], ""),
        (["diff", "EMPTY"], ""),
        (["demo", "--epochs", "-3"], ""),
        (["demo", "--workdir", "BINARY"], "is a file"),
        (["demo", "--workdir", "HOME"], "not emptying it"),
        (["export", "--warc", "DIR", "--archive", "MISSING"], ""),
        (["monitor", "--every", "soon"], ""),
        (["monitor", "--every", "99999999999d"], "--every"),
        (["monitor", "--every", "1e400s"], "--every"),
        (["monitor", "--every", "nan"], "--every"),
        # --once runs no schedule, but a wrong --every is still a mistake worth a word.
        (["monitor", "--once", "--every", "soon", "--base-url", "http://127.0.0.1:9"], "--every"),
        (["extract", "FIFO"], "not a regular file"),
        (["extract", "--listing", "FIFO"], "not a regular file"),
        (["diff", "FIFO", "FIFO"], "not a regular file"),
        (["extract", "HUGE"], "larger than"),
        (["diff", "HUGE", "HUGE"], "larger than"),
        (["monitor", "--cron", "61 * * * *"], ""),
        (["monitor", "--once", "--spiders", "news,evil"], ""),
        (["monitor", "--once", "--base-url", "ftp://x"], ""),
        (["replica", "serve", "--epoch", "99"], ""),
        (["replica", "serve", "--latency", "-1"], ""),
        (["replica", "serve", "--page-kb", "-5"], "page-kb"),
        (["replica", "serve", "--fault", "kind=meteor"], "meteor"),
        (["replica", "serve", "--data", "BINARY"], "articles.json"),
        (["replica", "manifest", "--epoch", "x"], ""),
        (["replay", "--warc-dir", "MISSING"], "does not exist"),
        (["replay", "--warc-dir", "BINARY"], "is not a folder"),
        (["replay", "--port", "70000"], "not a port"),
        (["replay", "--refresh", "0"], "refresh"),
        (["replay", "--port", "http"], ""),
        (["crawl", "weather"], "no spider named 'weather'"),
    ],
)
def test_wrong_files_and_values_outside_the_archive(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    (tmp_path / "DIR").mkdir()
    (tmp_path / "BINARY").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (tmp_path / "EMPTY").touch()
    (tmp_path / "HOME" / "notes").mkdir(parents=True)  # a folder a typo could point at
    os.mkfifo(tmp_path / "FIFO")  # nobody writes to it: reading it would wait for ever
    with (tmp_path / "HUGE").open("wb") as huge:  # sparse: one byte past the crawl's page limit
        huge.truncate(DOWNLOAD_MAXSIZE + 1)
    names = {"MISSING", "DIR", "BINARY", "EMPTY", "HOME", "FIFO", "HUGE"}
    argv = [str(tmp_path / a) if a in names else a for a in argv]
    monkeypatch.setenv("DODNEWS_ARCHIVE", str(tmp_path / "never.sqlite"))
    monkeypatch.chdir(tmp_path)
    # A read that blocks (a FIFO) would hang the suite: an alarm turns it into a failure.
    signal.signal(signal.SIGALRM, _too_slow)
    signal.alarm(20)
    try:
        status, _, err = run(capsys, argv)
    finally:
        signal.alarm(0)
    assert_one_line_error(status, err)
    assert message in err
    assert not (tmp_path / "never.sqlite").exists()
    assert (tmp_path / "HOME" / "notes").is_dir() and (tmp_path / "BINARY").is_file()


def _too_slow(signum: int, frame: object) -> None:
    raise AssertionError("the command did not answer within 20 s")


@pytest.mark.parametrize(
    "argv",
    [
        ["extract", "/dev/zero"],
        ["extract", "--listing", "/dev/zero"],
        ["diff", "/dev/zero", "/dev/zero"],
    ],
    ids=" ".join,
)
def test_endless_devices_are_refused_in_bounded_time_and_memory(
    tmp_path: Path, argv: list[str]
) -> None:
    # Run apart, with 1 GB of address space: reading /dev/zero whole once took 7 GB in 5 s.
    limit = 1024**3
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", *argv],
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=30,
        cwd=tmp_path,
        env=crawl_env(str(tmp_path / "never.sqlite")),
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)),
    )
    assert_one_line_error(done.returncode, done.stderr)
    assert "not a regular file" in done.stderr
    assert done.stdout == ""


SPIDER_ARGS = [
    ("news", {"max_pages": "many"}),
    ("news", {"sections": "weather"}),
    ("news", {"since": "yesterday"}),
    ("news", {"since": "2025-02-01", "until": "2025-01-01"}),
    ("news", {"rss": "perhaps"}),
    ("news", {"base_url": "file:///etc/passwd"}),
    ("news", {"render": "sometimes"}),
    ("news", {"bogus": "1"}),
    ("recheck", {"ids": "1,x"}),
    ("recheck", {"ids": "1," + "9" * 30}),  # past 2**63: no archive stores such an id
    ("recheck", {"limit": "-2"}),
    ("recheck", {"all": "2"}),
]


def test_spider_arguments_are_one_line_exit_2(tmp_path: Path) -> None:
    archive = tmp_path / "archive.sqlite"
    for spider, args in SPIDER_ARGS:
        done = subprocess.run(
            crawl_command(spider, args),
            env=crawl_env(f"sqlite:///{archive}", str(tmp_path / "diffs")),
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            timeout=60,
        )
        # Scrapy logs its start-up banner first; the error itself is one line.
        errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
        assert done.returncode == 2, (spider, args, done.stderr[-2000:])
        assert len(errors) == 1 and "Traceback" not in done.stderr, (spider, args, done.stderr)
        assert errors[0].startswith("scrapy crawl: error: ") and "-a " in errors[0], errors
        assert not archive.exists(), (spider, args)


def test_crawl_into_a_newer_archive_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "archive.sqlite"
    with Archive.open(str(path)):
        pass
    sql(path, "UPDATE schema_info SET version_num = '9999'")
    before = files_of(path)
    done = subprocess.run(
        crawl_command("news", {"base_url": "http://127.0.0.1:9", "max_pages": "1"}),
        env=crawl_env(f"sqlite:///{path}", str(tmp_path / "diffs")),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode != 0
    assert "newer than this dodnews knows" in done.stderr + done.stdout
    assert files_of(path) == before
