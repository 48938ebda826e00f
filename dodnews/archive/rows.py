"""Database rows -> the archive's records, and row counts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine, Row

from dodnews.archive.records import ArticleRecord, CaptureRecord, ChangeRecord, VersionRecord
from dodnews.archive.reextraction import reextraction_marker
from dodnews.archive.schema import articles, captures, changes, runs, versions
from dodnews.diffing.model import ChangeReport
from dodnews.model import Article


def count_rows(engine: Engine) -> dict[str, int]:
    """Row counts of an archive at any schema revision."""
    with engine.connect() as conn, conn.begin():
        counts = {
            name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in (
                ("articles", articles),
                ("versions", versions),
                ("captures", captures),
                ("changes", changes),
                ("runs", runs),
            )
        }
        counts["gone"] = conn.execute(
            select(func.count()).select_from(articles).where(articles.c.gone.is_(True))
        ).scalar_one()
        for outcome, n in conn.execute(
            select(captures.c.outcome, func.count()).group_by(captures.c.outcome)
        ):
            counts[f"captures_{outcome.replace('-', '_')}"] = n
    return counts


def version_record(row: Row[Any]) -> VersionRecord:
    return VersionRecord(
        id=row.id,
        article_id=row.article_id,
        version=row.version,
        content_hash=row.content_hash,
        article=Article.from_dict(row.article),
        url=row.url,
        title=row.title,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        extractor_version=row.extractor_version,
        reextraction=reextraction_marker(row.article),
    )


def capture_record(row: Row[Any]) -> CaptureRecord:
    final_url = row.final_url
    if final_url is None and row.status is not None:
        final_url = row.requested_url  # stored as NULL when equal
    return CaptureRecord(
        id=row.id,
        article_id=row.article_id,
        requested_url=row.requested_url,
        final_url=final_url,
        redirects=list(row.redirects or []),
        fetched_at=row.fetched_at,
        status=row.status,
        outcome=row.outcome,
        headers=dict(row.headers or {}),
        body_digest=row.body_digest,
        error=row.error,
        warc_file=row.warc_file,
        warc_record_id=row.warc_record_id,
        version_id=row.version_id,
        version=row.version,
        run_id=row.run_id,
        rendered=row.rendered,
        rendered_warc=row.rendered_warc,
        screenshot=row.screenshot,
    )


def article_record(row: Row[Any]) -> ArticleRecord:
    return ArticleRecord(
        article_id=row.article_id,
        url=row.url,
        section=row.section,
        published=row.published,
        first_seen=row.first_seen,
        last_captured=row.last_captured,
        last_attempt=row.last_attempt,
        last_changed=row.last_changed,
        last_outcome=row.last_outcome,
        etag=row.etag,
        last_modified=row.last_modified,
        body_digest=row.body_digest,
        gone=bool(row.gone),
        current_version_id=row.current_version_id,
        last_downloaded=row.last_downloaded,
    )


def change_record(row: Row[Any]) -> ChangeRecord:
    return ChangeRecord(
        id=row.id,
        article_id=row.article_id,
        from_version=row.from_version,
        to_version=row.to_version,
        from_version_id=row.from_version_id,
        to_version_id=row.to_version_id,
        detected_at=row.detected_at,
        kinds=list(row.kinds),
        significance=row.significance,
        revert=bool(row.revert),
        report=ChangeReport.from_dict(row.report),
        title=row.title,
        url=row.url,
        old_captured_at=row.old_captured_at,
        new_captured_at=row.new_captured_at,
        old_capture_id=row.from_capture_id,
        new_capture_id=row.to_capture_id,
        run_id=row.run_id,
        section=_text_or_none(row.section),
        published=_text_or_none(row.published),
    )


def _text_or_none(value: Any) -> str | None:
    """A value read out of a stored article's JSON: text, or None (absent, null, not text)."""
    return value if isinstance(value, str) and value else None
