"""Runs whose crawl process is gone: a crawl killed with kill -9 (or a power cut) never closes its
run row, which would say "running" forever.

Every run records its host name and pid (revision 0003). The next run started on the same host
marks as interrupted each run of that host still "running" whose process no longer exists. Runs
of other hosts (their processes cannot be seen from here) and runs without a pid (recorded before
revision 0003) are left alone.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from dodnews.archive.schema import captures, changes, runs
from dodnews.model import OUTCOMES
from dodnews.procs import process_alive

RUNNING = "running"
INTERRUPTED = "interrupted"
INTERRUPTED_ERROR = "the crawl process ended without closing its run (killed or crashed)"


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
