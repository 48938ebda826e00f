"""Article extraction in worker processes: the same Articles, the same errors, no page lost."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import resource
import signal
import time
from pathlib import Path

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from dodnews.crawl.extraction_pool import ExtractionPool, PageRead
from dodnews.extract import BlockedPage, NotAnArticle, extract_article
from dodnews.model import Article, Image, RelatedLink
from dodnews.monitor.crawling import start_crawl
from dodnews.replica.testing import ReplicaProcess
from tests.crawl_support import CrawlWorkspace
from tests.paths import FIXTURES

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

PAGES = FIXTURES / "pages"
ARTICLES = ["news-story", "release", "transcript", "contract", "feature-story", "speech"]
URL = "https://www.war.gov/News/Releases/Release/Article/4300455/a-page/"


class _Stats:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def inc_value(self, key: str, count: int = 1) -> None:
        self.values[key] = self.values.get(key, 0) + count


class _Crawler:
    def __init__(self) -> None:
        self.stats = _Stats()


def _run(coro):  # type: ignore[no-untyped-def]
    """A Deferred of a coroutine run on the asyncio loop (pytest runs with --reactor=asyncio)."""
    return Deferred.fromFuture(asyncio.ensure_future(coro))


async def _extract(pool: ExtractionPool, body: bytes, url: str) -> Article:
    """extract_article through the pool (it raises what extract_article raises)."""
    return await pool.run(extract_article, body, url)


async def _signal_workers_then_extract(
    pool: ExtractionPool, body: bytes, url: str, *signals: int
) -> Article:
    """Send each of `signals` to every running worker, give them time, extract again."""
    executor = pool._executor
    assert executor is not None
    for pid in list(executor._processes):  # type: ignore[attr-defined]
        for number in signals:
            os.kill(pid, number)
    await asyncio.sleep(0.3)
    return await _extract(pool, body, url)


def _page(name: str) -> tuple[bytes, str]:
    spec = json.loads((PAGES / f"{name}.expected.json").read_text())
    return (PAGES / f"{name}.html").read_bytes(), spec["url"]


@pytest_twisted.ensureDeferred
async def test_workers_give_the_articles_extraction_in_process_gives() -> None:
    pool = ExtractionPool(2)

    async def extract_all() -> list[Article]:
        pages = [_page(name) for name in ARTICLES]
        return await asyncio.gather(*(_extract(pool, body, url) for body, url in pages))

    try:
        articles = await _run(extract_all())
    finally:
        pool.close()
    for name, article in zip(ARTICLES, articles, strict=True):
        body, url = _page(name)
        assert article == extract_article(body, url), name
    assert pool._executor is None  # closed: later calls run in process


@pytest_twisted.ensureDeferred
async def test_workers_extract_with_the_crawls_site_profile() -> None:
    """The worker gets the crawl's profile with each page (a value, pickled): af.mil's pages
    come back with af.mil's URLs, and a war.gov page read by the same worker next with war.gov's
    (a worker keeps no profile of its own)."""
    from dodnews.site import WAR
    from dodnews.site.profiles import load_profile

    af = load_profile("af")
    body, url = _page("release")
    pool = ExtractionPool(1)

    async def read_in_turn() -> list[PageRead]:
        return [await pool.read(body, url, site) for site in (af, WAR, af)]

    try:
        first_af, war, second_af = await _run(read_in_turn())
        workers = set(pool._executor._processes)  # type: ignore[union-attr]
    finally:
        pool.close()
    assert len(workers) == 1 and os.getpid() not in workers  # read in the one worker
    assert first_af.article == second_af.article == extract_article(body, url, af)
    assert first_af.article.url == (
        "https://www.af.mil/News/Press-Releases/Article-Display/Article/4300455/"
        "statement-on-the-return-of-remains-from-the-korean-war/"
    )
    assert first_af.article.content_type == "Press Release"
    assert all(r.url.startswith("https://www.af.mil/") for r in first_af.article.related)
    assert war.article == extract_article(body, url) and war.article.url == url


@pytest_twisted.ensureDeferred
async def test_extraction_errors_cross_the_process_boundary() -> None:
    pool = ExtractionPool(1)
    try:
        with pytest.raises(BlockedPage):
            await _run(_extract(pool, (PAGES / "bot-wall.html").read_bytes(), URL))
        with pytest.raises(NotAnArticle):
            await _run(_extract(pool, (PAGES / "not-article.html").read_bytes(), URL))
    finally:
        pool.close()


@pytest_twisted.ensureDeferred
async def test_a_dead_worker_costs_no_page_and_a_second_death_ends_the_pool() -> None:
    crawler = _Crawler()
    pool = ExtractionPool(1, crawler.stats)
    body, url = _page("release")
    expected = extract_article(body, url)

    async def kill_then_extract() -> Article:
        assert await _extract(pool, body, url) == expected  # the pool is running
        return await _signal_workers_then_extract(pool, body, url, signal.SIGKILL)

    try:
        assert await _run(kill_then_extract()) == expected
        assert crawler.stats.values == {"dodnews/extract/pool_broken": 1}
        assert not pool.in_process  # restarted once
        assert await _run(kill_then_extract()) == expected
        assert crawler.stats.values == {"dodnews/extract/pool_broken": 2}
        assert pool.in_process  # given up: extraction goes on in process
        assert await _run(_extract(pool, body, url)) == expected
    finally:
        pool.close()


@pytest_twisted.ensureDeferred
async def test_workers_leave_ctrl_c_and_sigterm_to_the_crawl() -> None:
    crawler = _Crawler()
    pool = ExtractionPool(1, crawler.stats)
    body, url = _page("release")

    async def signal_then_extract() -> Article:
        await _extract(pool, body, url)
        return await _signal_workers_then_extract(pool, body, url, signal.SIGINT, signal.SIGTERM)

    try:
        assert await _run(signal_then_extract()) == extract_article(body, url)
        assert crawler.stats.values == {}  # no worker died
    finally:
        pool.close()


def _spin(seconds: float) -> float:
    """Use `seconds` of CPU time in the worker."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass
    return seconds


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest_twisted.ensureDeferred
async def test_the_workers_cpu_time_is_the_crawls_once_the_pool_is_closed() -> None:
    """The workers are the fork server's children; closing the pool waits for the server, so
    what `time scrapy crawl` and the benchmarks read includes the extraction."""
    before = _children_cpu()
    pool = ExtractionPool(1)
    try:
        assert await _run(pool.run(_spin, 0.6)) == 0.6
    finally:
        pool.close()
    assert _children_cpu() - before >= 0.5


@pytest_twisted.ensureDeferred
async def test_closing_kills_a_worker_that_does_not_stop() -> None:
    pool = ExtractionPool(1)
    body, url = _page("release")
    await _run(_extract(pool, body, url))
    executor = pool._executor
    assert executor is not None
    (worker,) = list(executor._processes.values())  # type: ignore[attr-defined]
    os.kill(worker.pid, signal.SIGSTOP)  # a worker that can no longer answer
    started = time.monotonic()
    pool.close(grace=1.0)
    assert time.monotonic() - started < 5
    assert not worker.is_alive()


@pytest_twisted.ensureDeferred
async def test_a_machine_without_process_pools_extracts_in_process(monkeypatch) -> None:
    import dodnews.crawl.extraction_pool as extraction_pool

    def no_semaphores(*args, **kwargs):  # what a container without /dev/shm answers
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(extraction_pool, "ProcessPoolExecutor", no_semaphores)
    pool = ExtractionPool(2)
    body, url = _page("release")
    assert await _run(_extract(pool, body, url)) == extract_article(body, url)
    assert pool.in_process and pool.workers == 0


def test_article_to_dict_is_asdict() -> None:
    article = Article(
        article_id=7,
        url="https://www.war.gov/News/Releases/Release/Article/7/x/",
        section="releases",
        title="A title",
        paragraphs=["one", "two"],
        headings=[1],
        images=[Image(src="https://media.defense.gov/a.jpg", virin="250101-D-XX000-001")],
        related=[RelatedLink(article_id=8, title="Other", url="https://www.war.gov/8/")],
        tags=["Tag"],
        corrections=["Corrected."],
        canonical_known=False,
    )
    data = article.to_dict()
    assert data == dataclasses.asdict(article)
    assert list(data) == [f.name for f in dataclasses.fields(Article)]
    data["paragraphs"].append("three")
    data["images"][0]["src"] = "changed"
    assert article.paragraphs == ["one", "two"]  # a copy, as asdict gives
    assert article.images[0].src == "https://media.defense.gov/a.jpg"


def _current_hashes(work: CrawlWorkspace) -> dict[int, str]:
    with work.open() as archive:
        return archive.current_hashes()


def test_crawls_with_and_without_workers_archive_the_same_content(tmp_path: Path) -> None:
    args = {"sections": "releases,news-stories,contracts", "related_depth": 1}
    with ReplicaProcess(epoch=0) as replica:
        results = {}
        for workers in (0, 2):
            root = tmp_path / f"workers-{workers}"
            root.mkdir()
            work = CrawlWorkspace(root, replica.url)
            assert work.crawl("news", **args, settings={"DODNEWS_EXTRACT_WORKERS": workers}) == 0
            results[workers] = _current_hashes(work)
    assert len(results[0]) > 20
    assert results[0] == results[2]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_killing_the_crawl_leaves_no_extraction_worker_behind(tmp_path: Path) -> None:
    with ReplicaProcess(epoch=0, articles=3000, latency_ms=5) as replica:
        proc = start_crawl(
            "news",
            {"base_url": replica.url, "related_depth": 0},
            settings={"DODNEWS_WARC_DIR": str(tmp_path / "warc"), "DODNEWS_EXTRACT_WORKERS": 2},
            archive=f"sqlite:///{tmp_path / 'archive.sqlite'}",
            diffs_dir=str(tmp_path / "diffs"),
            log_file=str(tmp_path / "crawl.log"),
        )
        try:
            deadline = time.monotonic() + 60
            workers: set[int] = set()
            while time.monotonic() < deadline and len(workers) < 3:  # forkserver + 2 workers
                time.sleep(0.1)
                workers = _descendants(proc.pid)
            assert len(workers) >= 3, (tmp_path / "crawl.log").read_text()[-2000:]
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
                time.sleep(0.1)
            assert not [pid for pid in workers if _alive(pid)]
        finally:
            if proc.poll() is None:
                proc.kill()
