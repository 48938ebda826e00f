"""The archive's tables (SQLAlchemy Core), as of the newest migration.

Times are stored as naive UTC timestamps (`UtcTime`) so that they sort and compare the same way
on SQLite and PostgreSQL; they come back as ISO 8601 strings ending in "Z". JSON columns hold
plain JSON values (never pickles).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

from dodnews.utc import format_utc, parse_utc

# Constraint names are fixed so migrations can refer to them on every back end.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcTime(TypeDecorator[str]):
    """A point in time: ISO string or datetime in, ISO string with "Z" out, naive UTC stored."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return parse_utc(value).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):  # a value written by hand into SQLite
            value = parse_utc(value)
        return format_utc(value)


# Ids are 64-bit integers on every back end. SQLite's INTEGER is 64-bit already, and an id column
# must stay INTEGER there: only an INTEGER PRIMARY KEY is the rowid that numbers new rows.
Id = BigInteger().with_variant(Integer(), "sqlite")

# Header values start with this mark when escaped (see HeaderText). Headers are decoded as
# latin-1 (U+0000..U+00FF), so it never starts a header value as received.
ESCAPE_MARK = "\ufdd0"
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def escape_text(value: str) -> str:
    """A value PostgreSQL's text accepts (no NUL), told apart by a leading mark; reversible."""
    if "\x00" not in value and not value.startswith(ESCAPE_MARK):
        return value
    return ESCAPE_MARK + value.replace("\\", "\\\\").replace("\x00", "\\0")


def unescape_text(value: str) -> str:
    """The value `escape_text` was given."""
    if not value.startswith(ESCAPE_MARK):
        return value
    body = value[len(ESCAPE_MARK) :]
    return _ESCAPED.sub(lambda m: "\x00" if m.group(1) == "0" else m.group(1), body)


class HeaderText(TypeDecorator[str]):
    """A response header's value, stored byte for byte on every back end.

    PostgreSQL's text refuses NUL, which a server may well send in an ETag or a Last-Modified:
    there such a value is stored escaped and unescaped on read. SQLite stores any string.
    """

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None or dialect.name != "postgresql":
            return value
        return escape_text(str(value))

    def process_result_value(self, value: Any, dialect: Any) -> str | None:
        if value is None or dialect.name != "postgresql":
            return value
        return unescape_text(value)


articles = Table(
    "articles",
    metadata,
    Column("article_id", Id, primary_key=True, autoincrement=False),
    # No foreign key here: articles <-> versions would be a cycle; `verify` checks it instead.
    Column("current_version_id", Id),
    # The latest capture that confirmed the current version (ok or not-modified): the "old" side
    # of the next change.
    Column("current_capture_id", Id),
    Column("first_seen", UtcTime, nullable=False),
    Column("last_captured", UtcTime),  # latest ok / not-modified / gone answer
    Column("last_attempt", UtcTime),  # latest capture of any outcome
    Column("last_changed", UtcTime),
    Column("last_outcome", String(16)),
    Column("url", Text),
    Column("section", String(64)),
    Column("published", String(40)),
    # Revision 0005: header values kept whole (HeaderText); last_modified unbounded. SQLite never
    # enforced its VARCHAR(64), so the column keeps that type there (changing a column's type
    # in SQLite means rebuilding the table under every foreign key that points at it).
    Column("etag", HeaderText),
    Column("last_modified", HeaderText().with_variant(String(64), "sqlite")),
    Column("body_digest", String(80)),
    Column("gone", Boolean, nullable=False, default=False),
    # Revision 0004: the latest capture that received the whole page (status 200); a conditional
    # re-capture stops trusting 304s when it is older than DODNEWS_TRUST_304_DAYS.
    Column("last_downloaded", UtcTime),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("spider", String(64), nullable=False),
    Column("started_at", UtcTime, nullable=False),
    Column("finished_at", UtcTime),
    Column("status", String(16), nullable=False),
    Column("counts", JSON),
    Column("changes_found", Integer),
    Column("errors", JSON),
    # Revision 0003: the crawl process (socket.gethostname(), os.getpid()); NULL for older runs.
    Column("host", String(255)),
    Column("pid", Integer),
)

versions = Table(
    "versions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("article_id", Id, ForeignKey("articles.article_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(80), nullable=False),
    Column("article", JSON, nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("first_seen", UtcTime, nullable=False),
    Column("last_seen", UtcTime, nullable=False),
    Column("extractor_version", String(40)),
    # Named as revision 0001 made it (the column was `seq` until 0007): SQLite cannot rename it.
    UniqueConstraint("article_id", "version", name="uq_versions_article_id_seq"),
    UniqueConstraint("article_id", "content_hash"),
)

captures = Table(
    "captures",
    metadata,
    Column("id", Id, primary_key=True),
    Column("article_id", Id, ForeignKey("articles.article_id"), nullable=False),
    Column("requested_url", Text, nullable=False),
    Column("final_url", Text),  # NULL when equal to requested_url (keeps unchanged rows small)
    Column("redirects", JSON),  # NULL when there were none
    Column("fetched_at", UtcTime, nullable=False),
    Column("status", Integer),
    Column("outcome", String(16), nullable=False),
    Column("headers", JSON),  # only SELECTED_HEADERS
    Column("body_digest", String(80)),
    Column("error", Text),
    Column("warc_file", Text),
    Column("warc_record_id", Text),
    Column("version_id", Id, ForeignKey("versions.id")),
    Column("run_id", Id, ForeignKey("runs.id")),
    # Revision 0006: the browser's evidence of a rendered capture (docs/browser.md), once kept
    # as made-up response headers: why it was rendered, "file#record-id" of the rendered DOM's
    # WARC record, the SHA-256 of its screenshot. NULL for a page read as the server sent it.
    Column("rendered", String(16)),
    Column("rendered_warc", Text),
    Column("screenshot", String(80)),
    # Revision 0002: history and "latest capture of an article" read this index.
    Index(None, "article_id", "fetched_at"),
)

changes = Table(
    "changes",
    metadata,
    Column("id", Id, primary_key=True),
    Column("article_id", Id, ForeignKey("articles.article_id"), nullable=False),
    Column("from_version_id", Id, ForeignKey("versions.id"), nullable=False),
    Column("to_version_id", Id, ForeignKey("versions.id"), nullable=False),
    Column("from_capture_id", Id, ForeignKey("captures.id")),
    Column("to_capture_id", Id, ForeignKey("captures.id")),
    Column("detected_at", UtcTime, nullable=False, index=True),
    Column("kinds", JSON, nullable=False),
    Column("significance", Float, nullable=False, default=0.0),
    Column("report", JSON, nullable=False),
    Column("revert", Boolean, nullable=False, default=False),
    Column("run_id", Id, ForeignKey("runs.id")),
    Index(None, "article_id"),
    Index(None, "run_id"),
)

# Response headers worth keeping with a capture (lower-case names); everything else is dropped.
# A value is kept up to HEADER_VALUE_LIMIT characters.
HEADER_VALUE_LIMIT = 500
SELECTED_HEADERS = (
    "etag",
    "last-modified",
    "content-type",
    "content-length",
    "server",
    "cache-control",
    "age",
    "date",
    "location",
    "retry-after",
)
