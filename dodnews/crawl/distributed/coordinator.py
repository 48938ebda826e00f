"""One worker's view of a shared crawl: heartbeat, in-flight requests, reaping, finish, cleanup.

Every request a worker takes from the shared queue is moved, in one Redis script, into that
worker's in-flight hash; it leaves the hash only when Scrapy is done with it (callback run, items
through the pipelines, follow-up requests queued). So at any instant all outstanding work is in
the queue or in some in-flight hash, and the crawl is over exactly when both are empty. A worker
whose heartbeat key expired (killed, or lost) has its in-flight requests put back on the queue by
whichever worker notices first.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import redis

from dodnews.crawl.distributed.keys import CrawlKeys, new_worker_id
from dodnews.errors import UserError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# KEYS: queue, inflight hash. ARGV: token. Pops the best-priority request and records it.
_CLAIM = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0)
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], r[1])
return r[1]
"""

# KEYS: dupe filter, queue. ARGV: fingerprint ('' for a request that skips the filter), score,
# request. Records the fingerprint and queues the request in one step: a worker killed between
# the two would leave the request "seen" and never queued, lost to every worker.
_ENQUEUE = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS: queue, workers, dead worker's inflight, dead worker's heartbeat. ARGV: dead worker id.
# Re-queues the dead worker's requests (if its heartbeat is still gone) and forgets it.
_REAP = """
if redis.call('EXISTS', KEYS[4]) == 1 then return -1 end
local items = redis.call('HVALS', KEYS[3])
for _, data in ipairs(items) do
  local ok, obj = pcall(cjson.decode, data)
  local score = 0
  if ok and type(obj) == 'table' and tonumber(obj['priority']) then
    score = -tonumber(obj['priority'])
  end
  redis.call('ZADD', KEYS[1], score, data)
end
redis.call('DEL', KEYS[3])
redis.call('SREM', KEYS[2], ARGV[1])
return #items
"""

# KEYS: queue, workers, seeded. ARGV: key prefix. 1 when seeded, queue empty, nothing in flight.
_IDLE = """
if redis.call('EXISTS', KEYS[3]) == 0 then return 0 end
if redis.call('ZCARD', KEYS[1]) > 0 then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. ':inflight:' .. w) > 0 then return 0 end
end
return 1
"""

# KEYS: seed, seeded. ARGV: this worker, heartbeat key prefix. Takes the seed lock over from a
# holder whose heartbeat expired before it marked the crawl seeded (it died while seeding).
_TAKE_SEED = """
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local holder = redis.call('GET', KEYS[1])
if holder and redis.call('EXISTS', ARGV[2] .. holder) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""

# KEYS: workers, then the crawl's fixed keys. ARGV: prefix, this worker.
# Removes this worker; the last live worker deletes every key of the crawl.
_LEAVE = """
local prefix = ARGV[1]
redis.call('SREM', KEYS[1], ARGV[2])
redis.call('DEL', prefix .. ':inflight:' .. ARGV[2], prefix .. ':hb:' .. ARGV[2])
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', prefix .. ':hb:' .. w) == 1 then return 0 end
end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  redis.call('DEL', prefix .. ':inflight:' .. w, prefix .. ':hb:' .. w)
end
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
return 1
"""


def connect(url: str) -> redis.Redis:
    """A Redis client for `url`, checked with PING; UserError when it is unreachable."""
    try:
        client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
    except ValueError as exc:
        raise UserError(f"DODNEWS_REDIS_URL {url!r} is not a Redis URL: {exc}") from exc
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        raise UserError(f"cannot reach Redis at {url}: {exc}") from exc
    return client


class Coordinator:
    """Shared-crawl bookkeeping for one worker process (one per crawler)."""

    def __init__(
        self,
        server: redis.Redis,
        keys: CrawlKeys,
        *,
        worker: str | None = None,
        heartbeat_ttl: float = 10.0,
        grace: float = 2.0,
    ) -> None:
        self.server = server
        self.keys = keys
        self.worker = worker or new_worker_id()
        self.ttl_ms = max(1, int(heartbeat_ttl * 1000))
        self.grace = grace
        self._claim = server.register_script(_CLAIM)
        self._enqueue = server.register_script(_ENQUEUE)
        self._reap = server.register_script(_REAP)
        self._idle = server.register_script(_IDLE)
        self._leave = server.register_script(_LEAVE)
        self._take_seed = server.register_script(_TAKE_SEED)
        self._counter = 0
        self._quiet_since: float | None = None
        self.reaped = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Coordinator:
        """The crawler's coordinator, made on first use from DODNEWS_* settings."""
        existing = getattr(crawler, "_dodnews_coordinator", None)
        if existing is not None:
            return existing
        settings = crawler.settings
        keys = CrawlKeys.for_crawl(
            crawler.spidercls.name, settings.get("DODNEWS_CRAWL_ID") or "default"
        )
        coordinator = cls(
            connect(settings.get("DODNEWS_REDIS_URL")),
            keys,
            worker=settings.get("DODNEWS_WORKER_ID") or None,
            heartbeat_ttl=settings.getfloat("DODNEWS_REDIS_HEARTBEAT_TTL", 10.0),
            grace=settings.getfloat("DODNEWS_REDIS_IDLE_GRACE", 2.0),
        )
        crawler._dodnews_coordinator = coordinator  # type: ignore[attr-defined]
        return coordinator

    # -- membership --------------------------------------------------------------------------

    def pulse(self) -> None:
        """Say this worker is alive (and a member); safe to call from another thread."""
        pipe = self.server.pipeline()
        pipe.set(self.keys.heartbeat(self.worker), b"1", px=self.ttl_ms)
        pipe.sadd(self.keys.workers, self.worker)
        pipe.execute()

    def beat(self) -> None:
        """Say this worker is alive (and a member), then re-queue the work of dead ones."""
        self.pulse()
        self.reap()

    def reap(self) -> int:
        """Put the in-flight requests of workers without a heartbeat back on the queue."""
        requeued = 0
        for raw in self.server.smembers(self.keys.workers):
            other = raw.decode()
            if other == self.worker:
                continue
            count = self._reap(
                keys=[
                    self.keys.queue,
                    self.keys.workers,
                    self.keys.inflight(other),
                    self.keys.heartbeat(other),
                ],
                args=[other],
            )
            if count >= 0:
                logger.warning(
                    "Worker %s stopped beating: %d in-flight request(s) put back on the queue",
                    other,
                    count,
                )
                requeued += count
        self.reaped += requeued
        return requeued

    def leave(self) -> bool:
        """Leave the crawl; True when this was the last live worker and the keys were deleted."""
        last = bool(
            self._leave(
                keys=[self.keys.workers, *self.keys.all_fixed], args=[self.keys.prefix, self.worker]
            )
        )
        if last:
            logger.info("Last worker of %s: its Redis keys were deleted", self.keys.prefix)
        return last

    # -- requests ----------------------------------------------------------------------------

    def enqueue(self, fingerprint: str | None, score: float, data: str) -> bool:
        """Queue a request unless its fingerprint was seen (None: no check); False if it was."""
        return bool(
            self._enqueue(
                keys=[self.keys.dupefilter, self.keys.queue], args=[fingerprint or "", score, data]
            )
        )

    def claim(self) -> tuple[str, bytes] | None:
        """Pop the next request and record it as this worker's: (token, encoded request)."""
        self._counter += 1
        token = f"{self._counter}"
        data = self._claim(keys=[self.keys.queue, self.keys.inflight(self.worker)], args=[token])
        if not data:
            return None
        return token, data

    def finished(self, token: str) -> None:
        """Scrapy is done with the request behind `token`."""
        self.server.hdel(self.keys.inflight(self.worker), token)

    def inflight_count(self) -> int:
        return int(self.server.hlen(self.keys.inflight(self.worker)))

    # -- start requests ----------------------------------------------------------------------

    def claim_seeding(self) -> bool:
        """True for exactly one worker of the crawl: it queues the start requests.

        The seed lock names its holder; while the holder's heartbeat lives, nobody else seeds.
        """
        self.beat()  # a live heartbeat first, so no other worker takes the lock over from us
        return bool(self.server.set(self.keys.seed, self.worker.encode(), nx=True))

    def is_seeded(self) -> bool:
        return bool(self.server.exists(self.keys.seeded))

    def take_over_seeding(self) -> bool:
        """True when the seed lock's holder died before it finished: this worker seeds now.

        False while the crawl is seeded or the holder's heartbeat lives (one atomic look).
        """
        heartbeat_prefix = self.keys.heartbeat("")
        return bool(
            self._take_seed(
                keys=[self.keys.seed, self.keys.seeded], args=[self.worker, heartbeat_prefix]
            )
        )

    def mark_seeded(self) -> None:
        self.server.set(self.keys.seeded, self.worker.encode())

    # -- finishing ---------------------------------------------------------------------------

    def all_idle(self) -> bool:
        """Seeded, nothing queued, nothing in flight anywhere (one atomic look)."""
        return bool(
            self._idle(
                keys=[self.keys.queue, self.keys.workers, self.keys.seeded], args=[self.keys.prefix]
            )
        )

    def may_stop(self, now: float | None = None) -> bool:
        """True once the whole crawl has been idle for the grace period (or another said so)."""
        if self.server.exists(self.keys.done):
            return True
        now = time.monotonic() if now is None else now
        self.reap()
        if not self.all_idle():
            self._quiet_since = None
            return False
        if self._quiet_since is None:
            self._quiet_since = now
        if now - self._quiet_since < self.grace:
            return False
        self.server.set(self.keys.done, self.worker.encode())
        return True

    def describe(self) -> dict[str, Any]:
        return {"worker": self.worker, "prefix": self.keys.prefix}
