"""Run records: a run whose crawl process is gone is marked interrupted by the next run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from dodnews import procs as liveness
from dodnews.archive import Archive, inspect_archive
from dodnews.archive.orphans import INTERRUPTED_ERROR
from dodnews.archive.schema import format_utc, runs
from dodnews.cli.main import main
from dodnews.model import OUTCOMES
from dodnews.procs import process_alive, process_start_time
from tests.pg_support import throwaway_database

HOST = socket.gethostname()
LINUX_PROC = Path("/proc/self/stat").exists()


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(child.pid, 0)
    return child.pid


def orphans(archive: Archive) -> list[int]:
    """What `dodnews archive status` reports: runs of this host whose process is gone."""
    return inspect_archive(archive.url.render_as_string(hide_password=False)).orphaned_runs


def now() -> str:
    return format_utc(datetime.now(UTC))


def add_run(archive: Archive, *, host: str | None, pid: int | None, started_at: str) -> int:
    """A run row as a crawl process left it: status running, never finished."""
    with archive.engine.begin() as conn:
        return conn.execute(
            insert(runs)
            .values(
                spider="news",
                started_at=started_at,
                status="running",
                counts={},
                errors=[],
                host=host,
                pid=pid,
            )
            .returning(runs.c.id)
        ).scalar_one()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    if request.param == "sqlite":
        with Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
            yield archive
        return
    with (
        throwaway_database(request.getfixturevalue("postgres_url")) as url,
        Archive.open(url) as archive,
    ):
        yield archive


def test_next_run_marks_only_this_hosts_runs_whose_process_is_gone(archive: Archive) -> None:
    started = now()
    dead = add_run(archive, host=HOST, pid=dead_pid(), started_at=started)
    alive = add_run(archive, host=HOST, pid=os.getpid(), started_at=started)
    elsewhere = add_run(archive, host=HOST + "-other", pid=dead_pid(), started_at=started)
    unknown = add_run(archive, host=None, pid=None, started_at=started)  # before revision 0003
    no_pid = add_run(archive, host=HOST, pid=None, started_at=started)
    # The archive status tells, without changing anything.
    assert orphans(archive) == [dead]
    assert {r.id: r.status for r in archive.runs()}[dead] == "running"

    new = archive.start_run("recheck")
    by_id = {r.id: r for r in archive.runs()}
    assert by_id[dead].status == "interrupted"
    assert by_id[dead].errors == [INTERRUPTED_ERROR]
    assert by_id[dead].finished_at is not None and by_id[dead].finished_at >= started
    # counts from the rows it committed (none here)
    assert by_id[dead].counts == dict.fromkeys([*OUTCOMES, "captures", "changes"], 0)
    assert by_id[dead].changes_found == 0
    for kept in (alive, elsewhere, unknown, no_pid):
        assert (by_id[kept].status, by_id[kept].finished_at) == ("running", None), kept
    assert (by_id[new].status, by_id[new].host, by_id[new].pid) == ("running", HOST, os.getpid())
    # The new run is finished as usual; an interrupted run is not marked twice.
    archive.finish_run(new, "ok", {"captures": 3}, 0, [])
    archive.start_run("news")
    again = {r.id: r for r in archive.runs()}
    assert again[new].status == "ok"
    assert again[dead].finished_at == by_id[dead].finished_at
    assert orphans(archive) == []


@pytest.mark.skipif(not LINUX_PROC, reason="process start times come from Linux /proc")
def test_a_reused_pid_does_not_keep_a_dead_run_running(archive: Archive) -> None:
    # This process has the pid, but it started long after the run did: the run's own process
    # (the same pid before a container restart, say) is gone.
    old = add_run(archive, host=HOST, pid=os.getpid(), started_at="2001-02-03T04:05:06Z")
    archive.start_run("news")
    assert {r.id: r.status for r in archive.runs()}[old] == "interrupted"


def test_process_alive() -> None:
    assert process_alive(dead_pid()) is False
    assert process_alive(os.getpid()) is True
    assert process_alive(os.getpid(), now()) is True
    assert process_alive(0) is True  # not a pid: cannot tell, so never "gone"
    if LINUX_PROC:
        assert process_alive(os.getpid(), "2001-02-03T04:05:06Z") is False


def test_another_users_process_counts_as_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_yours(pid: int, signal: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(liveness.os, "kill", not_yours)
    monkeypatch.setattr(liveness, "process_start_time", lambda pid: None)
    assert process_alive(4242, now()) is True


@pytest.mark.skipif(not LINUX_PROC, reason="process start times come from Linux /proc")
def test_process_start_time_reads_proc_even_for_odd_process_names(tmp_path: Path) -> None:
    # The command name in /proc/PID/stat is in parentheses and may contain spaces and ")".
    odd = tmp_path / "x) (y z"
    odd.symlink_to("/bin/sleep")
    before = time.time()
    child = subprocess.Popen([str(odd), "30"])
    after = time.time()
    try:
        assert ") (y z" in Path(f"/proc/{child.pid}/stat").read_text()
        started = process_start_time(child.pid)
        assert started is not None
        # /proc's boot time is in whole seconds, so the start may read up to 1 s early.
        assert before - 1.5 <= started <= after + 0.5
    finally:
        child.kill()
        child.wait()
    assert process_start_time(child.pid) is None


def test_runs_command_shows_interrupted_runs(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = add_run(archive, host=HOST, pid=dead_pid(), started_at=now())
    url = archive.url.render_as_string(hide_password=False)
    assert main(["archive", "status", "--archive", url]) == 0
    out = capsys.readouterr().out
    assert f"runs {dead}: marked running, but their process on this host is gone" in out
    archive.start_run("recheck")
    assert main(["runs", "--archive", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    (row,) = [line for line in lines if line.split()[0] == str(dead)]
    assert row.split()[4] == "interrupted"
    assert row.endswith(INTERRUPTED_ERROR)
    assert main(["archive", "status", "--archive", url]) == 0
    assert "process on this host is gone" not in capsys.readouterr().out
