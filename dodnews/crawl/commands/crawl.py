"""`scrapy crawl` as Scrapy has it, plus: bad -a arguments, a bad DODNEWS_SITE or an unreachable
Redis are one line and exit 2 before anything starts, and a run whose fetches mostly failed (bot
wall, errors) exits 1 and says why, and a fall in extraction coverage is a warning on stderr."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError
from scrapy.spiderloader import get_spider_loader

from dodnews.crawl.distributed.keys import CrawlKeys
from dodnews.crawl.jobdir import check_job_dir
from dodnews.errors import UserError
from dodnews.setting_checks import check_settings
from dodnews.site.profiles import load_configured

if TYPE_CHECKING:
    import argparse

    from scrapy.settings import BaseSettings


def preflight(spidercls: Any, spargs: dict[str, Any], settings: BaseSettings) -> None:
    """Every check that can fail on user input, before a crawler (or its log) exists.

    The typed DODNEWS_* settings come first (a bad number is one line, not a traceback from the
    component that reads it). DODNEWS_SITE is checked next, whatever the spider (a spider checks
    `-a site=` with its other arguments, and `-a sections=` against the chosen site's sections).
    Then the DODNEWS_COVERAGE_* settings, JOBDIR (not another crawl's), the report page sizes, the
    spider's own `-a` checks, then the shared crawl's Redis (reachable, crawl id well-formed).
    """
    # Imported here: `scrapy` loads this module for every command it runs, and the pipelines
    # bring the archive (SQLAlchemy), 0.45 s.
    from dodnews.crawl.pipelines import coverage_rule

    check_settings(settings.get)  # -s DODNEWS_MAX_FAILURE_RATIO=x, DODNEWS_WRITE_REPORTS=maybe
    load_configured(settings)  # a bad DODNEWS_SITE, whatever the spider
    coverage_rule(settings)  # a bad DODNEWS_COVERAGE_* value
    check_job_dir(settings)  # a JOBDIR another crawl is running in
    if settings.getbool("DODNEWS_WRITE_REPORTS"):
        from dodnews.reports.reporting import report_layout  # 0.3 s: Jinja2 and the archive

        report_layout(settings.get("DODNEWS_INDEX_PAGE_SIZE"), settings.get("DODNEWS_FEED_ENTRIES"))
    check = getattr(spidercls, "check_arguments", None)
    if check is not None:
        check(spargs, settings)
    redis_url = settings.get("DODNEWS_REDIS_URL")
    if redis_url:
        from dodnews.crawl.distributed.coordinator import connect  # 0.08 s: redis

        CrawlKeys.for_crawl(spidercls.name, settings.get("DODNEWS_CRAWL_ID") or "default")
        connect(redis_url).close()


def _fail(exc: UserError) -> None:
    message = " ".join(str(exc).split())  # one line, whatever the exception text holds
    print(f"scrapy crawl: error: {message}", file=sys.stderr)


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check everything before Scrapy starts (and logs), so a bad value is the only line."""
        super().process_options(args, opts)
        if len(args) != 1 or self.settings is None:
            return
        try:
            spidercls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            print(f"scrapy crawl: error: no spider named {args[0]!r}", file=sys.stderr)
            raise SystemExit(2) from None
        try:
            preflight(spidercls, opts.spargs, self.settings)
        except UserError as exc:
            _fail(exc)
            raise SystemExit(2) from None

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError
        assert self.crawler_process
        try:
            spidercls = self.crawler_process.spider_loader.load(args[0])
        except KeyError:
            print(f"scrapy crawl: error: no spider named {args[0]!r}", file=sys.stderr)
            self.exitcode = 2
            return
        check = getattr(spidercls, "check_arguments", None)
        try:
            if check is not None:
                check(opts.spargs, self.settings)
        except UserError as exc:
            _fail(exc)
            self.exitcode = 2
            return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        warning = crawler.stats.get_value("dodnews/coverage_warning") if crawler.stats else None
        if warning:
            print(f"scrapy crawl: warning: {warning}", file=sys.stderr)
        failed = crawler.stats.get_value("dodnews/failed") if crawler.stats else None
        if failed:
            print(f"scrapy crawl: run failed: {failed}", file=sys.stderr)
            self.exitcode = 1
