"""Shared crawls over Redis: the pieces against a real Redis, then 3 worker processes end to end.

Every test namespaces its Redis keys with a random crawl id and checks they are gone afterwards;
PostgreSQL databases are created and dropped per module (see conftest for the services rule).
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from scrapy import Request
from sqlalchemy import select

from dodnews.archive import Archive
from dodnews.archive.schema import changes
from dodnews.crawl.distributed import serializer
from dodnews.crawl.distributed.coordinator import Coordinator
from dodnews.crawl.distributed.keys import CrawlKeys
from dodnews.crawl.distributed.scheduler import SharedDupeFilter
from dodnews.crawl.fingerprint import ArticleIdFingerprinter
from dodnews.errors import UserError
from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.replica.content import build_timeline
from dodnews.replica.testing import ReplicaProcess
from tests.conftest import need_service, port_open
from tests.crawl.distributed_support import Workers, max_run, run_captures
from tests.pg_support import throwaway_database

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

REDIS = "redis://127.0.0.1:6379/0"


def _keys(server: redis.Redis, prefix: str) -> list[bytes]:
    return sorted(server.scan_iter(match=f"{prefix}*"))


@pytest.fixture
def server(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def crawl_keys(server: redis.Redis) -> Iterator[CrawlKeys]:
    keys = CrawlKeys.for_crawl("news", f"test-{secrets.token_hex(4)}")
    yield keys
    leftovers = _keys(server, keys.prefix)
    if leftovers:
        server.delete(*leftovers)


# -- pieces ------------------------------------------------------------------------------------


def test_requests_go_through_the_queue_as_json_and_back() -> None:
    request = Request(
        "http://127.0.0.1:1/News/Releases/Release/Article/4300001/slug/",
        method="POST",
        body=b"\x00\xffpayload",
        headers={"X-Test": "a", "Cookie": "k=v"},
        meta={"article_id": 4300001, "redirect_urls": ["http://x/"], "flags": (1, 2)},
        priority=-3,
    )
    data = serializer.dumps(request.to_dict())
    assert b"\x80" not in data.encode() and data.startswith("{")  # JSON, not a pickle
    restored = serializer.loads(data)
    assert restored["body"] == b"\x00\xffpayload"
    assert restored["headers"][b"X-Test"] == [b"a"]
    assert restored["meta"]["flags"] == [1, 2] and restored["priority"] == -3
    with pytest.raises(TypeError, match="JSON values only"):
        serializer.dumps({"meta": {"page": object()}})


def test_crawl_ids_are_checked() -> None:
    assert CrawlKeys.for_crawl("news", "run-1.a").queue == "dodnews:news:run-1.a:requests"
    with pytest.raises(UserError, match="DODNEWS_CRAWL_ID"):
        CrawlKeys.for_crawl("news", "a b")


def test_dupe_filter_uses_the_article_id_fingerprints(server, crawl_keys) -> None:
    dupes = SharedDupeFilter(server, crawl_keys.dupefilter, ArticleIdFingerprinter())
    first = Request(
        "https://www.war.gov/News/Releases/Release/Article/4300001/one/",
        meta={"dodnews_kind": "article", "article_id": 4300001},
    )
    other_url = Request(
        "http://www.defense.gov/Newsroom/Releases/Release/Article/4300001/",
        meta={"dodnews_kind": "article"},
    )
    listing = Request("https://www.war.gov/News/Releases/?Page=2")
    assert dupes.request_seen(first) is False
    assert dupes.request_seen(other_url) is True  # same id, other host/path/slug
    assert dupes.request_seen(listing) is False and dupes.request_seen(listing) is True
    dupes.close()  # keeps the shared fingerprints
    assert server.scard(crawl_keys.dupefilter) == 2


def _push(server: redis.Redis, keys: CrawlKeys, n: int) -> None:
    for i in range(n):
        request = Request(f"http://127.0.0.1:1/{i}", priority=i)
        server.zadd(keys.queue, {serializer.dumps(request.to_dict()): -i})


def test_claims_are_in_flight_until_finished_and_dead_workers_are_reaped(
    server, crawl_keys
) -> None:
    alive = Coordinator(server, crawl_keys, worker="alive", heartbeat_ttl=5, grace=0)
    doomed = Coordinator(server, crawl_keys, worker="doomed", heartbeat_ttl=0.2, grace=0)
    alive.beat()
    doomed.beat()
    _push(server, crawl_keys, 3)
    _token, data = doomed.claim()
    assert serializer.loads(data)["priority"] == 2  # highest priority first
    assert doomed.inflight_count() == 1 and server.zcard(crawl_keys.queue) == 2
    assert alive.reap() == 0  # its heartbeat is still fresh
    time.sleep(0.3)
    assert alive.reap() == 1
    assert server.zcard(crawl_keys.queue) == 3 and doomed.inflight_count() == 0
    assert server.smembers(crawl_keys.workers) == {b"alive"}

    alive.mark_seeded()
    while (claimed := alive.claim()) is not None:
        assert alive.all_idle() is False
        alive.finished(claimed[0])
    assert alive.all_idle() is True and alive.may_stop() is True
    assert server.exists(crawl_keys.done)
    assert alive.leave() is True
    assert _keys(server, crawl_keys.prefix) == []


def test_only_one_worker_seeds_and_the_last_live_one_cleans_up(server, crawl_keys) -> None:
    one = Coordinator(server, crawl_keys, worker="one", heartbeat_ttl=5, grace=10)
    two = Coordinator(server, crawl_keys, worker="two", heartbeat_ttl=5, grace=10)
    one.beat()
    two.beat()
    assert [one.claim_seeding(), two.claim_seeding()] == [True, False]
    assert two.all_idle() is False  # not seeded yet
    one.mark_seeded()
    assert two.all_idle() is True
    assert two.may_stop(now=100.0) is False  # idle, but not for the grace period yet
    assert two.may_stop(now=111.0) is True
    assert one.may_stop() is True  # another worker said so
    assert one.leave() is False and _keys(server, crawl_keys.prefix) != []
    assert two.leave() is True and _keys(server, crawl_keys.prefix) == []


def test_the_seed_lock_of_a_dead_seeder_is_taken_over_once(server, crawl_keys) -> None:
    ghost = Coordinator(server, crawl_keys, worker="ghost", heartbeat_ttl=0.3, grace=0)
    heir = Coordinator(server, crawl_keys, worker="heir", heartbeat_ttl=5, grace=0)
    other = Coordinator(server, crawl_keys, worker="other", heartbeat_ttl=5, grace=0)
    assert ghost.claim_seeding() is True
    assert heir.claim_seeding() is False and other.claim_seeding() is False
    assert heir.take_over_seeding() is False  # the holder is alive: wait for it
    time.sleep(0.4)  # the holder died before it marked the crawl seeded
    assert heir.take_over_seeding() is True
    assert other.take_over_seeding() is False  # the new holder beats
    assert server.get(crawl_keys.seed) == b"heir"
    heir.mark_seeded()
    assert other.is_seeded() and other.take_over_seeding() is False
    assert other.all_idle() is True  # the dead holder had nothing in flight
    assert heir.leave() is False and other.leave() is True
    assert _keys(server, crawl_keys.prefix) == []


# -- worker processes against the replica ------------------------------------------------------


def _crawl(root: Path, replica_url: str, archive: str, n: int) -> str:
    """Run `n` workers of one crawl to the end; returns the crawl id."""
    root.mkdir(parents=True, exist_ok=True)
    workers = Workers(root, replica_url, archive)
    workers.start(n, redis=n > 1)
    codes = workers.wait()
    for i, code in enumerate(codes):
        log = workers.log(i)
        assert code == 0, log[-3000:]
        assert "Warning" not in log, [ln for ln in log.splitlines() if "Warning" in ln][:5]
    return workers.crawl_id


def _change_kinds(archive_url: str) -> dict[int, list[str]]:
    with Archive.open(archive_url) as archive, archive.engine.connect() as conn:
        rows = conn.execute(select(changes.c.article_id, changes.c.kinds))
        found: dict[int, set[str]] = {}
        for article_id, kinds in rows:
            found.setdefault(article_id, set()).update(kinds)
    return {k: sorted(v) for k, v in found.items()}


@pytest.fixture(scope="module")
def services() -> dict[str, str]:
    need_service("PostgreSQL on 127.0.0.1:5432", port_open("127.0.0.1", 5432))
    need_service("Redis on 127.0.0.1:6379", port_open("127.0.0.1", 6379))
    return {"postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", "redis": REDIS}


@pytest.fixture(scope="module")
def two_epochs(services, tmp_path_factory) -> dict[str, Any]:
    """Epoch 0 then epoch 1: one worker into SQLite, three workers into one PostgreSQL archive."""
    root = tmp_path_factory.mktemp("distributed")
    single = f"sqlite:///{root / 'single.sqlite'}"
    out: dict[str, Any] = {}
    crawl_ids: list[str] = []
    client = redis.Redis.from_url(REDIS)
    with (
        throwaway_database(services["postgres"]) as shared,
        ReplicaProcess(epoch=0, articles=60) as replica,
    ):
        Archive.open(shared).close()  # schema once, before the workers race to create it
        for epoch in (0, 1):
            replica.set_epoch(epoch)
            before_single, before_shared = max_run(single) if epoch else 0, max_run(shared)
            _crawl(root / f"single-{epoch}", replica.url, single, 1)
            crawl_ids.append(_crawl(root / f"shared-{epoch}", replica.url, shared, 3))
            out[f"single{epoch}"] = run_captures(single, before_single)
            out[f"shared{epoch}"] = run_captures(shared, before_shared)
            out[f"runs{epoch}"] = max_run(shared) - before_shared
        out["single_changes"] = _change_kinds(single)
        out["shared_changes"] = _change_kinds(shared)
        # this fixture's own crawls only: a failed earlier test run may have left its keys
        out["leftover_keys"] = [k for c in crawl_ids for k in _keys(client, f"dodnews:news:{c}:")]
    client.close()
    return out


@pytest.mark.services
def test_three_workers_capture_every_article_exactly_once_per_run(two_epochs) -> None:
    for epoch in (0, 1):
        shared, single = two_epochs[f"shared{epoch}"], two_epochs[f"single{epoch}"]
        assert two_epochs[f"runs{epoch}"] == 3  # one run row per worker
        assert len(single) > 80
        assert set(shared) == set(single)
        assert set(shared.values()) == {1}, {k: v for k, v in shared.items() if v != 1}


@pytest.mark.services
def test_three_workers_find_the_same_changes_as_one(two_epochs) -> None:
    assert two_epochs["single_changes"], "epoch 1 produced no changes"
    assert two_epochs["shared_changes"] == two_epochs["single_changes"]


@pytest.mark.services
def test_the_last_worker_deleted_the_crawl_keys(two_epochs) -> None:
    assert two_epochs["leftover_keys"] == []


@pytest.mark.services
def test_a_killed_worker_loses_nothing(services, two_epochs, tmp_path) -> None:
    with (
        throwaway_database(services["postgres"]) as shared,
        ReplicaProcess(epoch=0, articles=60, latency_ms=150) as replica,
    ):
        Archive.open(shared).close()
        # Small, frequent archive batches: captures show up while the short crawl runs, and the
        # victim dies with some written and some still buffered (their requests still in flight).
        workers = Workers(
            tmp_path,
            replica.url,
            shared,
            CONCURRENT_REQUESTS=8,
            DODNEWS_ARCHIVE_BATCH=4,
            DODNEWS_ARCHIVE_FLUSH_SECONDS=0.2,
        )
        workers.start(3)
        victim = workers.procs[0]
        deadline = time.monotonic() + 60
        # Kill the first worker once it has claimed requests of its own mid-crawl.
        client = redis.Redis.from_url(REDIS)
        prefix = f"dodnews:news:{workers.crawl_id}"
        while time.monotonic() < deadline:
            if sum(run_captures(shared, 0).values()) >= 10:
                hashes = list(client.scan_iter(match=f"{prefix}:inflight:*"))
                busy = [h for h in hashes if f"-{victim.pid}-".encode() in h and client.hlen(h)]
                if busy:
                    # At once: a written batch settles all its requests together, so the hash
                    # can empty within milliseconds of being looked at.
                    os.kill(victim.pid, signal.SIGKILL)
                    break
            time.sleep(0.05)
        else:
            pytest.fail("worker 0 never had requests in flight")
        # Read after the kill: the dead worker's hash stays until its heartbeat expires.
        in_flight = client.hlen(busy[0])
        codes = workers.wait()
        assert codes[0] == -signal.SIGKILL and codes[1:] == [0, 0], workers.log(1)[-2000:]
        requeued = sum(
            int(line.split(":")[-1].strip(" ,"))
            for i in (1, 2)
            for line in workers.log(i).splitlines()
            if "'dodnews/crawl/distributed/requeued'" in line
        )
        assert requeued >= in_flight > 0
        captured = run_captures(shared, 0)
        assert _keys(client, prefix) == []
        client.close()
    # Every article a single worker finds on the same site was captured (some maybe twice: the
    # victim may have archived a capture whose request it had not yet marked done).
    assert set(captured) == set(two_epochs["single0"])


@pytest.mark.services
def test_a_worker_seeds_when_the_seed_lock_holder_died_before_seeding(services, tmp_path) -> None:
    """The worker that won `SET seed NX` died at once: the next worker must not wait forever."""
    crawl_id = f"test-{secrets.token_hex(4)}"
    keys = CrawlKeys.for_crawl("news", crawl_id)
    client = redis.Redis.from_url(REDIS)
    # What a seeder killed before queuing anything leaves: the lock and its membership, no
    # heartbeat (it expired), no "seeded" mark.
    client.set(keys.seed, b"ghost")
    client.sadd(keys.workers, b"ghost")
    archive = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    sections = "releases,contracts"
    settings = {
        "DODNEWS_REDIS_URL": REDIS,
        "DODNEWS_CRAWL_ID": crawl_id,
        "DODNEWS_WARC_DIR": str(tmp_path / "warc"),
        "DODNEWS_PROGRESS_INTERVAL": 0,
        "DODNEWS_WRITE_REPORTS": 0,
        "DODNEWS_REDIS_IDLE_GRACE": 0.5,
        "DODNEWS_ARCHIVE_FLUSH_SECONDS": 0.2,  # requests settle when their batch is written
    }
    try:
        with ReplicaProcess(epoch=0, articles=20) as replica:
            args = {"base_url": replica.url, "sections": sections, "related_depth": 0}
            done = subprocess.run(
                crawl_command("news", {**args, "render": "never"}, settings),
                env=crawl_env(archive),
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                timeout=90,
                check=False,
            )
        log = done.stdout + done.stderr
        assert done.returncode == 0, log[-3000:]
        assert "this worker queues them" in log
        state = build_timeline(articles=20, seed=1).state(0)
        want = {i for s in sections.split(",") for i in state.by_section[s]}
        captured = run_captures(archive, 0)
        assert set(captured) == want and set(captured.values()) == {1}
        assert _keys(client, keys.prefix) == []
    finally:
        leftovers = _keys(client, keys.prefix)
        if leftovers:
            client.delete(*leftovers)
        client.close()
