"""Capture classification of every kind of article response, and the normalize/validate stages."""

from __future__ import annotations

from dataclasses import replace

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse
from twisted.internet.error import TimeoutError as TxTimeoutError
from twisted.python.failure import Failure

from dodnews.crawl.capturing import capture_from_failure, capture_from_response
from dodnews.extract.normalize import (
    collapse_whitespace_keep_none,
    normalize_article,
    validation_problem,
)
from dodnews.model import Article, Image, RelatedLink
from dodnews.replica.content import build_timeline
from dodnews.replica.pages import bot_wall
from dodnews.replica.server import Replica

BASE = "http://127.0.0.1:8765"
ID = 4300108
PATH = "/News/News-Stories/Article/Article/4300108/x/"


@pytest.fixture(scope="module")
def replica() -> Replica:
    return Replica(build_timeline())


def _response(
    status: int,
    body: bytes | str,
    url: str = BASE + PATH,
    request_headers: dict[str, str] | None = None,
    **meta: object,
):
    request = Request(
        BASE + PATH,
        headers=request_headers,
        meta={"article_id": ID, "dodnews_requested": "https://www.defense.gov" + PATH, **meta},
    )
    body = body.encode() if isinstance(body, str) else body
    return HtmlResponse(
        url, status=status, body=body, request=request, headers={"ETag": '"abc"', "X-Other": "y"}
    )


def test_a_200_article_page_is_an_ok_capture_with_the_article(replica):
    page = replica.route(PATH, {}, {})
    capture = capture_from_response(
        _response(
            200, page.body, redirect_urls=[BASE + "/Explore/News/Article/Article/4300108/x/"]
        ),
        BASE,
    )
    assert capture.outcome == "ok" and capture.error is None
    assert capture.article is not None and capture.article.article_id == ID
    assert capture.article.url.startswith("https://www.war.gov/News/News-Stories/")
    assert capture.final_url == "https://www.war.gov" + PATH
    assert capture.requested_url == "https://www.defense.gov" + PATH
    assert capture.redirects == ["https://www.war.gov/Explore/News/Article/Article/4300108/x/"]
    assert capture.headers["etag"] == '"abc"' and "x-other" not in capture.headers
    assert capture.body_digest.startswith("sha256:")


def test_warc_reference_travels_to_the_capture(replica):
    page = replica.route(PATH, {}, {})
    warc = {"file": "a.warc.gz", "record_id": "<urn:uuid:1>", "revisit": False}
    capture = capture_from_response(_response(200, page.body, warc=warc), BASE)
    assert (capture.warc_file, capture.warc_record_id) == ("a.warc.gz", "<urn:uuid:1>")


@pytest.mark.parametrize(
    ("status", "body", "outcome", "error"),
    [
        (304, b"", "error", "HTTP 304 to a request without validators"),
        (404, "<html><h1>Page Not Found</h1></html>", "gone", None),
        (410, "", "gone", None),
        (403, bot_wall("https://www.war.gov" + PATH), "blocked", "bot wall (Access Denied)"),
        (200, bot_wall("https://www.war.gov" + PATH), "blocked", "bot wall (Access Denied)"),
        (403, "<html><p>Forbidden</p></html>", "error", "HTTP 403"),
        (500, "<html>oops</html>", "error", "HTTP 500"),
        (503, "", "error", "HTTP 503"),
        (429, "", "error", "HTTP 429"),
    ],
)
def test_statuses_are_classified(status, body, outcome, error):
    capture = capture_from_response(_response(status, body), BASE)
    assert capture.outcome == outcome
    assert capture.error == error
    assert capture.article is None
    assert capture.status == status


@pytest.mark.parametrize(
    "validators",
    [{"If-None-Match": '"abc"'}, {"If-Modified-Since": "Tue, 01 Sep 2026 10:00:00 GMT"}],
)
def test_only_a_304_to_our_own_validators_is_not_modified(validators):
    capture = capture_from_response(_response(304, b"", request_headers=validators), BASE)
    assert (capture.outcome, capture.error, capture.status) == ("not-modified", None, 304)
    unasked = capture_from_response(_response(304, b"", request_headers={"X-Other": "1"}), BASE)
    assert unasked.outcome == "error" and "without validators" in unasked.error


def test_a_redirect_off_the_site_is_an_error_naming_the_host(replica):
    page = replica.route(PATH, {}, {})
    # not followed (OffsiteRedirectMiddleware): the 302 itself, marked
    held = _response(302, b"", dodnews_offsite="evil.example:8080")
    capture = capture_from_response(held, BASE)
    assert (capture.outcome, capture.status) == ("error", 302)
    assert capture.error == "redirected off-site to evil.example:8080"
    # a browser follows redirects itself: a page it ended on elsewhere is no capture of the site
    for url in (
        "https://evil.example" + PATH,
        "http://127.0.0.2:8765" + PATH,
        BASE[:-1] + "6" + PATH,
    ):
        capture = capture_from_response(_response(200, page.body, url=url), BASE)
        assert capture.outcome == "error" and capture.article is None, url
        assert capture.error.startswith("redirected off-site to "), url
    assert capture_from_response(_response(200, page.body), BASE).outcome == "ok"
    www = "https://www.war.gov" + PATH
    assert capture_from_response(_response(200, page.body, url=www), None).outcome == "ok"


def test_a_200_page_that_is_no_article_is_an_error(replica):
    listing = replica.route("/News/Releases/", {}, {})
    capture = capture_from_response(_response(200, listing.body), BASE)
    assert capture.outcome == "error" and capture.article is None
    assert capture.error.startswith("not an article page")


def test_a_page_the_parser_cannot_read_whole_is_an_error_not_a_short_version(replica):
    page = replica.route(PATH, {}, {}).body.decode()
    # Markup nested past every parser limit before the second paragraph: its text would be lost.
    junk = "<span>" * 5000
    page = page.replace('<div class="body">', '<div class="body"><p>Kept.</p>' + junk, 1)
    capture = capture_from_response(_response(200, page), BASE)
    assert capture.outcome == "error" and capture.article is None
    assert capture.error.startswith("page not read whole: the parser stopped early")


def test_a_failure_is_an_error_capture_on_the_real_url():
    failure = Failure(TxTimeoutError("took too long"))
    capture = capture_from_failure(failure, BASE + PATH, ID, BASE)
    assert capture.outcome == "error" and capture.article_id == ID
    assert capture.requested_url == "https://www.war.gov" + PATH
    assert "TimeoutError" in capture.error and capture.status is None


# -- normalize / validate -----------------------------------------------------------------------


def _article(**changes: object) -> Article:
    base = Article(
        article_id=ID,
        url="https://www.war.gov" + PATH,
        section="news-stories",
        title="  Marines  Test\u00a0New Landing Craft ",
        byline="By Ana Ruiz ",
        summary="",
        paragraphs=[" First\u00a0 line\n of text. ", "   ", "Cafe\u0301 \u201cquoted\u201d words."],
        headings=[2],
        images=[
            Image(
                src="https://media.defense.gov/2026/Jan/05/2003000001/825/780/0/260105-M-AB123-1001.JPG",
                caption=" A  caption ",
            )
        ],
        related=[
            RelatedLink(ID + 1, " Other  story ", "https://www.war.gov/x/Article/4300109/y/"),
            RelatedLink(ID + 1, "dupe", "https://www.war.gov/x/Article/4300109/y/"),
            RelatedLink(ID, "self", "https://www.war.gov" + PATH),
        ],
        tags=["Navy", " Navy ", "", "Army"],
        banner="  ",
        corrections=[" Correction: a date. ", ""],
    )
    return replace(base, **changes)


def test_normalize_cleans_text_and_keeps_quotes_as_published():
    art = normalize_article(_article())
    assert art.title == "Marines Test New Landing Craft"
    assert art.byline == "By Ana Ruiz" and art.summary is None and art.banner is None
    assert art.paragraphs == ["First line of text.", "Caf\u00e9 \u201cquoted\u201d words."]
    assert art.headings == [1]  # the heading index follows the dropped empty paragraph
    # the address is kept as the page gave it (size variants are matched by VIRIN when diffing)
    assert art.images[0].src.endswith("/825/780/0/260105-M-AB123-1001.JPG")
    assert art.images[0].caption == "A caption"
    assert [(r.article_id, r.title) for r in art.related] == [(ID + 1, "Other story")]
    assert art.tags == ["Army", "Navy"]
    assert art.corrections == ["Correction: a date."]


def test_collapse_whitespace_keep_none():
    assert collapse_whitespace_keep_none(None) is None
    assert collapse_whitespace_keep_none("a\u00a0\t b\n") == "a b"
    assert collapse_whitespace_keep_none("e\u0301") == "\u00e9"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({}, None),
        ({"article_id": 0}, "bad_article_id"),
        ({"article_id": 2**63}, "bad_article_id"),  # no archive back end stores it
        ({"url": ""}, "missing_url"),
        ({"title": ""}, "missing_title"),
        ({"section": "blogs"}, "unknown_section"),
        ({"paragraphs": [], "images": []}, "empty_body"),
        ({"paragraphs": []}, None),  # a photo-only page is still an article
    ],
)
def test_validation_problems(changes, problem):
    assert validation_problem(normalize_article(_article(**changes))) == problem


def test_validate_pipeline_turns_an_invalid_article_into_a_counted_failed_capture(replica):
    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    from dodnews.crawl.pipelines import NormalizePipeline, ValidatePipeline

    crawler = get_crawler(Spider)
    page = replica.route(PATH, {}, {})
    capture = capture_from_response(_response(200, page.body), BASE)
    capture.article = replace(capture.article, title="  ")
    capture = NormalizePipeline.from_crawler(crawler).process_item(capture)
    out = ValidatePipeline.from_crawler(crawler).process_item(capture)
    assert out.article is None and out.outcome == "error"
    assert out.error == "invalid article: missing_title"
    assert crawler.stats.get_value("dodnews/invalid/missing_title") == 1


def test_normalize_pipeline_drops_what_is_not_a_capture():
    from scrapy import Spider
    from scrapy.exceptions import DropItem
    from scrapy.utils.test import get_crawler

    from dodnews.crawl.pipelines import NormalizePipeline

    with pytest.raises(DropItem):
        NormalizePipeline.from_crawler(get_crawler(Spider)).process_item({"title": "x"})
