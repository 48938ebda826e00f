"""Glue between the archive and the report writers: archived changes -> files in diffs/."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_archive_reports(archive: Any, diffs_dir: str | Path | None) -> Path:
    """(Re)write every change report of the archive into `diffs_dir`; returns the index path."""
    from dodnews.reports import ReportEntry, write_reports

    target = Path(diffs_dir or "diffs")
    entries = [
        ReportEntry(
            change_id=record.id,
            report=record.report,
            title=record.title or "",
            url=record.url or "",
            detected_at=record.detected_at,
            from_version=record.from_seq,
            to_version=record.to_seq,
            revert=bool(getattr(record, "revert", False)),
            old_capture_url=None,
            new_capture_url=None,
            old_article=None,
            new_article=None,
        )
        for record in archive.changes()
    ]
    write_reports(entries, target)
    return target / "index.html"
