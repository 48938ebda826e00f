"""A worker's heartbeat from its own thread: a busy reactor does not make it look dead."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterator

import pytest
import redis
from scrapy import Request

from dodnews.crawl.distributed import serializer
from dodnews.crawl.distributed.coordinator import Coordinator
from dodnews.crawl.distributed.heartbeat import Heartbeat
from dodnews.crawl.distributed.keys import CrawlKeys


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_beats_while_the_reactor_ticks_and_stops_when_it_stalls(caplog) -> None:
    clock, pulses = Clock(), []
    heartbeat = Heartbeat(lambda: pulses.append(clock.now), 1.0, stall_limit=60, clock=clock)
    clock.now = 59.0  # no tick for 59 s: a long stall, still alive
    assert heartbeat.beat_once() is True
    clock.now = 61.0
    with caplog.at_level(logging.WARNING):
        assert heartbeat.beat_once() is False
        assert heartbeat.beat_once() is False
    assert pulses == [59.0]
    assert len([r for r in caplog.records if "no more heartbeats" in r.message]) == 1
    heartbeat.tick()  # the reactor runs again
    assert heartbeat.beat_once() is True and pulses == [59.0, 61.0]


def test_a_failed_pulse_is_logged_and_the_beating_goes_on(caplog) -> None:
    calls = []

    def pulse() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise redis.ConnectionError("Redis went away")

    heartbeat = Heartbeat(pulse, 1.0)
    with caplog.at_level(logging.WARNING):
        assert heartbeat.beat_once() is False
    assert heartbeat.beat_once() is True
    assert "Redis went away" in caplog.text


def test_the_thread_beats_while_the_main_thread_is_blocked_and_stops_for_good() -> None:
    pulses: list[float] = []
    heartbeat = Heartbeat(lambda: pulses.append(time.monotonic()), 0.02)
    heartbeat.start()
    time.sleep(0.3)  # the "reactor" blocked: no tick, no chance to run anything
    heartbeat.stop()
    count = len(pulses)
    assert count >= 5
    time.sleep(0.1)
    assert len(pulses) == count
    assert not any(t.name == "dodnews-heartbeat" and t.is_alive() for t in threading.enumerate())


@pytest.fixture
def server(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def test_a_worker_busy_past_its_ttl_keeps_its_requests(server) -> None:
    """The cause of duplicate captures under load: a worker whose reactor was busy longer than
    the heartbeat TTL had its in-flight requests re-queued while it was still fetching them."""
    keys = CrawlKeys.for_crawl("news", f"test-{secrets.token_hex(4)}")
    try:
        busy = Coordinator(server, keys, worker="busy", heartbeat_ttl=0.3)
        other = Coordinator(server, keys, worker="other", heartbeat_ttl=5)
        other.beat()
        request = Request("http://127.0.0.1:1/News/Article/Article/4300001/")
        server.zadd(keys.queue, {serializer.dumps(request.to_dict()): 0})
        busy.beat()
        assert busy.claim() is not None
        heartbeat = Heartbeat(busy.pulse, 0.1)
        heartbeat.start()
        time.sleep(1.0)  # the busy worker's reactor runs nothing for three TTLs
        assert other.reap() == 0 and busy.inflight_count() == 1
        heartbeat.stop()
        time.sleep(0.4)  # now it is gone (as after kill -9): its request goes back
        assert other.reap() == 1 and server.zcard(keys.queue) == 1
    finally:
        leftovers = list(server.scan_iter(match=f"{keys.prefix}*"))
        if leftovers:
            server.delete(*leftovers)
