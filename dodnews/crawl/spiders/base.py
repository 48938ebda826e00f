"""What the news and recheck spiders share: article requests and capture callbacks.

The spiders decide what to fetch and read what comes back; everything else is a component of the
crawl with one job, built from its settings (see docs/crawling.md, "Components"):
`dodnews.crawl.ledger` (one request per article, related-story depth), `dodnews.crawl.revalidation`
(conditional requests, stored related stories), `dodnews.crawl.page_reader` (extraction in the
pool, digests, the WARC writer told), `dodnews.crawl.browser` (browser retries),
`dodnews.crawl.archive_handle` (the crawl's one archive), `dodnews.crawl.spider_settings`
(User-Agent, loopback throughput), and the pipelines that count and store the captures.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals

from dodnews.crawl.capturing import capture_from_failure, classify_response
from dodnews.crawl.extraction_pool import ExtractionPool
from dodnews.crawl.ledger import ArticleLedger
from dodnews.crawl.network import count_failure, network_phrase
from dodnews.crawl.page_reader import PageReader
from dodnews.crawl.revalidation import Revalidation
from dodnews.crawl.spider_settings import follow_contact_url
from dodnews.model import OUTCOME_NOT_MODIFIED, Capture
from dodnews.site import MAX_ID, WAR, Site, article_id_from_url, is_site_host, map_to_base

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# Statuses the article callback handles itself (after retries), so each one becomes a capture.
CAPTURE_STATUSES = [304, 400, 401, 403, 404, 410, 429, 500, 502, 503, 504, 522, 524]


class CaptureSpider(scrapy.Spider):
    """Base class: turns article fetches into Capture items and follows related stories."""

    base_url: str | None = None
    site: Site = WAR  # the site profile the crawl chose (-a site=, DODNEWS_SITE)
    related_depth: int = 0
    renderer: Any = None  # dodnews.crawl.browser.Renderer when the crawl may use the browser
    # Read the archive's validators when the crawl opens, to revalidate the articles it knows
    # (the news spider, unless -a refetch=1; the recheck sets its own from the due articles).
    revalidates_known: bool = False

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """USER_AGENT follows DODNEWS_CONTACT_URL (dodnews.crawl.spider_settings)."""
        super().update_settings(settings)
        follow_contact_url(settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        """The spider, which builds its components when the crawl opens (`open_components`)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.open_components, signal=signals.spider_opened)
        return spider

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ledger = ArticleLedger()
        # Until the crawl opens: nothing revalidated, pages read in process.
        self.revalidation = Revalidation()
        self.reader = PageReader(ExtractionPool(0))

    def open_components(self) -> None:
        """Once the crawl has its stats and archive (spider_opened): the page reader and the
        revalidation from the crawl's settings, with every archived article's validators when
        this spider revalidates the articles it knows."""
        self.reader = PageReader.from_crawler(self.crawler)
        self.revalidation = Revalidation.from_crawler(self.crawler)
        if self.revalidates_known:
            self.revalidation.load_known()

    def coverage_scope(self) -> str:
        """What a run's extraction coverage is compared within: the site profile (a spider that
        crawls part of the site adds that part)."""
        return self.site.name

    def site_url(self, url: str) -> str:
        """A real-site URL as this crawl fetches it (mapped onto base_url for the replica)."""
        return map_to_base(url, self.base_url, self.site)

    def article_request(
        self,
        url: str,
        depth: int = 0,
        *,
        source: str = "listing",
        article_id: int | None = None,
        id_hint: int | None = None,
        headers: dict[str, str] | None = None,
        **meta: Any,
    ) -> scrapy.Request | None:
        """One request per article id per run; None when the id was already requested."""
        requests = self.article_requests(
            url,
            depth,
            source=source,
            article_id=article_id,
            id_hint=id_hint,
            headers=headers,
            **meta,
        )
        return next(requests, None)

    def identify(
        self, url: str, article_id: int | None, id_hint: int | None, source: str
    ) -> int | None:
        """The id of the article `url` leads to: the id in the URL. An id the entry claimed
        (`article_id` from an older record, `id_hint` from the markup) is only a hint: a
        different one is logged and counted, never used. None for an id no archive can store."""
        url_id = article_id_from_url(url)
        own = url_id if url_id is not None else article_id
        claimed = id_hint if id_hint is not None else article_id
        stats = self.crawler.stats
        if own is not None and claimed is not None and claimed != own:
            stats.inc_value("dodnews/identity/hint_mismatch")
            logger.warning(
                "A %s entry for %s says article-id %s: using %s, the id in its link",
                source, url, claimed, own,
            )  # fmt: skip
        if own is not None and own > MAX_ID:
            stats.inc_value("dodnews/identity/id_too_large")
            logger.warning(
                "A %s entry for %s names article id %s, past %s (a 64-bit integer, the "
                "largest an archive stores): skipped", source, url, own, MAX_ID,
            )  # fmt: skip
            return None
        return own

    def article_requests(
        self,
        url: str,
        depth: int = 0,
        *,
        source: str = "listing",
        article_id: int | None = None,
        id_hint: int | None = None,
        headers: dict[str, str] | None = None,
        **meta: Any,
    ) -> Iterator[scrapy.Request]:
        """The request for an article not requested yet in this run; conditional (and its body
        digest checked before parsing) when the archive holds the article (`self.revalidation`).

        An article already captured at a greater depth (reached through related stories before
        its listing entry) has its own related stories followed again from the nearer depth, so
        `related_depth` counts from the nearest way an article was found, whatever the order.
        """
        article_id = self.identify(url, article_id, id_hint, source)
        if article_id is None or not is_site_host(_host(url), self.site):
            return
        if not self.ledger.first_request(article_id, depth):
            self.crawler.stats.inc_value("dodnews/duplicates_skipped")
            links = self.ledger.found_nearer(article_id, depth)
            if links is not None:
                yield from self._follow_related(links, depth)
            return
        headers, digest = self.revalidation.conditional(article_id, headers)
        if digest is not None:
            meta.setdefault("dodnews_digest", digest)
        yield scrapy.Request(
            self.site_url(url),
            callback=self.parse_article,
            errback=self.article_failed,
            headers=headers,
            meta={
                "article_id": article_id,
                "dodnews_kind": "article",
                "dodnews_requested": url,
                "dodnews_depth": depth,
                "dodnews_source": source,
                "handle_httpstatus_list": CAPTURE_STATUSES,
                **meta,
            },
        )

    def _follow_related(self, links: list[tuple[str, int]], depth: int) -> Iterator[scrapy.Request]:
        if depth >= self.related_depth:
            return
        for url, article_id in links:
            yield from self.article_requests(
                url, depth + 1, source="related", article_id=article_id
            )

    async def parse_article(self, response: Response) -> AsyncIterator[Any]:
        capture, wanted = classify_response(response, self.base_url, self.site)
        if wanted:
            await self.reader.read(response, capture)
        self.note_identity(response, capture)
        for output in self.after_capture(response, capture):
            yield output

    def note_identity(self, response: Response, capture: Capture) -> None:
        """Log and count a page whose own id (its URL's, or og:url's) is not the one requested."""
        requested = int(response.meta["article_id"])
        if capture.article_id != requested:
            self.crawler.stats.inc_value("dodnews/identity/page_mismatch")
            logger.warning(
                "Requested as article %s, %s is article %s: captured as %s",
                requested, capture.final_url, capture.article_id, capture.article_id,
            )  # fmt: skip

    def after_capture(self, response: Response, capture: Capture) -> Iterator[Any]:
        """The capture (or its browser retry) and the related stories it leads to."""
        if self.renderer is not None:
            retry = self.renderer.retry_article(response, capture)
            if retry is not None:
                yield retry
                return
            capture = self.renderer.finish_article(response, capture)
        yield capture
        if capture.article is not None:
            related = capture.article.related
        elif capture.outcome == OUTCOME_NOT_MODIFIED and self.related_depth > 0:
            # the page was not parsed: the related stories of the version the archive holds
            related = self.revalidation.stored_related(capture.article_id)
        else:
            return
        if not related:
            return
        depth = self.ledger.nearest(capture.article_id, response.meta.get("dodnews_depth", 0))
        links = [(link.url, link.article_id) for link in related]
        if depth > 0:
            self.ledger.keep_related(capture.article_id, links)
        yield from self._follow_related(links, depth)

    def article_failed(self, failure: Failure) -> Iterator[Capture]:
        request = failure.request  # type: ignore[attr-defined]
        count_failure(self.crawler.stats, request.url, failure.value)
        capture = capture_from_failure(
            failure,
            request.meta.get("dodnews_requested", request.url),
            int(request.meta["article_id"]),
            self.base_url,
            self.site,
        )
        logger.warning("Capture of article %s failed: %s", capture.article_id, capture.error)
        yield capture

    def listing_failed(self, failure: Failure) -> None:
        """A listing page or feed that brought no response: one line, counted as a listing error
        (and by network reason), never a traceback."""
        request = failure.request  # type: ignore[attr-defined]
        reason = count_failure(self.crawler.stats, request.url, failure.value)
        kind = request.meta.get("dodnews_kind", "listing")
        self.crawler.stats.inc_value(f"dodnews/{kind}/error")
        why = network_phrase(reason, request.url) if reason else failure.value
        logger.warning("%s %s failed: %s", kind.capitalize(), request.url, why)

    def render_failed(self, failure: Failure) -> Iterator[Capture]:
        """The browser failed: keep the plain capture it was meant to improve on."""
        capture = self.renderer.failed(failure.request)  # type: ignore[attr-defined]
        if capture is None:
            yield from self.article_failed(failure)
            return
        logger.warning("Rendering of article %s failed: %s", capture.article_id, failure.value)
        yield capture


def _host(url: str) -> str | None:
    return urlsplit(url).hostname
