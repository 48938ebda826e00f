"""One recheck budget for the workers of a shared crawl (dodnews.crawl.distributed.plan)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from dodnews.crawl.distributed.keys import CrawlKeys
from dodnews.crawl.distributed.plan import SharedPlan, spend


@dataclass(frozen=True)
class Record:
    article_id: int


def records(*ids: int) -> list[Record]:
    return [Record(i) for i in ids]


def test_the_first_planner_spends_the_whole_budget_in_its_order() -> None:
    assert spend(records(5, 3, 9, 1), set(), 3) == records(5, 3, 9)
    assert spend(records(5, 3), set(), None) == records(5, 3)
    assert spend(records(5, 3), set(), 0) == []


def test_a_planner_taking_over_spends_only_what_is_left() -> None:
    # The planner before it queued 3 and 5, then died; this one's choice (made later, with a
    # room of budget + 2) starts with them again.
    chosen = records(5, 3, 8, 2, 7, 6)
    left = spend(chosen, {3, 5}, 4)
    assert left == records(8, 2)  # 2 queued before + 2 now = the budget of 4
    assert spend(chosen, {3, 5, 8, 2, 7}, 4) == []  # more queued than the budget: nothing
    # what the first planner queued and this one would not choose still counts
    assert spend(records(8, 2, 7), {3, 5}, 4) == records(8, 2)


@pytest.fixture
def plan(redis_url: str) -> Iterator[SharedPlan]:
    client = redis.Redis.from_url(redis_url)
    keys = CrawlKeys.for_crawl("recheck", f"test-{secrets.token_hex(4)}")
    yield SharedPlan(client, keys.planned)
    client.delete(keys.planned)
    client.close()


def test_what_a_planner_queued_is_seen_by_the_next(plan: SharedPlan, redis_url: str) -> None:
    assert plan.taken() == set()
    for article_id in (4300104, 17, 4300104):
        plan.add(article_id)
    other = SharedPlan(redis.Redis.from_url(redis_url), plan.key)  # another worker
    assert other.taken() == {4300104, 17}
    other.server.close()


def test_the_plan_is_among_the_keys_the_last_worker_deletes() -> None:
    keys = CrawlKeys.for_crawl("recheck", "nightly")
    assert keys.planned == "dodnews:recheck:nightly:planned"
    assert keys.planned in keys.all_fixed
