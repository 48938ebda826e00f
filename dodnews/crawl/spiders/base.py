"""What the news and recheck spiders share: options, article requests and capture callbacks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

import scrapy

from dodnews.crawl import signals as dodnews_signals
from dodnews.crawl.network import count_failure, network_phrase
from dodnews.crawl.spiders.capturing import apply_read, capture_from_failure, classify_response
from dodnews.crawl.spiders.options import is_loopback_url
from dodnews.crawl.spiders.revalidation import ArchiveView, Validators, trust_cutoff
from dodnews.model import OUTCOME_NOT_MODIFIED, Capture
from dodnews.site import MAX_ID, article_id_from_url, is_site_host, map_to_base
from dodnews.warc.writer import page_digests

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.settings import BaseSettings
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

# Statuses the article callback handles itself (after retries), so each one becomes a capture.
CAPTURE_STATUSES = [304, 400, 401, 403, 404, 410, 429, 500, 502, 503, 504, 522, 524]

# Settings opened up when the site is the replica on loopback (documented in README).
LOOPBACK_SETTINGS = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DODNEWS_BASE_BACKOFF": 0.2,
    "DODNEWS_MAX_BACKOFF": 5.0,
    "DOWNLOAD_TIMEOUT": 20,
    # parse article pages in a worker process, beside the crawl (dodnews.crawl.extraction_pool)
    "DODNEWS_EXTRACT_WORKERS": 1,
}


def user_agent(contact_url: str) -> str:
    """The User-Agent dodnews sends: name, version, purpose and where to reach its operator."""
    from dodnews import __version__

    return f"dodnews/{__version__} (archival crawler; +{contact_url})"


class CaptureSpider(scrapy.Spider):
    """Base class: turns article fetches into Capture items and follows related stories."""

    base_url: str | None = None
    related_depth: int = 0
    renderer: Any = None  # dodnews.crawl.browser.Renderer when the crawl may use the browser
    extraction: Any = (
        None  # dodnews.crawl.extraction_pool.ExtractionPool, set up when the crawl opens
    )
    # Read the archive's validators when the crawl opens, to revalidate the articles it knows
    # (the news spider, unless -a refetch=1; the recheck sets its own from the due articles).
    revalidates_known: bool = False
    archive_view: ArchiveView | None = None

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """USER_AGENT follows DODNEWS_CONTACT_URL (`-s` or env), unless it is set explicitly."""
        super().update_settings(settings)
        from scrapy.settings import SETTINGS_PRIORITIES

        contact = settings.get("DODNEWS_CONTACT_URL")
        if contact and (settings.getpriority("USER_AGENT") or 0) <= SETTINGS_PRIORITIES["project"]:
            settings.set("USER_AGENT", user_agent(contact), priority="spider")

    @classmethod
    def open_up_for_loopback(cls, crawler: Crawler, base_url: str | None) -> None:
        if is_loopback_url(base_url):
            from scrapy.settings import SETTINGS_PRIORITIES

            project = SETTINGS_PRIORITIES["project"]
            for name, value in LOOPBACK_SETTINGS.items():
                # values given on the command line (-s) win over the loopback defaults
                if (crawler.settings.getpriority(name) or 0) <= project:
                    crawler.settings.set(name, value, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Any:
        """Article pages are extracted by DODNEWS_EXTRACT_WORKERS processes (0: in process); the
        crawl keeps up to DODNEWS_HEAP_KEEP_MB of freed memory for reuse (dodnews.crawl.heap)."""
        from scrapy import signals

        from dodnews.crawl.extraction_pool import ExtractionPool
        from dodnews.crawl.heap import keep_freed_heap

        spider = super().from_crawler(crawler, *args, **kwargs)
        heap_mb = crawler.settings.getint("DODNEWS_HEAP_KEEP_MB", 64)
        keep_freed_heap(heap_mb)
        workers = crawler.settings.getint("DODNEWS_EXTRACT_WORKERS", 0)
        spider.extraction = ExtractionPool(workers, crawler, heap_mb=heap_mb)
        crawler.signals.connect(spider.stop_extraction, signal=signals.spider_closed)
        crawler.signals.connect(spider.open_archive_view, signal=signals.spider_opened)
        crawler.signals.connect(spider.close_archive_view, signal=signals.spider_closed)
        return spider

    def open_archive_view(self) -> None:
        """When the crawl opens (the archive pipeline has opened, created or checked the archive
        already): the validators of every article the archive knows, if this spider wants them."""
        days = self.crawler.settings.getfloat("DODNEWS_TRUST_304_DAYS", 30.0)
        self.trust_304_since = trust_cutoff(days)
        self.archive_view = ArchiveView(self.crawler.settings.get("DODNEWS_ARCHIVE") or None)
        if self.revalidates_known:
            self.revalidate = self.archive_view.validators()
            self.crawler.stats.set_value("dodnews/revalidate/known", len(self.revalidate))

    def close_archive_view(self) -> None:
        if self.archive_view is not None:
            self.archive_view.close()

    def coverage_scope(self) -> str:
        """What a run's extraction coverage is compared within: the site profile (a spider that
        crawls part of the site adds that part)."""
        from dodnews import site

        return site.ACTIVE_PROFILE

    def extractor(self) -> Any:
        """The ExtractionPool (one that runs in process for a spider built without a crawler)."""
        if self.extraction is None:
            from dodnews.crawl.extraction_pool import ExtractionPool

            self.extraction = ExtractionPool(0)
        return self.extraction

    def stop_extraction(self) -> None:
        if self.extraction is not None:
            self.extraction.close()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # article id -> the smallest related-story depth it was found at in this run
        self._depth: dict[int, int] = {}
        # related links of articles captured at depth > 0, in case they turn up nearer later
        self._related: dict[int, list[tuple[str, int]]] = {}
        # article id -> what the archive holds of it, for a conditional re-capture
        self.revalidate: dict[int, Validators] = {}
        # a 304 stands for a page received whole after this time (None: always)
        self.trust_304_since: datetime | None = None

    def site_url(self, url: str) -> str:
        """A real-site URL as this crawl fetches it (mapped onto base_url for the replica)."""
        return map_to_base(url, self.base_url)

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
        digest checked before parsing) when the archive holds the article (`self.revalidate`).

        An article already captured at a greater depth (reached through related stories before
        its listing entry) has its own related stories followed again from the nearer depth, so
        `related_depth` counts from the nearest way an article was found, whatever the order.
        """
        article_id = self.identify(url, article_id, id_hint, source)
        if article_id is None or not is_site_host(_host(url)):
            return
        known = self._depth.get(article_id)
        if known is not None:
            self.crawler.stats.inc_value("dodnews/duplicates_skipped")
            if depth < known:
                self._depth[article_id] = depth
                links = self._related.pop(article_id, None)
                if links is not None:
                    yield from self._follow_related(links, depth)
            return
        self._depth[article_id] = depth
        validators = self.revalidate.get(article_id)
        if validators is not None:
            trusted = validators.trusted(self.trust_304_since)
            if not trusted:  # received whole too long ago: the whole page again, digest first
                self.crawler.stats.inc_value("dodnews/revalidate/untrusted")
            headers = {**validators.headers(conditional=trusted), **(headers or {})}
            meta.setdefault("dodnews_digest", validators.body_digest)
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
        capture, wanted = classify_response(response, self.base_url)
        if wanted:
            await self.read_page(response, capture)
        self.note_identity(response, capture)
        for output in self.after_capture(response, capture):
            yield output

    async def read_page(self, response: Response, capture: Capture) -> None:
        """Extract the page and work out its digests (in a worker when there are any), and tell
        the WARC writer the page's content digest.

        A re-capture whose page is the archived one (the site ignored the conditional request;
        byte for byte, or per-request tokens aside) is recorded not-modified without parsing.
        """
        extraction = self.extractor()
        known = response.meta.get("dodnews_digest")
        if not known:
            read = await extraction.read(response.body, capture.final_url or "")
            self.note_content(response, capture.article_id, read.content)
            apply_read(capture, read)
            return
        content = await extraction.run(page_digests, response.body)
        same_as = self.note_content(response, capture.article_id, content)
        if known in (same_as, content[1]):
            capture.body_digest = content[1]
            capture.outcome = OUTCOME_NOT_MODIFIED
            self.crawler.stats.inc_value(f"dodnews/{self.name}/same_digest")
            return
        apply_read(capture, await extraction.read(response.body, capture.final_url or "", content))

    def note_identity(self, response: Response, capture: Capture) -> None:
        """Log and count a page whose own id (its URL's, or og:url's) is not the one requested."""
        requested = int(response.meta["article_id"])
        if capture.article_id != requested:
            self.crawler.stats.inc_value("dodnews/identity/page_mismatch")
            logger.warning(
                "Requested as article %s, %s is article %s: captured as %s",
                requested, capture.final_url, capture.article_id, capture.article_id,
            )  # fmt: skip

    def note_content(
        self, response: Response, article_id: int, content: tuple[str, str]
    ) -> str | None:
        """Hand a page's digests to the WARC writer; returns the body digest of the last page
        archived for the article with the same content (tokens aside), or None."""
        warc = response.meta.get("warc")
        # the index follows what the server sent, not DOMs the browser made of it
        if not warc or "playwright" in response.flags:
            return None
        answers = self.crawler.signals.send_catch_log(
            dodnews_signals.page_content,
            article_id=article_id,
            record_id=warc["record_id"],
            content=content,
        )
        return next((answer for _, answer in answers if isinstance(answer, str)), None)

    def after_capture(self, response: Response, capture: Capture) -> Iterator[Any]:
        """The capture (or its browser retry) and the related stories it leads to."""
        if self.renderer is not None:
            retry = self.renderer.retry_article(response, capture)
            if retry is not None:
                yield retry
                return
            capture = self.renderer.finish_article(response, capture)
        yield from self.emit(capture)
        if capture.article is not None:
            related = capture.article.related
        elif capture.outcome == OUTCOME_NOT_MODIFIED and self.related_depth > 0:
            related = self.stored_related(capture.article_id)  # the page was not parsed
        else:
            return
        if not related:
            return
        depth = response.meta.get("dodnews_depth", 0)
        depth = min(depth, self._depth.get(capture.article_id, depth))
        links = [(link.url, link.article_id) for link in related]
        if depth > 0:
            self._related[capture.article_id] = links
        yield from self._follow_related(links, depth)

    def stored_related(self, article_id: int) -> list[Any]:
        """The related stories of the version the archive holds (for a not-modified page)."""
        if self.archive_view is None:
            return []
        return self.archive_view.related(article_id)

    def article_failed(self, failure: Failure) -> Iterator[Capture]:
        request = failure.request  # type: ignore[attr-defined]
        count_failure(self.crawler.stats, request.url, failure.value)
        capture = capture_from_failure(
            failure,
            request.meta.get("dodnews_requested", request.url),
            int(request.meta["article_id"]),
            self.base_url,
        )
        logger.warning("Capture of article %s failed: %s", capture.article_id, capture.error)
        yield from self.emit(capture)

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
        yield from self.emit(capture)

    def emit(self, capture: Capture) -> Iterator[Capture]:
        self.crawler.stats.inc_value(f"dodnews/captures/{capture.outcome}")
        self.crawler.stats.inc_value("dodnews/captures/total")
        yield capture


def _host(url: str) -> str | None:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname
