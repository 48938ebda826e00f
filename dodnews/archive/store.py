"""The version store: every capture, each distinct version of an article once, and the changes.

One `Archive` wraps one database (SQLite file or PostgreSQL). `record_capture` is the only writer of
captures, versions and changes; it runs in one transaction that locks the article's row, so
several crawl processes can write into one archive (a writer that loses a race on a unique
constraint retries from the start).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Text, cast, exists, func, insert, or_, select, type_coerce, update
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from dodnews.archive import migrate
from dodnews.archive.batch import BatchWriter
from dodnews.archive.db import WRITE, check_sqlite_file, enable_wal, make_engine, user_errors
from dodnews.archive.identity import repair_wrong_ids
from dodnews.archive.orphans import RUNNING, close_orphaned_runs
from dodnews.archive.records import (
    ArticleRecord,
    CaptureRecord,
    ChangeRecord,
    RecordResult,
    RunRecord,
    VersionRecord,
)
from dodnews.archive.reextraction import (
    Evidence,
    OutdatedVersion,
    Reextraction,
    ReextractionResult,
    count_outdated,
    evidence,
    outdated_versions,
)
from dodnews.archive.rows import (
    article_record,
    capture_record,
    change_record,
    count_rows,
    version_record,
)
from dodnews.archive.schema import (
    articles,
    captures,
    changes,
    format_utc,
    parse_utc,
    runs,
    versions,
)
from dodnews.archive.urls import describe, resolve_archive_url
from dodnews.archive.verify import find_problems
from dodnews.diffing.detect import detect_changes
from dodnews.diffing.model import ChangeReport
from dodnews.diffing.normalize import content_hash
from dodnews.errors import UserError
from dodnews.model import (
    OUTCOME_OK,
    OUTCOMES,
    Article,
    Capture,
)
from dodnews.procs import this_process
from dodnews.site import MAX_ID, WAR, Site

logger = logging.getLogger(__name__)

Differ = Callable[..., ChangeReport]
Hasher = Callable[[Article], str]
ATTEMPTS = 3  # a writer that lost a race retries twice
RETRY_SQLSTATES = ("40001", "40P01")  # PostgreSQL serialization failure, deadlock


def _site_differ(site: Site) -> Differ:
    """detect_changes with `site`'s URL rules."""

    def differ(old: Article, new: Article, **provenance: Any) -> ChangeReport:

        return detect_changes(old, new, site=site, **provenance)

    return differ


def _site_hasher(site: Site) -> Hasher:
    """content_hash with `site`'s URL rules."""

    def hasher(article: Article) -> str:

        return content_hash(article, site=site)

    return hasher


_IN_BATCH = 500  # values in one IN (...): well below SQLite's limit on bound parameters


def _id_filters(
    query: Any, first_id: int | None, last_id: int | None, latest_only: bool, where: Any
) -> Any:
    """`query` on the changes table narrowed to an id range, the newest change of each
    article/version pair, and one more condition."""
    if first_id is not None:
        query = query.where(changes.c.id >= first_id)
    if last_id is not None:
        query = query.where(changes.c.id <= last_id)
    if latest_only:
        later = changes.alias("later")
        query = query.where(
            ~exists().where(
                later.c.article_id == changes.c.article_id,
                later.c.from_version_id == changes.c.from_version_id,
                later.c.to_version_id == changes.c.to_version_id,
                later.c.id > changes.c.id,
            )
        )
    if where is not None:
        query = query.where(where)
    return query


def _now() -> str:
    return format_utc(datetime.now(UTC))


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return isinstance(exc, OperationalError) and sqlstate in RETRY_SQLSTATES


class Archive:
    """The archive of one database; open it with `Archive.open(url)` and `close()` it."""

    def __init__(
        self,
        engine: Engine,
        url: URL,
        *,
        differ: Differ | None = None,
        hasher: Hasher | None = None,
        site: Site = WAR,
    ) -> None:
        self.engine = engine
        self.url = url
        # Versions are hashed and compared with the URL rules of the archive's site.
        self.site = site
        self.differ: Differ = differ or _site_differ(site)
        self.hasher: Hasher = hasher or _site_hasher(site)

    # -- opening -----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        create: bool = True,
        differ: Differ | None = None,
        hasher: Hasher | None = None,
        site: Site = WAR,
    ) -> Archive:
        """Open the archive at `url` (default: env DODNEWS_ARCHIVE, else data/dodnews.sqlite),
        whose versions are of `site` (a site profile: hashes and diffs read URLs with its rules).

        A fresh database is brought to the newest schema. An older or newer schema, a file that
        is not a database, or (with `create=False`) a missing or empty archive raise UserError
        without changing anything.
        """
        parsed = resolve_archive_url(url)
        check_sqlite_file(parsed, create=create)
        engine = make_engine(parsed)
        try:
            with user_errors(parsed):
                cls._prepare(engine, parsed, create=create)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, parsed, differ=differ, hasher=hasher, site=site)

    @staticmethod
    def _prepare(engine: Engine, url: URL, *, create: bool) -> None:
        with engine.connect() as conn:
            with conn.begin():
                revision = migrate.current_revision(conn)
                tables = migrate.table_names(conn)
            head = migrate.head_revision()
            if revision == head:
                return
            if revision is None:
                if tables:
                    raise UserError(
                        f"{describe(url)} is a database but not a dodnews archive "
                        f"(it has tables {', '.join(sorted(tables)[:5])})"
                    )
                if not create:
                    raise UserError(f"archive {describe(url)} is empty (no dodnews tables)")
                conn.rollback()
                enable_wal(engine)
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    migrate.upgrade(conn)
                return
            if revision in migrate.known_revisions():
                raise UserError(
                    f"archive {describe(url)} has schema {revision}, this dodnews needs {head}: "
                    "run `dodnews archive upgrade`"
                )
            raise UserError(
                f"archive {describe(url)} has schema {revision}, newer than this dodnews knows "
                f"({head}): upgrade dodnews"
            )

    @staticmethod
    def upgrade(url: str | None = None, target: str = "head") -> tuple[str | None, str]:
        """Upgrade the archive's schema in place; returns (revision before, revision after)."""
        parsed = resolve_archive_url(url)
        check_sqlite_file(parsed, create=True)
        engine = make_engine(parsed)
        try:
            with user_errors(parsed), engine.connect() as conn:
                with conn.begin():
                    before = migrate.current_revision(conn)
                    tables = migrate.table_names(conn)
                if before is None and tables:
                    raise UserError(f"{describe(parsed)} is a database but not a dodnews archive")
                known = migrate.known_revisions()
                if before is not None and before not in known:
                    raise UserError(
                        f"archive {describe(parsed)} has schema {before}, newer than this "
                        "dodnews knows: upgrade dodnews"
                    )
                conn.rollback()
                enable_wal(engine)
                conn.execution_options(**{WRITE: True})
                with conn.begin():
                    migrate.upgrade(conn, target)
                with conn.begin():
                    after = migrate.current_revision(conn)
        finally:
            engine.dispose()
        return before, after or ""

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            with conn.begin():
                yield conn

    # -- writing -----------------------------------------------------------------------------

    def record_capture(self, capture: Capture, run_id: int | None = None) -> RecordResult:
        """Store one capture and, for new content, its version and the change, atomically."""
        return self.record_captures([capture], run_id=run_id)[0]

    def record_captures(
        self,
        batch: Sequence[Capture],
        run_id: int | None = None,
        *,
        reextractions: Sequence[Reextraction] = (),
    ) -> list[RecordResult]:
        """Store captures in order, in one transaction: all of them or (on an error) none.

        The outcome is what recording them one at a time would give; a batch of a few hundred
        costs a handful of statements instead of several per capture. `reextractions` are
        applied first, in the same transaction (see `write_batch`).
        """
        return self.write_batch(batch, run_id, reextractions)[0]

    def record_reextractions(
        self, reextractions: Sequence[Reextraction]
    ) -> list[ReextractionResult]:
        """Store re-extractions of current versions (marked versions, never changes)."""
        return self.write_batch([], None, reextractions)[1]

    def write_batch(
        self,
        batch: Sequence[Capture],
        run_id: int | None = None,
        reextractions: Sequence[Reextraction] = (),
    ) -> tuple[list[RecordResult], list[ReextractionResult]]:
        """Apply re-extractions, then store captures, in one transaction; what became of each.

        A re-extraction is the page of an article's current version read again by the running
        extractor (`outdated_versions` says which): when it differs from the stored version it
        becomes a new version marked as a re-extraction, so the captures that follow are
        compared with the same extractor's reading. It never makes a change.
        """
        for capture in batch:
            if capture.outcome not in OUTCOMES:
                raise ValueError(f"unknown capture outcome {capture.outcome!r}")
            if capture.outcome == OUTCOME_OK and capture.article is None:
                raise ValueError("an ok capture needs an article")
        if not batch and not reextractions:
            return [], []
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self._writing() as conn:
                    writer = BatchWriter(conn, self.differ, self.hasher)
                    results = writer.record(batch, run_id, reextractions)
                    return results, writer.reextracted
            except (IntegrityError, OperationalError) as exc:
                if attempt == ATTEMPTS or not _retryable(exc):
                    raise
                logger.info(
                    "Archive write of %d captures raced another writer, retrying: %s",
                    len(batch),
                    exc.orig,
                )
        raise AssertionError("unreachable")

    def outdated_versions(
        self,
        extractor_version: str,
        article_ids: Iterable[int] | None = None,
        *,
        after: int | None = None,
        limit: int | None = None,
        with_evidence: bool = True,
    ) -> list[OutdatedVersion]:
        """Current versions an older extractor than `extractor_version` read, by article id,
        with the captures whose WARC records hold their page (only `article_ids`, or those
        after article id `after`, at most `limit`; no evidence with `with_evidence=False`)."""
        with self._reading() as conn:
            return outdated_versions(
                conn,
                extractor_version,
                article_ids,
                after=after,
                limit=limit,
                with_evidence=with_evidence,
            )

    def evidence(self, version_ids: Sequence[int]) -> dict[int, list[Evidence]]:
        """Where the page of each version can be read again, newest first, by version id."""
        with self._reading() as conn:
            return evidence(conn, list(version_ids))

    def count_outdated(self, extractor_version: str) -> int:
        """How many current versions another extractor read (see `outdated_versions`)."""
        with self._reading() as conn:
            return count_outdated(conn, extractor_version)

    def start_run(self, spider: str) -> int:
        """Record the start of a crawl run by this process (host name, pid); returns its id.

        In the same transaction, the runs of this host still marked running whose process is
        gone (killed, crashed, power cut) are marked interrupted.
        """
        host, pid = this_process()
        now = _now()
        with self._writing() as conn:
            gone = close_orphaned_runs(conn, host, now)
            run_id: int = conn.execute(
                insert(runs)
                .values(
                    spider=spider,
                    started_at=now,
                    status=RUNNING,
                    counts={},
                    errors=[],
                    host=host,
                    pid=pid,
                )
                .returning(runs.c.id)
            ).scalar_one()
        for gone_id in gone:
            logger.warning("Run %d: its process is gone, the run is marked interrupted", gone_id)
        return run_id

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: dict[str, Any] | None = None,
        changes_found: int | None = None,
        errors: list[Any] | None = None,
    ) -> None:
        """Record the end of a crawl run."""
        with self._writing() as conn:
            conn.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(
                    finished_at=_now(),
                    status=status,
                    counts=dict(counts or {}),
                    changes_found=changes_found,
                    errors=list(errors or []),
                )
            )

    # -- reading -----------------------------------------------------------------------------

    def latest_version(self, article_id: int) -> VersionRecord | None:
        """The current version of an article (that of its latest ok capture), or None."""
        with self._reading() as conn:
            row = conn.execute(
                select(versions)
                .join(articles, articles.c.current_version_id == versions.c.id)
                .where(articles.c.article_id == article_id)
            ).first()
        return version_record(row) if row is not None else None

    def version(self, article_id: int, version: int) -> VersionRecord | None:
        """Version number `version` (1, 2, ...) of an article, or None."""
        with self._reading() as conn:
            row = conn.execute(
                select(versions).where(
                    versions.c.article_id == article_id, versions.c.version == version
                )
            ).first()
        return version_record(row) if row is not None else None

    def get_version(self, article_id: int, version: int | str) -> VersionRecord | None:
        """`version`, with the number as given on a command line ("2")."""
        try:
            number = int(version)
        except (TypeError, ValueError):
            raise UserError(f"bad version number {version!r}: use 1, 2, 3...") from None
        if number > MAX_ID:
            # SQLite cannot even be asked about a number past 64 bits (OverflowError).
            raise UserError(f"bad version number {version}: too large (at most {MAX_ID})")
        return self.version(article_id, number)

    def versions(self, article_id: int) -> list[VersionRecord]:
        """Every version of an article, by version."""
        with self._reading() as conn:
            rows = conn.execute(
                select(versions)
                .where(versions.c.article_id == article_id)
                .order_by(versions.c.version)
            ).all()
        return [version_record(r) for r in rows]

    def captures(self, article_id: int) -> list[CaptureRecord]:
        """Every capture of an article, oldest first."""
        query = (
            select(captures, versions.c.version)
            .outerjoin(versions, versions.c.id == captures.c.version_id)
            .where(captures.c.article_id == article_id)
            .order_by(captures.c.fetched_at, captures.c.id)
        )
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return [capture_record(r) for r in rows]

    def article(self, article_id: int) -> ArticleRecord | None:
        """What the archive knows about one article id, or None."""
        with self._reading() as conn:
            row = conn.execute(select(articles).where(articles.c.article_id == article_id)).first()
        return article_record(row) if row is not None else None

    def current_hashes(self) -> dict[int, str]:
        """The content hash of every article's current version, by article id."""
        with self._reading() as conn:
            rows = conn.execute(
                select(articles.c.article_id, versions.c.content_hash).join(
                    versions, versions.c.id == articles.c.current_version_id
                )
            ).all()
        return {row.article_id: row.content_hash for row in rows}

    def known_articles(self) -> list[ArticleRecord]:
        """Every article id the archive has a capture of, by id."""
        with self._reading() as conn:
            rows = conn.execute(select(articles).order_by(articles.c.article_id)).all()
        return [article_record(r) for r in rows]

    def capture_log(self) -> Iterator[tuple[int, int, datetime, str, int | None]]:
        """(article id, capture id, fetch time as naive UTC, outcome, version id) of every capture
        the site answered (ok, not-modified, gone), by article then time: what the re-capture
        scheduler learns each article's change rate from. Streamed: consume it whole."""
        query = (
            select(
                captures.c.article_id,
                captures.c.id,
                type_coerce(captures.c.fetched_at, DateTime),
                captures.c.outcome,
                captures.c.version_id,
            )
            .where(captures.c.outcome.in_(("ok", "not-modified", "gone")))
            .order_by(captures.c.article_id, captures.c.fetched_at, captures.c.id)
        )
        with self._reading() as conn:
            for row in conn.execution_options(yield_per=5000).execute(query):
                yield row[0], row[1], row[2], row[3], row[4]

    def capture_ids_with_kinds(self, kinds: Sequence[str], since: str | datetime) -> set[int]:
        """The captures (by id) that found a change of one of `kinds` since `since`."""
        query = select(changes.c.to_capture_id).where(
            changes.c.detected_at >= parse_utc(since).replace(tzinfo=None),
            changes.c.to_capture_id.is_not(None),
        )
        wanted = [cast(changes.c.kinds, Text).like(f'%"{kind}"%') for kind in kinds]
        query = query.where(or_(*wanted))
        with self._reading() as conn:
            return {row[0] for row in conn.execute(query)}

    def current_titles(self) -> dict[int, str]:
        """The title of every article's current version, by article id (articles without one
        are left out)."""
        query = select(articles.c.article_id, versions.c.title).join(
            versions, versions.c.id == articles.c.current_version_id
        )
        with self._reading() as conn:
            return {row.article_id: row.title for row in conn.execute(query) if row.title}

    def validators(self) -> dict[int, tuple[str | None, str | None, str | None, str | None]]:
        """(ETag, Last-Modified, body digest, last downloaded) by article id, for every article
        that has any: what conditional re-captures are checked against (not whole records)."""
        query = select(
            articles.c.article_id,
            articles.c.etag,
            articles.c.last_modified,
            articles.c.body_digest,
            articles.c.last_downloaded,
        )
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return {
            row.article_id: (row.etag, row.last_modified, row.body_digest, row.last_downloaded)
            for row in rows
            if row.etag or row.last_modified or row.body_digest
        }

    def changes(
        self,
        since: str | datetime | None = None,
        kind: str | None = None,
        article_id: int | None = None,
        run_id: int | None = None,
        limit: int | None = None,
        *,
        ids: Iterable[int] | None = None,
        article_ids: Iterable[int] | None = None,
        first_id: int | None = None,
        last_id: int | None = None,
        latest_only: bool = False,
    ) -> list[ChangeRecord]:
        """Recorded changes, newest first, optionally filtered.

        `ids`/`article_ids` pick some changes or articles, `first_id`..`last_id` a range of ids,
        and `latest_only` keeps only the newest change of each article/version pair (what the
        reports show: a text that flips back and forth has one report per pair).
        """
        if ids is not None or article_ids is not None:
            # Many ids in one IN (...) would pass SQLite's limit on bound parameters.
            wanted = sorted(set(ids if ids is not None else article_ids or ()))
            found: list[ChangeRecord] = []
            for start in range(0, len(wanted), _IN_BATCH):
                batch = wanted[start : start + _IN_BATCH]
                column = changes.c.id if ids is not None else changes.c.article_id
                found += self._changes(
                    since, kind, article_id, run_id, None,
                    first_id, last_id, latest_only, column.in_(batch),
                )  # fmt: skip
            found.sort(key=lambda c: (parse_utc(c.detected_at), c.id), reverse=True)
            return found[:limit] if limit is not None else found
        return self._changes(
            since, kind, article_id, run_id, limit, first_id, last_id, latest_only, None
        )

    def _changes(
        self,
        since: str | datetime | None,
        kind: str | None,
        article_id: int | None,
        run_id: int | None,
        limit: int | None,
        first_id: int | None,
        last_id: int | None,
        latest_only: bool,
        where: Any,
    ) -> list[ChangeRecord]:
        old_v, new_v = versions.alias("old_v"), versions.alias("new_v")
        old_c, new_c = captures.alias("old_c"), captures.alias("new_c")
        query = (
            select(
                changes,
                old_v.c.version.label("from_version"),
                new_v.c.version.label("to_version"),
                new_v.c.title.label("title"),
                new_v.c.url.label("url"),
                old_c.c.fetched_at.label("old_captured_at"),
                new_c.c.fetched_at.label("new_captured_at"),
                new_v.c.article["section"].as_string().label("section"),
                new_v.c.article["published"].as_string().label("published"),
            )
            .join(old_v, old_v.c.id == changes.c.from_version_id)
            .join(new_v, new_v.c.id == changes.c.to_version_id)
            .outerjoin(old_c, old_c.c.id == changes.c.from_capture_id)
            .outerjoin(new_c, new_c.c.id == changes.c.to_capture_id)
            .order_by(changes.c.detected_at.desc(), changes.c.id.desc())
        )
        if since is not None:
            query = query.where(changes.c.detected_at >= parse_utc(since).replace(tzinfo=None))
        if kind is not None:
            # kinds is a JSON list of plain names; its text contains "name" with the quotes.
            query = query.where(cast(changes.c.kinds, Text).like(f'%"{kind}"%'))
        if article_id is not None:
            query = query.where(changes.c.article_id == article_id)
        if run_id is not None:
            query = query.where(changes.c.run_id == run_id)
        query = _id_filters(query, first_id, last_id, latest_only, where)
        if limit is not None:
            query = query.limit(limit)
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return [change_record(r) for r in rows]

    def max_change_id(self) -> int:
        """The highest change id, 0 when no change is recorded."""
        with self._reading() as conn:
            return int(conn.execute(select(func.max(changes.c.id))).scalar_one() or 0)

    def max_capture_id(self) -> int:
        """The highest capture id, 0 when no capture is recorded."""
        with self._reading() as conn:
            return int(conn.execute(select(func.max(captures.c.id))).scalar_one() or 0)

    def captured_articles(self, first_id: int, last_id: int) -> list[int]:
        """The article ids captured by the captures with an id from `first_id` to `last_id`."""
        query = (
            select(captures.c.article_id)
            .where(captures.c.id >= first_id, captures.c.id <= last_id)
            .distinct()
            .order_by(captures.c.article_id)
        )
        with self._reading() as conn:
            return [row.article_id for row in conn.execute(query)]

    def change_ids(
        self,
        *,
        first_id: int | None = None,
        last_id: int | None = None,
        since: str | datetime | None = None,
        until: str | datetime | None = None,
        latest_only: bool = False,
    ) -> list[int]:
        """Ids of recorded changes, ascending, from `first_id` to `last_id` and detected from
        `since` to `until` (all included); `latest_only` as in `changes`. Reads no report."""
        query = select(changes.c.id).order_by(changes.c.id)
        if since is not None:
            query = query.where(changes.c.detected_at >= parse_utc(since).replace(tzinfo=None))
        if until is not None:
            query = query.where(changes.c.detected_at <= parse_utc(until).replace(tzinfo=None))
        query = _id_filters(query, first_id, last_id, latest_only, None)
        with self._reading() as conn:
            return [row.id for row in conn.execute(query)]

    def versions_by_id(self, version_ids: Iterable[int]) -> dict[int, VersionRecord]:
        """Versions by their row id (as in ChangeRecord.from_version_id)."""
        wanted = sorted(set(version_ids))
        found: dict[int, VersionRecord] = {}
        with self._reading() as conn:
            for start in range(0, len(wanted), _IN_BATCH):
                batch = wanted[start : start + _IN_BATCH]
                for row in conn.execute(select(versions).where(versions.c.id.in_(batch))):
                    found[row.id] = version_record(row)
        return found

    def versions_of(self, article_ids: Iterable[int]) -> dict[int, list[VersionRecord]]:
        """Every version of some articles, by number, by article id."""
        wanted = sorted(set(article_ids))
        found: dict[int, list[VersionRecord]] = {a: [] for a in wanted}
        with self._reading() as conn:
            for start in range(0, len(wanted), _IN_BATCH):
                batch = wanted[start : start + _IN_BATCH]
                query = (
                    select(versions)
                    .where(versions.c.article_id.in_(batch))
                    .order_by(versions.c.article_id, versions.c.version)
                )
                for row in conn.execute(query):
                    found[row.article_id].append(version_record(row))
        return found

    def captures_of(self, article_ids: Iterable[int]) -> dict[int, list[CaptureRecord]]:
        """Every capture of some articles, oldest first, by article id."""
        wanted = sorted(set(article_ids))
        found: dict[int, list[CaptureRecord]] = {a: [] for a in wanted}
        with self._reading() as conn:
            for start in range(0, len(wanted), _IN_BATCH):
                batch = wanted[start : start + _IN_BATCH]
                query = (
                    select(captures, versions.c.version)
                    .outerjoin(versions, versions.c.id == captures.c.version_id)
                    .where(captures.c.article_id.in_(batch))
                    .order_by(captures.c.fetched_at, captures.c.id)
                )
                for row in conn.execute(query):
                    found[row.article_id].append(capture_record(row))
        return found

    def runs(self, limit: int | None = 20) -> list[RunRecord]:
        """Crawl runs, newest first."""
        query = select(runs).order_by(runs.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._reading() as conn:
            rows = conn.execute(query).all()
        return [
            RunRecord(
                id=r.id,
                spider=r.spider,
                started_at=r.started_at,
                finished_at=r.finished_at,
                status=r.status,
                counts=r.counts or {},
                changes_found=r.changes_found,
                errors=r.errors or [],
                host=r.host,
                pid=r.pid,
            )
            for r in rows
        ]

    def stats(self) -> dict[str, int]:
        """Row counts per table, articles gone, and captures by outcome."""
        return count_rows(self.engine)

    def revision(self) -> str | None:
        """The schema revision of the database."""
        with self._reading() as conn:
            return migrate.current_revision(conn)

    def repair_wrong_ids(self, *, apply: bool = False) -> list[str]:
        """Move versions filed under a wrong article id to their own article (identity.py).

        Returns what was (with `apply`) or would be done; without `apply` the same work is
        rolled back, so the dry run reports exactly what `apply` does.
        """
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE: True})
            transaction = conn.begin()
            try:
                lines = repair_wrong_ids(conn)
            except BaseException:
                transaction.rollback()
                raise
            if apply:
                transaction.commit()
            else:
                transaction.rollback()
        return lines

    def verify(self) -> list[str]:
        """Problems found: version hashes that do not match their stored article, dangling ids.

        The WARC records the captures point at are checked by `dodnews.warc.verify`.
        """
        with self._reading() as conn:
            return find_problems(conn, self.hasher)
