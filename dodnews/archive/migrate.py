"""Schema revisions: run the packaged alembic migrations programmatically (no alembic.ini).

Opening an archive only reads the revision it records and compares it with HEAD_REVISION, without
alembic: importing alembic costs a crawl more start-up time than anything else of its own, and a
crawl opens the archive several times. alembic is loaded when there is something to migrate.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import column, inspect, select, table

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy.engine import Connection

VERSION_TABLE = "schema_info"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The newest revision in migrations/versions (tests/unit/archive checks it against alembic's).
HEAD_REVISION = "0007"

# alembic logs each of its plugins at INFO whenever it starts: noise in every crawl's log.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


@contextmanager
def _quiet_alembic() -> Iterator[None]:
    """No "Context impl SQLiteImpl." lines for a mere look at the revision (an upgrade keeps its
    "Running upgrade ..." lines)."""
    log = logging.getLogger("alembic.runtime.migration")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config pointing inside the package, bound to `connection` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest schema revision this tool knows."""
    return HEAD_REVISION


def alembic_head_revision() -> str:
    """The newest revision as alembic reads it from the migration scripts."""
    head = script_directory().get_current_head()
    assert head is not None
    return head


def known_revisions() -> list[str]:
    """Every revision this tool knows, oldest first."""
    return [s.revision for s in reversed(list(script_directory().walk_revisions()))]


def current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, None when it has none (read as alembic's
    MigrationContext reads it: the one row of the version table)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    version = table(VERSION_TABLE, column("version_num"))
    rows = connection.execute(select(version.c.version_num)).scalars().all()
    if len(rows) > 1:
        raise RuntimeError(f"the archive records {len(rows)} schema revisions: {sorted(rows)}")
    return rows[0] if rows else None


def alembic_current_revision(connection: Connection) -> str | None:
    """The revision recorded in the database, as alembic reads it."""
    from alembic.runtime.migration import MigrationContext

    with _quiet_alembic():
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def table_names(connection: Connection) -> list[str]:
    return inspect(connection).get_table_names()


def upgrade(connection: Connection, target: str = "head") -> None:
    """Upgrade the schema to `target` inside the caller's transaction."""
    from alembic import command

    command.upgrade(alembic_config(connection), target)
