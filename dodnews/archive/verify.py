"""Checks of an archive's integrity: stored articles against their hashes, references, WARCs."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from warcio.archiveiterator import ArchiveIterator

from dodnews.archive.identity import own_id
from dodnews.archive.schema import articles, captures, changes, versions
from dodnews.model import Article
from dodnews.warc.repair import torn_files
from dodnews.warc.writer import decoded_body, payload_digest


def find_problems(conn: Connection, hasher: Callable[[Article], str]) -> list[str]:
    """Re-hash every stored version and check that changes, captures and articles point right."""
    problems: list[str] = []
    version_ids: dict[int, int] = {}
    query = select(versions).order_by(versions.c.article_id, versions.c.seq)
    for row in conn.execute(query.execution_options(yield_per=500)):
        version_ids[row.id] = row.article_id
        where = f"article {row.article_id} version {row.seq}"
        try:
            article = Article.from_dict(row.article)
            actual = hasher(article)
        except Exception as exc:  # any unreadable stored JSON is a finding, not a crash
            problems.append(f"{where}: stored article is unreadable ({exc})")
            continue
        if actual != row.content_hash:
            problems.append(
                f"{where}: content hash {row.content_hash} does not match the stored "
                f"article ({actual})"
            )
        own = own_id(row.article, row.url)
        if own is not None and own != row.article_id:
            problems.append(
                f"{where}: holds article {own} (filed under a wrong id; "
                "`dodnews archive repair --wrong-ids` moves it)"
            )
    capture_ids = set(conn.execute(select(captures.c.id)).scalars())
    refs = select(
        changes.c.id,
        changes.c.article_id,
        changes.c.from_version_id,
        changes.c.to_version_id,
        changes.c.from_capture_id,
        changes.c.to_capture_id,
    )
    for row in conn.execute(refs):
        for side in ("from_version_id", "to_version_id"):
            target = getattr(row, side)
            if version_ids.get(target) != row.article_id:
                problems.append(
                    f"change {row.id}: {side} {target} is not a version of article {row.article_id}"
                )
        for side in ("from_capture_id", "to_capture_id"):
            target = getattr(row, side)
            if target is not None and target not in capture_ids:
                problems.append(f"change {row.id}: {side} {target} does not exist")
    query = select(captures.c.id, captures.c.article_id, captures.c.version_id).where(
        captures.c.version_id.is_not(None)
    )
    for row in conn.execute(query):
        if version_ids.get(row.version_id) != row.article_id:
            problems.append(
                f"capture {row.id}: version {row.version_id} is not a version of "
                f"article {row.article_id}"
            )
    for row in conn.execute(select(articles.c.article_id, articles.c.current_version_id)):
        if row.current_version_id is None:
            continue
        if version_ids.get(row.current_version_id) != row.article_id:
            problems.append(
                f"article {row.article_id}: current version {row.current_version_id} "
                "is not one of its versions"
            )
    return problems


def find_warc_problems(conn: Connection, warc_dir: str | Path) -> list[str]:
    """Check the WARC records captures point at: each exists and its payload re-hashes right.

    A response record's raw payload must match its WARC-Payload-Digest and, decoded, the capture's
    body digest; so must a conversion record's (a page rendered by the browser: what the capture
    was read from). A revisit record's WARC-Refers-To, and a conversion record's (the raw
    response it was made from), must name a record that exists.
    """
    folder = Path(warc_dir)
    wanted: dict[str, dict[str, list[tuple[int, str | None]]]] = defaultdict(dict)
    query = select(
        captures.c.id, captures.c.warc_file, captures.c.warc_record_id, captures.c.body_digest
    ).where(captures.c.warc_record_id.is_not(None))
    for row in conn.execute(query):
        wanted[row.warc_file or ""].setdefault(row.warc_record_id, []).append(
            (row.id, row.body_digest)
        )
    problems: list[str] = []
    seen_ids: set[str] = set()
    refers: list[tuple[str, str, list[tuple[int, str | None]]]] = []
    for name in sorted(wanted):
        records = wanted[name]
        path = folder / name
        # A name from the database never leads outside the WARC folder.
        if not name or Path(name).name != name or not path.is_file():
            for users in records.values():
                for capture_id, _ in users:
                    problems.append(
                        f"capture {capture_id}: WARC file {name!r} is missing from {folder}"
                    )
            continue
        found: set[str] = set()
        try:
            for record_id, check in _scan(path, set(records)):
                seen_ids.add(record_id)
                if record_id not in records:
                    continue
                found.add(record_id)
                users = records[record_id]
                kind, detail, target = check
                if target:
                    refers.append((name, target, users))
                if kind == "bad":
                    for capture_id, _ in users:
                        problems.append(f"capture {capture_id}: WARC record in {name}: {detail}")
                elif kind == "ok":
                    for capture_id, digest in users:
                        if digest and digest != detail:
                            problems.append(
                                f"capture {capture_id}: WARC record in {name} decodes to "
                                f"{detail}, the capture recorded {digest}"
                            )
        except Exception as exc:  # a damaged file is a finding; the records after it are lost
            problems.append(f"WARC file {name} is damaged: {type(exc).__name__}: {exc}"[:300])
        for record_id in set(records) - found:
            for capture_id, _ in records[record_id]:
                problems.append(f"capture {capture_id}: WARC record {record_id} not in {name}")
    for name in torn_files(folder):
        problems.append(
            f"WARC file {name} ends with a torn record (its crawl was killed); the next crawl "
            "on this folder cuts it"
        )
    missing_targets = {target for _, target, _ in refers} - seen_ids
    if missing_targets:
        seen_ids |= _all_record_ids(folder, set(wanted), missing_targets)
    for name, target, users in refers:
        if target not in seen_ids:
            for capture_id, _ in users:
                problems.append(
                    f"capture {capture_id}: its record in {name} refers to {target}, which no "
                    "WARC file holds"
                )
    return problems


def _scan(path: Path, wanted: set[str]) -> Iterator[tuple[str, tuple[str, str, str]]]:
    """Every record id in a WARC file, with a check of the wanted records: (kind, detail, the
    record it refers to or '')."""
    with path.open("rb") as handle:
        for record in ArchiveIterator(handle):
            record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
            if record_id not in wanted:
                yield record_id, ("skip", "", "")
                continue
            refers = record.rec_headers.get_header("WARC-Refers-To") or ""
            if record.rec_type == "revisit":
                yield record_id, ("refers", "", refers)
                continue
            if record.rec_type not in ("response", "conversion"):
                yield record_id, ("bad", f"is a {record.rec_type} record, not a response", "")
                continue
            raw = record.raw_stream.read()
            stated = record.rec_headers.get_header("WARC-Payload-Digest")
            if stated != payload_digest(raw):
                detail = f"payload digest {payload_digest(raw)} is not {stated}"
                yield record_id, ("bad", detail, refers)
                continue
            body = _decoded(record, raw)
            yield record_id, ("ok", "sha256:" + hashlib.sha256(body).hexdigest(), refers)


def _decoded(record: Any, raw: bytes) -> bytes:
    """The payload as the crawler's spider saw it (Content-Encoding undone; as stored when that
    fails, which then shows as a digest mismatch, or when there are no HTTP headers)."""
    if record.http_headers is None:  # a conversion record: the payload is the page itself
        return raw
    decoded = decoded_body(record.http_headers.headers, raw)
    return raw if decoded is None else decoded


def _all_record_ids(folder: Path, skip: set[str], targets: set[str]) -> set[str]:
    """Record ids of the other WARC files in the folder, until every target is found."""
    seen: set[str] = set()
    for path in sorted(folder.glob("*.warc.gz")):
        if path.name in skip:
            continue
        try:
            with path.open("rb") as handle:
                for record in ArchiveIterator(handle):
                    seen.add(record.rec_headers.get_header("WARC-Record-ID") or "")
        except Exception:  # a damaged extra file just holds nothing found
            continue
        if targets <= seen:
            break
    return seen
