"""`dodnews history ID`: every capture and version of an article, in time order."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._numbers import number
from dodnews.cli.commands._options import add_archive_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `history` subcommand."""
    parser = subparsers.add_parser(
        "history",
        help="list the captures and versions of an archived article",
        description="List every capture of an article in time order, with the version each "
        "one saw, then its versions.",
    )
    parser.add_argument("article_id", type=number, metavar="ID", help="numeric article id")
    add_archive_option(parser)
    parser.set_defaults(func=Runner("history"))
