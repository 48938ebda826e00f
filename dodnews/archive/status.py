"""`dodnews archive status`: where an archive is, its schema revision and its row counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from dodnews.archive import migrate
from dodnews.archive.db import check_sqlite_file, make_engine, user_errors
from dodnews.archive.orphans import orphaned_runs
from dodnews.archive.rows import count_rows
from dodnews.archive.schema import runs
from dodnews.archive.urls import describe, resolve_archive_url, sqlite_path
from dodnews.errors import UserError
from dodnews.monitor.coverage import latest_judged
from dodnews.procs import this_process

# How far back `archive status` looks for each spider's latest judged run.
_RECENT_RUNS = 200


@dataclass
class ArchiveStatus:
    """What `dodnews archive status` reports, readable at any schema revision."""

    url: str
    backend: str
    path: str | None
    revision: str | None
    head: str
    counts: dict[str, int] | None
    # Runs of this host marked running whose process is gone (known at the newest schema only).
    orphaned_runs: list[int] = field(default_factory=list)
    # Per spider, the newest run whose extraction coverage was judged: (run id, its line).
    coverage: dict[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def inspect_archive(url: str | None = None) -> ArchiveStatus:
    """The schema revision and row counts of an existing archive, without changing it."""
    parsed = resolve_archive_url(url)
    check_sqlite_file(parsed, create=False)
    engine = make_engine(parsed)
    try:
        with user_errors(parsed):
            with engine.connect() as conn, conn.begin():
                revision = migrate.current_revision(conn)
                tables = migrate.table_names(conn)
            if revision is None and tables:
                raise UserError(f"{describe(parsed)} is a database but not a dodnews archive")
            counts = count_rows(engine) if revision is not None else None
            coverage: dict[str, tuple[int, str]] = {}
            if revision is not None:
                with engine.connect() as conn, conn.begin():
                    recent = conn.execute(
                        select(runs.c.id, runs.c.spider, runs.c.counts)
                        .order_by(runs.c.id.desc())
                        .limit(_RECENT_RUNS)
                    ).all()
                coverage = latest_judged([(r.id, r.spider, r.counts) for r in recent])
            orphans: list[int] = []
            if revision == migrate.head_revision():
                with engine.connect() as conn, conn.begin():
                    orphans = orphaned_runs(conn, this_process()[0])
    finally:
        engine.dispose()
    path = sqlite_path(parsed)
    return ArchiveStatus(
        url=describe(parsed),
        backend=parsed.get_backend_name(),
        path=str(path) if path is not None else None,
        revision=revision,
        head=migrate.head_revision(),
        counts=counts,
        orphaned_runs=orphans,
        coverage=coverage,
    )
