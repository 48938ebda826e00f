"""`dodnews runs`: the crawl runs recorded in the archive, newest first."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._numbers import number
from dodnews.cli.commands._options import add_archive_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `runs` subcommand."""
    parser = subparsers.add_parser(
        "runs",
        help="list recorded crawl runs",
        description="List the crawl runs recorded in the archive, newest first. Status: ok, "
        "failed, running (still going), or interrupted (its process was killed or crashed; "
        "marked by the next crawl on the same host). COVERAGE: the run's extraction health "
        "(docs/extraction-health.md): ok, DROP (a field was found on far fewer parsed pages than "
        "in recent runs: the site's markup may have changed), small (too few parsed pages to "
        "judge), first (no earlier run to compare with), - (not measured). BACKLOG: articles "
        "a recheck found worth a request that did not fit in its budget (docs/scheduling.md).",
    )
    parser.add_argument("--limit", type=number, default=20, metavar="N", help="at most N (20)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_archive_option(parser)
    parser.set_defaults(func=Runner("runs"))
