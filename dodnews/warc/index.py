"""The replay index (CDXJ) of a WARC folder, in which every 304 plays back as the page it confirmed.

pywb replays a revisit record with the revisit's own HTTP headers and the payload of the response
it revisits. That is right for an identical-payload revisit (a 200 whose body matched an earlier
one), but a server-not-modified revisit stores the server's 304, so pywb would play it back as an
empty "304 Not Modified". In this index the line of each not-modified revisit keeps its own URL
and time but points at the response record it revisits (its WARC-Refers-To): at the time of the
recheck, under the URL that was rechecked, the reader sees the page the server confirmed. The
WARC records stay exactly as the server sent them; only the index, derived data, says where to
read.

The lines themselves come from pywb's own indexer (`cdx-indexer`, run in pywb's environment), so
that their keys match pywb's lookups; this module keeps the lines of responses and revisits (a
rendered DOM or a screenshot is derived, not what the server sent) and redirects the not-modified
ones. Each file's lines are cached until the file changes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from dodnews.warc.writer import NOT_MODIFIED_PROFILE

INDEX_NAME = "index.cdxj"
_CACHE_FORMAT = 1
# Fields of a line that say where the record is and what it holds: a resolved line takes them
# from the response it points at.
_RECORD_FIELDS = ("mime", "status", "digest", "length", "offset", "filename")

# Runs pywb's indexer over some WARC files of the folder; returns CDXJ lines (filename relative
# to the folder) or raises IndexerFailed.
Indexer = Callable[[list[Path]], list[str]]


class IndexerFailed(Exception):
    """pywb's indexer could not read a file; the message says why in one line."""


@dataclass
class FileIndex:
    """One WARC file's share of the index, cached until the file's size or time changes."""

    size: int
    mtime_ns: int
    lines: list[str]  # pywb's CDXJ lines of the file's responses and revisits
    responses: dict[str, tuple[int, int]]  # record id -> (offset, length)
    not_modified: dict[int, str]  # offset of a server-not-modified revisit -> WARC-Refers-To

    def to_json(self) -> dict[str, object]:
        return {
            "format": _CACHE_FORMAT,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "lines": self.lines,
            "responses": self.responses,
            "not_modified": {str(k): v for k, v in self.not_modified.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> FileIndex | None:
        if data.get("format") != _CACHE_FORMAT:
            return None
        return cls(
            size=data["size"],
            mtime_ns=data["mtime_ns"],
            lines=list(data["lines"]),
            responses={k: (v[0], v[1]) for k, v in data["responses"].items()},
            not_modified={int(k): v for k, v in data["not_modified"].items()},
        )


@dataclass
class IndexStats:
    """What one refresh found: files, lines, not-modified revisits resolved or left as they are."""

    files: int = 0
    reindexed: int = 0
    lines: int = 0
    resolved: int = 0
    unresolved: int = 0  # not-modified revisits whose original is in no file of the folder
    skipped: dict[str, str] = field(default_factory=dict)  # file -> why it is not indexed


def scan_records(path: Path) -> tuple[dict[int, str], dict[str, tuple[int, int]], dict[int, str]]:
    """(record type by offset, response record id -> (offset, length), not-modified revisit
    offset -> the record id it refers to) of one WARC file."""
    types: dict[int, str] = {}
    responses: dict[str, tuple[int, int]] = {}
    not_modified: dict[int, str] = {}
    with path.open("rb") as handle:
        records = ArchiveIterator(handle)
        for record in records:
            headers = record.rec_headers
            records.read_to_end(record)
            offset = records.get_record_offset()
            types[offset] = record.rec_type
            if record.rec_type == "response":
                record_id = headers.get_header("WARC-Record-ID") or ""
                responses[record_id] = (offset, records.get_record_length())
            elif (
                record.rec_type == "revisit"
                and headers.get_header("WARC-Profile") == NOT_MODIFIED_PROFILE
                and headers.get_header("WARC-Refers-To")
            ):
                not_modified[offset] = headers.get_header("WARC-Refers-To")
    return types, responses, not_modified


def _why(exc: Exception) -> str:
    """An exception as a short printable phrase (a garbage file's "first line" is binary)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    text = "".join(ch if ch.isprintable() and ord(ch) < 0x7F else "?" for ch in text)
    return text if len(text) <= 80 else text[:77] + "..."


def _split(line: str) -> tuple[str, dict]:
    """A CDXJ line as ("<urlkey> <timestamp>", its JSON fields)."""
    key, stamp, fields = line.split(" ", 2)
    return f"{key} {stamp}", json.loads(fields)


class ReplayIndex:
    """Keeps `<index_dir>/index.cdxj` in step with the WARC files of `warc_dir`."""

    def __init__(self, warc_dir: str | Path, index_dir: str | Path, indexer: Indexer) -> None:
        self.warc_dir = Path(warc_dir)
        self.index_dir = Path(index_dir)
        self.cache_dir = self.index_dir.parent / "files"
        self.indexer = indexer
        self._files: dict[str, FileIndex] = {}
        self._seen: dict[str, tuple[int, int]] = {}  # what the index was last written from
        # files the indexer could not read, with why: tried again once they change
        self._failed: dict[str, tuple[tuple[int, int], str]] = {}

    @property
    def path(self) -> Path:
        return self.index_dir / INDEX_NAME

    def warc_files(self) -> list[Path]:
        names = (p for p in self.warc_dir.iterdir() if p.is_file())
        return sorted(p for p in names if p.name.endswith((".warc.gz", ".warc")))

    def refresh(self) -> IndexStats | None:
        """Index new and changed files and rewrite the index; None when nothing changed."""
        stats = IndexStats()
        current: dict[str, tuple[int, int]] = {}
        stale: list[Path] = []
        for path in self.warc_files():
            stat = path.stat()
            current[path.name] = (stat.st_size, stat.st_mtime_ns)
            known = self._files.get(path.name) or self._load_cached(path.name)
            if known is not None and (known.size, known.mtime_ns) == current[path.name]:
                self._files[path.name] = known
            elif self._failed.get(path.name, ((-1, -1), ""))[0] == current[path.name]:
                stats.skipped[path.name] = self._failed[path.name][1]
            else:
                stale.append(path)
        if not stale and current == self._seen and self.path.exists():
            return None
        for name in set(self._files) - set(current):
            del self._files[name]
        for name in set(self._failed) - set(current):
            del self._failed[name]
        stats.files = len(current)
        for path, result in self._index(stale):
            if isinstance(result, str):
                stats.skipped[path.name] = result
                self._failed[path.name] = (current[path.name], result)
                self._files.pop(path.name, None)
                continue
            self._failed.pop(path.name, None)
            self._files[path.name] = result
            self._save_cached(path.name, result)
            stats.reindexed += 1
        self._write(stats)
        self._seen = current
        return stats

    def _index(self, paths: list[Path]) -> Iterable[tuple[Path, FileIndex | str]]:
        """Each file with its FileIndex, or with why it cannot be indexed (a torn record...)."""
        if not paths:
            return []
        sizes = {p.name: p.stat() for p in paths}
        try:
            lines: list[str] | None = self.indexer(paths)
        except IndexerFailed:
            lines = None  # one bad file fails the batch: each file alone, to name the bad one
        results: list[tuple[Path, FileIndex | str]] = []
        by_file: dict[str, list[str]] = {}
        if lines is not None:
            for line in lines:
                by_file.setdefault(_split(line)[1].get("filename", ""), []).append(line)
        for path in paths:
            try:
                own = by_file.get(path.name, []) if lines is not None else self.indexer([path])
                types, responses, not_modified = scan_records(path)
            except (IndexerFailed, ArchiveLoadFailed, OSError, ValueError, EOFError) as exc:
                results.append((path, _why(exc)))
                continue
            kept = [
                line
                for line in own
                if types.get(int(_split(line)[1].get("offset", -1))) in ("response", "revisit")
            ]
            stat = sizes[path.name]
            results.append(
                (path, FileIndex(stat.st_size, stat.st_mtime_ns, kept, responses, not_modified))
            )
        return results

    def _write(self, stats: IndexStats) -> None:
        """Merge every file's lines, not-modified revisits redirected, into one sorted index."""
        originals: dict[str, tuple[str, int]] = {}
        lines_at: dict[tuple[str, int], dict] = {}
        for name, entry in self._files.items():
            for record_id, (offset, _length) in entry.responses.items():
                originals[record_id] = (name, offset)
        out: list[str] = []
        for name, entry in self._files.items():
            for line in entry.lines:
                key, fields = _split(line)
                lines_at[(name, int(fields["offset"]))] = fields
                out.append(line)
        for i, line in enumerate(out):
            key, fields = _split(line)
            entry = self._files.get(fields.get("filename", ""))
            refers_to = entry.not_modified.get(int(fields["offset"])) if entry else None
            if refers_to is None:
                continue
            original = lines_at.get(originals.get(refers_to, ("", -1)))
            if original is None:
                stats.unresolved += 1
                continue
            resolved = dict(fields)
            resolved.update({k: original[k] for k in _RECORD_FIELDS if k in original})
            # where the 304 itself is, so the index still names the record it stands for
            resolved["revisit"] = f"{fields['filename']}#{fields['offset']}"
            out[i] = f"{key} {json.dumps(resolved)}"
            stats.resolved += 1
        out.sort()
        stats.lines = len(out)
        self.index_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{INDEX_NAME}.{os.getpid()}.tmp")
        tmp.write_text("".join(line + "\n" for line in out), encoding="utf-8")
        # pywb opens the index on each lookup: the rename swaps it between two requests
        os.replace(tmp, self.path)

    def _load_cached(self, name: str) -> FileIndex | None:
        try:
            data = json.loads((self.cache_dir / f"{name}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        try:
            return FileIndex.from_json(data)
        except (KeyError, TypeError, ValueError, IndexError):
            return None

    def _save_cached(self, name: str, entry: FileIndex) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        target = self.cache_dir / f"{name}.json"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry.to_json()), encoding="utf-8")
        os.replace(tmp, target)
