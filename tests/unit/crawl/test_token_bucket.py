"""The shared politeness limit's token bucket, against a real Redis on 127.0.0.1:6379."""

from __future__ import annotations

import asyncio
import itertools
import secrets
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
import pytest_twisted
import redis
from scrapy import Request
from scrapy.settings import Settings
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from dodnews.crawl.distributed.bucket import TokenBucket
from dodnews.crawl.distributed.politeness import SharedRateLimit, host_of
from dodnews.errors import UserError
from dodnews.setting_checks import check_settings


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    name = f"dodnews:test-rate-{secrets.token_hex(4)}:"
    yield name
    client = redis.Redis.from_url(redis_url)
    leftovers = list(client.scan_iter(match=f"{name}*"))
    if leftovers:
        client.delete(*leftovers)
    client.close()


@pytest.fixture
def clients(redis_url: str) -> Iterator[list[redis.Redis]]:
    made = [redis.Redis.from_url(redis_url) for _ in range(3)]
    yield made
    for client in made:
        client.close()


def test_requests_past_the_burst_reserve_the_next_turns(clients, prefix) -> None:
    bucket = TokenBucket(clients[0], rate=10, burst=1, prefix=prefix)
    waits = [bucket.take("www.war.gov") for _ in range(5)]
    assert waits[0] == 0
    # each request waits one interval (0.1 s) longer than the one before it
    for before, after in itertools.pairwise(waits):
        assert after - before == pytest.approx(0.1, abs=0.02)
    assert bucket.take("www.defense.gov") == 0  # another host, another bucket


def test_a_quiet_bucket_refills_up_to_its_burst_and_no_further(clients, prefix) -> None:
    bucket = TokenBucket(clients[0], rate=20, burst=3, prefix=prefix)
    assert [bucket.take("h") for _ in range(3)] == [0, 0, 0]
    assert bucket.take("h") == pytest.approx(0.05, abs=0.02)
    time.sleep(1.0)  # 20 tokens' worth of time: the bucket holds 3 again, not more
    assert [bucket.take("h") for _ in range(3)] == [0, 0, 0]
    assert bucket.take("h") > 0.02


def test_clients_on_other_connections_share_one_bucket(clients, prefix) -> None:
    buckets = [TokenBucket(c, rate=10, burst=1, prefix=prefix) for c in clients]
    waits = [buckets[i % 3].take("h") for i in range(6)]
    assert waits[0] == 0
    assert waits[-1] == pytest.approx(0.5, abs=0.05)  # the sixth turn, whoever asked


def test_workers_that_honour_their_waits_stay_within_the_rate(clients, prefix) -> None:
    rate, per_worker = 20.0, 12
    sent: list[float] = []
    lock = threading.Lock()

    def worker(client: redis.Redis) -> None:
        bucket = TokenBucket(client, rate=rate, burst=1, prefix=prefix)
        for _ in range(per_worker):
            time.sleep(bucket.take("127.0.0.1:8080"))
            with lock:
                sent.append(time.monotonic())

    threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    sent.sort()
    assert len(sent) == 3 * per_worker
    # 36 requests at 20 a second take at least 35 intervals (1.75 s)...
    assert sent[-1] - sent[0] >= (len(sent) - 1) / rate * 0.95
    # ...and no second holds more than the rate, plus one for a late sleeper's catch-up
    most = max(sum(1 for t in sent if start <= t < start + 1.0) for start in sent)
    assert most <= rate + 1


def test_the_state_expires_once_the_bucket_would_be_full(clients, prefix) -> None:
    bucket = TokenBucket(clients[0], rate=100, burst=2, prefix=prefix)
    for _ in range(4):
        bucket.take("h")
    ttl = clients[0].pttl(bucket.key("h"))
    assert 0 < ttl <= 1000 + 40  # 4 tokens short of full at 100/s: 40 ms, plus a second


def test_rates_and_bursts_are_checked(clients, prefix) -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(clients[0], rate=0, prefix=prefix)
    with pytest.raises(ValueError, match="at least one token"):
        TokenBucket(clients[0], rate=1, burst=0, prefix=prefix)


def test_requests_draw_from_their_host_and_port() -> None:
    assert host_of(Request("https://WWW.War.gov/News/")) == "www.war.gov"
    assert host_of(Request("http://127.0.0.1:8123/News/?Page=2")) == "127.0.0.1:8123"


class ScriptedBucket:
    """Waits handed out in order (the middleware's side of the bucket)."""

    rate = 10.0

    def __init__(self, *waits: float) -> None:
        self.waits = list(waits)
        self.hosts: list[str] = []

    def take(self, host: str) -> float:
        self.hosts.append(host)
        return self.waits.pop(0)


async def run_middleware(bucket: ScriptedBucket, clock_readings: list[float]) -> StatsCollector:
    crawler = get_crawler()
    stats = crawler.stats
    readings = iter(clock_readings)
    middleware = SharedRateLimit(bucket, stats, clock=lambda: next(readings))
    request = Request("http://127.0.0.1:8123/News/Article/Article/4300001/")
    assert await middleware.process_request(request) is None
    return stats


def on_the_loop(coro: Coroutine[Any, Any, Any]) -> Deferred[Any]:
    """A coroutine run on the asyncio loop, as Scrapy runs middlewares (--reactor=asyncio)."""
    return Deferred.fromFuture(asyncio.ensure_future(coro))


@pytest_twisted.ensureDeferred
async def test_a_request_waits_for_its_turn_and_goes() -> None:
    bucket = ScriptedBucket(0.01)
    stats = await on_the_loop(run_middleware(bucket, [100.0, 100.01]))
    assert bucket.hosts == ["127.0.0.1:8123"]
    assert stats.get_value("dodnews/politeness/waited") == 1
    assert stats.get_value("dodnews/politeness/late") is None


@pytest_twisted.ensureDeferred
async def test_a_request_woken_too_late_takes_a_new_turn() -> None:
    # Woken 0.5 s after its turn (its worker was busy), longer than a turn (0.1 s): the stale
    # turn would go together with later ones, so it asks again, and the new one is free.
    bucket = ScriptedBucket(0.01, 0.0)
    stats = await on_the_loop(run_middleware(bucket, [100.0, 100.51]))
    assert len(bucket.hosts) == 2
    assert stats.get_value("dodnews/politeness/late") == 1


def test_the_limit_settings_are_checked() -> None:
    check_settings(Settings({"DODNEWS_RATE_LIMIT": "2.5", "DODNEWS_RATE_BURST": "3"}).get)
    check_settings(Settings({"DODNEWS_RATE_LIMIT": 0}).get)  # no shared limit
    for value in ("fast", "-1", "nan", "inf"):
        with pytest.raises(UserError, match="DODNEWS_RATE_LIMIT: expected a number from 0"):
            check_settings(Settings({"DODNEWS_RATE_LIMIT": value}).get)
    for value in ("0", "two", "1.5"):
        with pytest.raises(UserError, match="DODNEWS_RATE_BURST: expected a whole number of 1"):
            check_settings(Settings({"DODNEWS_RATE_BURST": value}).get)
