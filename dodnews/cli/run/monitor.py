"""`dodnews monitor`: re-capture and discover on a schedule, with alerts."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from dodnews import settings
from dodnews.cli.support import reports_dir
from dodnews.crawl.spiders.options import parse_base_url
from dodnews.errors import UserError
from dodnews.monitor.alerts import AlertConfig
from dodnews.monitor.cycles import (
    Monitor,
    MonitorConfig,
    build_trigger,
    cycle_seconds,
    recheck_budget,
)
from dodnews.setting_checks import check_settings
from dodnews.site.profiles import choose_site
from dodnews.words import count


def run(args: argparse.Namespace) -> int:
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
