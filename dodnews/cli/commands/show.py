"""`dodnews show ID [--version N]`: an archived version of an article, as Article JSON."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._numbers import number
from dodnews.cli.commands._options import add_archive_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `show` subcommand."""
    parser = subparsers.add_parser(
        "show",
        help="print an archived version of an article as JSON",
        description="Print the current (or a given) archived version of an article as JSON.",
    )
    parser.add_argument("article_id", type=number, metavar="ID", help="numeric article id")
    parser.add_argument("--version", type=number, metavar="N", help="version (default: current)")
    add_archive_option(parser)
    parser.set_defaults(func=Runner("show"))
