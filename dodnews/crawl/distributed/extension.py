"""The worker side of a shared crawl: heartbeat, "done with a request", wait when idle, leave."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from dodnews.crawl import signals as dodnews_signals
from dodnews.crawl.distributed.coordinator import Coordinator
from dodnews.crawl.distributed.heartbeat import STALL_LIMIT, Heartbeat
from dodnews.crawl.distributed.scheduler import INFLIGHT_META

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.2  # seconds between looks at the shared queue while this worker has room
HEARTBEAT_INTERVAL = 1.0


class SharedCrawl:
    """Keeps one worker in step with the others (installed by `DistributedAddon`)."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.get("DODNEWS_REDIS_URL"):
            raise NotConfigured
        self.crawler = crawler
        self.coordinator = Coordinator.from_crawler(crawler)
        self._loops: list[Any] = []
        self.heartbeat = Heartbeat(
            self.coordinator.pulse,
            HEARTBEAT_INTERVAL,
            max(STALL_LIMIT, self.coordinator.ttl_ms / 1000),
        )
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.archive_opened, signal=dodnews_signals.archive_opened)
        crawler.signals.connect(self.captures_archived, signal=dodnews_signals.captures_archived)
        # With a batching archive pipeline, a handled request's capture may still sit in the
        # pipeline's buffer: its token stays in flight until the batch is written.
        self._batching = False
        self._parked: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawl:
        return cls(crawler)

    def engine_started(self) -> None:
        self.coordinator.beat()
        logger.info(
            "Worker %s joined shared crawl %s",
            self.coordinator.worker,
            self.coordinator.keys.prefix,
        )
        self._track_completion()
        self.heartbeat.start()
        watch = task.LoopingCall(self._watch)
        watch.start(HEARTBEAT_INTERVAL, now=False)
        poll = task.LoopingCall(self._poll)
        poll.start(POLL_INTERVAL, now=False)
        self._loops = [watch, poll]

    def _watch(self) -> None:
        """On the reactor: it still runs (for the heartbeat thread); re-queue dead workers' work."""
        self.heartbeat.tick()
        self.coordinator.reap()

    def _track_completion(self) -> None:
        # The engine calls `_remove_request` once a request is completely handled: downloaded,
        # callback run, items through the pipelines, follow-ups queued (or a redirect re-queued).
        # That is the moment it may leave this worker's in-flight hash. Scrapy has no public
        # signal for it (checked against Scrapy 2.19).
        engine = self.crawler.engine
        original = getattr(engine, "_remove_request", None)
        if original is None:
            raise RuntimeError("this Scrapy has no ExecutionEngine._remove_request; pin scrapy")

        def remove_request(result: Any, request: Request) -> Any:
            token = request.meta.get(INFLIGHT_META)
            try:
                return original(result, request=request)
            finally:
                if token is not None:
                    self._handled(token)

        engine._remove_request = remove_request  # type: ignore[method-assign]

    def _handled(self, token: str) -> None:
        if self._batching:
            self._parked.append(token)
        else:
            self.coordinator.finished(token)

    def archive_opened(self, batch_size: int) -> None:
        self._batching = batch_size > 1

    def captures_archived(self, count: int) -> None:
        # Flushes are synchronous: every parked request had its captures in the written batch.
        parked, self._parked = self._parked, []
        for token in parked:
            self.coordinator.finished(token)

    def _poll(self) -> None:
        # Scrapy only looks at an idle scheduler on its 5-second heartbeat; other workers fill
        # the shared queue at any time, so look more often (this also runs the idle check).
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def spider_idle(self) -> None:
        if not self.coordinator.may_stop():
            raise DontCloseSpider
        logger.info("Shared crawl %s is finished: stopping", self.coordinator.keys.prefix)

    def spider_closed(self, reason: str) -> None:
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self.heartbeat.stop()  # before leaving: a late beat would bring this worker back
        stats = self.crawler.stats
        stats.set_value("dodnews/crawl/distributed/worker", self.coordinator.worker)
        stats.set_value("dodnews/crawl/distributed/requeued", self.coordinator.reaped)
        self.coordinator.leave()
