"""`dodnews due ID`: why the next recheck would or would not re-capture an article."""

from __future__ import annotations

import argparse

from dodnews import settings
from dodnews.cli.commands import Runner
from dodnews.cli.commands._options import add_archive_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `due` subcommand."""
    parser = subparsers.add_parser(
        "due",
        help="say why an article is or is not due for a re-capture",
        description="Value an archived article as `scrapy crawl recheck` would now (the "
        "budgeted policy, docs/scheduling.md): its estimated edit rate, the chance it changed "
        "since its last capture, its cohort, and whether a run with the given budget takes it.",
    )
    parser.add_argument("article_id", type=int, metavar="ID", help="numeric article id")
    parser.add_argument(
        "--budget",
        type=int,
        metavar="N",
        help="requests of the run to place it in (default: no limit)",
    )
    parser.add_argument(
        "--price",
        type=float,
        default=settings.DODNEWS_SCHEDULE_PRICE,
        help="edit-hours a request must be worth (DODNEWS_SCHEDULE_PRICE, "
        f"default {settings.DODNEWS_SCHEDULE_PRICE})",
    )
    parser.add_argument(
        "--max-days",
        type=float,
        default=settings.DODNEWS_SCHEDULE_MAX_DAYS,
        help="re-capture at least this often if the budget allows (DODNEWS_SCHEDULE_MAX_DAYS, "
        f"default {settings.DODNEWS_SCHEDULE_MAX_DAYS})",
    )
    parser.add_argument("--at", metavar="TIME", help="value it at this ISO 8601 time, not now")
    add_archive_option(parser)
    parser.set_defaults(func=Runner("due"))
