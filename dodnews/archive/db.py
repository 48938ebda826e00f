"""Engines for the archive: SQLite pragmas, write transactions, and errors as one line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool

from dodnews.archive.urls import describe, is_memory, sqlite_path
from dodnews.errors import UserError

SQLITE_HEADER = b"SQLite format 3\x00"
DEFAULT_SQLITE_TIMEOUT = 30.0  # seconds a writer waits for another writer's lock
WRITE = "dodnews_write"  # execution option: this transaction writes


def check_sqlite_file(url: URL, *, create: bool) -> None:
    """Refuse, before SQLite touches it, a file that is missing (unless `create`) or not SQLite."""
    path = sqlite_path(url)
    if path is None:
        return
    if path.is_dir():
        raise UserError(f"archive {path} is a directory, not a SQLite file")
    if not path.exists():
        if not create:
            raise UserError(f"no archive at {path} (a crawl or `dodnews archive upgrade` makes it)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(f"cannot create the folder of archive {path}: {exc.strerror}") from exc
        return
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise UserError(f"cannot read archive {path}: {exc.strerror}") from exc
    if not header:
        if not create:
            raise UserError(f"archive {path} is an empty file, not a dodnews archive")
        return
    if header != SQLITE_HEADER:
        raise UserError(f"{path} is not a SQLite database")


def make_engine(url: URL) -> Engine:
    """An engine for `url`; on SQLite: foreign keys on, busy timeout, explicit BEGIN [IMMEDIATE]."""
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if "timeout" not in url.query:
        connect_args["timeout"] = DEFAULT_SQLITE_TIMEOUT
    options: dict[str, Any] = {"connect_args": connect_args}
    if is_memory(url):
        options["poolclass"] = StaticPool
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN (below) own transactions, so DDL is transactional too.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # In WAL mode NORMAL never corrupts; it only skips an fsync per commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the write lock up front: a deferred transaction that reads and then
        # writes can fail with SQLITE_BUSY without waiting when another writer got there first.
        write = connection.get_execution_options().get(WRITE)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def enable_wal(engine: Engine) -> None:
    """Switch a SQLite archive to WAL (persistent; readers never wait for the crawler)."""
    if engine.dialect.name != "sqlite" or is_memory(engine.url):
        return
    raw = engine.raw_connection()
    try:
        # Outside any transaction (SQLite refuses to change the journal mode inside one), so on
        # the driver's connection, whose errors SQLAlchemy does not wrap.
        cursor = raw.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
    except engine.dialect.loaded_dbapi.Error as exc:
        raise UserError(f"archive {describe(engine.url)}: {problem(exc)}") from exc
    finally:
        raw.close()


def problem(exc: BaseException) -> str:
    """A database error as one short line."""
    text = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    return " ".join(text.split())[:300] or type(exc).__name__


@contextmanager
def user_errors(url: URL) -> Iterator[None]:
    """Turn database failures a user can cause (locked, read-only, not a DB) into UserError."""
    try:
        yield
    except UserError:
        raise
    except OperationalError as exc:
        raise UserError(f"archive {describe(url)}: {problem(exc)}") from exc
    except DatabaseError as exc:
        # Only the bare class ("file is not a database"); IntegrityError & co. are bugs.
        if type(exc) is not DatabaseError:
            raise
        raise UserError(f"archive {describe(url)}: {problem(exc)}") from exc
