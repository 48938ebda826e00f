"""`dodnews report`: regenerate every diff report, the index and the feed from the archive."""

from __future__ import annotations

import argparse
import os


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "report",
        help="regenerate diffs/ (per-change reports, index.html, atom.xml) from the archive",
        description="Rewrites the Markdown, HTML and JSON report of every archived change, "
        "diffs/index.html and diffs/atom.xml. Deterministic: same archive, same bytes.",
    )
    parser.add_argument("--archive", help="archive URL (default: $DODNEWS_ARCHIVE or data/)")
    parser.add_argument(
        "--diffs-dir",
        default=os.environ.get("DODNEWS_DIFFS_DIR", "diffs"),
        help="where reports go (default: $DODNEWS_DIFFS_DIR or diffs/)",
    )
    parser.add_argument("--feed-url", help="public URL of atom.xml, for the feed's self link")
    parser.add_argument(
        "--replay-url", help="pywb collection URL to link captures to (default $DODNEWS_REPLAY_URL)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from dodnews.archive.cli_support import archive_for
    from dodnews.reporting import archive_entries, checked_replay_url
    from dodnews.reports import write_reports

    replay_url = checked_replay_url(args.replay_url or os.environ.get("DODNEWS_REPLAY_URL"))
    with archive_for(args) as archive:
        entries = archive_entries(archive, replay_url)
    result = write_reports(entries, Path(args.diffs_dir), feed_url=args.feed_url)
    removed = len(result.removed)
    leftovers = f", {removed} temp files of an interrupted run removed" if removed else ""
    print(
        f"{len(entries)} changes, {len(result.events)} events: "
        f"{len(result.written)} files written, {len(result.unchanged)} unchanged{leftovers}"
    )
    print(Path(args.diffs_dir, "index.html").resolve())
    return 0
