"""`scrapy crawl news`: discover articles from listings (and RSS), capture each one once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import scrapy

from dodnews.crawl.browser import renderer_for
from dodnews.crawl.spider_settings import open_up_for_loopback
from dodnews.crawl.spiders.base import CaptureSpider
from dodnews.crawl.spiders.options import CrawlOptions
from dodnews.extract import extract_listing, extract_rss, is_bot_wall
from dodnews.site import listing_url, rss_url, to_real_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from dodnews.model import ListingEntry

LISTING_STATUSES = [403, 404, 429, 500, 502, 503, 504]


class NewsSpider(CaptureSpider):
    """Listings of the chosen sections, page by page, then every article they announce."""

    name = "news"

    @staticmethod
    def check_arguments(args: dict[str, Any], settings: Any = None) -> None:
        """Raise UserError for bad `-a` values (or DODNEWS_SITE) before anything starts."""
        CrawlOptions.parse(args, settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        opts = CrawlOptions.parse(kwargs, crawler.settings)
        open_up_for_loopback(crawler.settings, opts.base_url)
        spider = super().from_crawler(crawler, *args)
        spider.opts = opts
        spider.site = opts.site
        spider.base_url = opts.base_url
        spider.related_depth = opts.related_depth
        spider.revalidates_known = opts.revalidates_known
        spider.renderer = renderer_for(spider, crawler, opts.render, opts.screenshots)
        return spider

    opts: CrawlOptions

    def coverage_scope(self) -> str:
        """The site profile, plus the sections when they are not all of them (a crawl of the
        contracts alone has no bylines: it is not compared with crawls of every section)."""
        scope = super().coverage_scope()
        if set(self.opts.sections) != set(self.site.section_keys):
            scope += ":" + ",".join(sorted(self.opts.sections))
        return scope

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for section in self.opts.sections:
            yield self.listing_request(section, 1)
        if self.opts.rss:
            for content_type in self.site.rss_content_types:
                yield scrapy.Request(
                    self.site_url(rss_url(content_type, self.site, self.opts.rss_max)),
                    callback=self.parse_rss,
                    errback=self.listing_failed,
                    meta={"dodnews_kind": "rss", "handle_httpstatus_list": LISTING_STATUSES},
                )

    def listing_request(self, section: str, page: int) -> scrapy.Request:
        """A listing page, scheduled ahead of article pages: paging is a chain (each page names
        the next), so on a slow site it would otherwise wait behind every article found so far."""
        return scrapy.Request(
            self.site_url(listing_url(section, self.site, page)),
            callback=self.parse_listing,
            errback=self.listing_failed,
            priority=LISTING_PRIORITY,
            meta={
                "dodnews_kind": "listing",
                "section": section,
                "page": page,
                "handle_httpstatus_list": LISTING_STATUSES,
            },
        )

    def _listing_ok(self, response: Response, what: str) -> bool:
        stats = self.crawler.stats
        if response.status >= 400 or is_bot_wall(response.body, response.status):
            outcome = "blocked" if is_bot_wall(response.body, response.status) else "error"
            stats.inc_value(f"dodnews/{what}/{outcome}")
            self.logger.warning("%s %s: %s (HTTP %s)", what, response.url, outcome, response.status)
            return False
        stats.inc_value(f"dodnews/{what}/ok")
        return True

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        """The next listing page, then the articles of this one (within since/until).

        Parsed here, not in an extraction worker: paging is a chain, and a listing page queued
        behind article pages in a worker would hold up discovery.
        """
        if not self._listing_ok(response, "listing"):
            return
        section, page = response.meta["section"], response.meta["page"]
        page_url = to_real_url(response.url, self.base_url, self.site)
        entries = extract_listing(response.body, page_url, self.site)
        self.crawler.stats.inc_value("dodnews/listing/entries", len(entries))
        retry = self.renderer.retry_listing(response, len(entries)) if self.renderer else None
        if retry is not None:
            yield retry
            return
        if not entries:
            self.logger.info("Listing %s ends at page %d", section, page - 1)
            return
        dates = [_entry_date(entry) for entry in entries]
        since, until = self.opts.since, self.opts.until
        older_than_since = bool(since) and any(d is not None and d < since for d in dates)
        if older_than_since:
            self.logger.info(
                "Listing %s: entries older than %s on page %d, stopping",
                section,
                since,
                page,
            )
        elif not (self.opts.max_pages and page >= self.opts.max_pages):
            # the next page first (and ahead of the articles, see listing_request)
            yield self.listing_request(section, page + 1)
        for entry, published in zip(entries, dates, strict=True):
            if since and published and published < since:
                continue
            if until and published and published > until:
                continue
            yield from self.article_requests(
                entry.url, 0, source="listing", article_id=entry.article_id, id_hint=entry.id_hint
            )

    def parse_rss(self, response: Response) -> Iterator[scrapy.Request]:
        if not self._listing_ok(response, "rss"):
            return
        page_url = to_real_url(response.url, self.base_url, self.site)
        entries = extract_rss(response.body, page_url, self.site)
        self.crawler.stats.inc_value("dodnews/rss/entries", len(entries))
        for entry in entries:
            published = _entry_date(entry)
            if self.opts.since and published and published < self.opts.since:
                continue
            if self.opts.until and published and published > self.opts.until:
                continue
            yield from self.article_requests(
                entry.url, 0, source="rss", article_id=entry.article_id, id_hint=entry.id_hint
            )


LISTING_PRIORITY = 10  # Scrapy runs higher priorities first; article requests have 0


def _entry_date(entry: ListingEntry) -> date | None:
    if not entry.published:
        return None
    try:
        return date.fromisoformat(entry.published[:10])
    except ValueError:
        return None
