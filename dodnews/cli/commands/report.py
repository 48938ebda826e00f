"""`dodnews report`: regenerate every diff report, the index pages and the feed from the archive."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._options import add_archive_option, add_diffs_dir_option


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
    parser.set_defaults(func=Runner("report"))
