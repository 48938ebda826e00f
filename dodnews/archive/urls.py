"""Where the archive lives: the DODNEWS_ARCHIVE default and database URL parsing."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from dodnews.errors import UserError

ENV_VAR = "DODNEWS_ARCHIVE"
DEFAULT_RELATIVE_PATH = Path("data") / "dodnews.sqlite"


def default_archive_url() -> str:
    """`sqlite:///<cwd>/data/dodnews.sqlite`, the archive used when nothing else is said."""
    return f"sqlite:///{Path.cwd() / DEFAULT_RELATIVE_PATH}"


def resolve_archive_url(url: str | None = None) -> URL:
    """The archive URL: `url`, else env DODNEWS_ARCHIVE, else the default SQLite file.

    A bare path (no `scheme://`) means a SQLite file; `postgres://` and `postgresql://` mean
    PostgreSQL through psycopg 3.
    """
    text = (url or os.environ.get(ENV_VAR) or "").strip() or default_archive_url()
    if "://" not in text:
        text = f"sqlite:///{Path(text).expanduser().resolve()}"
    try:
        parsed = make_url(text)
    except ArgumentError as exc:
        raise UserError(f"not a database URL: {text!r}") from exc
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(
            f"unsupported archive database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    return parsed


def sqlite_path(url: URL) -> Path | None:
    """The file of a SQLite archive URL; None for other back ends and in-memory databases."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if url.query.get("uri") in ("true", "1") and database.startswith("file:"):
        database = database[len("file:") :]
    if database in ("", ":memory:") or database.startswith("file::memory:"):
        return None
    return Path(database)


def is_memory(url: URL) -> bool:
    """True for an in-memory SQLite database (one shared connection, gone on close)."""
    return url.get_backend_name() == "sqlite" and sqlite_path(url) is None


def describe(url: URL) -> str:
    """The URL for people: no password."""
    return url.render_as_string(hide_password=True)
