"""`dodnews due ID`: why the next recheck would or would not re-capture an article."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from dodnews.archive.schema import parse_utc
from dodnews.cli.support import add_archive_option, archive_for, require_article
from dodnews.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `due` subcommand."""
    from dodnews import settings

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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the explanation."""
    from dodnews.monitor.policy_inputs import policy_from_settings, read_schedule

    if args.budget is not None and args.budget < 0:
        raise UserError("--budget must be 0 or more")
    policy = policy_from_settings(
        {"DODNEWS_SCHEDULE_PRICE": args.price, "DODNEWS_SCHEDULE_MAX_DAYS": args.max_days}
    )
    if args.at:
        try:
            now = parse_utc(args.at)
        except ValueError:
            raise UserError(f"--at: expected an ISO 8601 time, got {args.at!r}") from None
    else:
        now = datetime.now(UTC)
    with archive_for(args) as archive:
        require_article(archive, args.article_id)
        schedule = read_schedule(archive, policy, now)
        title = archive.current_titles().get(args.article_id)
    record = schedule.records[args.article_id]
    print(f"article {args.article_id}: {title or '(no version)'}")
    print(
        f"published {record.published or '-'}; last captured {record.last_captured or 'never'}; "
        f"valued at {now:%Y-%m-%d %H:%M} UTC"
    )
    for line in schedule.explain(args.article_id, args.budget):
        print(line)
    return 0
