"""Rendering without a browser: the policy, the settings, the replica's JavaScript-only pages."""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import replace

import pytest
import scrapy
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from dodnews.crawl.browser import (
    Renderer,
    abort_request,
    configure,
    needs_js_article,
    needs_js_listing,
    playwright_settings,
)
from dodnews.crawl.spiders.options import CrawlOptions
from dodnews.errors import UserError
from dodnews.extract import extract_article, extract_listing
from dodnews.model import OUTCOME_BLOCKED, OUTCOME_OK, Capture
from dodnews.replica.content import build_timeline
from dodnews.replica.server import Replica


class _Spider:
    def __init__(self) -> None:
        self.crawler = get_crawler()
        self.crawler.stats.open_spider()

    def render_failed(self, failure: object) -> None:  # the errback browser requests get
        return None


def _response(body: bytes, status: int = 200, flags: list[str] | None = None) -> HtmlResponse:
    request = scrapy.Request("http://127.0.0.1:1/News/Releases/", meta={"warc": {"record_id": "x"}})
    return HtmlResponse(request.url, status=status, body=body, request=request, flags=flags or [])


def _capture(outcome: str) -> Capture:
    return Capture(article_id=1, requested_url="u", fetched_at="t", outcome=outcome)


def test_options_default_to_auto_and_check_values() -> None:
    assert CrawlOptions.parse({}).render == "auto"
    assert CrawlOptions.parse({"screenshots": "1"}).screenshots == "new"
    assert CrawlOptions.parse({"screenshots": "all"}).screenshots == "all"
    assert CrawlOptions.parse({"screenshots": "0"}).screenshots == "off"
    # known articles are revalidated (304s) unless every page is wanted
    assert CrawlOptions.parse({"screenshots": "1"}).revalidates_known
    assert not CrawlOptions.parse({"screenshots": "all"}).revalidates_known
    assert not CrawlOptions.parse({"refetch": "1"}).revalidates_known
    with pytest.raises(UserError, match="render"):
        CrawlOptions.parse({"render": "sometimes"})
    with pytest.raises(UserError, match="screenshots"):
        CrawlOptions.parse({"screenshots": "maybe"})


def test_auto_renders_a_listing_only_when_its_entries_need_javascript() -> None:
    renderer = Renderer(_Spider(), "auto", enabled=True)
    loader = b'<div class="alist-inner" data-getlist="/API/ArticleCS/Public/GetList?x=1"></div>'
    assert needs_js_listing(loader)
    retry = renderer.retry_listing(_response(loader), 0)
    assert retry is not None and retry.meta["playwright"] is True and retry.dont_filter
    assert retry.meta["warc"] == {"record_id": "x"}  # the raw record the conversion refers to
    assert renderer.retry_listing(_response(loader), 3) is None  # entries were found plainly
    assert renderer.retry_listing(_response(b"<html></html>"), 0) is None  # past the end
    assert renderer.retry_listing(_response(loader, flags=["playwright"]), 0) is None  # once
    assert Renderer(_Spider(), "never", enabled=True).retry_listing(_response(loader), 0) is None
    assert Renderer(_Spider(), "auto", enabled=False).retry_listing(_response(loader), 0) is None
    assert Renderer(_Spider(), "always", enabled=True).retry_listing(_response(b"x"), 5)


def test_auto_renders_bot_walled_and_script_filled_articles() -> None:
    renderer = Renderer(_Spider(), "auto", enabled=True)
    walled = renderer.retry_article(_response(b"Access Denied", 403), _capture(OUTCOME_BLOCKED))
    assert walled is not None and walled.meta["dodnews_render"] == "botwall"
    assert walled.meta["dodnews_plain_capture"].outcome == OUTCOME_BLOCKED
    plain = renderer.retry_article(_response(b"<p>text</p>"), _capture(OUTCOME_OK))
    assert plain is None
    js = renderer.retry_article(_response(b'<div data-slides="W10="></div>'), _capture(OUTCOME_OK))
    assert js is not None and js.meta["dodnews_render"] == "javascript"
    never = Renderer(_Spider(), "never", enabled=True)
    assert never.retry_article(_response(b"Access Denied", 403), _capture(OUTCOME_BLOCKED)) is None
    assert renderer.failed(walled).outcome == OUTCOME_BLOCKED  # browser failure: plain capture


def test_screenshot_requests_take_boxes_and_a_full_page_png() -> None:
    renderer = Renderer(_Spider(), "never", enabled=True, screenshots=object())
    retry = renderer.retry_article(_response(b"<p>x</p>"), _capture(OUTCOME_OK))
    methods = [m.method for m in retry.meta["playwright_page_methods"]]
    assert methods[-2:] == ["evaluate", "screenshot"]
    assert retry.meta["playwright_page_methods"][-1].kwargs == {"full_page": True, "type": "png"}


def test_settings_use_debian_chromium_and_stay_off_for_never() -> None:
    settings = playwright_settings("/usr/bin/chromium")
    launch = settings["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert launch["executable_path"] == "/usr/bin/chromium" and launch["headless"] is True
    assert "--no-sandbox" in launch["args"] and "--disable-gpu" in launch["args"]
    crawler = get_crawler()
    assert configure(crawler, "never") is False
    assert "dodnews" not in str(crawler.settings.getdict("DOWNLOAD_HANDLERS"))
    crawler = get_crawler(settings_dict={"DODNEWS_CHROMIUM": "/nonexistent/chromium"})
    assert configure(crawler, "auto") is False  # no browser: plain fetches only
    with pytest.raises(UserError, match="Chromium"):
        configure(crawler, "always")


class _PwRequest:
    def __init__(self, url: str, kind: str, page_url: str = "http://127.0.0.1:8800/x") -> None:
        self.url, self.resource_type = url, kind
        self.frame = type("F", (), {"page": type("P", (), {"url": page_url})()})()

    def is_navigation_request(self) -> bool:
        return self.resource_type == "document"


def test_media_and_other_hosts_are_aborted() -> None:
    assert abort_request(_PwRequest("https://media.defense.gov/a.JPG", "image"))
    assert abort_request(_PwRequest("https://www.war.gov/Portals/main.css", "stylesheet"))
    assert not abort_request(_PwRequest("http://127.0.0.1:8800/API/GetList", "fetch"))
    assert not abort_request(_PwRequest("http://127.0.0.1:8800/News/", "document"))


# --- the replica's JavaScript-only variant (no browser needed to see what is missing) ----------


@pytest.fixture(scope="module")
def replica() -> Replica:
    return Replica(build_timeline(None, 0, 1))


def test_js_listing_has_no_entries_but_the_getlist_loader(replica: Replica) -> None:
    static = replica.route("/News/Releases/", {}, {}).body
    js = replica.route("/News/Releases/", {"js": "1"}, {}).body
    page_url = "https://www.war.gov/News/Releases/"
    assert extract_listing(static, page_url)
    assert extract_listing(js, page_url) == []
    assert needs_js_listing(js) and not needs_js_listing(static)
    loader = re.search(rb'data-getlist="([^"]+)"', js).group(1).decode().replace("&amp;", "&")
    path, _, query = loader.partition("?")
    args = dict(p.lower().split("=") for p in query.split("&"))
    data = json.loads(replica.route(path, args, {}).body)
    assert "listing-with-preview" in data["data"].replace("&lt;", "<")


def test_js_article_captions_only_in_the_script_data(replica: Replica) -> None:
    article_id = next(
        i
        for i, a in replica.state.articles.items()
        if any("image" in b for b in a["body"]) and a["section"] != "contracts"
    )
    path = replica.state.articles[article_id]
    from dodnews.replica.content import slug_of
    from dodnews.site import WAR, article_path

    url = article_path(article_id, path["section"], slug_of(path), WAR)
    static = replica.route(url, {}, {}).body
    js = replica.route(url, {"js": "1"}, {}).body
    real = "https://www.war.gov" + url
    static_caps = [i.caption for i in extract_article(static, real).images]
    assert any(static_caps)
    assert not any(i.caption for i in extract_article(js, real).images)
    assert needs_js_article(js) and not needs_js_article(static)
    data = re.search(rb'data-slides="([^"]+)"', js).group(1)
    hidden = json.loads(base64.b64decode(data))
    assert [c for c in static_caps if c] == [html.unescape(c) for c in hidden if c]


def test_admin_js_switch_and_botwall_lets_browsers_through(replica: Replica) -> None:
    from dodnews.replica.server import _is_browser

    assert replica.admin("/__replica__/js", {"set": "1"}).status == 200
    assert b"data-getlist" in replica.route("/News/Releases/", {}, {}).body
    replica.admin("/__replica__/js", {"set": "0"})
    assert b"data-getlist" not in replica.route("/News/Releases/", {}, {}).body
    chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/156.0 Safari/537.36"
    assert _is_browser({"user-agent": chrome})
    assert not _is_browser({"user-agent": "dodnews/0.1 (archival crawler)"})
    assert not _is_browser({})


def test_screenshots_new_renders_only_content_the_archive_lacks() -> None:
    from dodnews.diffing.normalize import content_hash
    from dodnews.extract.normalize import normalize_article
    from dodnews.model import Article

    story = Article(
        article_id=1,
        url="https://www.war.gov/News/Releases/Release/Article/1/x/",
        section="releases",
        title="Depot Reopens",
        paragraphs=["The depot reopened on Monday after a week of repairs."],
    )
    edited = Article(**{**story.to_dict(), "paragraphs": ["The depot reopened on Tuesday."]})
    archived = {1: content_hash(normalize_article(story))}
    renderer = Renderer(_Spider(), "never", enabled=True, screenshots=object(), known=archived)
    page = _response(b"<html><body><h1 class='maintitle'>x</h1></body></html>")
    same = replace(_capture(OUTCOME_OK), article=story)
    assert renderer.retry_article(page, same) is None  # the archive holds it: no browser
    assert renderer.stats.get_value("dodnews/render/screenshot_unchanged") == 1
    changed = replace(_capture(OUTCOME_OK), article=edited)
    assert renderer.retry_article(page, changed).meta["dodnews_render"] == "screenshot"
    # `all` (no archive hashes): every ok capture is rendered
    every = Renderer(_Spider(), "never", enabled=True, screenshots=object())
    assert every.retry_article(page, same) is not None
