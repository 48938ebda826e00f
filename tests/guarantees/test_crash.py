"""Crash safety: kill -9 during a crawl, report writing and a migration; JOBDIR resume; verify.

After every kill the archive verifies (versions and WARC records), and the next run finishes the
job. `dodnews archive verify` finds a tampered WARC byte and a tampered version.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zlib
from contextlib import closing
from pathlib import Path
from xml.etree import ElementTree

import pytest
from alembic import command as alembic_command
from sqlalchemy import select, update
from warcio.archiveiterator import ArchiveIterator

from dodnews.archive import Archive, inspect_archive, migrate
from dodnews.archive.schema import captures, versions
from dodnews.crawl.jobdir import STATE_NAME, read_state
from dodnews.model import OUTCOME_OK, Article, Capture
from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.replica.testing import ReplicaProcess
from dodnews.warc.repair import complete_length
from dodnews.warc.verify import verify_archive
from tests.crawl_support import CrawlWorkspace
from tests.unit.archive.test_archive_schema import make_rev1_archive

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses


def dodnews(*argv: str, **kwargs) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "dodnews", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        **kwargs,
    )


def wait_for(predicate, timeout: float = 30.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def count_rows(path: Path, table: str) -> int:
    try:
        # closed, not just committed (a `with` on the connection leaves it open): a connection
        # left open here keeps a stale map of the WAL index once a crawl removes the -shm file,
        # and later ones in this process then read the archive as "malformed"
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as conn:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    except sqlite3.Error:
        return 0


# -- kill -9 during a crawl, then resume -------------------------------------------------------


@pytest.fixture(scope="module")
def slow_replica():
    # 40 ms a page: a crawl of the 33 articles takes long enough to be killed in the middle.
    with ReplicaProcess(epoch=0, latency_ms=40) as replica:
        yield replica


def start_crawl(work: CrawlWorkspace, spider: str = "news", **settings) -> subprocess.Popen:
    argv = crawl_command(
        spider,
        {"base_url": work.url},
        {
            "DODNEWS_WARC_DIR": str(work.warc),
            "DODNEWS_PROGRESS_INTERVAL": 0,
            "CONCURRENT_REQUESTS": 2,
            # small batches: captures reach the archive while the crawl is still running
            "DODNEWS_ARCHIVE_BATCH": 2,
            **settings,
        },
    )
    log = (work.root / f"killed-{len(work.logs)}.log").open("a")
    work.logs.append(str(log.name))
    return subprocess.Popen(
        argv,
        env=crawl_env(work.archive, str(work.diffs)),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


def test_kill_9_during_a_crawl_then_the_next_run_completes(tmp_path: Path, slow_replica) -> None:
    work = CrawlWorkspace(tmp_path, slow_replica.url)
    db = tmp_path / "archive.sqlite"
    proc = start_crawl(work)
    wait_for(lambda: count_rows(db, "captures") >= 5 or proc.poll() is not None)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    with work.open() as archive:
        partial = archive.stats()["captures"]
        assert 5 <= partial < 33, "the kill did not land in the middle of the crawl"
        # Every committed capture points at a WARC record that is on disk and hashes right.
        assert verify_archive(archive, work.warc) == []
        (killed,) = archive.runs()
        assert killed.status == "running"  # nobody could close it...
        assert killed.pid == proc.pid and killed.host == socket.gethostname()
    # ... but `dodnews archive status` sees that its process is gone,
    assert inspect_archive(work.archive).orphaned_runs == [killed.id]
    assert work.crawl("news") == 0, work.logs[-1][-3000:]
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
        assert archive.stats()["articles"] == 33
        assert all(len(archive.versions(a.article_id)) == 1 for a in archive.known_articles())
        # ... and the next run marked it interrupted.
        next_run, before = archive.runs()
        assert before.id == killed.id and before.status == "interrupted"
        assert before.errors == [
            "the crawl process ended without closing its run (killed or crashed)"
        ]
        assert before.finished_at is not None and before.finished_at <= next_run.started_at
        # its counts are what it committed before it died
        assert before.counts["captures"] == partial == before.counts["ok"]
        assert before.changes_found == before.counts["changes"] == 0
        assert next_run.status == "ok" and next_run.pid not in (None, proc.pid)
    # every WARC file reads whole: a record the kill tore was cut by the next crawl (warcio
    # check does not notice a torn tail; its index lists it as a record without a type)
    files = sorted(work.warc.glob("*.warc.gz"))
    assert len(files) >= 2 and not list(work.warc.glob("*.open"))
    for path in files:
        assert complete_length(path) == path.stat().st_size
        with open(path, "rb") as fh:
            assert None not in [record.rec_type for record in ArchiveIterator(fh)]


def test_jobdir_crawl_stopped_with_sigint_resumes(tmp_path: Path, slow_replica) -> None:
    work = CrawlWorkspace(tmp_path, slow_replica.url)
    db = tmp_path / "archive.sqlite"
    jobdir = tmp_path / "jobs" / "news"
    proc = start_crawl(work, JOBDIR=str(jobdir))
    wait_for(lambda: count_rows(db, "captures") >= 5 or proc.poll() is not None)
    os.killpg(proc.pid, signal.SIGINT)  # once: a graceful stop that keeps the queue
    assert proc.wait(60) == 1  # the run stopped early, so it is not a success
    assert (jobdir / "requests.seen").exists()
    with work.open() as archive:
        first = archive.stats()["captures"]
        assert first < 33 and archive.runs()[0].status == "failed"
    proc = start_crawl(work, JOBDIR=str(jobdir))
    assert proc.wait(120) == 0, Path(work.logs[-1]).read_text()[-3000:]
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
        stats = archive.stats()
        assert stats["articles"] == 33
        # The resumed run fetched only what the first left: no article captured twice.
        assert stats["captures"] == 33


@pytest.fixture(scope="module")
def bigger_replica():
    # Enough pages that Scrapy's seen set reaches the disk before the kill (it buffers ~200).
    with ReplicaProcess(epoch=0, latency_ms=20, articles=400, seed=3) as replica:
        yield replica


def test_jobdir_crawl_killed_with_kill_9_starts_over_and_a_finished_job_too(
    tmp_path: Path, bigger_replica
) -> None:
    """Scrapy saves its queue only on a clean stop: resumed after kill -9, a job would skip
    what was queued or in flight. dodnews starts such a job over instead."""
    work = CrawlWorkspace(tmp_path, bigger_replica.url)
    db = tmp_path / "archive.sqlite"
    jobdir = tmp_path / "jobs" / "news"
    total = bigger_replica.state()["articles"]
    proc = start_crawl(work, JOBDIR=str(jobdir))
    wait_for(lambda: count_rows(db, "captures") >= 250 or proc.poll() is not None, timeout=60)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    with work.open() as archive:
        before = archive.stats()["articles"]
    assert 250 <= before < total, "the kill did not land in the middle of the crawl"
    assert read_state(jobdir)["state"] == "running"  # it could not say it stopped

    proc = start_crawl(work, JOBDIR=str(jobdir))
    assert proc.wait(120) == 0, Path(work.logs[-1]).read_text()[-3000:]
    log = Path(work.logs[-1]).read_text()
    assert "was killed before it could save its queue: starting the job over" in log
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
        assert archive.stats()["articles"] == total
        rows = _last_run_outcomes(archive)
    # what the killed crawl had archived costs a 304; the rest is captured now
    assert rows.count("not-modified") == before and rows.count("ok") == total - before
    assert read_state(jobdir)["reason"] == "finished"

    # The same command again: the job had finished, so it starts over (instead of fetching
    # nothing, every request being in Scrapy's seen set).
    proc = start_crawl(work, JOBDIR=str(jobdir))
    assert proc.wait(120) == 0, Path(work.logs[-1]).read_text()[-3000:]
    assert "had finished: starting it over" in Path(work.logs[-1]).read_text()
    with work.open() as archive:
        assert _last_run_outcomes(archive) == ["not-modified"] * total


def _last_run_outcomes(archive: Archive) -> list[str]:
    run_id = archive.runs(limit=1)[0].id
    with archive.engine.connect() as conn:
        query = select(captures.c.outcome).where(captures.c.run_id == run_id)
        return [row.outcome for row in conn.execute(query)]


def test_a_jobdir_another_crawl_is_running_in_is_refused(tmp_path: Path) -> None:
    jobdir = tmp_path / "job"
    jobdir.mkdir()
    state = {"state": "running", "host": socket.gethostname(), "pid": os.getpid()}
    (jobdir / STATE_NAME).write_text(json.dumps(state))
    (jobdir / "requests.seen").write_text("kept\n")
    argv = crawl_command("news", {"base_url": "http://127.0.0.1:9"}, {"JOBDIR": str(jobdir)})
    done = subprocess.run(
        argv, env=crawl_env(f"sqlite:///{tmp_path / 'a.sqlite'}"), capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"scrapy crawl: error: JOBDIR {jobdir} belongs to a crawl that is still running "
        f"(pid {os.getpid()}); one crawl per job directory"
    ]
    assert (jobdir / "requests.seen").read_text() == "kept\n"  # the other crawl's state stays


# -- kill -9 during report writing -------------------------------------------------------------


def story(article_id: int, figure: int) -> Article:
    """A made-up story whose only change between versions is one figure."""
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/drill/",
        section="news-stories",
        title=f"Reserve Unit {article_id % 1000} Finishes Bridging Drill",
        published="2025-09-01T10:00:00-04:00",
        paragraphs=[
            f"Engineers moved {figure} vehicles across a floating bridge in under an hour.",
            "The exercise ran on the river near the training area for three days.",
        ],
    )


ARTICLES = 200


@pytest.fixture(scope="module")
def big_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "archive.sqlite"
    with Archive.open(f"sqlite:///{path}") as archive:
        for n in range(ARTICLES):
            article_id = 4200000 + n
            for day, figure in ((1, 40 + n), (2, 45 + n)):
                archive.record_capture(
                    Capture(
                        article_id=article_id,
                        requested_url=story(article_id, figure).url,
                        fetched_at=f"2025-09-0{day}T12:00:00Z",
                        outcome=OUTCOME_OK,
                        status=200,
                        article=story(article_id, figure),
                    )
                )
    return path


def complete(path: Path) -> bool:
    data = path.read_bytes()
    if path.suffix == ".json":
        json.loads(data)
    elif path.suffix == ".xml":
        ElementTree.fromstring(data)
    elif path.suffix == ".html":
        return data.rstrip().endswith(b"</html>")
    return len(data) > 0


def visible(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}


def _writing_started(proc: subprocess.Popen, folder: Path, since: float) -> float:
    """When `proc` first wrote into `folder` (a file, hidden temp files included, modified after
    `since`), or when it ended: the report's start-up (imports, reading the archive) is over."""
    while proc.poll() is None:
        if folder.is_dir():
            for path in folder.iterdir():
                try:
                    if path.stat().st_mtime >= since:
                        return time.monotonic()
                except FileNotFoundError:  # a temp file renamed meanwhile
                    continue
        time.sleep(0.005)
    return time.monotonic()


def test_kill_9_during_report_writing(tmp_path: Path, big_archive: Path) -> None:
    reference = tmp_path / "reference"
    done = dodnews("report", "--archive", str(big_archive), "--diffs-dir", str(reference))
    writing_from = _writing_started(done, reference, time.time() - 1)
    assert done.wait(120) == 0
    # How long the files take to write (start-up excluded: it varies with the machine's load,
    # and a kill during it would not test a half-written folder).
    writing = time.monotonic() - writing_from
    expected = visible(reference)
    # A report per change and a page per article, and (200 changes, 100 a page) index.html +
    # index-1.html with their JSON indexes, and atom.xml + atom-archive-1.xml.
    assert len(expected) == 3 * ARTICLES + ARTICLES + 6
    diffs = tmp_path / "diffs"
    kills = 0
    for fraction in (0.3, 0.5, 0.6, 0.4):
        leftovers: set[str] = set()
        since = time.time() - 0.001
        proc = dodnews("report", "--archive", str(big_archive), "--diffs-dir", str(diffs))
        _writing_started(proc, diffs, since)
        time.sleep(writing * fraction)
        if proc.poll() is None:
            proc.kill()
            kills += 1
        proc.wait(60)
        if diffs.exists():
            for path in diffs.iterdir():
                if not path.name.startswith("."):  # hidden: temp files of an unfinished write
                    assert complete(path), path
            leftovers = {p.name for p in diffs.iterdir() if p.name.startswith(".")}
        if fraction == 0.6:  # the last kill starts from an empty folder again
            shutil.rmtree(diffs, ignore_errors=True)
    assert kills >= 2, "no kill landed while reports were being written"
    proc = dodnews("report", "--archive", str(big_archive), "--diffs-dir", str(diffs))
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0
    assert visible(diffs) == expected  # the next run put everything right
    # ... and removed the temp files of the killed writes: the folder holds nothing else.
    assert sorted(p.name for p in diffs.iterdir()) == sorted(expected)
    left = [name for name in leftovers if name.endswith(".tmp")]
    if left:
        files = "1 temp file" if len(left) == 1 else f"{len(left)} temp files"  # plurals right
        assert f"{files} of an interrupted run removed" in out.decode()


# -- kill -9 during a migration ----------------------------------------------------------------


ROWS = 100_000


def big_rev1_archive(path: Path, extra_captures: int) -> None:
    """A revision-0001 archive with many capture rows, so that its upgrade takes a while."""
    make_rev1_archive(path)
    with sqlite3.connect(path) as conn:
        article_id, url = conn.execute("SELECT article_id, url FROM articles").fetchone()
        conn.executemany(
            "INSERT INTO captures (article_id, requested_url, fetched_at, outcome) "
            "VALUES (?, ?, ?, 'error')",
            (
                (article_id, url, f"2025-10-{1 + n % 28:02d} {n % 24:02d}:00:00.{n:06d}")
                for n in range(extra_captures)
            ),
        )


def revision_of(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT version_num FROM schema_info").fetchone()[0]


def wal_has_data(path: Path) -> bool:
    try:
        return Path(f"{path}-wal").stat().st_size > 0
    except FileNotFoundError:
        return False


def test_kill_9_during_a_migration(tmp_path: Path) -> None:
    template = tmp_path / "rev1.sqlite"
    big_rev1_archive(template, ROWS)
    head = migrate.head_revision()
    timing = tmp_path / "timing.sqlite"
    shutil.copy(template, timing)
    started = time.monotonic()
    assert dodnews("archive", "upgrade", "--archive", str(timing)).wait(60) == 0
    took = time.monotonic() - started
    seen: set[str] = set()
    # Killed at fractions of a clean upgrade's time (anywhere: before, inside or after the
    # transaction, as the timing of each run falls), and once surely inside the transaction: the
    # upgrade has begun writing the new index to the WAL (a window of some 40 ms, which the
    # timed kills alone hit only now and then).
    for n, fraction in enumerate((None, 0.7, 0.85, 0.95)):
        path = tmp_path / f"a{n}.sqlite"
        shutil.copy(template, path)
        proc = dodnews("archive", "upgrade", "--archive", str(path))
        if fraction is None:
            wait_for(lambda p=path, c=proc: wal_has_data(p) or c.poll() is not None, step=0.001)
        else:
            time.sleep(took * fraction)
        proc.kill()
        proc.wait(30)
        revision = revision_of(path)
        assert revision in ("0001", head)  # one or the other, never in between
        if fraction is None:
            assert (proc.returncode, revision) == (-signal.SIGKILL, "0001"), "missed the window"
        seen.add(revision)
        assert dodnews("archive", "upgrade", "--archive", str(path)).wait(60) == 0
        with Archive.open(f"sqlite:///{path}", create=False) as archive:
            assert archive.verify() == []
            assert archive.stats()["captures"] == ROWS + 1
    assert "0001" in seen, "no kill landed before the migration committed"


def test_migration_that_fails_midway_leaves_the_old_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "rev1.sqlite"
    make_rev1_archive(path)
    before = path.read_bytes()
    real = alembic_command.upgrade

    def upgrade_then_die(config, target):  # the DDL ran, the process dies before COMMIT
        real(config, target)
        raise KeyboardInterrupt

    monkeypatch.setattr(alembic_command, "upgrade", upgrade_then_die)  # migrate imports it late
    with pytest.raises(KeyboardInterrupt):
        Archive.upgrade(f"sqlite:///{path}")
    monkeypatch.undo()
    assert revision_of(path) == "0001"
    assert Archive.upgrade(f"sqlite:///{path}") == ("0001", migrate.head_revision())
    with Archive.open(f"sqlite:///{path}", create=False) as archive:
        assert archive.verify() == []
    assert before  # the old file was a real archive


# -- verify finds tampering --------------------------------------------------------------------


@pytest.fixture(scope="module")
def crawled_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("crawled")
    with ReplicaProcess(epoch=0) as replica:
        work = CrawlWorkspace(root, replica.url)
        assert work.crawl("news", sections="contracts", max_pages=1) == 0, work.logs[-1][-3000:]
    return root


@pytest.fixture
def crawled(tmp_path: Path, crawled_once: Path) -> CrawlWorkspace:
    """A copy of a small crawled archive and its WARC files, free to tamper with."""
    shutil.copytree(crawled_once, tmp_path, dirs_exist_ok=True)
    work = CrawlWorkspace(tmp_path, "http://127.0.0.1:9")
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
    return work


def verify_cli(work: CrawlWorkspace) -> subprocess.CompletedProcess[str]:
    argv = ["archive", "verify", "--archive", work.archive, "--warc-dir", str(work.warc)]
    return subprocess.run(
        [sys.executable, "-m", "dodnews", *argv], capture_output=True, text=True, check=False
    )


def test_verify_cli_is_clean_after_a_crawl(crawled: CrawlWorkspace) -> None:
    done = verify_cli(crawled)
    assert done.returncode == 0 and done.stdout.startswith("ok: "), done.stdout + done.stderr


def gzip_members(data: bytes) -> list[bytes]:
    """The decompressed members of a multi-member gzip file (a .warc.gz: one per record)."""
    members = []
    while data:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        members.append(inflater.decompress(data))
        data = inflater.unused_data
    return members


def test_verify_finds_a_tampered_warc_payload(crawled: CrawlWorkspace) -> None:
    with crawled.open() as archive, archive.engine.connect() as conn:
        row = conn.execute(
            select(captures.c.id, captures.c.warc_file, captures.c.warc_record_id).where(
                captures.c.warc_record_id.is_not(None), captures.c.outcome == "ok"
            )
        ).first()
    path = crawled.warc / row.warc_file
    members = gzip_members(path.read_bytes())
    header = f"WARC-Record-ID: {row.warc_record_id}".encode()
    (index,) = [i for i, m in enumerate(members) if header in m[:800]]
    record = bytearray(members[index])
    record[-20] ^= 0x01  # one payload byte (the record ends with the payload and CRLF CRLF)
    members[index] = bytes(record)
    # Recompressed member by member: the gzip is sound, only the digest can tell.
    path.write_bytes(b"".join(gzip.compress(m) for m in members))
    done = verify_cli(crawled)
    assert done.returncode == 1
    assert f"capture {row.id}: WARC record in {row.warc_file}: payload digest" in done.stdout


def test_verify_finds_a_damaged_or_missing_warc_file(crawled: CrawlWorkspace) -> None:
    (path,) = [p for p in crawled.warc.glob("*.warc.gz")]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped bit inside a gzip member
    path.write_bytes(bytes(data))
    done = verify_cli(crawled)
    assert done.returncode == 1 and "WARC" in done.stdout
    path.unlink()
    done = verify_cli(crawled)
    assert done.returncode == 1 and "is missing from" in done.stdout


def test_verify_finds_a_tampered_version(crawled: CrawlWorkspace) -> None:
    with crawled.open() as archive, archive.engine.begin() as conn:
        row = conn.execute(select(versions.c.id, versions.c.article)).first()
        article = dict(row.article)
        article["title"] = article["title"] + " (edited)"
        conn.execute(update(versions).where(versions.c.id == row.id).values(article=article))
    done = verify_cli(crawled)
    assert done.returncode == 1 and "does not match the stored article" in done.stdout
