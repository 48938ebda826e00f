"""`dodnews report`: regenerate every diff report, the index pages and the feed from the archive."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dodnews.cli.support import archive_for
from dodnews.cli.words import count
from dodnews.reports.reporting import checked_replay_url, regenerate_archive_reports, report_layout


def run(args: argparse.Namespace) -> int:
    layout = report_layout(args.page_size, args.feed_entries)
    replay_url = checked_replay_url(args.replay_url or os.environ.get("DODNEWS_REPLAY_URL"))
    with archive_for(args) as archive:
        result = regenerate_archive_reports(
            archive,
            args.diffs_dir,
            args.feed_url,
            replay_url=replay_url or "",
            layout=layout,
            record_paths=False,
        )
    removed = len(result.removed)
    leftovers = f", {removed} temp files of an interrupted run removed" if removed else ""
    deleted = f", {len(result.deleted)} pages of another layout deleted" if result.deleted else ""
    print(
        f"{count(result.changes, 'change')}, {count(result.events, 'event')}: "
        f"{count(result.files_written, 'file')} written, {result.files_unchanged} unchanged"
        f"{leftovers}{deleted}"
    )
    print(Path(args.diffs_dir, "index.html").resolve())
    return 0
