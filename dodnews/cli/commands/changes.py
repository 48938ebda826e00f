"""`dodnews changes`: the changes recorded in the archive, newest first, as text or JSON."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._numbers import number
from dodnews.cli.commands._options import add_archive_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `changes` subcommand."""
    parser = subparsers.add_parser(
        "changes",
        help="list the changes recorded in the archive",
        description="List recorded changes, newest first. JSON fields are snake_case: id, "
        "article_id, title, url, detected_at, kinds, significance, revert, extractor_changed, "
        "from_version, to_version, old_captured_at, new_captured_at, run_id, summary.",
    )
    parser.add_argument(
        "--since", metavar="DATE", help="only changes detected since DATE (2025-10-01, or 7d)"
    )
    parser.add_argument("--kind", metavar="K", help="only changes with this kind")
    parser.add_argument("--id", type=number, dest="article_id", metavar="N", help="only article N")
    parser.add_argument("--run", type=number, dest="run_id", metavar="R", help="only crawl run R")
    parser.add_argument("--limit", type=number, metavar="N", help="at most N changes")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_archive_option(parser)
    parser.set_defaults(func=Runner("changes"))
