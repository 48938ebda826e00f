"""Page extraction in worker processes, so that parsing runs beside Scrapy instead of in turn.

A crawl runs on one thread, and parsing a page as heavy as the real site's (100-180 KB) with lxml
costs about as much as everything Scrapy does for the request. With `DODNEWS_EXTRACT_WORKERS` = N
(N > 0) the spiders hand each article page (its extraction and its digests, `read_article`) to
one of N worker processes (concurrent.futures with the forkserver start method, which is safe
beside the crawl's threads) and await the result; 0 extracts in the crawl's own thread. Both
give the same records: the workers run the same pure functions on the same bytes, with the
crawl's site profile (a `dodnews.site.Site` value) sent along with each page.

Nothing is lost if a worker dies: its pages are extracted in the crawl's own thread, the pool is
started again once, and if it breaks a second time the rest of the run extracts in process (with a
warning and the stat `dodnews/extract/pool_broken`). The pool starts with the first page and stops
when the spider closes; when the crawl itself is killed, its workers notice within a second and
exit.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import forkserver
from typing import TYPE_CHECKING, Any, TypeVar

from dodnews.crawl.heap import keep_freed_heap
from dodnews.extract import ExtractionError, extract_article
from dodnews.model import Article
from dodnews.site import Site
from dodnews.site.profiles import profile_from_dict, profile_to_dict
from dodnews.warc.writer import page_digests

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class PageRead:
    """What reading an article page gives: its Article (or why there is none) and its digests."""

    article: Article | None
    error: ExtractionError | None
    content: tuple[str, str]  # (content digest, body digest), see dodnews.warc.writer.page_digests


def read_article(
    body: bytes, url: str, site: Site, content: tuple[str, str] | None = None
) -> PageRead:
    """extract_article with `site`'s URL rules and the page's digests in one call (`content`:
    digests already known)."""
    content = content or page_digests(body)
    try:
        return PageRead(extract_article(body, url, site), None, content)
    except ExtractionError as exc:
        return PageRead(None, exc, content)


@functools.lru_cache(maxsize=8)
def _site_from(blob: bytes) -> Site:
    """A site profile sent as its JSON form, read once per process: a page then carries about
    1.4 KB of bytes (a copy) instead of a value whose pickling costs the crawl's thread about
    20 µs. JSON, not a pickle: nothing dodnews reads is ever unpickled by its own code."""
    return profile_from_dict(json.loads(blob))


def read_article_sent(
    body: bytes, url: str, site_blob: bytes, content: tuple[str, str] | None = None
) -> PageRead:
    """`read_article` in a worker, with the site profile as `ExtractionPool` sends it."""
    return read_article(body, url, _site_from(site_blob), content)


RESTARTS = 1  # a pool that breaks again after this many restarts is given up for the run
CLOSE_GRACE = 5.0  # seconds the workers get to exit when the crawl closes
WATCH_SECONDS = 0.5  # how often a worker checks that its crawl is still there


def _start_worker(crawl_pid: int, heap_mb: int) -> None:
    """Worker initializer: the crawl's heap setting, and an exit once the crawl is gone.

    A worker blocked on its task queue would wait forever after the crawl is killed outright (it
    holds that pipe's write end itself), so a thread checks that the crawl is still there.
    """

    # Ctrl-C and SIGTERM reach the whole process group: the crawl stops gracefully and closes the
    # pool itself, so a worker must not die of them halfway through a page.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    keep_freed_heap(heap_mb)

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            try:
                os.kill(crawl_pid, 0)
            except (ProcessLookupError, PermissionError):  # gone (or the pid is someone else's)
                os._exit(0)

    threading.Thread(target=watch, name="dodnews-crawl-watch", daemon=True).start()


class ExtractionPool:
    """`await pool.read(body, url, site)`: read_article, in a worker process when there are any."""

    def __init__(self, workers: int, stats: StatsCollector | None = None, heap_mb: int = 0) -> None:
        self.workers = max(0, workers)
        self.heap_mb = heap_mb  # dodnews.crawl.heap.keep_freed_heap in each worker
        self.stats = stats  # counts dodnews/extract/pool_broken
        self._executor: ProcessPoolExecutor | None = None
        self._restarts = 0
        self._closed = False
        self._sent: tuple[Site, bytes] | None = None  # the last site profile and its JSON

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPool:
        """DODNEWS_EXTRACT_WORKERS workers (0: in process), each keeping DODNEWS_HEAP_KEEP_MB of
        freed memory; the pool stops when the spider closes."""
        # Not at module level: every worker imports this module (for read_article), and Scrapy
        # would add 0.2 s to each worker's start.
        from scrapy import signals

        settings = crawler.settings
        pool = cls(
            settings.getint("DODNEWS_EXTRACT_WORKERS", 0),
            crawler.stats,
            heap_mb=settings.getint("DODNEWS_HEAP_KEEP_MB", 64),
        )
        crawler.signals.connect(pool.close, signal=signals.spider_closed)
        return pool

    @property
    def in_process(self) -> bool:
        return self.workers == 0 or self._closed

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["dodnews.extract", "dodnews.warc.writer"])
            self._executor = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(), self.heap_mb),
            )
        return self._executor

    async def read(
        self, body: bytes, url: str, site: Site, content: tuple[str, str] | None = None
    ) -> PageRead:
        """`read_article`: the Article of a page of `site` (or the error) and its digests."""
        if self.in_process:
            return read_article(body, url, site, content)
        if self._sent is None or self._sent[0] is not site:
            self._sent = (site, json.dumps(profile_to_dict(site)).encode())
        return await self.run(read_article_sent, body, url, self._sent[1], content)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a worker (a pure extraction function: picklable in and out)."""
        if self.in_process:
            return function(*args)
        try:
            executor = self._pool()
        except (OSError, ImportError, ValueError) as exc:
            # e.g. no POSIX semaphores (/dev/shm) in a container: the crawl goes on in process
            logger.warning("No extraction workers on this machine (%s): extracting in process", exc)
            self.workers = 0
            return function(*args)
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, function, *args)
        except BrokenProcessPool:
            if executor is self._executor:  # the pages in flight all fail: count the break once
                self._broken(executor)
            return function(*args)

    def _broken(self, executor: ProcessPoolExecutor) -> None:
        self._executor = None
        executor.shutdown(wait=False, cancel_futures=True)
        if self.stats is not None:
            self.stats.inc_value("dodnews/extract/pool_broken")
        if self._restarts >= RESTARTS:
            logger.warning("The extraction workers keep failing: extracting in process from now")
            self.workers = 0
            return
        self._restarts += 1
        logger.warning(
            "An extraction worker died: its pages are extracted in process; pool restarted"
        )

    def close(self, grace: float = CLOSE_GRACE) -> None:
        """Stop the workers; later calls run in process.

        Called when the spider closes, when no page is being extracted any more. A worker that
        has not exited after `grace` seconds is killed: a crawl must never hang on its workers.
        """
        self._closed = True
        executor, self._executor = self._executor, None
        if executor is None:
            return
        processes = list((getattr(executor, "_processes", None) or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + grace
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                logger.warning("Extraction worker %s did not stop: killed", process.pid)
                process.kill()
                process.join(1.0)
        stop_fork_server()


def stop_fork_server() -> None:
    """Stop the fork server once the workers are gone, and wait for it.

    The workers are the fork server's children, not the crawl's: unless the crawl waits for the
    server, their CPU time never shows in the crawl's own accounting (getrusage of its children,
    what `time` and the benchmarks read), and an idle server lives on until the crawl exits. The
    next pool starts a new one. Python has no public call for this; without it, nothing happens.
    """

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if callable(stop):
        stop()
