"""The crawl's components built from plain values, without a crawler (and, for each, that its
from_crawler turns the settings into those values)."""

from __future__ import annotations

import json
import platform
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request, Spider, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from dodnews.archive import Archive
from dodnews.archive.schema import HEADER_VALUE_LIMIT
from dodnews.crawl.archive_handle import ArchiveHandle, shared_archive
from dodnews.crawl.capturing import classify_response
from dodnews.crawl.extensions import KeepFreedHeap
from dodnews.crawl.extraction_pool import ExtractionPool
from dodnews.crawl.ledger import ArticleLedger
from dodnews.crawl.middlewares import warc_key
from dodnews.crawl.page_reader import PageReader
from dodnews.crawl.pipelines import CountPipeline
from dodnews.crawl.revalidation import ArchiveView, Revalidation, Validators, trust_cutoff
from dodnews.crawl.spider_settings import (
    LOOPBACK_SETTINGS,
    follow_contact_url,
    open_up_for_loopback,
    user_agent,
)
from dodnews.errors import UserError
from dodnews.extract import extract_article
from dodnews.model import (
    OUTCOME_ERROR,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    Article,
    Capture,
    RelatedLink,
)
from dodnews.site import WAR
from dodnews.warc.writer import RotatingWarcWriter, page_digests
from tests.paths import FIXTURES

ID = 4301001
YESTERDAY = datetime.now(UTC) - timedelta(days=1)
URL = f"https://www.war.gov/News/Releases/Release/Article/{ID}/harbor-survey/"


def _crawler(**settings: Any) -> Any:
    """A crawler without Scrapy's default extensions (nothing else answers its signals)."""
    return get_crawler(Spider, {"EXTENSIONS_BASE": {}, **settings})


def _stats() -> Any:
    """Scrapy's own stats collector (a component takes the stats, never the crawler)."""
    stats = _crawler().stats
    stats.open_spider()
    return stats


def _run(coro: Any) -> None:
    """Drive a coroutine that never awaits anything pending (extraction in process)."""
    try:
        coro.send(None)
    except StopIteration:
        return
    raise AssertionError("the coroutine suspended")


def _archive_with_one_article(path: Path) -> str:
    url = f"sqlite:///{path}"
    article = Article(
        article_id=ID,
        url=URL,
        section="releases",
        title="Survey Ship Charts the Harbor Approaches",
        published="2025-09-02T09:00:00-04:00",
        paragraphs=["The survey ship sounded the channel over five nights of calm weather."],
        related=[RelatedLink(ID + 1, "Dredging Begins", URL.replace(str(ID), str(ID + 1)))],
    )
    with Archive.open(url) as archive:
        archive.record_capture(
            Capture(
                article_id=ID,
                requested_url=URL,
                fetched_at=YESTERDAY.isoformat(timespec="seconds").replace("+00:00", "Z"),
                outcome=OUTCOME_OK,
                status=200,
                article=article,
                headers={"ETag": '"h1"', "Last-Modified": "Tue, 02 Sep 2025 13:00:00 GMT"},
                body_digest="sha256:" + "1" * 64,
            )
        )
    return url


# -- the archive handle --------------------------------------------------------------------------


def test_the_archive_handle_opens_once_and_counts_it(tmp_path: Path) -> None:
    stats = _stats()
    handle = ArchiveHandle(f"sqlite:///{tmp_path / 'a.sqlite'}", stats)
    assert not handle.is_open
    first = handle.open()
    assert handle.open(create=False) is first and handle.open() is first
    assert stats.get_value("dodnews/archive/opened") == 1
    handle.close()
    assert not handle.is_open
    handle.close()  # closing twice is harmless


def test_the_archive_handle_never_creates_an_archive_unless_asked(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "a.sqlite"
    handle = ArchiveHandle(f"sqlite:///{missing}")
    with pytest.raises(UserError):
        handle.open(create=False)
    assert not missing.parent.exists() and not handle.is_open
    handle.open()  # the pipeline's open creates it
    assert missing.exists()
    handle.close()


def test_a_crawler_has_one_archive_handle_closed_with_the_spider(tmp_path: Path) -> None:
    crawler = _crawler(DODNEWS_ARCHIVE=f"sqlite:///{tmp_path / 'a.sqlite'}")
    handle = shared_archive(crawler)
    assert shared_archive(crawler) is handle
    assert handle.url == f"sqlite:///{tmp_path / 'a.sqlite'}"
    handle.open()
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert not handle.is_open


# -- the ledger ----------------------------------------------------------------------------------


def test_the_ledger_requests_each_article_once_at_its_nearest_depth() -> None:
    ledger = ArticleLedger()
    assert ledger.first_request(7, 1) and not ledger.first_request(7, 1)
    links = [("https://www.war.gov/x/Article/8/y/", 8)]
    ledger.keep_related(7, links)
    assert ledger.found_nearer(7, 1) is None  # not nearer: nothing due
    assert ledger.nearest(7, 2) == 1 and ledger.nearest(9, 2) == 2
    assert ledger.found_nearer(7, 0) == links  # found nearer: its related links are due
    assert ledger.nearest(7, 1) == 0
    assert ledger.found_nearer(7, 0) is None and 7 not in ledger.related


# -- revalidation --------------------------------------------------------------------------------


def test_revalidation_sends_the_archived_validators_and_counts_untrusted_ones(
    tmp_path: Path,
) -> None:
    stats = _stats()
    handle = ArchiveHandle(_archive_with_one_article(tmp_path / "a.sqlite"))
    try:
        recent = Revalidation(ArchiveView(handle), trust_cutoff(30), stats)
        recent.load_known()
        assert stats.get_value("dodnews/revalidate/known") == 1
        headers, digest = recent.conditional(ID, {"Cache-Control": "no-cache"})
        assert digest == "sha256:" + "1" * 64
        # the caller's headers win over the validators'
        assert headers == {
            "Cache-Control": "no-cache",
            "If-None-Match": '"h1"',
            "If-Modified-Since": "Tue, 02 Sep 2025 13:00:00 GMT",
        }
        assert recent.conditional(ID + 9, None) == (None, None)  # not archived: a plain request
        # trusting only pages received whole since today: yesterday's no longer vouches for a 304
        late = Revalidation(ArchiveView(handle), trust_cutoff(0.5), stats)
        late.load_known()
        headers, digest = late.conditional(ID)
        assert headers == {"Cache-Control": "max-age=0"} and digest is not None
        assert stats.get_value("dodnews/revalidate/untrusted") == 1
        assert [link.article_id for link in recent.stored_related(ID)] == [ID + 1]
        ArchiveView(handle).close()  # a view does not close the crawl's handle
        assert handle.is_open
    finally:
        handle.close()


@pytest.mark.parametrize(
    ("etag", "sent"),
    [
        ('"h1"', True),
        ('W/"5f2a-1c"', True),
        ('"caf\u00e9"', True),  # obs-text: a byte a header may carry
        ('"' + "a" * (HEADER_VALUE_LIMIT - 3) + '"', True),  # 499 characters: kept whole
        ('"' + "a" * (HEADER_VALUE_LIMIT - 2) + '"', False),  # 500: the archive may have cut it
        ('"a\x00b"', False),  # NUL
        ('"a\x7fb"', False),  # DEL
        ('"\u2603"', False),  # past Latin-1: no header byte for it
        ("", False),
    ],
)
def test_only_a_whole_valid_stored_validator_is_sent_back(etag: str, sent: bool) -> None:
    headers = Validators(etag, etag, None).headers()
    assert ("If-None-Match" in headers) is sent and ("If-Modified-Since" in headers) is sent
    if sent:
        assert headers["If-None-Match"] == etag


def test_a_hostile_etag_leaves_the_last_modified_date_to_revalidate_with() -> None:
    headers = Validators('"a\x00b"', "Tue, 02 Sep 2025 13:00:00 GMT", "sha256:x").headers()
    assert headers == {
        "Cache-Control": "max-age=0",
        "If-Modified-Since": "Tue, 02 Sep 2025 13:00:00 GMT",
    }


def test_revalidation_without_an_archive_knows_nothing_and_use_replaces_what_it_knows() -> None:
    nothing = Revalidation()
    nothing.load_known()
    assert nothing.conditional(ID, {"A": "b"}) == ({"A": "b"}, None)
    assert nothing.stored_related(ID) == []
    nothing.use({ID: Validators('"e"', None, "sha256:x")})
    headers, digest = nothing.conditional(ID)
    assert headers == {"Cache-Control": "max-age=0", "If-None-Match": '"e"'}
    assert digest == "sha256:x"


def test_revalidation_from_crawler_uses_the_crawls_archive_and_trust_setting(
    tmp_path: Path,
) -> None:
    url = _archive_with_one_article(tmp_path / "a.sqlite")
    crawler = _crawler(DODNEWS_ARCHIVE=url, DODNEWS_TRUST_304_DAYS=0)
    revalidation = Revalidation.from_crawler(crawler)
    assert revalidation.trust_since is None  # 0 days: 304s always trusted
    revalidation.load_known()
    assert set(revalidation.known) == {ID}
    assert shared_archive(crawler).is_open  # read through the crawl's handle
    shared_archive(crawler).close()


# -- the page reader -----------------------------------------------------------------------------


def _page() -> tuple[bytes, str]:
    spec = json.loads((FIXTURES / "pages" / "release.expected.json").read_text())
    return (FIXTURES / "pages" / "release.html").read_bytes(), spec["url"]


def _response(body: bytes, url: str, flags: list[str] | None = None, **meta: Any) -> HtmlResponse:
    request = Request(url, meta={"article_id": 1, "dodnews_kind": "article", **meta})
    return HtmlResponse(url, status=200, body=body, request=request, flags=flags)


def _write(writer: RotatingWarcWriter, url: str, body: bytes, article_id: int) -> dict[str, str]:
    """The page's response record, as WarcCaptureMiddleware writes it (its ref for meta)."""
    ref = writer.write(
        url=url,
        method="GET",
        request_target="/",
        request_headers=[],
        status_line="200 OK",
        protocol="HTTP/1.1",
        response_headers=[("Content-Type", "text/html")],
        body=body,
        key=warc_key(article_id),
    )
    return {"file": ref.file, "record_id": ref.record_id}


def test_the_page_reader_extracts_a_page_and_tells_the_warc_writer(tmp_path: Path) -> None:
    body, url = _page()
    article_id = extract_article(body, url).article_id
    writer = RotatingWarcWriter(tmp_path)

    def note_content(article_id: int, record_id: str, content: tuple[str, str]) -> str | None:
        return writer.note_content(warc_key(article_id), record_id, content)

    stats = _stats()
    reader = PageReader(ExtractionPool(0), note_content, stats, "dodnews/test/same_digest")
    try:
        first = _response(body, url, warc=_write(writer, url, body, article_id))
        capture, wanted = classify_response(first, None, WAR)
        assert wanted
        _run(reader.read(first, capture))
        assert capture.outcome == OUTCOME_OK and capture.article == extract_article(body, url)
        assert capture.body_digest == page_digests(body)[1]
        # The same page again with a new view-state token, the archived page's digest known:
        # the WARC writer recognizes the content, the page is not parsed.
        again = body.replace(b'__VIEWSTATE" value="', b'__VIEWSTATE" value="other', 1)
        assert page_digests(again)[1] != page_digests(body)[1]
        warc = _write(writer, url, again, article_id)
        second = _response(again, url, warc=warc, dodnews_digest=page_digests(body)[1])
        capture, _ = classify_response(second, None, WAR)
        _run(reader.read(second, capture))
        assert capture.outcome == OUTCOME_NOT_MODIFIED and capture.article is None
        assert capture.body_digest == page_digests(again)[1]
        assert stats.get_value("dodnews/test/same_digest") == 1
        # the WARC index follows what the server sent, never a DOM the browser made of it
        assert reader.tell_warc(second, article_id, page_digests(again)) == page_digests(again)[1]
        rendered = _response(again, url, flags=["playwright"], warc=warc)
        assert reader.tell_warc(rendered, article_id, page_digests(again)) is None
    finally:
        writer.close()


def test_a_page_reader_without_a_warc_writer_still_reads_and_checks_digests() -> None:
    body, url = _page()
    reader = PageReader(ExtractionPool(0))
    same = _response(body, url, dodnews_digest=page_digests(body)[1])
    capture, _ = classify_response(same, None, WAR)
    _run(reader.read(same, capture))
    assert capture.outcome == OUTCOME_NOT_MODIFIED  # byte for byte the archived page
    other = _response(body, url, dodnews_digest="sha256:" + "0" * 64)
    capture, _ = classify_response(other, None, WAR)
    _run(reader.read(other, capture))
    assert capture.outcome == OUTCOME_OK and capture.article is not None


def test_the_page_reader_from_crawler_takes_the_pool_settings_and_names_its_stat() -> None:
    crawler = _crawler(DODNEWS_EXTRACT_WORKERS=2, DODNEWS_HEAP_KEEP_MB=16)
    crawler.spider = Spider.from_crawler(crawler, name="news")
    reader = PageReader.from_crawler(crawler)
    assert reader.pool.workers == 2 and reader.pool.heap_mb == 16
    assert reader.same_digest_stat == "dodnews/news/same_digest"
    assert not reader.pool.in_process
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert reader.pool.in_process  # the pool stopped with the spider (no worker was started)


# -- the heap, the counts, the settings ----------------------------------------------------------


def test_keep_freed_heap_is_off_at_zero_and_applies_on_glibc() -> None:
    with pytest.raises(NotConfigured):
        KeepFreedHeap.from_crawler(_crawler(DODNEWS_HEAP_KEEP_MB=0))
    extension = KeepFreedHeap(8)
    assert extension.applied is False  # nothing happens until it is applied
    assert extension.apply() is (platform.libc_ver()[0] == "glibc")


def test_captures_are_counted_by_outcome_before_validation() -> None:
    crawler = _crawler()
    crawler.stats.open_spider()
    count = CountPipeline(crawler)
    for outcome in (OUTCOME_OK, OUTCOME_OK, OUTCOME_ERROR):
        capture = Capture(article_id=1, requested_url=URL, fetched_at="t", outcome=outcome)
        assert count.process_item(capture) is capture
    assert count.process_item({"not": "a capture"}) == {"not": "a capture"}
    assert crawler.stats.get_value("dodnews/captures/ok") == 2
    assert crawler.stats.get_value("dodnews/captures/error") == 1
    assert crawler.stats.get_value("dodnews/captures/total") == 3


def test_the_user_agent_follows_the_contact_url_unless_set_on_the_command_line() -> None:
    settings = Settings({"DODNEWS_CONTACT_URL": "https://example.org/c"}, priority="project")
    follow_contact_url(settings)
    assert settings["USER_AGENT"] == user_agent("https://example.org/c")
    explicit = Settings({"DODNEWS_CONTACT_URL": "https://example.org/c"}, priority="project")
    explicit.set("USER_AGENT", "mine/1.0", priority="cmdline")
    follow_contact_url(explicit)
    assert explicit["USER_AGENT"] == "mine/1.0"


def test_loopback_settings_open_up_only_on_loopback_and_never_over_the_command_line() -> None:
    settings = Settings({"CONCURRENT_REQUESTS_PER_DOMAIN": 1}, priority="project")
    settings.set("DOWNLOAD_TIMEOUT", 7, priority="cmdline")
    open_up_for_loopback(settings, "http://127.0.0.1:8000")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 32
    assert settings.getint("DOWNLOAD_TIMEOUT") == 7
    assert (
        settings.getint("DODNEWS_EXTRACT_WORKERS") == LOOPBACK_SETTINGS["DODNEWS_EXTRACT_WORKERS"]
    )
    lan = Settings({"CONCURRENT_REQUESTS_PER_DOMAIN": 1}, priority="project")
    open_up_for_loopback(lan, "http://10.1.2.3:8000")
    assert lan.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
