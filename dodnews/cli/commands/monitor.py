"""`dodnews monitor`: re-capture and discover on a schedule, with alerts."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._options import add_archive_option, add_diffs_dir_option


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "monitor",
        help="run recheck and news crawls on a schedule, with alerts",
        description="Runs `scrapy crawl recheck` then `scrapy crawl news` now and then on the "
        "schedule, never two at once, and sends the configured alerts after each crawl. "
        "Stops cleanly on SIGTERM or Ctrl-C.",
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--every", help="interval such as 30m, 1h, 6h, 1d (default 1h)")
    when.add_argument("--cron", help='crontab expression, e.g. "0 */6 * * *"')
    parser.add_argument(
        "--once", action="store_true", help="run one cycle and exit (for cron or a systemd timer)"
    )
    add_archive_option(parser)
    add_diffs_dir_option(parser)
    parser.add_argument("--base-url", help="crawl this copy of the site (e.g. the replica)")
    parser.add_argument(
        "--site",
        help="site profile to watch: war (default), af, navy... (or set DODNEWS_SITE)",
    )
    parser.add_argument(
        "--max-pages", default="2", help="listing pages per section for the news crawl (default 2)"
    )
    parser.add_argument(
        "--spiders",
        default="recheck,news",
        help="crawls to run each cycle, in order (default recheck,news)",
    )
    parser.add_argument(
        "--budget",
        type=int,
        metavar="N",
        help="requests per recheck run (default: what the interval allows at the politeness "
        "settings, DOWNLOAD_DELAY and DODNEWS_RECHECK_SHARE; with --once, --every or --cron "
        "gives the interval; docs/scheduling.md)",
    )
    parser.add_argument("--webhook", help="POST a JSON summary here after each crawl")
    parser.add_argument("--smtp", help="SMTP server HOST[:PORT] for email alerts")
    parser.add_argument("--mail-to", help="comma-separated recipients of email alerts")
    parser.add_argument("--report-url", help="public URL of diffs/index.html, linked in alerts")
    parser.add_argument("--data-dir", default="data", help="where the lock and logs live")
    parser.set_defaults(func=Runner("monitor"))
