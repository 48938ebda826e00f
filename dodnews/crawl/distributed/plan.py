"""One recheck budget for all the workers of a shared crawl.

Only the worker that queues the start requests plans the run (`SeedOnce`), so the workers draw
one plan of `-a budget=N` requests from the shared queue: the budget is the crawl's, not each
worker's. The planner records each article it queues in a Redis set; a worker that takes the
seeding over from a planner that died part-way plans again, leaves out what the set holds and
spends only what is left of the budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.crawler import Crawler


class SharedPlan:
    """The articles a shared recheck has queued so far (a Redis set of ids)."""

    def __init__(self, server: Any, key: str) -> None:
        self.server = server
        self.key = key

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPlan:
        # Here, not at the top: the recheck spider imports this module in every crawl, and the
        # coordinator's redis import would cost each one's start-up about 0.05 s.
        from dodnews.crawl.distributed.coordinator import Coordinator

        coordinator = Coordinator.from_crawler(crawler)
        return cls(coordinator.server, coordinator.keys.planned)

    def taken(self) -> set[int]:
        """Ids an earlier planner of this crawl already queued."""
        return {int(raw) for raw in self.server.smembers(self.key)}

    def add(self, article_id: int) -> None:
        self.server.sadd(self.key, article_id)


def spend(chosen: list[Any], taken: set[int], budget: int | None) -> list[Any]:
    """What a planner queues when `taken` were queued before it: the rest of its choice, within
    what is left of `budget` (None: no limit). `chosen` is in the order to fetch."""
    rest = [record for record in chosen if record.article_id not in taken]
    if budget is None:
        return rest
    return rest[: max(0, budget - len(taken))]
