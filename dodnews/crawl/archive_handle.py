"""One archive per crawl process: opened on first use, shared through the crawler, closed once.

The archive pipeline writes captures into it, the revalidation reads validators and stored
related stories from it, the recheck picks the due articles from it, and the browser reads which
content it already holds (`-a screenshots=new`). All of them take the crawl's one handle,
`shared_archive(crawler)`, which opens the database once and closes it when the spider closes.
Each opening is counted in the stat `dodnews/archive/opened` and logged.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy import signals

from dodnews.archive import Archive
from dodnews.archive.urls import describe
from dodnews.site import WAR, Site

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

# The crawler attribute the crawl's handle is kept under.
CRAWLER_ATTRIBUTE = "dodnews_archive"


class ArchiveHandle:
    """The archive at `url` (None: the default archive), opened at most once until closed."""

    def __init__(
        self, url: str | None, stats: StatsCollector | None = None, site: Site = WAR
    ) -> None:
        self.url = url
        self.stats = stats
        self.site = site  # versions are hashed and compared with this site's URL rules
        self._archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveHandle:
        """The handle of DODNEWS_ARCHIVE, closed when the spider closes."""
        site = getattr(crawler.spider, "site", None) or WAR  # the profile the spider chose
        handle = cls(crawler.settings.get("DODNEWS_ARCHIVE") or None, crawler.stats, site)
        crawler.signals.connect(handle.close, signal=signals.spider_closed)
        return handle

    @property
    def is_open(self) -> bool:
        return self._archive is not None

    def open(self, create: bool = True) -> Archive:
        """The archive, opened now if it is not open yet.

        `create=False` never makes an archive: a missing or empty one raises UserError (and a
        later call may still create it). Once open, every call returns the same Archive.
        """
        if self._archive is None:
            archive = Archive.open(self.url, create=create, site=self.site)
            self._archive = archive
            if self.stats is not None:
                self.stats.inc_value("dodnews/archive/opened")
            logger.info("Archive opened: %s", describe(archive.url))
        return self._archive

    def close(self) -> None:
        """Release the database connections (the spider has closed: everything is written)."""
        archive, self._archive = self._archive, None
        if archive is not None:
            archive.close()


def shared_archive(crawler: Crawler) -> ArchiveHandle:
    """The crawl's one archive handle, made on first use (after the crawl has its stats)."""
    handle = getattr(crawler, CRAWLER_ATTRIBUTE, None)
    if handle is None:
        handle = ArchiveHandle.from_crawler(crawler)
        setattr(crawler, CRAWLER_ATTRIBUTE, handle)
    return handle
