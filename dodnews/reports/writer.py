"""Write the reports into diffs/: per-change .md/.html/.json, index.html and atom.xml.

Every file is written atomically (temp file in the same directory, then os.replace) and only when
its bytes differ, so readers never see half a file and unchanged reports keep their mtime. Temp
files a killed writer left behind are removed at the start (see reports.tempfiles).
Output depends only on the entries (and generated_at if given): same input, same bytes.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from dodnews.errors import UserError
from dodnews.reports.atom import render_atom
from dodnews.reports.entry import ReportEntry
from dodnews.reports.grouping import Event, group_entries, unique_entries
from dodnews.reports.html import render_html
from dodnews.reports.index import render_index
from dodnews.reports.markdown import render_markdown
from dodnews.reports.tempfiles import TEMP_SUFFIX, temp_prefix, writing_folder
from dodnews.reports.text import json_text


@dataclass
class WriteResult:
    """What write_reports did: files rewritten, files already up to date, the events, and the
    temp files of an earlier, killed writer that it removed."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return sorted(self.written + self.unchanged)


def render_json(entry: ReportEntry) -> str:
    """The per-change JSON: ChangeReport.to_dict() plus entry metadata, sorted keys."""
    return json_text(entry.to_dict())


def write_reports(
    entries: Iterable[ReportEntry],
    diffs_dir: Path,
    *,
    feed_url: str | None = None,
    generated_at: str | None = None,
) -> WriteResult:
    """(Re)write the per-change files of `entries` and the index and feed built from all of them."""
    chosen = unique_entries(entries)
    events = group_entries(chosen)
    # Render everything before touching the disk, so bad input leaves diffs/ as it was.
    files: dict[str, str] = {}
    for entry in chosen:
        files[f"{entry.stem}.json"] = render_json(entry)
        files[f"{entry.stem}.md"] = render_markdown(entry)
        files[f"{entry.stem}.html"] = render_html(entry)
    files["index.html"] = render_index(events, generated_at=generated_at)
    files["atom.xml"] = render_atom(events, feed_url=feed_url, generated_at=generated_at)

    directory = Path(diffs_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create diffs directory {directory}: {exc.strerror}") from None
    result = WriteResult(events=events)
    with writing_folder(directory) as removed:
        # (temp files a killed writer left behind are removed on entry)
        result.removed = removed
        for name in sorted(files):
            path = directory / name
            if write_atomic(path, files[name].encode("utf-8")):
                result.written.append(path)
            else:
                result.unchanged.append(path)
    return result


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temp file and os.replace; False if it already held `data`."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            # No fsync: os.replace already keeps readers from half files, reports can be
            # regenerated from the archive, and an fsync per file made big runs 5x slower.
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    return True
