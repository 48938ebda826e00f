"""Versions read by an older extractor, the captures whose WARC records can be read again, and
re-extractions handed back to the archive.

The archive itself reads no WARC file: the crawl's pipeline and `dodnews archive reextract` read the
page of an outdated current version from the evidence listed here, extract it with the running
extractor, and hand the result back as a `Reextraction` (see `BatchWriter`). A re-extraction that
differs from the stored version becomes a new version whose stored article JSON carries a
`reextraction` marker; it never makes a change row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.engine import Connection

from dodnews.archive.schema import articles, captures, parse_utc, versions
from dodnews.model import Article

MARKER = "reextraction"  # key of the marker inside a version's stored article JSON
EVIDENCE_PER_VERSION = 3  # captures tried, newest first, before the evidence counts as missing


def is_older_extractor(stored: str | None, running: str) -> bool:
    """True when a version read by extractor `stored` should be read again by `running`.

    Numeric versions compare as numbers, so a crawl still running an older dodnews never
    re-reads what a newer one wrote; other names just have to differ.
    """
    if not running or stored == running:
        return False
    if not stored:
        return True
    if stored.isdigit() and running.isdigit():
        return int(stored) < int(running)
    return True


@dataclass(frozen=True)
class Evidence:
    """A capture of the page a version was read from, and where its WARC record is."""

    capture_id: int
    fetched_at: str
    url: str
    warc_file: str | None
    warc_record_id: str
    body_digest: str | None
    rendered: str | None = None  # "file#record id" of the rendered DOM, when it was rendered


@dataclass(frozen=True)
class OutdatedVersion:
    """The current version of an article, read by an older extractor."""

    article_id: int
    version_id: int
    version: int
    content_hash: str
    extractor_version: str | None
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Reextraction:
    """The page of version `of_version_id` read again by the running extractor."""

    article_id: int
    of_version_id: int
    article: Article
    evidence: Evidence


@dataclass(frozen=True)
class ReextractionResult:
    """What the archive did with one re-extraction.

    outcome: "version" (a new, marked version is now current), "confirmed" (same content: the
    version is marked as read by the running extractor), "earlier" (same content as an earlier
    version, which is current again), "skipped" (the article changed meanwhile).
    """

    article_id: int
    outcome: str
    version_id: int | None = None
    version: int | None = None


def reextraction_marker(version: Any) -> dict[str, Any] | None:
    """The marker of a re-extracted version's stored JSON (None for a version read live)."""
    data = version.get(MARKER) if isinstance(version, dict) else None
    return dict(data) if isinstance(data, dict) else None


def _outdated(running: str) -> Any:
    return or_(versions.c.extractor_version.is_(None), versions.c.extractor_version != running)


def count_outdated(conn: Connection, running: str) -> int:
    """How many articles' current versions another extractor than `running` read (an upper
    bound: a newer extractor's versions are counted, then left alone)."""
    query = (
        select(func.count())
        .select_from(articles)
        .join(versions, versions.c.id == articles.c.current_version_id)
        .where(_outdated(running))
    )
    return int(conn.execute(query).scalar_one())


def outdated_versions(
    conn: Connection,
    running: str,
    article_ids: Iterable[int] | None = None,
    *,
    after: int | None = None,
    limit: int | None = None,
    with_evidence: bool = True,
) -> list[OutdatedVersion]:
    """Current versions read by an older extractor than `running`, by article id, each with its
    evidence unless `with_evidence` is False (see `evidence`)."""
    query = (
        select(
            articles.c.article_id,
            versions.c.id,
            versions.c.version,
            versions.c.content_hash,
            versions.c.extractor_version,
        )
        .join(versions, versions.c.id == articles.c.current_version_id)
        .where(_outdated(running))
        .order_by(articles.c.article_id)
    )
    if article_ids is not None:
        query = query.where(articles.c.article_id.in_(sorted(set(article_ids))))
    if after is not None:
        query = query.where(articles.c.article_id > after)
    if limit is not None:
        query = query.limit(limit)
    rows = [
        r for r in conn.execute(query).all() if is_older_extractor(r.extractor_version, running)
    ]
    found = evidence(conn, [r.id for r in rows]) if rows and with_evidence else {}
    return [
        OutdatedVersion(
            article_id=r.article_id,
            version_id=r.id,
            version=r.version,
            content_hash=r.content_hash,
            extractor_version=r.extractor_version,
            evidence=found.get(r.id, []),
        )
        for r in rows
    ]


def evidence(conn: Connection, version_ids: list[int]) -> dict[int, list[Evidence]]:
    """Where the page of each version can be read again, newest first: up to
    EVIDENCE_PER_VERSION captures of the version that received the whole page (status 200: an ok
    capture, or one whose digest showed the page unchanged) and name a WARC record, and for a
    re-extracted version the capture it was read from (no capture points at it until the next
    crawl confirms it)."""
    if not version_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=captures.c.version_id,
            order_by=(captures.c.fetched_at.desc(), captures.c.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(*_EVIDENCE_COLUMNS, captures.c.version_id, rank)
        .where(
            captures.c.version_id.in_(version_ids),
            captures.c.status == 200,
            captures.c.warc_record_id.is_not(None),
        )
        .subquery()
    )
    found: dict[int, list[Evidence]] = {}
    for row in conn.execute(select(ranked).where(ranked.c.rank <= EVIDENCE_PER_VERSION)):
        found.setdefault(row.version_id, []).append(_evidence_of(row))
    read_from: dict[int, list[int]] = {}  # capture id -> re-extracted versions read from it
    markers = select(versions.c.id, versions.c.article).where(versions.c.id.in_(version_ids))
    for row in conn.execute(markers):
        capture_id = (reextraction_marker(row.article) or {}).get("capture_id")
        if isinstance(capture_id, int) and not isinstance(capture_id, bool):
            read_from.setdefault(capture_id, []).append(row.id)
    if read_from:
        query = select(*_EVIDENCE_COLUMNS).where(
            captures.c.id.in_(sorted(read_from)), captures.c.warc_record_id.is_not(None)
        )
        for row in conn.execute(query):
            for version_id in read_from[row.id]:
                kept = found.setdefault(version_id, [])
                if all(e.capture_id != row.id for e in kept):
                    kept.append(_evidence_of(row))
    for kept in found.values():
        kept.sort(key=lambda e: (parse_utc(e.fetched_at), e.capture_id), reverse=True)
    return found


_EVIDENCE_COLUMNS = (
    captures.c.id,
    captures.c.fetched_at,
    captures.c.requested_url,
    captures.c.final_url,
    captures.c.warc_file,
    captures.c.warc_record_id,
    captures.c.body_digest,
    captures.c.rendered_warc,
)


def _evidence_of(row: Any) -> Evidence:
    return Evidence(
        capture_id=row.id,
        fetched_at=row.fetched_at,
        url=row.final_url or row.requested_url,
        warc_file=row.warc_file,
        warc_record_id=row.warc_record_id,
        body_digest=row.body_digest,
        rendered=row.rendered_warc or None,
    )
