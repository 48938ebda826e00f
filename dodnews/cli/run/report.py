"""`dodnews report`: regenerate every diff report, the index pages and the feed from the archive."""

from __future__ import annotations

import argparse
from pathlib import Path

from dodnews.cli.support import archive_for, reports_dir
from dodnews.environment import env
from dodnews.reports.reporting import checked_replay_url, regenerate_archive_reports, report_layout
from dodnews.words import count


def run(args: argparse.Namespace) -> int:
    layout = report_layout(args.page_size, args.feed_entries)
    replay_url = checked_replay_url(args.replay_url or env("DODNEWS_REPLAY_URL"))
    diffs = reports_dir(args)
    with archive_for(args) as archive:
        result = regenerate_archive_reports(
            archive,
            diffs,
            args.feed_url,
            replay_url=replay_url or "",
            layout=layout,
            record_paths=False,
        )
    removed = len(result.removed)
    leftovers = f", {count(removed, 'temp file')} of an interrupted run removed" if removed else ""
    deleted = f", {count(len(result.deleted), 'page')} of another layout deleted"
    deleted = deleted if result.deleted else ""
    print(
        f"{count(result.changes, 'change')}, {count(result.events, 'event')}: "
        f"{count(result.files_written, 'file')} written, {result.files_unchanged} unchanged"
        f"{leftovers}{deleted}"
    )
    print(Path(diffs, "index.html").resolve())
    return 0
