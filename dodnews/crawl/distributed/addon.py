"""`-s DODNEWS_REDIS_URL=...` switches a crawl to the shared scheduler, dupe filter and helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

SCHEDULER = "dodnews.crawl.distributed.scheduler.SharedScheduler"
EXTENSION = "dodnews.crawl.distributed.extension.SharedCrawl"
SEED_MIDDLEWARE = "dodnews.crawl.distributed.seeding.SeedOnce"
# Last before the download handler: after the HTTP cache (900), whose hits cost no token.
RATE_LIMIT_MIDDLEWARE = "dodnews.crawl.distributed.politeness.SharedRateLimit"


class DistributedAddon:
    """Scrapy add-on: a no-op unless DODNEWS_REDIS_URL is set."""

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("DODNEWS_REDIS_URL"):
            return
        settings.set("SCHEDULER", SCHEDULER, priority="addon")
        settings.set("SCHEDULER_PERSIST", True, priority="addon")
        settings.set("REDIS_URL", settings.get("DODNEWS_REDIS_URL"), priority="addon")
        settings.set_in_component_priority_dict("EXTENSIONS", load_object(EXTENSION), 100)
        settings.set_in_component_priority_dict(
            "SPIDER_MIDDLEWARES", load_object(SEED_MIDDLEWARE), 10
        )
        settings.set_in_component_priority_dict(
            "DOWNLOADER_MIDDLEWARES", load_object(RATE_LIMIT_MIDDLEWARE), 990
        )
