"""Queuing into a shared crawl: the fingerprint is recorded and the request queued in one step."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
import redis

from dodnews.crawl.distributed.coordinator import Coordinator
from dodnews.crawl.distributed.keys import CrawlKeys


@pytest.fixture
def coordinator(redis_url: str) -> Iterator[Coordinator]:
    client = redis.Redis.from_url(redis_url)
    keys = CrawlKeys.for_crawl("news", f"test-{secrets.token_hex(4)}")
    yield Coordinator(client, keys, worker="w")
    leftovers = list(client.scan_iter(match=f"{keys.prefix}*"))
    if leftovers:
        client.delete(*leftovers)
    client.close()


def test_a_request_is_seen_only_if_it_is_queued(coordinator: Coordinator) -> None:
    server, keys = coordinator.server, coordinator.keys
    assert coordinator.enqueue("fp-1", -10, '{"url":"a"}') is True
    assert server.sismember(keys.dupefilter, "fp-1")
    assert server.zrange(keys.queue, 0, -1, withscores=True) == [(b'{"url":"a"}', -10.0)]
    assert coordinator.enqueue("fp-1", 0, '{"url":"a2"}') is False  # seen: not queued again
    assert server.zcard(keys.queue) == 1
    # a request that skips the dupe filter (dont_filter) is queued and leaves no fingerprint
    assert coordinator.enqueue(None, 0, '{"url":"b"}') is True
    assert server.scard(keys.dupefilter) == 1 and server.zcard(keys.queue) == 2
    _token, data = coordinator.claim()
    assert data == b'{"url":"a"}'  # the lowest score (highest priority) first
