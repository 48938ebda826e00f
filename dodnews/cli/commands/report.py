"""`dodnews report`: regenerate every diff report, the index pages and the feed from the archive."""

from __future__ import annotations

import argparse

from dodnews.cli.support import add_archive_option, add_diffs_dir_option
from dodnews.words import count


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="regenerate diffs/ (per-change reports, index pages, Atom feed) from the archive",
        description="Rewrites the Markdown, HTML and JSON report of every archived change, the "
        "index pages (diffs/index.html is the newest) and the Atom feed (diffs/atom.xml and its "
        "archive documents). Deterministic: same archive, same bytes, the same bytes a crawl's "
        "own update of diffs/ leaves. See docs/reports.md.",
    )
    add_archive_option(parser)
    add_diffs_dir_option(parser)
    parser.add_argument("--feed-url", help="public URL of atom.xml, for the feed's self link")
    parser.add_argument(
        "--replay-url", help="pywb collection URL to link captures to (default $DODNEWS_REPLAY_URL)"
    )
    parser.add_argument(
        "--page-size",
        metavar="N",
        help="change ids per index page (default $DODNEWS_INDEX_PAGE_SIZE or 100)",
    )
    parser.add_argument(
        "--feed-entries",
        metavar="N",
        help="entries in atom.xml and per feed archive document "
        "(default $DODNEWS_FEED_ENTRIES or 100)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dodnews.cli.support import archive_for, reports_dir
    from dodnews.environment import env
    from dodnews.reports.reporting import (
        checked_replay_url,
        regenerate_archive_reports,
        report_layout,
    )

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
