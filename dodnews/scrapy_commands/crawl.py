"""`scrapy crawl` as Scrapy has it, plus: bad -a arguments are one line and exit 2, and a run
whose fetches mostly failed (bot wall, errors) exits 1 and says why."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

from dodnews.errors import UserError

if TYPE_CHECKING:
    import argparse


class Command(ScrapyCrawlCommand):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        """Check `-a` values before Scrapy starts (and logs), so a bad one is the only line."""
        super().process_options(args, opts)
        if len(args) != 1 or self.settings is None:
            return
        from scrapy.spiderloader import get_spider_loader

        try:
            spidercls = get_spider_loader(self.settings).load(args[0])
        except KeyError:
            print(f"scrapy crawl: error: no spider named {args[0]!r}", file=sys.stderr)
            raise SystemExit(2) from None
        check = getattr(spidercls, "check_arguments", None)
        try:
            if check is not None:
                check(opts.spargs)
        except UserError as exc:
            print(f"scrapy crawl: error: {exc}", file=sys.stderr)
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
                check(opts.spargs)
        except UserError as exc:
            print(f"scrapy crawl: error: {exc}", file=sys.stderr)
            self.exitcode = 2
            return
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
            return
        failed = crawler.stats.get_value("dodnews/failed") if crawler.stats else None
        if failed:
            print(f"scrapy crawl: run failed: {failed}", file=sys.stderr)
            self.exitcode = 1
