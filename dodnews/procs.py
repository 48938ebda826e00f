"""Runs whose crawl process is gone: a crawl killed with kill -9 (or a power cut) never closes its
run row, which would say "running" forever.

Every run records its host name and pid (revision 0003). The next run started on the same host
marks as interrupted each run of that host still "running" whose process no longer exists. Runs
of other hosts (their processes cannot be seen from here) and runs without a pid (recorded before
revision 0003) are left alone.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from dodnews.archive.schema import captures, changes, format_utc, parse_utc, runs
from dodnews.model import OUTCOMES

RUNNING = "running"
INTERRUPTED = "interrupted"
INTERRUPTED_ERROR = "the crawl process ended without closing its run (killed or crashed)"
# A process whose pid matches a run's but that started this long after the run did is another
# process that got the same pid (reused after the crawl died, e.g. in a restarted container).
# Generous: /proc's boot time is in whole seconds and the clock may have been stepped since.
PID_REUSE_MARGIN = 5.0


def this_process() -> tuple[str, int]:
    """(host name, pid) of the current process, as a run records them."""
    return socket.gethostname(), os.getpid()


def process_start_time(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), from Linux /proc; None if unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        boot = Path("/proc/stat").read_text(encoding="ascii", errors="replace")
        # The command name (field 2) is in parentheses and may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = int(fields[19])  # field 22, starttime: clock ticks after boot
        btime = next(int(line.split()[1]) for line in boot.splitlines() if line[:6] == "btime ")
        return btime + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


def process_alive(pid: int, started_at: str | None = None) -> bool:
    """Whether the process that started a run (at `started_at`) may still be running here.

    False only when that is certain: no process has the pid (os.kill(pid, 0) raises
    ProcessLookupError), or the process that has it now started after the run did.
    """
    if pid <= 0:
        return True  # not a process id: cannot tell
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    except (OverflowError, OSError):
        return True
    if started_at is None:
        return True
    started = process_start_time(pid)
    if started is None:
        return True
    return started <= parse_utc(started_at).timestamp() + PID_REUSE_MARGIN


def owner_record() -> dict[str, Any]:
    """Who this process is ({host, pid, started_at}), for a file that says who is using
    something (a job directory, a WARC file being written)."""
    host, pid = this_process()
    return {"host": host, "pid": pid, "started_at": format_utc(datetime.now(UTC))}


def owner_alive(owner: Any) -> bool:
    """Whether the process an `owner_record` names may still be using what it claims: as for a
    run, certain death only on this host (no such pid, or the pid is another process's now). A
    record of another host counts as alive; one that cannot be read, as dead."""
    try:
        host, pid = owner["host"], int(owner["pid"])
    except (TypeError, KeyError, ValueError):
        return False
    if host != socket.gethostname():
        return True
    return process_alive(pid, owner.get("started_at"))


def orphaned_runs(conn: Connection, host: str) -> list[int]:
    """Ids of the runs of `host` marked running whose process is gone, oldest first."""
    rows = conn.execute(
        select(runs.c.id, runs.c.pid, runs.c.started_at)
        .where(runs.c.status == RUNNING, runs.c.host == host, runs.c.pid.is_not(None))
        .order_by(runs.c.id)
    ).all()
    return [r.id for r in rows if not process_alive(r.pid, r.started_at)]


def close_orphaned_runs(conn: Connection, host: str, now: str) -> list[int]:
    """Mark interrupted (finished now) the runs `orphaned_runs` finds; returns their ids."""
    gone = orphaned_runs(conn, host)
    for run_id in gone:
        # What the run committed before it died (captures by outcome, changes), from the rows
        # it left: the crawl's own counters died with it.
        by_outcome = dict(
            conn.execute(
                select(captures.c.outcome, func.count())
                .where(captures.c.run_id == run_id)
                .group_by(captures.c.outcome)
            ).all()
        )
        found = conn.execute(
            select(func.count()).select_from(changes).where(changes.c.run_id == run_id)
        ).scalar_one()
        counts = {outcome: int(by_outcome.get(outcome, 0)) for outcome in OUTCOMES}
        counts["captures"] = sum(counts.values())
        counts["changes"] = int(found)
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.status == RUNNING)
            .values(
                status=INTERRUPTED,
                finished_at=now,
                errors=[INTERRUPTED_ERROR],
                counts=counts,
                changes_found=int(found),
            )
        )
    return gone
