"""Distributed crawls: N `scrapy crawl` workers share one crawl through Redis (scrapy-redis).

`-s DODNEWS_REDIS_URL=redis://HOST:6379/0` turns it on (see `addon.DistributedAddon`); workers
with the same spider and `DODNEWS_CRAWL_ID` share one queue, one dupe filter and one set of
start requests, wait for each other when idle, stop together, and re-crawl what a dead worker
was fetching.
"""

from dodnews.crawl.distributed.keys import CrawlKeys

__all__ = ["CrawlKeys"]
