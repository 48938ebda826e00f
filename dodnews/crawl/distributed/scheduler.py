"""scrapy-redis's Scheduler and RFPDupeFilter, fixed for shared crawls on Scrapy 2.19.

- the dupe filter uses the crawler's request fingerprinter (our ArticleIdFingerprinter), not
  scrapy-redis's own URL hash, so every URL variant of one article is one request everywhere;
- the queue persists (a closing worker never flushes what the others still need), requests are
  JSON, a request is marked seen and queued in one Redis script, and a popped request is
  recorded as in flight in the same script that pops it;
- no deprecated calls (`Spider.log`, `stats.inc_value(spider=)`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from dodnews.crawl.distributed import serializer
from dodnews.crawl.distributed.coordinator import Coordinator

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

INFLIGHT_META = "dodnews_inflight"


class SharedDupeFilter(RFPDupeFilter):
    """The crawl's fingerprint set in Redis, keyed by the crawler's request fingerprinter."""

    def __init__(self, server: Any, key: str, fingerprinter: Any, debug: bool = False) -> None:
        super().__init__(server, key, debug=debug)
        self.fingerprinter = fingerprinter

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Keep the fingerprints: other workers still use them (the last worker deletes them)."""


class SharedScheduler(Scheduler):
    """Shared priority queue + dupe filter in Redis; taken requests are tracked as in flight."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        coordinator = Coordinator.from_crawler(crawler)
        dupefilter = SharedDupeFilter(
            coordinator.server,
            coordinator.keys.dupefilter,
            crawler.request_fingerprinter,
            debug=crawler.settings.getbool("DUPEFILTER_DEBUG"),
        )
        scheduler = cls(
            server=coordinator.server,
            persist=True,
            queue_key=coordinator.keys.queue,
            dupefilter=dupefilter,
            serializer=serializer,
        )
        scheduler.stats = crawler.stats
        scheduler.coordinator = coordinator
        return scheduler

    coordinator: Coordinator

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = _Queue(self.server, spider, self.queue_key, serializer)
        waiting = len(self.queue)
        if waiting:
            logger.info("Joining a shared crawl with %d request(s) queued", waiting)

    def close(self, reason: str) -> None:
        """Nothing is flushed here: the coordinator's last worker deletes the crawl's keys."""

    def enqueue_request(self, request: Request) -> bool:
        request.meta.pop(INFLIGHT_META, None)
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.coordinator.enqueue(fingerprint, -request.priority, self.queue.encode(request)):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        claimed = self.coordinator.claim()
        if claimed is None:
            return None
        token, data = claimed
        request = self.queue.decode(data)
        request.meta[INFLIGHT_META] = token
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class _Queue:
    """scrapy-redis's PriorityQueue layout (sorted set, score = -priority) with JSON entries."""

    def __init__(self, server: Any, spider: Spider, key: str, codec: Any) -> None:
        self.server = server
        self.spider = spider
        self.key = key
        self.codec = codec

    def __len__(self) -> int:
        return int(self.server.zcard(self.key))

    def encode(self, request: Request) -> str:
        return self.codec.dumps(request.to_dict(spider=self.spider))

    def decode(self, data: bytes) -> Request:
        return request_from_dict(self.codec.loads(data), spider=self.spider)

    def clear(self) -> None:
        self.server.delete(self.key)
