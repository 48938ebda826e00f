"""`dodnews diff OLD.html NEW.html` / `dodnews diff --id N --from V --to W`: what changed.

Exit status like diff(1): 0 no change, 1 changes, 2 trouble.
"""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._numbers import number
from dodnews.reports.diff_formats import FORMATS


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `diff` subcommand."""
    parser = subparsers.add_parser(
        "diff",
        help="show what changed between two captures of an article",
        description=(
            "Compare two saved pages of one article (OLD.html NEW.html), or two archived versions "
            "(--id N --from V --to W). Exit status: 0 no change, 1 changes, 2 trouble."
        ),
    )
    parser.add_argument("old", nargs="?", metavar="OLD.html", help="the earlier saved page")
    parser.add_argument("new", nargs="?", metavar="NEW.html", help="the later saved page")
    parser.add_argument("--url", help="the article URL (default: each page's og:url)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument("--id", type=number, dest="article_id", metavar="N", help="article id")
    parser.add_argument("--from", dest="from_version", metavar="V", help="earlier version")
    parser.add_argument("--to", dest="to_version", metavar="W", help="later version")
    parser.add_argument("--archive", metavar="URL", help="archive database URL")
    parser.set_defaults(func=Runner("diff"))
