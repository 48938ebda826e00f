"""Network failures a crawl expects (refused, DNS, timeout, lost connection, TLS): named, counted,
and logged as one line.

A request that fails this way is counted in the stat `dodnews/network/<reason>/<host:port>`, which
the crawl summary and the run's verdict turn into one line ("failed: 14 requests, connection
refused by 127.0.0.1:1", see dodnews.monitor.runs). Their tracebacks say nothing a reader can act
on, so `QuietNetworkErrors` keeps them out of the log unless LOG_LEVEL is DEBUG.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from twisted.internet import error as tx_error
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from dodnews.monitor.runs import network_phrase as phrase

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

STAT_PREFIX = "dodnews/network/"

# Most specific first: a refused connection is also a ConnectError.
_REASONS: list[tuple[tuple[type[BaseException], ...], str]] = [
    ((DownloadConnectionRefusedError, tx_error.ConnectionRefusedError), "refused"),
    ((CannotResolveHostError, tx_error.DNSLookupError), "dns"),
    (
        (DownloadTimeoutError, tx_error.TimeoutError, tx_error.TCPTimedOutError),
        "timeout",
    ),
    ((ResponseDataLossError,), "cut"),
    (
        (
            DownloadFailedError,
            ResponseFailed,
            ResponseNeverReceived,
            tx_error.ConnectionLost,
            tx_error.ConnectionDone,
        ),
        "lost",
    ),
    ((tx_error.ConnectError,), "connect"),
]
# Loggers that print a traceback with a download error: requests without an errback, robots.txt.
QUIET_LOGGERS = ("scrapy.core.scraper", "scrapy.downloadermiddlewares.robotstxt")


def failure_reason(exc: BaseException | None) -> str | None:
    """The short reason of an expected network failure ("refused", "dns", ...), else None."""
    if exc is None:
        return None
    for types, reason in _REASONS:
        if isinstance(exc, types):
            return reason
    if type(exc).__module__.startswith("OpenSSL"):  # a TLS handshake that failed
        return "tls"
    return None


def count_failure(stats: StatsCollector, url: str, exc: BaseException | None) -> str | None:
    """Count a failed request by reason and host (the one contacted); the reason, or None when
    the failure is not a network one."""
    reason = failure_reason(exc)
    if reason is not None:
        host = urlsplit(url).netloc or "?"
        stats.inc_value(f"{STAT_PREFIX}{reason}/{host}")
    return reason


class _NoNetworkTracebacks(logging.Filter):
    """Drops the traceback of a record about an expected network failure, keeping its text."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if failure_reason(exc) is None:
            return True
        message = record.getMessage()
        if str(exc) not in message:
            message = f"{message}: {exc}"
        record.msg, record.args = message, None
        record.exc_info, record.exc_text = None, None
        return True


class QuietNetworkErrors:
    """An extension: no tracebacks for expected network failures unless LOG_LEVEL is DEBUG."""

    def __init__(self, keep_tracebacks: bool) -> None:
        self.keep_tracebacks = keep_tracebacks
        self._filter = _NoNetworkTracebacks()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietNetworkErrors:
        level = str(crawler.settings.get("LOG_LEVEL") or "DEBUG").upper()
        extension = cls(keep_tracebacks=level in ("DEBUG", str(logging.DEBUG)))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self) -> None:
        if not self.keep_tracebacks:
            for name in QUIET_LOGGERS:
                logging.getLogger(name).addFilter(self._filter)

    def spider_closed(self, *args: Any) -> None:
        for name in QUIET_LOGGERS:
            logging.getLogger(name).removeFilter(self._filter)


def network_phrase(reason: str, url: str) -> str:
    """The reason in words, naming the host contacted: "connection refused by 127.0.0.1:1"."""

    return phrase(reason, urlsplit(url).netloc or "?")
