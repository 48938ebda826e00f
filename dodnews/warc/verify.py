"""Checks of the WARC records an archive's captures point at: each exists, re-hashes right, and
every record it refers to is in the folder (`dodnews archive verify`, with the archive's own
checks from `Archive.verify`)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from warcio.archiveiterator import ArchiveIterator

from dodnews.archive.schema import captures
from dodnews.archive.store import Archive
from dodnews.warc.repair import torn_files
from dodnews.warc.writer import decoded_body, payload_digest


def verify_archive(archive: Archive, warc_dir: str | Path | None) -> list[str]:
    """Everything `dodnews archive verify` checks: the archive's versions and references, then,
    with `warc_dir`, the WARC records its captures point at."""
    problems = archive.verify()
    if warc_dir is not None:
        with archive.engine.connect() as conn:
            problems += find_warc_problems(conn, warc_dir)
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
