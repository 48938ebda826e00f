"""Workers of one site share its politeness budget: at most DODNEWS_RATE_LIMIT requests a second
per host, all workers on the same Redis together (installed by `DistributedAddon`).

Each worker's own DOWNLOAD_DELAY and AutoThrottle still apply on top; they can only slow it down.
Requests answered from Scrapy's HTTP cache never reach this middleware and cost no token.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import sleep
from scrapy.utils.httpobj import urlparse_cached

from dodnews.crawl.distributed.bucket import TokenBucket
from dodnews.crawl.distributed.coordinator import Coordinator

if TYPE_CHECKING:
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

    def __init__(self, bucket: TokenBucket, stats: StatsCollector | None = None) -> None:
        self.bucket = bucket
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedRateLimit:
        settings = crawler.settings
        url = settings.get("DODNEWS_REDIS_URL")
        rate = settings.getfloat("DODNEWS_RATE_LIMIT", 0.0)
        if not url or rate <= 0:
            raise NotConfigured
        burst = max(1, settings.getint("DODNEWS_RATE_BURST", 1))
        logger.info(
            "Shared politeness limit: %g requests/s per host (burst %d) for all workers on %s",
            rate,
            burst,
            url,
        )
        server = Coordinator.from_crawler(crawler).server
        return cls(TokenBucket(server, rate, burst), crawler.stats)

    async def process_request(self, request: Request) -> None:
        wait = self.bucket.take(host_of(request))
        if wait <= 0:
            return
        if self.stats is not None:
            self.stats.inc_value("dodnews/politeness/waited")
            self.stats.inc_value("dodnews/politeness/wait_ms", round(wait * 1000))
        await sleep(wait)
