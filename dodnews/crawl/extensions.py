"""Crawl-wide extensions: progress lines and the end-of-run summary; the heap kept for reuse."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from dodnews.crawl.heap import keep_freed_heap
from dodnews.monitor.runs import run_verdict, summary_line

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger("dodnews")


class CrawlProgress:
    """Progress lines (pages, captures, errors, rate) on long crawls, and a summary at the end."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.interval = crawler.settings.getfloat("DODNEWS_PROGRESS_INTERVAL", 30.0)
        self.max_failure_ratio = crawler.settings.getfloat("DODNEWS_MAX_FAILURE_RATIO", 0.5)
        self._loop: task.LoopingCall | None = None
        self._started = time.monotonic()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        return cls(crawler)

    def spider_opened(self) -> None:
        self._started = time.monotonic()
        if self.interval > 0:
            self._loop = task.LoopingCall(self.log_progress)
            self._loop.start(self.interval, now=False)

    def log_progress(self) -> None:
        stats = self.crawler.stats.get_stats()
        elapsed = max(time.monotonic() - self._started, 1e-6)
        pages = int(stats.get("response_received_count", 0))
        captures = int(stats.get("dodnews/captures/total", 0))
        failed = sum(int(stats.get(f"dodnews/captures/{k}", 0)) for k in ("blocked", "error"))
        logger.info(
            "Progress: %d pages, %d captures, %d failed, %.1f pages/s, %d queued",
            pages,
            captures,
            failed,
            pages / elapsed,
            # from the stats: the engine's scheduler is private in recent Scrapy versions
            int(stats.get("scheduler/enqueued", 0)) - int(stats.get("scheduler/dequeued", 0)),
        )

    def spider_closed(self, reason: str) -> None:
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        stats = self.crawler.stats.get_stats()
        stats.setdefault("finish_reason", reason)
        logger.info("Summary: %s", summary_line(stats))
        # set by the archive pipeline, which closes first (dodnews.monitor.coverage)
        coverage_warning = stats.get("dodnews/coverage_warning")
        if coverage_warning:
            logger.warning("Extraction health: %s", coverage_warning)
        elif stats.get("dodnews/coverage_check"):
            logger.info("Extraction health: %s", stats["dodnews/coverage_check"])
        verdict = run_verdict(stats, self.max_failure_ratio)
        if verdict:
            self.crawler.stats.set_value("dodnews/failed", verdict)
            logger.error("Run FAILED: %s", verdict)


class KeepFreedHeap:
    """Keeps DODNEWS_HEAP_KEEP_MB (default 64; 0: off) of freed memory in the crawl's heap for
    reuse instead of handing it back to the OS page by page (dodnews.crawl.heap).

    Applied as the crawl is set up; extraction workers apply the same setting themselves.
    """

    def __init__(self, mb: int) -> None:
        self.mb = mb
        self.applied = False  # True once glibc took the setting (never elsewhere than glibc)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KeepFreedHeap:
        mb = crawler.settings.getint("DODNEWS_HEAP_KEEP_MB", 64)
        if mb <= 0:
            raise NotConfigured
        extension = cls(mb)
        extension.apply()
        return extension

    def apply(self) -> bool:
        """Raise glibc's trim threshold and top pad; True when glibc accepted them."""
        self.applied = keep_freed_heap(self.mb)
        return self.applied
