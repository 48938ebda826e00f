"""Workers of one site share its politeness budget: at most DODNEWS_RATE_LIMIT requests a second
per host, all workers on the same Redis together (installed by `DistributedAddon`).

Each worker's own DOWNLOAD_DELAY and AutoThrottle still apply on top; they can only slow it down.
Requests answered from Scrapy's HTTP cache never reach this middleware and cost no token.

A request sleeps until its turn. One that wakes more than a turn's length late (its worker was
busy: a process pool starting, a slow archive write) takes a new turn instead of going with the
stale one, or the requests of a stalled worker would all go at once when it wakes. So a request
goes within one turn's length of its turn, and no second sees more than the rate plus the burst
plus one.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from dodnews.crawl.distributed.bucket import TokenBucket
from dodnews.crawl.distributed.coordinator import Coordinator

if TYPE_CHECKING:
    from collections.abc import Callable

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)


def host_of(request: Request) -> str:
    """The bucket a request draws from: its host, and port when the URL names one."""
    parts = urlparse_cached(request)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


class SharedRateLimit:
    """Downloader middleware: wait for the host's token in Redis before each download."""

    def __init__(
        self,
        bucket: TokenBucket,
        stats: StatsCollector | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bucket = bucket
        self.stats = stats
        self.clock = clock
        self.slack = 1.0 / bucket.rate  # how late a turn may still be used

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedRateLimit:
        settings = crawler.settings
        url = settings.get("DODNEWS_REDIS_URL")
        # both checked before the crawl starts (dodnews.setting_checks)
        rate = settings.getfloat("DODNEWS_RATE_LIMIT", 0.0)
        burst = settings.getint("DODNEWS_RATE_BURST", 1)
        if not url or rate <= 0:
            raise NotConfigured
        logger.info(
            "Shared politeness limit: %g requests/s per host (burst %d) for all workers on %s",
            rate,
            burst,
            url,
        )
        server = Coordinator.from_crawler(crawler).server
        return cls(TokenBucket(server, rate, burst), crawler.stats)

    async def process_request(self, request: Request) -> None:
        host = host_of(request)
        while True:
            wait = self.bucket.take(host)
            if wait <= 0:
                return
            turn = self.clock() + wait
            self._count("dodnews/politeness/waited", 1)
            self._count("dodnews/politeness/wait_ms", round(wait * 1000))
            await sleep(wait)
            if self.clock() - turn <= self.slack:
                return
            self._count("dodnews/politeness/late", 1)

    def _count(self, name: str, value: int) -> None:
        if self.stats is not None:
            self.stats.inc_value(name, value)
