"""Expected network failures: named by reason, counted by host, logged without a traceback."""

from __future__ import annotations

import logging
import sys

import pytest
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
)
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler
from twisted.internet import error as tx_error

from dodnews.crawl.network import (
    QUIET_LOGGERS,
    QuietNetworkErrors,
    count_failure,
    failure_reason,
    network_phrase,
)


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (DownloadConnectionRefusedError("Connection was refused by other side"), "refused"),
        (tx_error.ConnectionRefusedError(), "refused"),
        (CannotResolveHostError("no such host"), "dns"),
        (tx_error.DNSLookupError(), "dns"),
        (DownloadTimeoutError("took too long"), "timeout"),
        (tx_error.TCPTimedOutError(), "timeout"),
        (tx_error.ConnectionLost(), "lost"),
        (tx_error.NoRouteError(), "connect"),
        (ValueError("a bug, not the network"), None),
        (None, None),
    ],
)
def test_failure_reason(exc: BaseException | None, reason: str | None) -> None:
    assert failure_reason(exc) == reason


def test_failures_are_counted_by_reason_and_the_host_contacted() -> None:
    stats = MemoryStatsCollector(get_crawler())
    refused = DownloadConnectionRefusedError("refused")
    for _ in range(3):
        assert count_failure(stats, "http://127.0.0.1:1/News/Releases/", refused) == "refused"
    assert count_failure(stats, "http://127.0.0.1:1/x", KeyError("bug")) is None
    assert stats.get_stats() == {"dodnews/network/refused/127.0.0.1:1": 3}
    assert network_phrase("refused", "http://127.0.0.1:1/x") == "connection refused by 127.0.0.1:1"


def _record(name: str, exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        info = sys.exc_info()
    return logging.LogRecord(
        name, logging.ERROR, __file__, 1, "Error downloading %s", ("<GET x>",), info
    )


def test_network_tracebacks_stay_out_of_the_log_below_debug() -> None:
    quiet = QuietNetworkErrors(keep_tracebacks=False)
    quiet.spider_opened()
    try:
        logger = logging.getLogger(QUIET_LOGGERS[0])
        record = _record(logger.name, DownloadConnectionRefusedError("Connection refused"))
        assert all(f.filter(record) for f in logger.filters)
        assert record.exc_info is None and record.args is None
        assert record.getMessage() == "Error downloading <GET x>: Connection refused"
        bug = _record(logger.name, ZeroDivisionError("a real bug"))
        assert all(f.filter(bug) for f in logger.filters)
        assert bug.exc_info is not None  # anything else keeps its traceback
    finally:
        quiet.spider_closed()
    assert not logging.getLogger(QUIET_LOGGERS[0]).filters


def test_debug_keeps_the_tracebacks() -> None:
    crawler = get_crawler(settings_dict={"LOG_LEVEL": "DEBUG"})
    assert QuietNetworkErrors.from_crawler(crawler).keep_tracebacks
    crawler = get_crawler(settings_dict={"LOG_LEVEL": "INFO"})
    quiet = QuietNetworkErrors.from_crawler(crawler)
    assert not quiet.keep_tracebacks
    kept = QuietNetworkErrors(keep_tracebacks=True)
    kept.spider_opened()
    assert not logging.getLogger(QUIET_LOGGERS[1]).filters
