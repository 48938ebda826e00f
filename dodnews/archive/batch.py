"""Writing a batch of captures into the archive in one transaction.

`write_batch` is the only writer of captures, versions and changes. It works in three steps:

1. Lock: insert the batch's unknown articles (ON CONFLICT DO NOTHING), lock their rows in
   article order (`FOR UPDATE` on PostgreSQL, so concurrent writers of the same articles take
   turns without deadlocking), then read every article row with its current version's hash.
2. Decide, in memory and in capture order, exactly what recording the captures one at a time
   would do: which content is a new version, which is a revert, which capture is stale, which
   change the detector reports. Rows not written yet are referred to by `_Pending` references.
3. Write: versions, captures and changes with one multi-row INSERT ... RETURNING each, then the
   touched versions' `last_seen` and the article rows with one executemany UPDATE each.

Re-extractions (an outdated current version read again by the running extractor, see
`archive.reextraction`) are applied after the lock and before the captures: a capture is then
compared with what the running extractor reads in the archived page, never with an older
extractor's reading. A re-extraction makes a marked version or confirms the current one; it never
makes a change.

A batch of one capture is the old one-capture write; a batch of N costs a handful of statements
instead of about 8 N.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from dodnews.archive.records import RecordResult
from dodnews.archive.reextraction import (
    MARKER,
    Reextraction,
    ReextractionResult,
    is_older_extractor,
)
from dodnews.archive.schema import (
    HEADER_VALUE_LIMIT,
    SELECTED_HEADERS,
    articles,
    captures,
    changes,
    format_utc,
    parse_utc,
    versions,
)
from dodnews.diffing.model import ChangeReport
from dodnews.model import OUTCOME_GONE, OUTCOME_NOT_MODIFIED, OUTCOME_OK, Article, Capture

Differ = Callable[..., ChangeReport]
Hasher = Callable[[Article], str]

logger = logging.getLogger(__name__)

# The article columns a batch rewrites (everything but the key and first_seen).
_ARTICLE_STATE = (
    "current_version_id",
    "current_capture_id",
    "last_captured",
    "last_attempt",
    "last_changed",
    "last_outcome",
    "url",
    "section",
    "published",
    "etag",
    "last_modified",
    "body_digest",
    "gone",
    "last_downloaded",
)


class _Pending:
    """A row this batch inserts; `id` is known once it is written."""

    __slots__ = ("id",)

    def __init__(self) -> None:
        self.id: int | None = None


def _id(ref: int | _Pending | None) -> int | None:
    if isinstance(ref, _Pending):
        assert ref.id is not None, "a row referred to before it was written"
        return ref.id
    return ref


@dataclass(eq=False)
class _Version:
    ref: int | _Pending
    article_id: int
    content_hash: str
    last_seen: str
    version: int = 0
    article: Article | None = None  # loaded only when a change needs the old side
    first_seen: str = ""
    touched: bool = False
    extractor_version: str | None = None
    retagged: bool = False  # extractor_version to be rewritten (the running extractor agrees)
    marker: dict[str, Any] | None = None  # a new version made by re-extraction

    @property
    def new(self) -> bool:
        return isinstance(self.ref, _Pending)


@dataclass
class _ArticleState:
    row: dict[str, Any]
    current: _Version | None
    top_version: int
    # False when the database holds no version of the article (none can match a content hash)
    has_stored_versions: bool = True
    capture_times: dict[int, str] = field(default_factory=dict)  # pending capture -> fetched_at


@dataclass
class _CaptureRow:
    capture: Capture
    when: str
    headers: dict[str, str]
    ref: _Pending
    version: _Version | None
    new_version: bool = False
    revert: bool = False
    change: _ChangeRow | None = None
    report: ChangeReport | None = None


@dataclass
class _ChangeRow:
    ref: _Pending
    values: dict[str, Any]
    from_capture: int | _Pending | None
    to_capture: _Pending
    from_version: _Version
    to_version: _Version


def _stored(version: _Version) -> dict[str, Any]:
    """The article JSON of a new version (with the re-extraction marker when it is one)."""
    data = version.article.to_dict()  # type: ignore[union-attr]
    if version.marker is not None:
        data[MARKER] = version.marker
    return data


def later(a: str | None, b: str | None) -> str | None:
    """The later of two times (either may be None)."""
    if a is None or b is None:
        return a or b
    return a if parse_utc(a) >= parse_utc(b) else b


def selected_headers(headers: dict[str, str]) -> dict[str, str]:
    """The response headers worth keeping with a capture, names in lower case."""
    kept = {}
    for name, value in headers.items():
        low = name.lower()
        if low in SELECTED_HEADERS and value is not None:
            kept[low] = str(value)[:HEADER_VALUE_LIMIT]
    return kept


def own_article_id(capture: Capture) -> Capture:
    """The capture filed under its article's own id: a page is never a version of another."""
    article = capture.article
    if capture.outcome != OUTCOME_OK or article is None or article.article_id == capture.article_id:
        return capture
    logger.warning(
        "A capture requested as article %s holds article %s (%s): archived as %s",
        capture.article_id, article.article_id, article.url, article.article_id,
    )  # fmt: skip
    return replace(capture, article_id=article.article_id)


class BatchWriter:
    """Records one batch of captures on one connection inside the caller's transaction."""

    def __init__(self, conn: Connection, differ: Differ, hasher: Hasher) -> None:
        self.conn = conn
        self.differ = differ
        self.hasher = hasher
        self.states: dict[int, _ArticleState] = {}
        self.by_hash: dict[tuple[int, str], _Version] = {}
        self.by_id: dict[int, _Version] = {}
        self.rows: list[_CaptureRow] = []
        self.new_versions: list[_Version] = []
        self.reextracted: list[ReextractionResult] = []

    # -- 1. lock -----------------------------------------------------------------------------

    def _lock(self, batch: Sequence[Capture], known: Sequence[int] = ()) -> None:
        """Lock and read the articles of `batch` and the already archived articles `known`."""
        first: dict[int, dict[str, Any]] = {}
        for capture in batch:
            first.setdefault(
                capture.article_id,
                {
                    "article_id": capture.article_id,
                    "first_seen": capture.fetched_at,
                    "url": capture.final_url or capture.requested_url,
                    "gone": False,
                },
            )
        ids = sorted(set(first) | set(known))
        dialect = self.conn.dialect.name
        # The archive runs on SQLite or PostgreSQL (dodnews.archive.urls refuses anything else).
        module = sqlite if dialect == "sqlite" else postgresql
        if first:
            self.conn.execute(
                module.insert(articles).on_conflict_do_nothing(index_elements=["article_id"]),
                [first[i] for i in sorted(first)],
            )
        if dialect != "sqlite":
            # Lock first, read after: under READ COMMITTED a statement that waited for a lock
            # still joins the rows of its own (older) snapshot, so the read must come later.
            # SQLite needs no row locks: BEGIN IMMEDIATE already serializes writers.
            self.conn.execute(
                select(articles.c.article_id)
                .where(articles.c.article_id.in_(ids))
                .order_by(articles.c.article_id)
                .with_for_update()
            ).all()
        top = (
            select(func.max(versions.c.version))
            .where(versions.c.article_id == articles.c.article_id)
            .scalar_subquery()
        )
        current = versions.alias("current")
        query = (
            select(
                articles,
                current.c.content_hash.label("cur_hash"),
                current.c.last_seen.label("cur_last_seen"),
                current.c.version.label("cur_version"),
                current.c.extractor_version.label("cur_extractor"),
                top.label("top_version"),
            )
            .outerjoin(current, current.c.id == articles.c.current_version_id)
            .where(articles.c.article_id.in_(ids))
            .order_by(articles.c.article_id)
        )
        for row in self.conn.execute(query):
            version = None
            if row.current_version_id is not None and row.cur_hash is not None:
                version = _Version(
                    ref=row.current_version_id,
                    article_id=row.article_id,
                    content_hash=row.cur_hash,
                    last_seen=row.cur_last_seen,
                    version=row.cur_version,
                    extractor_version=row.cur_extractor,
                )
                self._know(version)
            self.states[row.article_id] = _ArticleState(
                row={name: getattr(row, name) for name in _ARTICLE_STATE},
                current=version,
                top_version=row.top_version or 0,
                has_stored_versions=bool(row.top_version),
            )

    def _know(self, version: _Version) -> None:
        self.by_hash[(version.article_id, version.content_hash)] = version
        if not version.new:
            self.by_id[_id(version.ref)] = version  # type: ignore[index]

    def _older(self, article_id: int, content_hash: str) -> _Version | None:
        """A version of the article with this content (written before, or in this batch)."""
        known = self.by_hash.get((article_id, content_hash))
        if known is not None:
            return known
        if not self.states[article_id].has_stored_versions:
            return None  # a new article: no query for versions it cannot have
        row = self.conn.execute(
            select(
                versions.c.id,
                versions.c.last_seen,
                versions.c.version,
                versions.c.extractor_version,
            ).where(versions.c.article_id == article_id, versions.c.content_hash == content_hash)
        ).first()
        if row is None:
            return None
        version = self.by_id.get(row.id) or _Version(
            ref=row.id,
            article_id=article_id,
            content_hash=content_hash,
            last_seen=row.last_seen,
            version=row.version,
            extractor_version=row.extractor_version,
        )
        self._know(version)
        return version

    # -- 2. decide ---------------------------------------------------------------------------

    @staticmethod
    def _touch(version: _Version, when: str) -> None:
        if later(version.last_seen, when) != version.last_seen:
            version.last_seen = when
            version.touched = True

    @staticmethod
    def _confirm(version: _Version, extractor_version: str) -> None:
        """The running extractor reads this version's content: the version says so from now on
        (the next capture is compared without reading the page again)."""
        if is_older_extractor(version.extractor_version, extractor_version):
            version.extractor_version = extractor_version
            version.retagged = not version.new

    def _reextract(self, item: Reextraction, when: str) -> tuple[str, _Version | None]:
        """Apply one re-extraction: a marked version, or the current one confirmed; returns the
        outcome (see ReextractionResult) and the version now current."""
        state = self.states.get(item.article_id)
        current = state.current if state is not None else None
        if state is None or current is None or current.new or current.ref != item.of_version_id:
            # another writer moved the article on since the page was read: nothing to redo
            return "skipped", None
        article = item.article
        content_hash = self.hasher(article)
        if content_hash == current.content_hash:
            self._confirm(current, article.extractor_version)
            return "confirmed", current
        older = self._older(item.article_id, content_hash)
        if older is not None:
            # what an earlier version holds: it is current again (no change, nothing edited)
            self._confirm(older, article.extractor_version)
            version, outcome = older, "earlier"
        else:
            state.top_version += 1
            version = _Version(
                ref=_Pending(),
                article_id=item.article_id,
                content_hash=content_hash,
                last_seen=later(current.last_seen, item.evidence.fetched_at) or when,
                version=state.top_version,
                article=article,
                first_seen=item.evidence.fetched_at,
                extractor_version=article.extractor_version or None,
                marker={
                    "extractor_version": article.extractor_version,
                    "from_extractor_version": current.extractor_version,
                    "from_seq": current.version,
                    "capture_id": item.evidence.capture_id,
                    "captured_at": item.evidence.fetched_at,
                    "reextracted_at": when,
                },
            )
            self._know(version)
            self.new_versions.append(version)
            outcome = "version"
        state.current = version
        state.row["current_version_id"] = version.ref
        return outcome, version

    def _decide(self, capture: Capture) -> _CaptureRow:
        state = self.states[capture.article_id]
        row = state.row
        when = format_utc(parse_utc(capture.fetched_at))
        attempt = later(row["last_attempt"], when)
        if attempt == when:
            row["last_outcome"] = capture.outcome
        row["last_attempt"] = attempt
        if capture.status == 200 and capture.outcome in (OUTCOME_OK, OUTCOME_NOT_MODIFIED):
            row["last_downloaded"] = later(row["last_downloaded"], when)  # the whole page came
        headers = selected_headers(capture.headers)
        current = state.current
        record = _CaptureRow(capture, when, headers, _Pending(), None)
        state.capture_times[id(record.ref)] = when

        if capture.outcome == OUTCOME_OK:
            assert capture.article is not None
            article = capture.article
            content_hash = self.hasher(article)
            if current is not None and current.content_hash == content_hash:
                version = current
                self._touch(current, when)
                self._confirm(current, article.extractor_version)
            else:
                older = self._older(capture.article_id, content_hash)
                if older is not None:
                    version, record.revert = older, current is not None
                    self._touch(older, when)
                    self._confirm(older, article.extractor_version)
                else:
                    state.top_version += 1
                    version = _Version(
                        ref=_Pending(),
                        article_id=capture.article_id,
                        content_hash=content_hash,
                        last_seen=when,
                        version=state.top_version,
                        article=article,
                        first_seen=when,
                        extractor_version=article.extractor_version or None,
                    )
                    self._know(version)
                    self.new_versions.append(version)
                    record.new_version = True
            record.version = version
            # A capture older than the latest confirmation of the current version (a slow
            # writer among several) keeps its version but neither moves the current one nor
            # makes a change: the newer capture already said what the article is now.
            stale = (
                current is not None
                and version is not current
                and parse_utc(when) < parse_utc(current.last_seen)
            )
            if stale:
                record.revert = False
                row["last_captured"] = later(row["last_captured"], when)
                return record
            if current is not None and version is not current:
                self._change(state, record, current, version, article, content_hash)
                if record.change is not None:
                    row["last_changed"] = when
            row.update(
                current_version_id=version.ref,
                current_capture_id=record.ref,
                last_captured=later(row["last_captured"], when),
                url=article.url or capture.final_url or row["url"],
                section=article.section or row["section"],
                published=article.published or row["published"],
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                body_digest=capture.body_digest,
                gone=False,
            )
            state.current = version
        elif capture.outcome == OUTCOME_NOT_MODIFIED:
            if current is not None:
                record.version = current
                self._touch(current, when)
                row["current_capture_id"] = record.ref
            if (
                capture.status == 200
                and capture.body_digest
                and later(row["last_captured"], when) == when
            ):
                # A whole page recognized as unchanged by its digest (tokens aside): the WARC
                # index now holds this page's body digest, and the next recheck compares the
                # two, so the archive must hold it too or the shortcut fails every other run.
                row["body_digest"] = capture.body_digest
            row["last_captured"] = later(row["last_captured"], when)
            # A 304 may carry a fresher validator; keep the old one otherwise.
            if headers.get("etag"):
                row["etag"] = headers["etag"]
            if headers.get("last-modified"):
                row["last_modified"] = headers["last-modified"]
        elif capture.outcome == OUTCOME_GONE:
            row["gone"] = True
            row["last_captured"] = later(row["last_captured"], when)
        return record

    def _old_article(self, version: _Version) -> Article:
        if version.article is None:
            data = self.conn.execute(
                select(versions.c.article).where(versions.c.id == _id(version.ref))
            ).scalar_one()
            version.article = Article.from_dict(data)
        if version.extractor_version:
            # The column names the newest extractor that reads this content (a confirmed
            # version keeps the article JSON its first extractor stored): the report says so.
            version.article.extractor_version = version.extractor_version
        return version.article

    def _captured_at(self, state: _ArticleState, ref: int | _Pending | None) -> str | None:
        if isinstance(ref, _Pending):
            return state.capture_times[id(ref)]
        if ref is None:
            return None
        return self.conn.execute(select(captures.c.fetched_at).where(captures.c.id == ref)).scalar()

    def _change(
        self,
        state: _ArticleState,
        record: _CaptureRow,
        current: _Version,
        version: _Version,
        article: Article,
        content_hash: str,
    ) -> None:
        old_capture = state.row["current_capture_id"]
        old_captured_at = current.last_seen
        if old_capture is not None:
            old_captured_at = self._captured_at(state, old_capture)
        old_article = self._old_article(current)
        if old_article.article_id != article.article_id:
            # An older dodnews filed another article's page under this id: comparing the two
            # would fail every capture of this article for good. Keep the capture, report nothing.
            logger.warning(
                "Article %s: its version %s holds article %s, filed under a wrong id; no change "
                "reported (`dodnews archive repair --wrong-ids` moves that version)",
                article.article_id, current.version, old_article.article_id,
            )  # fmt: skip
            return
        report = self.differ(
            old_article,
            article,
            old_captured_at=old_captured_at,
            new_captured_at=record.when,
            old_hash=current.content_hash,
            new_hash=content_hash,
        )
        record.report = report
        if not report.changed:
            # Different hashes, yet nothing a reader would call a change: a new version (the
            # content is not byte-equal) but no change row to report.
            return
        record.change = _ChangeRow(
            ref=_Pending(),
            values={
                "article_id": article.article_id,
                "detected_at": record.when,
                "kinds": report.kinds,
                "significance": float(report.significance),
                "report": report.to_dict(),
                "revert": record.revert,
            },
            from_capture=old_capture,
            to_capture=record.ref,
            from_version=current,
            to_version=version,
        )

    # -- 3. write ----------------------------------------------------------------------------

    def _insert_many(self, table: Any, refs: list[_Pending], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        returned = self.conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        for ref, new_id in zip(refs, returned, strict=True):
            ref.id = new_id

    def _write(self, run_id: int | None) -> None:
        self._insert_many(
            versions,
            [v.ref for v in self.new_versions],  # type: ignore[misc]
            [
                {
                    "article_id": v.article_id,
                    "version": v.version,
                    "content_hash": v.content_hash,
                    "article": _stored(v),
                    "url": v.article.url,  # type: ignore[union-attr]
                    "title": v.article.title,  # type: ignore[union-attr]
                    "first_seen": v.first_seen,
                    "last_seen": v.last_seen,
                    "extractor_version": v.extractor_version,
                }
                for v in self.new_versions
            ],
        )
        capture_rows = []
        for record in self.rows:
            capture = record.capture
            # Lean rows: NULL instead of a final URL equal to the requested one, or no redirects.
            final_url = capture.final_url
            if final_url == capture.requested_url and capture.status is not None:
                final_url = None
            capture_rows.append(
                {
                    "article_id": capture.article_id,
                    "requested_url": capture.requested_url,
                    "final_url": final_url,
                    "redirects": list(capture.redirects) or None,
                    "fetched_at": record.when,
                    "status": capture.status,
                    "outcome": capture.outcome,
                    "headers": record.headers or None,
                    "body_digest": capture.body_digest,
                    "error": capture.error,
                    "warc_file": capture.warc_file,
                    "warc_record_id": capture.warc_record_id,
                    "rendered": capture.rendered,
                    "rendered_warc": capture.rendered_warc,
                    "screenshot": capture.screenshot,
                    "version_id": _id(record.version.ref) if record.version else None,
                    "run_id": run_id,
                }
            )
        self._insert_many(captures, [r.ref for r in self.rows], capture_rows)
        change_rows = [r.change for r in self.rows if r.change is not None]
        self._insert_many(
            changes,
            [c.ref for c in change_rows],
            [
                {
                    **c.values,
                    "from_version_id": _id(c.from_version.ref),
                    "to_version_id": _id(c.to_version.ref),
                    "from_capture_id": _id(c.from_capture),
                    "to_capture_id": _id(c.to_capture),
                    "run_id": run_id,
                }
                for c in change_rows
            ],
        )
        touched = [
            {"b_id": _id(v.ref), "last_seen": v.last_seen}
            for v in self.by_hash.values()
            if v.touched and not v.new
        ]
        if touched:
            self.conn.execute(update(versions).where(versions.c.id == bindparam("b_id")), touched)
        retagged = [
            {"b_id": _id(v.ref), "extractor_version": v.extractor_version}
            for v in self.by_hash.values()
            if v.retagged and not v.new
        ]
        if retagged:
            self.conn.execute(update(versions).where(versions.c.id == bindparam("b_id")), retagged)
        if not self.states:
            return
        self.conn.execute(
            update(articles).where(articles.c.article_id == bindparam("b_article_id")),
            [
                {
                    "b_article_id": article_id,
                    **{
                        name: _id(value) if name.endswith("_id") else value
                        for name, value in state.row.items()
                    },
                }
                for article_id, state in self.states.items()
            ],
        )

    def record(
        self,
        batch: Sequence[Capture],
        run_id: int | None,
        reextractions: Sequence[Reextraction] = (),
    ) -> list[RecordResult]:
        """Apply `reextractions`, then record `batch` in order; one result per capture (what
        became of each re-extraction is in `reextracted` afterwards)."""
        batch = [own_article_id(capture) for capture in batch]
        self._lock(batch, [r.article_id for r in reextractions])
        when = format_utc(datetime.now(UTC))
        applied = [(item, self._reextract(item, when)) for item in reextractions]
        self.rows = [self._decide(capture) for capture in batch]
        self._write(run_id)
        self.reextracted = [
            ReextractionResult(
                item.article_id,
                outcome,
                _id(version.ref) if version else None,
                version.version if version else None,
            )
            for item, (outcome, version) in applied
        ]
        return [
            RecordResult(
                capture_id=_id(r.ref),  # type: ignore[arg-type]
                version_id=_id(r.version.ref) if r.version else None,
                new_version=r.new_version,
                change_id=_id(r.change.ref) if r.change else None,
                report=r.report,
                outcome=r.capture.outcome,
                revert=r.revert and r.change is not None,
            )
            for r in self.rows
        ]
