"""Which process is this, and is another one still alive: the liveness checks behind runs and WARC
files that a crawl killed with kill -9 (or a power cut) left marked as its own.

A record names a host, a pid and the process's start time, so that a pid reused by another
process after the crawl died is not taken for the crawl. Processes of other hosts cannot be seen
from here and are taken as alive. The archive's use of it (runs left "running") is in
dodnews/archive/orphans.py.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dodnews.utc import format_utc, parse_utc

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
