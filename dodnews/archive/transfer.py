"""Copy one archive into another (SQLite <-> PostgreSQL), ids kept, counts and digests checked.

The whole copy is one transaction on the target: it is committed only after every table's row
count and content digest read back from the target equal the source's, so a failed or
interrupted migration leaves the target as empty as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from dodnews.archive.db import WRITE, problem, user_errors
from dodnews.archive.rows import count_rows
from dodnews.archive.schema import articles, captures, changes, runs, versions
from dodnews.archive.store import Archive
from dodnews.archive.urls import describe, resolve_archive_url
from dodnews.errors import UserError

# Parents before children, so every foreign key finds its row.
TABLES: tuple[Table, ...] = (articles, runs, versions, captures, changes)
BATCH = 1000


@dataclass(frozen=True)
class TableCopy:
    """One table as copied: its row count and the digest both sides agreed on."""

    name: str
    rows: int
    digest: str


def _ordered(table: Table) -> Any:
    return select(table).order_by(*table.primary_key.columns)


def _rows(conn: Connection, table: Table) -> Iterator[dict[str, Any]]:
    result = conn.execution_options(yield_per=BATCH).execute(_ordered(table))
    for row in result.mappings():
        yield dict(row)


def _canonical(row: dict[str, Any]) -> bytes:
    # Values come back through the same column types on both back ends (times as ISO strings,
    # JSON as Python values), so one canonical JSON form digests them alike.
    return json.dumps(
        row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


def table_digest(conn: Connection, table: Table) -> tuple[int, str]:
    """Row count and sha256 over the rows in primary-key order, as canonical JSON."""
    digest = hashlib.sha256()
    count = 0
    for row in _rows(conn, table):
        digest.update(_canonical(row))
        digest.update(b"\n")
        count += 1
    return count, "sha256:" + digest.hexdigest()


class _Refused(Exception):
    """The target refused a row: which one, and why (one line)."""


def _row_name(table: Table, row: dict[str, Any]) -> str:
    key = ", ".join(f"{c.name} {row.get(c.name)}" for c in table.primary_key.columns)
    return f"table {table.name} row {key}"


def _insert(target: Connection, table: Table, batch: list[dict[str, Any]]) -> None:
    """Insert a batch; when the target refuses it, find the row it refuses (in savepoints, so
    the transaction stays usable long enough to say which)."""
    try:
        with target.begin_nested():
            target.execute(insert(table), batch)
        return
    except DBAPIError as exc:
        if len(batch) == 1:
            raise _Refused(f"{_row_name(table, batch[0])}: {problem(exc)}") from exc
        first = exc
    for row in batch:
        try:
            with target.begin_nested():
                target.execute(insert(table), [row])
        except DBAPIError as exc:
            raise _Refused(f"{_row_name(table, row)}: {problem(exc)}") from exc
    raise _Refused(f"table {table.name}: {problem(first)}") from first


def _copy_table(source: Connection, target: Connection, table: Table) -> None:
    batch: list[dict[str, Any]] = []
    for row in _rows(source, table):
        batch.append(row)
        if len(batch) >= BATCH:
            _insert(target, table, batch)
            batch = []
    if batch:
        _insert(target, table, batch)


def _reset_sequences(target: Connection) -> None:
    """PostgreSQL: serial ids continue after the copied ones (explicit ids do not advance them)."""
    if target.dialect.name != "postgresql":
        return
    for table in TABLES:
        column = table.c.get("id")
        if column is None:
            continue
        target.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 1), "
                f"(SELECT MAX(id) FROM {table.name}) IS NOT NULL)"
            )
        )


def _require_empty(engine: Engine, label: str) -> None:
    counts = count_rows(engine)
    filled = [f"{name} {counts[name]}" for name in (t.name for t in TABLES) if counts[name]]
    if filled:
        raise UserError(f"target archive {label} is not empty ({', '.join(filled)} rows)")


def migrate_archive(source_url: str, target_url: str) -> list[TableCopy]:
    """Copy every table of `source_url` into the empty archive `target_url`; verified, atomic."""
    source_parsed = resolve_archive_url(source_url)
    target_parsed = resolve_archive_url(target_url)
    if source_parsed.render_as_string(hide_password=False) == target_parsed.render_as_string(
        hide_password=False
    ):
        raise UserError("--from and --to name the same archive")
    with user_errors(source_parsed):
        source = Archive.open(source_url, create=False)
    try:
        with user_errors(target_parsed):
            target = Archive.open(target_url, create=True)
        try:
            label = describe(target_parsed)
            with user_errors(target_parsed):
                _require_empty(target.engine, label)
            with user_errors(source_parsed), user_errors(target_parsed):
                return _transfer(source.engine, target.engine, label)
        finally:
            target.close()
    finally:
        source.close()


def _transfer(source: Engine, target: Engine, label: str) -> list[TableCopy]:
    try:
        return _copy_all(source, target, label)
    except _Refused as exc:
        # A value one back end stores and the other refuses: the copy is rolled back whole.
        raise UserError(f"migration to {label} failed at {exc}; nothing was written") from exc
    except DBAPIError as exc:
        raise UserError(
            f"migration to {label} failed: {problem(exc)}; nothing was written"
        ) from exc


def _copy_all(source: Engine, target: Engine, label: str) -> list[TableCopy]:
    copies: list[TableCopy] = []
    with source.connect() as src, src.begin(), target.connect() as dst:
        dst.execution_options(**{WRITE: True})
        with dst.begin():
            for table in TABLES:
                _copy_table(src, dst, table)
            _reset_sequences(dst)
            for table in TABLES:
                want = table_digest(src, table)
                got = table_digest(dst, table)
                if want != got:
                    # Raising rolls the whole copy back.
                    raise UserError(
                        f"migration to {label} not verified: table {table.name} has "
                        f"{got[0]} rows / {got[1][:19]} on the target, {want[0]} / "
                        f"{want[1][:19]} on the source; nothing was written"
                    )
                copies.append(TableCopy(table.name, want[0], want[1]))
    return copies


def archive_digests(url: str) -> dict[str, tuple[int, str]]:
    """Row count and digest of every table of an existing archive (for checks and tests)."""
    parsed = resolve_archive_url(url)
    with user_errors(parsed):
        archive = Archive.open(url, create=False)
    try:
        with archive.engine.connect() as conn, conn.begin():
            return {table.name: table_digest(conn, table) for table in TABLES}
    finally:
        archive.close()
