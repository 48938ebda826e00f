"""Spider parts without a crawl: fingerprints, the base-URL and backoff middlewares, settings."""

from __future__ import annotations

import email.utils

import pytest
from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from dodnews.crawl.fingerprint import ArticleIdFingerprinter
from dodnews.crawl.middlewares import (
    BackoffRetryMiddleware,
    BaseUrlMiddleware,
    OffsiteRedirectMiddleware,
    retry_after_seconds,
)

BASE = "http://127.0.0.1:8765"
PATH = "/News/Releases/Release/Article/4300118/Secretary-Hosts-Minister/"


def _article(url: str, **meta: object) -> Request:
    return Request(url, meta={"article_id": 4300118, "dodnews_kind": "article", **meta})


# -- fingerprints ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "https://www.defense.gov" + PATH,
        "http://WWW.WAR.GOV" + PATH.lower(),
        "https://www.war.gov" + PATH + "source/GovDelivery/",
        "https://www.war.gov" + PATH + "?ref=newsletter",
        "https://www.war.gov" + PATH.rstrip("/"),
        "https://www.defense.gov/Newsroom/Releases/Release/Article/4300118/old-slug/",
        "https://www.war.gov/News/Releases/Release/Article/4300118/",
    ],
)
def test_url_variants_of_one_article_share_a_fingerprint(variant):
    fp = ArticleIdFingerprinter()
    canonical = fp.fingerprint(_article("https://www.war.gov" + PATH))
    assert fp.fingerprint(_article(variant)) == canonical
    # without meta, the id comes from the URL itself
    assert fp.fingerprint(Request(variant)) == canonical


def test_other_ids_and_redirect_hops_differ():
    fp = ArticleIdFingerprinter()
    first = fp.fingerprint(_article("https://www.war.gov" + PATH))
    other = Request("https://www.war.gov/News/Releases/Release/Article/4300119/x/")
    assert fp.fingerprint(other) != first
    hop = _article("https://www.war.gov" + PATH, redirect_urls=["https://www.defense.gov" + PATH])
    assert fp.fingerprint(hop) != first
    assert fp.fingerprint(hop) == fp.fingerprint(hop.replace(url="https://www.war.gov" + PATH))


def test_listing_pages_keep_scrapy_fingerprints():
    fp = ArticleIdFingerprinter()
    page1 = Request("https://www.war.gov/News/Releases/", meta={"dodnews_kind": "listing"})
    page2 = Request("https://www.war.gov/News/Releases/?Page=2", meta={"dodnews_kind": "listing"})
    assert fp.fingerprint(page1) != fp.fingerprint(page2)
    assert fp.fingerprint(page1) == fp.fingerprint(page1.replace())


# -- BaseUrlMiddleware ----------------------------------------------------------------------------


def _base_mw(base: str | None = BASE) -> BaseUrlMiddleware:
    crawler = get_crawler(Spider, {"DODNEWS_BASE_URL": base} if base else {})
    return BaseUrlMiddleware.from_crawler(crawler)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.war.gov" + PATH,
        "http://www.defense.gov" + PATH,
        "HTTPS://WWW.DEFENSE.GOV" + PATH,
        "https://war.gov" + PATH,
        "https://DEFENSE.gov" + PATH + "?ref=x",
    ],
)
def test_real_hosts_are_mapped_onto_the_base_url(url):
    mapped = _base_mw().process_request(Request(url))
    assert mapped is not None
    assert mapped.url.startswith(BASE + "/News/Releases/")
    # the original passed the dupe filter already; the mapped copy must not be dropped as a dupe
    assert mapped.dont_filter


def test_other_hosts_and_no_base_url_are_left_alone():
    assert _base_mw().process_request(Request("https://media.defense.gov/x.jpg")) is None
    assert _base_mw().process_request(Request(BASE + PATH)) is None
    assert _base_mw(None).process_request(Request("https://www.war.gov" + PATH)) is None


def test_absolute_redirect_to_the_real_site_is_rewritten():
    mw = _base_mw()
    request = Request(BASE + "/Explore/News/Article/Article/4300101/x/")
    response = Response(
        request.url,
        status=301,
        headers={
            "Location": "https://www.defense.gov/News/News-Stories/Article/Article/4300101/x/"
        },
        request=request,
    )
    out = mw.process_response(request, response)
    target = BASE + "/News/News-Stories/Article/Article/4300101/x/"
    assert out.headers[b"Location"] == target.encode()


def _redirect(request: Request, location: str, status: int = 302) -> Response:
    return Response(request.url, status=status, headers={"Location": location}, request=request)


@pytest.mark.parametrize(
    ("base", "location", "host"),
    [
        (BASE, "http://127.0.0.2:8765/x/", "127.0.0.2:8765"),
        (BASE, "http://127.0.0.1:8766/x/", "127.0.0.1:8766"),  # another port, another server
        (BASE, "//evil.example/x/", "evil.example"),
        (BASE, "https://User@EVIL.example:444/x/", "evil.example:444"),
        (None, "https://media.defense.gov/x/", "media.defense.gov"),
        (None, "https://www.war.gov.evil.example/x/", "www.war.gov.evil.example"),
    ],
)
def test_a_redirect_off_the_site_is_not_followed(base, location, host):
    crawler = get_crawler(Spider, {"DODNEWS_BASE_URL": base} if base else {})
    mw = OffsiteRedirectMiddleware.from_crawler(crawler)
    shared = [304, 404]
    request = _article((base or "https://www.war.gov") + PATH, handle_httpstatus_list=shared)
    out = mw.process_response(request, _redirect(request, location))
    assert out.status == 302
    assert request.meta["dont_redirect"] and request.meta["dodnews_offsite"] == host
    # the article callback gets the 302; the list other requests share is left alone
    assert request.meta["handle_httpstatus_list"] == [304, 404, 302] and shared == [304, 404]
    listing = Request(request.url, meta={"dodnews_kind": "listing"})
    mw.process_response(listing, _redirect(listing, location))
    assert listing.meta["dont_redirect"] and "handle_httpstatus_list" not in listing.meta


@pytest.mark.parametrize(
    ("base", "location"),
    [
        (BASE, BASE + "/News/x/"),
        (BASE, "/News/x/"),
        (BASE, "http://127.0.0.1:8765/y/"),
        (None, "https://www.war.gov/News/x/"),
        (None, "http://DEFENSE.gov/News/x/"),
    ],
)
def test_a_redirect_on_the_site_is_followed(base, location):
    crawler = get_crawler(Spider, {"DODNEWS_BASE_URL": base} if base else {})
    mw = OffsiteRedirectMiddleware.from_crawler(crawler)
    request = _article((base or "https://www.war.gov") + PATH)
    mw.process_response(request, _redirect(request, location, 301))
    assert "dont_redirect" not in request.meta and "dodnews_offsite" not in request.meta


def test_relative_and_foreign_redirects_stay_off_the_real_site():
    mw = _base_mw()
    request = Request(BASE + "/a/")
    relative = Response(request.url, status=302, headers={"Location": "/b/"}, request=request)
    assert mw.process_response(request, relative).headers[b"Location"] == (BASE + "/b/").encode()
    foreign = Response(
        request.url, status=302, headers={"Location": "https://example.org/"}, request=request
    )
    assert mw.process_response(request, foreign).headers[b"Location"] == b"https://example.org/"


# -- BackoffRetryMiddleware ------------------------------------------------------------------------


def test_retry_after_seconds_and_http_date():
    assert retry_after_seconds(b"120") == 120.0
    assert retry_after_seconds(" 7 ") == 7.0
    now = 1_800_000_000.0
    when = email.utils.formatdate(now + 90, usegmt=True)
    assert retry_after_seconds(when, now=now) == pytest.approx(90.0)
    past = email.utils.formatdate(now - 90, usegmt=True)
    assert retry_after_seconds(past, now=now) == 0.0
    assert retry_after_seconds(b"soon") is None
    assert retry_after_seconds(None) is None


class _Engine:
    def __init__(self) -> None:
        self.paused = 0
        self.unpaused = 0

    def pause(self) -> None:
        self.paused += 1

    def unpause(self) -> None:
        self.unpaused += 1


@pytest.fixture
def backoff(monkeypatch):
    """The middleware on a crawler with a fake engine; its resume timers are recorded."""
    crawler = get_crawler(
        Spider,
        {"RETRY_TIMES": 2, "DODNEWS_MAX_BACKOFF": 60.0, "DODNEWS_BASE_BACKOFF": 2.0},
    )
    crawler.spider = Spider.from_crawler(crawler, name="t")
    crawler.engine = _Engine()  # type: ignore[assignment]
    calls: list[float] = []
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    monkeypatch.setattr(mw, "_schedule", lambda delay, call: calls.append(delay))
    return mw, crawler, calls


def _resp(status: int, request: Request, **headers: str) -> Response:
    return HtmlResponse(request.url, status=status, headers=headers, body=b"", request=request)


def test_429_with_retry_after_pauses_the_crawl_that_long_and_retries(backoff):
    mw, crawler, calls = backoff
    request = Request(BASE + PATH)
    out = mw.process_response(request, _resp(429, request, **{"Retry-After": "7"}))
    assert isinstance(out, Request) and out.meta["retry_times"] == 1
    assert calls == [7.0] and crawler.engine.paused == 1
    assert crawler.stats.get_value("dodnews/backoff/seconds") == 7.0


def test_retry_after_is_capped_and_5xx_backs_off_exponentially(backoff):
    mw, _, calls = backoff
    request = Request(BASE + PATH)
    mw.process_response(request, _resp(503, request, **{"Retry-After": "3600"}))
    assert calls == [60.0]
    mw._paused_until = 0.0
    second = Request(BASE + PATH, meta={"retry_times": 1})
    mw.process_response(second, _resp(502, second))
    assert calls[-1] == 4.0  # base 2 s doubled once


def test_giving_up_returns_the_response_for_the_capture(backoff):
    mw, crawler, _ = backoff
    request = Request(BASE + PATH, meta={"retry_times": 2})
    response = _resp(503, request)
    assert mw.process_response(request, response) is response
    assert crawler.stats.get_value("retry/max_reached") == 1


def test_non_retry_statuses_pass_through_without_a_pause(backoff):
    mw, crawler, calls = backoff
    request = Request(BASE + PATH)
    for status in (200, 301, 403, 404):
        response = _resp(status, request)
        assert mw.process_response(request, response) is response
    assert calls == [] and crawler.engine.paused == 0


def test_resume_waits_for_the_latest_pause(backoff):
    mw, crawler, _ = backoff
    request = Request(BASE + PATH)
    mw.process_response(request, _resp(429, request, **{"Retry-After": "5"}))
    mw._resume()  # an earlier timer firing while the pause still runs
    assert crawler.engine.unpaused == 0
    mw._paused_until = 0.0
    mw._resume()
    assert crawler.engine.unpaused == 1


# -- settings ------------------------------------------------------------------------------------


def test_polite_defaults_for_the_real_site():
    from dodnews import settings

    assert settings.ROBOTSTXT_OBEY is True
    assert settings.AUTOTHROTTLE_ENABLED is True
    assert settings.CONCURRENT_REQUESTS_PER_DOMAIN == 1
    assert settings.DOWNLOAD_DELAY >= 1.0
    assert settings.AUTOTHROTTLE_TARGET_CONCURRENCY <= 1.0
    assert settings.DODNEWS_CONTACT_URL in settings.USER_AGENT
    assert 429 in settings.RETRY_HTTP_CODES and 503 in settings.RETRY_HTTP_CODES
    mws = settings.DOWNLOADER_MIDDLEWARES
    assert mws["scrapy.downloadermiddlewares.retry.RetryMiddleware"] is None
    assert "dodnews.crawl.middlewares.BackoffRetryMiddleware" in mws


def _news_crawler(cmdline: dict, **args: str):
    """A crawler of the news spider as `scrapy crawl news -s ... -a ...` makes it (not started)."""
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

    from dodnews import settings as project
    from dodnews.crawl.spiders.news import NewsSpider

    settings = Settings()
    settings.setmodule(project, priority="project")
    settings.setdict(cmdline, priority="cmdline")
    crawler = Crawler(NewsSpider, settings)
    crawler.spider = NewsSpider.from_crawler(crawler, **args)
    return crawler


def test_user_agent_follows_the_contact_url_setting():
    from dodnews.crawl.spider_settings import user_agent

    assert user_agent("https://example.org/contact") == (
        "dodnews/0.1.0 (archival crawler; +https://example.org/contact)"
    )
    default = _news_crawler({})
    assert default.settings["USER_AGENT"] == user_agent(default.settings["DODNEWS_CONTACT_URL"])
    mine = _news_crawler({"DODNEWS_CONTACT_URL": "https://example.org/c"})
    assert mine.settings["USER_AGENT"].endswith("(archival crawler; +https://example.org/c)")
    # an explicit USER_AGENT on the command line wins
    explicit = _news_crawler({"USER_AGENT": "mine/1.0", "DODNEWS_CONTACT_URL": "https://x.org"})
    assert explicit.settings["USER_AGENT"] == "mine/1.0"


def test_loopback_opens_up_throughput_but_not_for_real_hosts():
    loop = _news_crawler({}, base_url=BASE)
    assert loop.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 32
    assert loop.settings.getfloat("DOWNLOAD_DELAY") == 0
    assert loop.settings.getbool("AUTOTHROTTLE_ENABLED") is False
    real = _news_crawler({})
    assert real.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1
    assert real.settings.getbool("AUTOTHROTTLE_ENABLED") is True
    lan = _news_crawler({}, base_url="http://10.1.2.3:8000")
    assert lan.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 1


def test_command_line_settings_win_over_loopback_defaults():
    crawler = _news_crawler({"CONCURRENT_REQUESTS_PER_DOMAIN": 4}, base_url=BASE)
    assert crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") == 4
    assert crawler.settings.getfloat("DOWNLOAD_DELAY") == 0


def test_an_article_found_nearer_later_has_its_related_stories_followed_again():
    from scrapy.statscollectors import MemoryStatsCollector

    crawler = _news_crawler({}, base_url=BASE, related_depth="1")
    crawler.stats = MemoryStatsCollector(crawler)
    spider = crawler.spider
    url = "https://www.war.gov/News/Releases/Release/Article/{}/x/"
    first = list(spider.article_requests(url.format(7), 1, source="related"))
    assert len(first) == 1 and first[0].url.startswith(BASE)
    # captured at depth 1: its related stories are beyond related_depth, so only remembered
    spider.ledger.keep_related(7, [(url.format(8), 8)])
    assert list(spider._follow_related(spider.ledger.related[7], 1)) == []
    # then its listing entry turns up (depth 0): no second fetch, but its related story is due
    again = list(spider.article_requests(url.format(7), 0, source="listing"))
    assert [r.meta["article_id"] for r in again] == [8]
    assert again[0].meta["dodnews_depth"] == 1
    assert list(spider.article_requests(url.format(7), 0)) == []
    assert crawler.stats.get_value("dodnews/duplicates_skipped") == 2
