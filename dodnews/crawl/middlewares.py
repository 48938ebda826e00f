"""Downloader middlewares: keep a crawl on the site (and a replica crawl on the replica), back
off on 429/503, and write every response to WARC files."""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.exceptions import NotConfigured
from scrapy.utils.response import response_status_message

from dodnews.crawl import signals as dodnews_signals
from dodnews.crawl.browser import write_rendered
from dodnews.crawl.network import failure_reason
from dodnews.site import WAR, Site, is_site_host, map_to_base, offsite_host, to_real_url
from dodnews.warc.writer import RotatingWarcWriter

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)


def _base_url(crawler: Crawler) -> str | None:
    spider = crawler.spider
    return getattr(spider, "base_url", None) or crawler.settings.get("DODNEWS_BASE_URL") or None


def _site(crawler: Crawler) -> Site:
    """The site profile the crawl's spider chose (war.gov for a spider that chooses none)."""
    return getattr(crawler.spider, "site", None) or WAR


class BaseUrlMiddleware:
    """With a base URL, requests and redirects to the real hosts are mapped onto it.

    This keeps a crawl of the offline replica from ever reaching the real site, even through an
    absolute `Location` header.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BaseUrlMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> Request | None:
        base = _base_url(self.crawler)
        if not base:
            return None
        site = _site(self.crawler)
        if is_site_host(urlsplit(request.url).hostname, site):
            # The original already passed the dupe filter; its mapped copy must not be dropped.
            return request.replace(url=map_to_base(request.url, base, site), dont_filter=True)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        base = _base_url(self.crawler)
        location = response.headers.get(b"Location")
        if base and location and 300 <= response.status < 400:
            target = response.urljoin(location.decode("latin-1"))
            mapped = map_to_base(target, base, _site(self.crawler))
            response.headers[b"Location"] = mapped.encode("latin-1")
        return response


# The statuses Scrapy's RedirectMiddleware follows.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class OffsiteRedirectMiddleware:
    """A redirect to a host that is not the site's (nor base_url's) is never followed.

    Sits between BaseUrlMiddleware (which has mapped the site's own hosts onto base_url by then)
    and Scrapy's RedirectMiddleware. An article request gets the redirect itself, which its
    callback records as an error capture naming the host (`meta["dodnews_offsite"]`); any other
    request (listing, feed, robots.txt) ends there with a warning.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OffsiteRedirectMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location:
            return response
        target = response.urljoin(location.decode("latin-1").strip())
        host = offsite_host(target, _base_url(self.crawler), _site(self.crawler))
        if host is None:
            return response
        request.meta["dont_redirect"] = True
        request.meta["dodnews_offsite"] = host
        if request.meta.get("dodnews_kind") == "article":
            # a new list: the one in meta may be shared by every article request
            handled = [*request.meta.get("handle_httpstatus_list", ()), response.status]
            request.meta["handle_httpstatus_list"] = handled
        self.crawler.stats.inc_value("dodnews/redirect/offsite")
        logger.warning("Not following %s off the site: redirected to %s", request.url, host)
        return response


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, plus a pause of the whole crawl on 429 and 5xx.

    The pause honours Retry-After (capped by DODNEWS_MAX_BACKOFF) and otherwise grows
    exponentially with the retry count, so a struggling site gets breathing room, not a storm.
    """

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("RETRY_ENABLED"):
            raise NotConfigured
        super().__init__(crawler.settings)
        self.crawler = crawler
        self.max_backoff = crawler.settings.getfloat("DODNEWS_MAX_BACKOFF", 300.0)
        self.base_backoff = crawler.settings.getfloat("DODNEWS_BASE_BACKOFF", 2.0)
        self._paused_until = 0.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retries = request.meta.get("retry_times", 0)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait is None:
            wait = self.base_backoff * (2**retries)
        self._pause(min(wait, self.max_backoff), response.status)
        retry = get_retry_request(
            request,
            spider=self.crawler.spider,
            reason=response_status_message(response.status),
            max_retry_times=request.meta.get("max_retry_times", self.max_retry_times),
        )
        return retry or response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if failure_reason(exception) is not None:
            # A refused connection, a DNS failure, a timeout: the request's errback (or
            # robots.txt's middleware) says so in one line with the reason; Scrapy's own "Gave up
            # retrying" would say it a second time.
            request.meta.setdefault("give_up_log_level", logging.DEBUG)
        return super().process_exception(request, exception)  # type: ignore[return-value]

    def _pause(self, seconds: float, status: int) -> None:
        if seconds <= 0:
            return
        engine = self.crawler.engine
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("dodnews/backoff/count")
            stats.inc_value("dodnews/backoff/seconds", seconds)
        until = time.monotonic() + seconds
        if until <= self._paused_until:
            return
        self._paused_until = until
        logger.info("HTTP %s: pausing the crawl for %.1f s", status, seconds)
        engine.pause()
        self._schedule(seconds, self._resume)

    def _schedule(self, seconds: float, call: Callable[[], None]) -> None:
        # Imported here: at import time it would install Twisted's default reactor before Scrapy
        # installs the asyncio one.
        from twisted.internet import reactor

        reactor.callLater(seconds, call)  # type: ignore[attr-defined]

    def _resume(self) -> None:
        if time.monotonic() + 0.01 >= self._paused_until:
            self.crawler.engine.unpause()


class WarcCaptureMiddleware:
    """Writes every request and response, raw as received (still compressed), to WARC files.

    Sits at 950, next to the downloader, so it sees bodies before HttpCompressionMiddleware decodes
    them. The response record's file and id travel in `request.meta["warc"]` to the capture.
    """

    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        if not settings.getbool("DODNEWS_WARC_ENABLED", True):
            raise NotConfigured
        self.crawler = crawler
        self.writer = RotatingWarcWriter(
            settings.get("DODNEWS_WARC_DIR") or "data/warc",
            max_size=settings.getint("DODNEWS_WARC_MAX_SIZE", 1 << 30),
            operator=settings.get("DODNEWS_CONTACT_URL"),
        )
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.page_content, signal=dodnews_signals.page_content)
        crawler.signals.connect(self.writer.sync, signal=dodnews_signals.archive_writing)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response
        if "playwright" in response.flags:
            # A rendered DOM is not what the server sent: a conversion record of the raw one.
            write_rendered(
                self.writer, request, response, _base_url(self.crawler), _site(self.crawler)
            )
            self.crawler.stats.inc_value("dodnews/warc/writer/conversion")
            return response
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        base = _base_url(self.crawler)
        response_headers = _header_pairs(response.headers)
        is_article = request.meta.get("dodnews_kind") == "article"
        article_id = request.meta.get("article_id") if is_article else None
        ref = self.writer.write(
            url=to_real_url(response.url, base, _site(self.crawler)),
            method=request.method,
            request_target=target,
            request_headers=_header_pairs(request.headers),
            status_line=f"{response.status} {_reason(response.status)}",
            protocol=response.protocol or "HTTP/1.1",
            response_headers=response_headers,
            body=response.body,
            key=warc_key(article_id) if article_id else None,
        )
        request.meta["warc"] = {
            "file": ref.file,
            "record_id": ref.record_id,
            "revisit": ref.revisit,
        }
        self.crawler.stats.inc_value(
            "dodnews/warc/writer/revisit" if ref.revisit else "dodnews/warc/writer/response"
        )
        return response

    def page_content(self, article_id: int, record_id: str, content: tuple[str, str]) -> str | None:
        """Signal handler: an article page's digests, worked out with its extraction (off this
        thread when there are extraction workers). Returns the body digest of the last page
        archived for the article with the same content (per-request tokens aside), or None."""
        return self.writer.note_content(warc_key(article_id), record_id, content)

    def spider_closed(self) -> None:
        self.writer.close()


def warc_key(article_id: int) -> str:
    """The WARC index key of an article, the same for every URL variant that leads to it."""
    return f"article:{article_id}"


def _header_pairs(headers: object) -> list[tuple[str, str]]:
    """(name, value) pairs of Scrapy Headers, one per value, as stored (no re-normalizing)."""
    return [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, values in dict.items(headers)  # type: ignore[arg-type]
        for value in values
    ]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"
