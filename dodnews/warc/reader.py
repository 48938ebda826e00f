"""Reading a page back from the WARC files: the evidence an archived version was read from.

`WarcReader(folder).page(file, record_id)` returns the page as the crawl's spider saw it: the
payload of a response record with its Content-Encoding undone, the payload a revisit record refers
to (found by WARC-Refers-To, in the same file or another one of the folder), or the body of a
conversion record (a rendered DOM). Each file is scanned once for its record offsets (a gzip WARC
has no index), and rescanned only when it has grown since.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from dodnews.warc.writer import decoded_body, payload_digest


class RecordUnreadable(Exception):
    """A record cannot be read back; the message says why in one line."""


@dataclass
class _FileIndex:
    size: int
    mtime: float
    # record id -> (offset, record type, WARC-Refers-To)
    records: dict[str, tuple[int, str, str | None]] = field(default_factory=dict)
    damaged: str | None = None  # why the scan stopped early, if it did


class WarcReader:
    """Reads records of the WARC files in one folder by file name and record id."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._indexes: dict[str, _FileIndex] = {}

    def page(self, file: str | None, record_id: str, body_digest: str | None = None) -> bytes:
        """The decoded page of a response, revisit or conversion record.

        With `body_digest` ("sha256:..." of the decoded page, as a capture records it), a record
        whose page does not match is refused. RecordUnreadable says why a page cannot be had.
        """
        body = self._payload(file or "", record_id, follow=True)
        if body_digest and body_digest.startswith("sha256:"):
            actual = "sha256:" + hashlib.sha256(body).hexdigest()
            if actual != body_digest:
                raise RecordUnreadable(
                    f"WARC record {record_id} in {file} decodes to {actual[:19]}..., the capture "
                    f"recorded {body_digest[:19]}..."
                )
        return body

    def _payload(self, name: str, record_id: str, follow: bool) -> bytes:
        index = self._index(name)
        entry = index.records.get(record_id)
        if entry is None:
            where = f"; the file is damaged ({index.damaged})" if index.damaged else ""
            raise RecordUnreadable(f"WARC record {record_id} not in {name}{where}")
        offset, kind, refers_to = entry
        if kind == "revisit":
            if not follow or not refers_to:
                raise RecordUnreadable(f"WARC revisit {record_id} in {name} refers to no record")
            return self._payload(self._holder(name, refers_to), refers_to, follow=False)
        if kind not in ("response", "conversion", "resource"):
            raise RecordUnreadable(f"WARC record {record_id} in {name} is a {kind} record")
        return self._read_at(name, offset, record_id)

    def _read_at(self, name: str, offset: int, record_id: str) -> bytes:
        try:
            with (self.folder / name).open("rb") as handle:
                handle.seek(offset)
                record = next(iter(ArchiveIterator(handle)))
                raw = record.raw_stream.read()
        except Exception as exc:  # a damaged file is a finding, never a crash
            raise RecordUnreadable(
                f"WARC record {record_id} in {name} is unreadable: {type(exc).__name__}: {exc}"
            ) from None
        if record.rec_type != "response":
            return raw  # a rendered DOM: stored as the page, no HTTP envelope
        stated = record.rec_headers.get_header("WARC-Payload-Digest")
        if stated and stated != payload_digest(raw):
            raise RecordUnreadable(
                f"WARC record {record_id} in {name}: payload digest {payload_digest(raw)} is "
                f"not {stated}"
            )
        body = decoded_body(record.http_headers.headers, raw)
        if body is None:
            raise RecordUnreadable(
                f"WARC record {record_id} in {name}: its Content-Encoding cannot be decoded"
            )
        return body

    def _holder(self, name: str, record_id: str) -> str:
        """The file holding `record_id`: `name` itself, else another WARC file of the folder."""
        if record_id in self._index(name).records:
            return name
        for path in sorted(self.folder.glob("*.warc.gz")):
            if path.name != name and record_id in self._index(path.name).records:
                return path.name
        raise RecordUnreadable(f"WARC record {record_id} (a revisit's original) is in no file")

    def _index(self, name: str) -> _FileIndex:
        # A name from the database never leads outside the WARC folder.
        path = self.folder / name
        if not name or Path(name).name != name or not path.is_file():
            raise RecordUnreadable(f"WARC file {name!r} is missing from {self.folder}")
        stat = path.stat()
        index = self._indexes.get(name)
        if index is not None and (index.size, index.mtime) == (stat.st_size, stat.st_mtime):
            return index
        index = _FileIndex(stat.st_size, stat.st_mtime)
        try:
            with path.open("rb") as handle:
                iterator: Any = ArchiveIterator(handle)
                for record in iterator:
                    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
                    index.records[record_id] = (
                        iterator.get_record_offset(),
                        record.rec_type,
                        record.rec_headers.get_header("WARC-Refers-To"),
                    )
        except Exception as exc:  # keep what was read before the damage
            index.damaged = f"{type(exc).__name__}: {exc}"[:200]
        self._indexes[name] = index
        return index
