"""`dodnews monitor`: re-capture and discover on a schedule, with alerts."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from dodnews.cli.support import add_archive_option, add_diffs_dir_option
from dodnews.monitor.alerts import AlertConfig
from dodnews.words import count


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dodnews import settings
    from dodnews.cli.support import reports_dir
    from dodnews.crawl.spiders.options import parse_base_url
    from dodnews.errors import UserError
    from dodnews.monitor.cycles import (
        Monitor,
        MonitorConfig,
        build_trigger,
        cycle_seconds,
        recheck_budget,
    )
    from dodnews.setting_checks import check_settings
    from dodnews.site.profiles import choose_site

    # The crawls read the same settings (and environment): a bad value fails here, once.
    check_settings(lambda name: getattr(settings, name, None))
    # The crawls inherit DODNEWS_SITE: a bad one, or one --site contradicts, fails here.
    profile = choose_site(args.site, option="--site ")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Checked with --once too: a wrong --every or --cron is a mistake even when nothing waits.
    trigger = build_trigger(args.every, args.cron)
    if args.once:
        trigger = None
    if args.budget is not None and args.budget < 0:
        raise UserError("--budget must be 0 or more")
    base_url = parse_base_url(args.base_url)
    if args.budget is not None:
        budget = args.budget
    elif args.once and not (args.every or args.cron):
        budget = None  # no interval to share out
    else:
        budget = recheck_budget(
            cycle_seconds(args.every or (None if args.cron else "1h"), args.cron), base_url
        )
    if budget is not None:
        logging.getLogger("dodnews.monitor.cycles").info(
            "Recheck budget: %s per run", count(budget, "request")
        )
    spiders = [s.strip() for s in args.spiders.split(",") if s.strip()]
    bad = [s for s in spiders if s not in ("recheck", "news")]
    if bad or not spiders:
        raise UserError(f"--spiders: expected recheck and/or news, got {args.spiders!r}")
    alerts = AlertConfig.from_env(dict(os.environ))
    if args.webhook:
        alerts.webhook_url = args.webhook
    if args.smtp:
        host, _, port = args.smtp.partition(":")
        alerts.smtp_host = host
        alerts.smtp_port = int(port) if port.isdigit() else 25
    if args.mail_to:
        alerts.mail_to = [a.strip() for a in args.mail_to.split(",") if a.strip()]
    if args.report_url:
        alerts.report_url = args.report_url
    data = Path(args.data_dir)
    config = MonitorConfig(
        archive=args.archive,
        diffs_dir=reports_dir(args),
        base_url=base_url,
        site=profile.name if profile is not None and args.site else None,
        spiders=spiders,
        news_args={"max_pages": args.max_pages},
        recheck_budget=budget,
        lock_path=data / "monitor.lock",
        log_dir=data / "logs",
        alerts=alerts,
    )
    return Monitor(config).serve(trigger, once=args.once)
