"""`dodnews due ID`: why the next recheck would or would not re-capture an article."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from dodnews.cli.support import archive_for, require_article
from dodnews.errors import UserError
from dodnews.monitor.policy_inputs import policy_from_settings, read_schedule
from dodnews.utc import parse_utc


def run(args: argparse.Namespace) -> int:
    """Print the explanation."""
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
