"""`dodnews extract PAGE.html [--url URL] [--listing]`: a saved page as JSON, no crawl needed."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `extract` subcommand."""
    parser = subparsers.add_parser(
        "extract",
        help="print the article (or listing entries) in a saved page as JSON",
        description="Extract the article in a saved page and print it as JSON.",
    )
    parser.add_argument(
        "page", metavar="PAGE.html", help="a saved article, listing, RSS or GetList file"
    )
    parser.add_argument("--url", help="the page's URL (default: the page's og:url)")
    parser.add_argument(
        "--listing",
        action="store_true",
        help="print the listing entries (listing page, RSS feed or GetList JSON) instead",
    )
    parser.set_defaults(func=Runner("extract"))
