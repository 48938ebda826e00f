"""Start requests of a shared crawl come from one worker only (the first to claim them).

If that worker dies before it has queued them all, another one takes over: the waiting workers
watch the seed lock's holder, and once its heartbeat has expired without the crawl being marked
seeded, the first to notice queues the start requests itself (the shared dupe filter drops any
the dead worker had queued already).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task

from dodnews.crawl.distributed.coordinator import Coordinator

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

SEED_POLL_INTERVAL = 0.5  # seconds between looks at the seed lock while another worker seeds


async def _sleep(seconds: float) -> None:
    """Wait without blocking the reactor (whichever one Scrapy runs)."""
    # Imported here: at import time the reactor would be Twisted's default, installed before
    # Scrapy installs the asyncio one.
    from twisted.internet import reactor

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class SeedOnce:
    """Spider middleware: the worker that wins `SET seed NX` yields the spider's start requests."""

    def __init__(self, crawler: Crawler) -> None:
        self.coordinator = Coordinator.from_crawler(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnce:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        if not self.coordinator.claim_seeding():
            logger.info("Start requests are queued by another worker")
            if not await self._wait_for_seeding():
                return
            logger.warning(
                "The worker queuing the start requests stopped before it finished: "
                "this worker queues them"
            )
        count = 0
        async for item_or_request in start:
            count += 1
            yield item_or_request
        # Every request yielded above is in the shared queue by now (the engine queues each
        # one before asking for the next).
        self.coordinator.mark_seeded()
        logger.info("Queued %d start request(s) for the shared crawl", count)

    async def _wait_for_seeding(self) -> bool:
        """False once the crawl is seeded; True when this worker took the seed lock over.

        Meanwhile the engine keeps taking requests from the shared queue (start requests not
        exhausted only keep this worker from looking idle).
        """
        while True:
            if self.coordinator.is_seeded():
                return False
            if self.coordinator.take_over_seeding():
                return True
            await _sleep(SEED_POLL_INTERVAL)
