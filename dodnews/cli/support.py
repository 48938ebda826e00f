"""What the archive's CLI commands share when they run: opening the archive, argument checks."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dodnews.archive.db import user_errors
from dodnews.archive.store import Archive
from dodnews.archive.urls import resolve_archive_url, sqlite_path
from dodnews.diffing.model import KINDS
from dodnews.environment import DEFAULT_WARC_DIR, diffs_dir, env
from dodnews.errors import UserError
from dodnews.site import WAR, Site
from dodnews.utc import parse_utc

_RELATIVE = re.compile(r"^(\d+)\s*([hdw])$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def warc_dir(args: argparse.Namespace) -> Path:
    """The WARC folder: --warc-dir, else $DODNEWS_WARC_DIR, else warc/ beside a SQLite archive
    (--archive, else $DODNEWS_ARCHIVE) when that folder exists, else ./data/warc."""
    if getattr(args, "warc_dir", None):
        return Path(args.warc_dir)
    configured = env("DODNEWS_WARC_DIR")
    if configured:
        return Path(configured)
    beside = sqlite_path(resolve_archive_url(getattr(args, "archive", None)))
    if beside is not None and (beside.parent / "warc").is_dir():
        return beside.parent / "warc"
    return Path(DEFAULT_WARC_DIR)


def reports_dir(args: argparse.Namespace) -> str:
    """The reports folder: --diffs-dir, else $DODNEWS_DIFFS_DIR, else diffs/."""
    return diffs_dir(getattr(args, "diffs_dir", None))


def open_archive(url: str | None = None, *, create: bool = False, site: Site = WAR) -> Archive:
    """Open an existing archive (of `site`) for a command; every failure is a one-line UserError."""
    with user_errors(resolve_archive_url(url)):
        return Archive.open(url, create=create, site=site)


@contextmanager
def archive_for(
    args: argparse.Namespace, *, create: bool = False, site: Site = WAR
) -> Iterator[Archive]:
    """The archive named by `args.archive`, closed afterwards; database errors become one line."""
    archive = open_archive(args.archive, create=create, site=site)
    try:
        with user_errors(archive.url):
            yield archive
    finally:
        archive.close()


def parse_since(text: str) -> datetime:
    """A date, an ISO 8601 time, or a span back from now ("36h", "7d", "2w")."""
    value = text.strip()
    match = _RELATIVE.match(value)
    if match:
        try:
            span = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
            return datetime.now(UTC) - span
        except OverflowError:  # past year 1 (or past what timedelta holds)
            raise UserError(f"bad date {text!r}: too far back (before year 1)") from None
    try:
        return parse_utc(value)
    except ValueError:
        raise UserError(
            f"bad date {text!r}: use YYYY-MM-DD, an ISO 8601 time, or a span like 7d or 36h"
        ) from None


def parse_kind(text: str) -> str:
    """A change kind from the report vocabulary."""
    if text not in KINDS:
        raise UserError(f"unknown change kind {text!r}; kinds are: {', '.join(KINDS)}")
    return text


def require_article(archive: Archive, article_id: int) -> None:
    """UserError when the archive has never captured `article_id`."""
    if archive.article(article_id) is None:
        raise UserError(f"article {article_id} is not in the archive")
