"""Package chosen captures for another archive: one WARC file, or a WACZ built from it.

Each capture's records are copied byte for byte (every record is its own gzip member, found by its
offset and length): the response or revisit, its request, and for a revisit the response it refers
to (and that one's request), so the package replays on its own. No Scrapy here.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from dodnews import __version__
from dodnews.archive.schema import captures, versions
from dodnews.errors import UserError
from dodnews.words import count


@dataclass(frozen=True)
class RecordSpot:
    """Where one WARC record lives and what it points at."""

    file: str
    offset: int
    length: int
    rec_type: str
    refers_to: str | None
    concurrent_to: str | None
    url: str = ""
    date: str = ""


@dataclass
class ExportResult:
    captures: int = 0
    records: int = 0
    missing: list[str] = field(default_factory=list)
    # one {"url", "ts", "title"} per capture of an article page, for pages.jsonl
    pages: list[dict[str, str]] = field(default_factory=list)


def chosen_captures(
    archive: Any,
    ids: Iterable[int] | None = None,
    since: datetime | None = None,
    run: int | None = None,
) -> list[tuple[int, str, str, str | None]]:
    """(capture id, WARC file, record id, title) of the captures matching every filter given."""
    query = (
        select(captures.c.id, captures.c.warc_file, captures.c.warc_record_id, versions.c.title)
        .outerjoin(versions, versions.c.id == captures.c.version_id)
        .where(captures.c.warc_record_id.is_not(None))
    )
    wanted = sorted(set(ids or ()))
    if wanted:
        query = query.where(captures.c.article_id.in_(wanted))
    if since is not None:
        query = query.where(captures.c.fetched_at >= since)
    if run is not None:
        query = query.where(captures.c.run_id == run)
    with archive.engine.connect() as conn:
        rows = conn.execute(query.order_by(captures.c.fetched_at, captures.c.id)).all()
    return [(r.id, r.warc_file, r.warc_record_id, r.title) for r in rows]


def index_records(path: Path) -> dict[str, RecordSpot]:
    """Every record of one WARC file by id, with its offset and length."""
    spots: dict[str, RecordSpot] = {}
    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            headers = record.rec_headers
            record_id = headers.get_header("WARC-Record-ID") or ""
            records.read_to_end(record)
            spots[record_id] = RecordSpot(
                path.name,
                records.get_record_offset(),
                records.get_record_length(),
                record.rec_type,
                headers.get_header("WARC-Refers-To"),
                headers.get_header("WARC-Concurrent-To"),
                headers.get_header("WARC-Target-URI") or "",
                headers.get_header("WARC-Date") or "",
            )
    return spots


# Records whose WARC-Refers-To names a record an export must carry with them.
_REFERRING = ("revisit", "conversion")


def _closure(
    wanted: list[str], spots: dict[str, RecordSpot], requests: dict[str, list[str]]
) -> list[str]:
    """The wanted records, their requests, the originals of revisits and the raw responses of
    conversion records (rendered pages), each once."""
    chosen: dict[str, None] = {}
    queue = list(wanted)
    while queue:
        record_id = queue.pop()
        if record_id in chosen or record_id not in spots:
            continue
        chosen[record_id] = None
        queue.extend(requests.get(record_id, []))
        refers = spots[record_id].refers_to
        if spots[record_id].rec_type in _REFERRING and refers:
            queue.append(refers)
    return list(chosen)


def export_warc(
    archive: Any,
    warc_dir: str | Path,
    out: str | Path,
    ids: Iterable[int] | None = None,
    since: datetime | None = None,
    run: int | None = None,
) -> ExportResult:
    """Write the chosen captures' records into one gzip WARC 1.1 file `out`."""
    folder = Path(warc_dir)
    chosen = chosen_captures(archive, ids, since, run)
    if not chosen:
        raise UserError("no captures with WARC records match the filters given")
    if not folder.is_dir():
        raise UserError(f"WARC folder {folder} does not exist (set --warc-dir)")
    names = {name for _, name, _, _ in chosen if name}
    spots: dict[str, RecordSpot] = {}
    for name in sorted(names):
        if Path(name).name == name and (folder / name).is_file():
            spots.update(index_records(folder / name))
    originals = {s.refers_to for s in spots.values() if s.rec_type in _REFERRING and s.refers_to}
    if originals - set(spots):
        # Revisits of pages archived by earlier runs (or a rendered page whose raw response a
        # rotation put in the previous file): what they refer to lives in other files.
        for path in sorted(folder.glob("*.warc.gz")):
            if path.name not in names:
                spots.update(index_records(path))
    requests: dict[str, list[str]] = {}
    for record_id, spot in spots.items():
        if spot.rec_type == "request" and spot.concurrent_to:
            requests.setdefault(spot.concurrent_to, []).append(record_id)
    result = ExportResult(captures=len(chosen))
    wanted = [record_id for _, _, record_id, _ in chosen]
    result.missing = sorted({r for r in wanted if r not in spots})
    for _, _, record_id, title in chosen:
        spot = spots.get(record_id)
        if spot is not None and title:  # captures of an article page (ok or not modified)
            result.pages.append({"url": spot.url, "ts": spot.date, "title": title})
    closure = _closure(wanted, spots, requests)
    ordered = sorted(closure, key=lambda r: (spots[r].file, spots[r].offset))
    out_path = Path(out)
    if not out_path.parent.is_dir():
        raise UserError(f"cannot write {out_path}: folder {out_path.parent} does not exist")
    with out_path.open("wb") as target:
        writer = WARCWriter(target, gzip=True, warc_version="1.1")
        info = {
            "software": f"dodnews/{__version__} (export)",
            "format": "WARC File Format 1.1",
            "description": f"{count(len(chosen), 'capture')} exported from a dodnews archive",
        }
        writer.write_record(writer.create_warcinfo_record(out_path.name, info))
        handles: dict[str, io.BufferedReader] = {}
        try:
            for record_id in ordered:
                spot = spots[record_id]
                handle = handles.get(spot.file)
                if handle is None:
                    handle = handles[spot.file] = (folder / spot.file).open("rb")
                handle.seek(spot.offset)
                target.write(handle.read(spot.length))
                result.records += 1
        finally:
            for handle in handles.values():
                handle.close()
    return result


def export_wacz(
    archive: Any,
    warc_dir: str | Path,
    out: str | Path,
    ids: Iterable[int] | None = None,
    since: datetime | None = None,
    run: int | None = None,
) -> ExportResult:
    """A WACZ package (WARC, CDXJ index, pages.jsonl, datapackage.json) of the chosen captures."""
    # Imported here: wacz imports frictionless and pydantic (0.4 s); a WARC export needs neither.
    from wacz.main import main as wacz_main

    out_path = Path(out)
    if not out_path.parent.is_dir():
        raise UserError(f"cannot write {out_path}: folder {out_path.parent} does not exist")
    with tempfile.TemporaryDirectory(prefix="dodnews-export-") as tmp:
        warc = Path(tmp) / (out_path.stem + ".warc.gz")
        result = export_warc(archive, warc_dir, warc, ids, since, run)
        pages = Path(tmp) / "pages.jsonl"
        header = {"format": "json-pages-1.0", "id": "pages", "title": "dodnews captures"}
        lines = [header, *result.pages]
        pages.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        args = ["create", "-o", str(out_path), str(warc), "--pages", str(pages), "--copy-pages"]
        args += ["--title", f"dodnews export of {count(result.captures, 'capture')}"]
        # wacz prints its progress; the CLI prints one line of its own instead.
        with contextlib.redirect_stdout(io.StringIO()):
            status = wacz_main(args)
        if status != 0:
            raise UserError(f"wacz could not package {out_path}")
    return result
