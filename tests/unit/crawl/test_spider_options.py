"""Spider arguments: every `-a` of the news spider parsed, every bad value a one-line UserError."""

from __future__ import annotations

from datetime import date

import pytest

from dodnews.crawl.spiders.options import CrawlOptions, is_loopback_url, parse_bool
from dodnews.errors import UserError
from dodnews.site import WAR


def test_defaults_crawl_every_section_to_related_depth_one():
    opts = CrawlOptions.parse({})
    assert opts.sections == list(WAR.section_keys)
    assert (opts.max_pages, opts.since, opts.until) == (0, None, None)
    assert (opts.rss, opts.related_depth, opts.base_url) == (False, 1, None)
    assert (opts.render, opts.screenshots, opts.rss_max) == ("auto", "off", 100)


def test_every_argument_is_parsed():
    opts = CrawlOptions.parse(
        {
            "sections": " Contracts, releases ",
            "max_pages": "3",
            "since": "2026-01-01",
            "until": "2026-06-30",
            "rss": "yes",
            "related_depth": "0",
            "base_url": "http://127.0.0.1:8123/",
            "render": "AUTO",
            "rss_max": "500",
            "screenshots": "0",
        }
    )
    assert opts.sections == ["contracts", "releases"]
    assert opts.max_pages == 3
    assert opts.since == date(2026, 1, 1) and opts.until == date(2026, 6, 30)
    assert opts.rss is True and opts.related_depth == 0
    assert opts.base_url == "http://127.0.0.1:8123"
    assert opts.render == "auto" and opts.rss_max == 500


@pytest.mark.parametrize("value", ["", "all"])
def test_empty_or_all_sections_mean_every_section(value):
    assert CrawlOptions.parse({"sections": value}).sections == list(WAR.section_keys)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"sections": "news,contracts"}, "unknown section 'news'"),
        ({"max_pages": "two"}, "-a max_pages: expected a whole number"),
        ({"max_pages": "-1"}, "must be at least 0"),
        ({"related_depth": "1.5"}, "-a related_depth: expected a whole number"),
        ({"since": "2026-13-01"}, "-a since: expected a date as YYYY-MM-DD"),
        ({"until": "yesterday"}, "-a until: expected a date"),
        ({"since": "2026-05-01", "until": "2026-04-01"}, "since is later than -a until"),
        ({"rss": "maybe"}, "-a rss: expected 1 or 0"),
        ({"base_url": "127.0.0.1:8000"}, "-a base_url: expected http://HOST:PORT"),
        ({"base_url": "ftp://127.0.0.1"}, "-a base_url"),
        ({"base_url": "http://127.0.0.1:99999"}, "bad port"),
        ({"render": "sometimes"}, "-a render: expected auto, always or never"),
        ({"rss_max": "0"}, "-a rss_max: must be at least 1"),
        ({"rss_max": "501"}, "at most 500"),
        ({"screenshots": "2"}, "-a screenshots: expected 0, 1 (= new), new or all"),
        ({"secions": "contracts"}, "unknown spider argument -a secions"),
    ],
)
def test_bad_values_are_one_line_user_errors(args, words):
    with pytest.raises(UserError) as caught:
        CrawlOptions.parse(args)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message


def test_scrapy_job_argument_is_accepted():
    assert CrawlOptions.parse({"_job": "x"}).sections == list(WAR.section_keys)


@pytest.mark.parametrize(("text", "value"), [("1", True), ("On", True), ("0", False), ("", False)])
def test_booleans(text, value):
    assert parse_bool("rss", text) is value


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.3.4.5", True),
        ("http://localhost:80", True),
        ("http://[::1]:8080", True),
        ("https://www.war.gov", False),
        ("http://10.0.0.2:8000", False),
        (None, False),
    ],
)
def test_loopback_detection(url, loopback):
    assert is_loopback_url(url) is loopback
