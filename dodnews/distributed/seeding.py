"""Start requests of a shared crawl come from one worker only (the first to claim them)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from dodnews.distributed.coordinator import Coordinator

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class SeedOnce:
    """Spider middleware: the worker that wins `SET seed NX` yields the spider's start requests."""

    def __init__(self, crawler: Crawler) -> None:
        self.coordinator = Coordinator.from_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnce:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if not self.coordinator.claim_seeding():
            logger.info("Start requests already queued by another worker")
            return
        count = 0
        async for item_or_request in start:
            count += 1
            yield item_or_request
        # Every request yielded above is in the shared queue by now (the engine queues each
        # one before asking for the next).
        self.coordinator.mark_seeded()
        logger.info("Queued %d start request(s) for the shared crawl", count)
