"""Workers of a shared crawl share one politeness budget and one recheck budget.

The replica counts the requests it receives per second (`/__replica__/requests`): three workers
under a shared limit of RATE requests a second must keep to it together, where each one alone
would send tens a second to a loopback server.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from scrapy import Request

from dodnews.archive import Archive
from dodnews.crawl.distributed import serializer
from dodnews.crawl.distributed.keys import CrawlKeys
from dodnews.monitor.crawling import crawl_command, crawl_env, run_crawl
from dodnews.replica.testing import ReplicaProcess
from dodnews.site import WAR, listing_url, map_to_base
from tests.conftest import need_service, port_open
from tests.crawl.distributed_support import REDIS, Workers, max_run, redis_keys, run_captures
from tests.crawl_support import age_archive
from tests.pg_support import throwaway_database

pytestmark = [pytest.mark.slow, pytest.mark.services]

RATE = 8.0  # requests a second, all workers together
SECTIONS = "releases,contracts"
BUDGET = 9  # the recheck's requests: 2 listing pages and 7 articles


@pytest.fixture(scope="module")
def postgres() -> str:
    need_service("PostgreSQL on 127.0.0.1:5432", port_open("127.0.0.1", 5432))
    need_service("Redis on 127.0.0.1:6379", port_open("127.0.0.1", 6379))
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def run_workers(workers: Workers, n: int) -> list[str]:
    workers.start(n)
    codes = workers.wait(180)
    logs = [workers.log(i) for i in range(n)]
    for code, log in zip(codes, logs, strict=True):
        assert code == 0, log[-3000:]
        assert "Warning" not in log, [ln for ln in log.splitlines() if "Warning" in ln][:5]
    client = redis.Redis.from_url(REDIS)
    assert redis_keys(client, f"dodnews:{workers.spider}:{workers.crawl_id}:") == []
    client.close()
    return logs


def assert_within_rate(counts: dict[str, Any], rate: float) -> None:
    """At most `rate` requests in any second (plus the burst of one and one turn's slack for a
    worker woken late), and on average no faster than the rate: a crawl that ignored the limit
    sends tens a second."""
    assert counts["max_in_any_second"] <= rate + 2, counts["per_second"]
    span = counts["last"] - counts["first"]
    assert span >= (counts["total"] - 1) / rate * 0.95, (counts["total"], span)


@pytest.fixture(scope="module")
def news_crawl(postgres, tmp_path_factory) -> dict[str, Any]:
    """Three `scrapy crawl news` workers of one crawl under a shared limit of RATE a second."""
    root = tmp_path_factory.mktemp("politeness")
    with (
        throwaway_database(postgres) as archive,
        ReplicaProcess(epoch=0, articles=60) as replica,
    ):
        Archive.open(archive).close()
        workers = Workers(
            root,
            replica.url,
            archive,
            args={"sections": SECTIONS, "related_depth": 0},
            DODNEWS_RATE_LIMIT=RATE,
            # a worker claims this many requests from the shared queue, to wait for their turns:
            # few, so that the three workers share the crawl (and the limit)
            CONCURRENT_REQUESTS=2,
            CONCURRENT_REQUESTS_PER_DOMAIN=2,
        )
        replica.requests(reset=True)
        logs = run_workers(workers, 3)
        counts = replica.requests()
        captured = run_captures(archive, 0)
    return {"logs": logs, "counts": counts, "captured": captured}


def test_three_workers_stay_within_the_shared_limit(news_crawl) -> None:
    counts = news_crawl["counts"]
    assert counts["total"] >= 40
    assert_within_rate(counts, RATE)
    # ... and the limit costs no more time than it implies (launch and idle checks aside)
    assert counts["last"] - counts["first"] <= counts["total"] / RATE * 1.25 + 1.0


def test_the_workers_shared_the_crawl_and_waited_for_their_turns(news_crawl) -> None:
    logs = news_crawl["logs"]
    fetched = [stat(log, "downloader/request_count") for log in logs]
    assert sum(fetched) == news_crawl["counts"]["total"]
    assert sum(1 for n in fetched if n) >= 2, fetched  # at least two took part
    assert sum(stat(log, "dodnews/politeness/waited") for log in logs) > 0
    assert all("Shared politeness limit: 8 requests/s per host" in log for log in logs)
    captured = news_crawl["captured"]
    assert len(captured) >= 30 and set(captured.values()) == {1}


def test_without_a_limit_on_loopback_the_workers_go_as_fast_as_they_can(postgres, tmp_path) -> None:
    """Off on loopback unless set: the same crawl with the default settings is far faster."""
    with (
        throwaway_database(postgres) as archive,
        ReplicaProcess(epoch=0, articles=20) as replica,
    ):
        Archive.open(archive).close()
        workers = Workers(
            tmp_path, replica.url, archive, args={"sections": SECTIONS, "related_depth": 0}
        )
        logs = run_workers(workers, 2)
        counts = replica.requests()
    assert not any("Shared politeness limit" in log for log in logs)
    assert counts["max_in_any_second"] > RATE + 1, counts["per_second"]


@pytest.fixture(scope="module")
def archived(postgres, tmp_path_factory) -> Iterator[dict[str, Any]]:
    """An archive of the replica's SECTIONS, 40 days old: every article is due again."""
    root = tmp_path_factory.mktemp("recheck")
    with (
        throwaway_database(postgres) as archive,
        ReplicaProcess(epoch=0, articles=20) as replica,
    ):
        fill = run_crawl(
            "news",
            {"base_url": replica.url, "sections": SECTIONS, "related_depth": 0},
            archive=archive,
            settings={"DODNEWS_WARC_DIR": str(root / "warc"), "DODNEWS_WRITE_REPORTS": 0},
        )
        assert fill.returncode == 0
        age_archive(archive, 40 * 24)
        yield {"archive": archive, "replica": replica, "root": root}


def test_the_workers_of_a_recheck_spend_one_budget(archived) -> None:
    """`-a budget=N` is the shared crawl's budget: one worker plans it, all of them fetch it."""
    archive, replica = archived["archive"], archived["replica"]
    known = len(run_captures(archive, 0))
    assert known > BUDGET + 10  # more due than the budget
    before = max_run(archive)
    workers = Workers(
        archived["root"] / "three",
        replica.url,
        archive,
        spider="recheck",
        args={"sections": SECTIONS, "budget": BUDGET},
        DODNEWS_RATE_LIMIT=RATE,
    )
    workers.root.mkdir()
    replica.requests(reset=True)
    logs = run_workers(workers, 3)
    counts = replica.requests()
    captured = run_captures(archive, before)
    with Archive.open(archive) as opened:
        schedules = [r.counts.get("schedule") for r in opened.runs(limit=3)]
    robots = sum(stat(log, "robotstxt/request_count") for log in logs)
    # the budget's 2 listing pages and 7 articles, and each worker's robots.txt: nothing more
    assert counts["total"] == BUDGET + robots, counts
    assert sorted(captured.values()) == [1] * (BUDGET - 2)
    planned = [s for s in schedules if s]
    assert len(planned) == 1, schedules  # one worker planned the run
    assert planned[0]["budget"] == BUDGET and planned[0]["scheduled"] == BUDGET - 2
    assert planned[0]["backlog"] >= known - BUDGET
    assert sum(stat(log, "dodnews/listing/ok") for log in logs) == 2
    assert_within_rate(counts, RATE)


def test_a_worker_that_did_not_plan_knows_the_archived_articles_of_a_listing(archived) -> None:
    """The listing pages another worker planned come to this one: the archived articles they list
    are not new, and their titles are unchanged, so it requests none of them."""
    archive, replica = archived["archive"], archived["replica"]
    workers = Workers(
        archived["root"] / "listings",
        replica.url,
        archive,
        spider="recheck",
        args={"sections": SECTIONS, "budget": BUDGET},
    )
    workers.root.mkdir()
    keys = CrawlKeys.for_crawl("recheck", workers.crawl_id)
    client = redis.Redis.from_url(REDIS)
    # What a planner that queued only the listing pages and finished planning leaves.
    for section in SECTIONS.split(","):
        request = Request(
            map_to_base(listing_url(section, WAR), replica.url, WAR),
            meta={"dodnews_kind": "listing", "section": section},
        ).to_dict()
        request["callback"] = "parse_listing"
        client.zadd(keys.queue, {serializer.dumps(request): 0})
    client.set(keys.seed, b"planner")
    client.set(keys.seeded, b"planner")
    client.close()
    before = max_run(archive)
    replica.requests(reset=True)
    logs = run_workers(workers, 1)
    robots = stat(logs[0], "robotstxt/request_count")
    assert stat(logs[0], "dodnews/listing/ok") == 2
    assert "Re-capturing" not in logs[0]  # it did not plan
    assert replica.requests()["total"] == 2 + robots  # the listing pages, no article
    assert run_captures(archive, before) == {}


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("DODNEWS_RATE_LIMIT", "fast", "DODNEWS_RATE_LIMIT: expected a number from 0 to 1000"),
        ("DODNEWS_RATE_BURST", "0", "DODNEWS_RATE_BURST: expected a whole number of 1 or more"),
    ],
)
def test_a_bad_limit_is_one_line_and_exit_2(tmp_path, setting, value, message) -> None:
    settings = {"DODNEWS_REDIS_URL": REDIS, "DODNEWS_CRAWL_ID": "bad-limit", setting: value}
    done = subprocess.run(
        crawl_command("news", {"base_url": "http://127.0.0.1:9"}, settings),
        env=crawl_env(f"sqlite:///{tmp_path / 'archive.sqlite'}"),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("scrapy crawl: error: ")
    assert message in done.stderr and done.stdout == ""
    assert not (tmp_path / "archive.sqlite").exists()
