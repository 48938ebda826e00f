"""Listing pages (four shapes, and the real 2020 home page), RSS feeds and GetList responses."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dodnews.extract import (
    BadFeed,
    BlockedPage,
    EmptyPage,
    extract_getlist,
    extract_listing,
    extract_rss,
)
from tests.paths import FIXTURES, ROOT

PAGES = FIXTURES / "pages"
# shared/ sits beside the repository (in development and in CI's clone alike).
_CANDIDATES = [
    ROOT.parent / "shared" / "real" / "defense-gov-home-2020-11.html",
    Path("/work/shared/real/defense-gov-home-2020-11.html"),
]
REAL_HOME = next((p for p in _CANDIDATES if p.exists()), _CANDIDATES[0])
RSS_URL = "https://www.war.gov/DesktopModules/ArticleCS/RSS.ashx?ContentType=1&Site=945&max=10"


def read(name: str) -> bytes:
    return (PAGES / name).read_bytes()


# -- the real 2020 home page ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def home() -> bytes:
    assert REAL_HOME.exists(), "the real capture is part of the shared folder"
    return REAL_HOME.read_bytes()


def test_real_home_page_entries(home: bytes) -> None:
    entries = extract_listing(home, "https://www.defense.gov/")
    # 20 `<div class="item item-<id>">` blocks plus the featured banner `featStory item item-1
    # item-2306618`, which is a div.item too: 21 entries, one per id, in page order.
    plain_items = re.findall(rb'<div class="item item-(?:\d{1,2} item-)?(\d+)', home)
    assert len(plain_items) == 20
    ids = [e.article_id for e in entries]
    assert len(entries) == 21 and len(set(ids)) == 21
    assert ids[0] == 2306618
    assert {int(i) for i in plain_items} <= set(ids)
    # The position class (item-2) is never taken for the id.
    assert all(i > 1000 for i in ids)
    assert all(e.title for e in entries) and all(e.url.startswith("https://") for e in entries)


def test_real_home_page_dates_and_sections(home: bytes) -> None:
    by_id = {e.article_id: e for e in extract_listing(home, "https://www.defense.gov/")}
    news = by_id[2410195]
    assert news.title == "Technology, Expertise Help Determine Vaccine Distribution"
    assert news.section == "news-stories" and news.content_type == "News"
    # From data-dateago, not the rendered "... ago" text.
    assert news.published == "2020-11-12T07:39:14-05:00"
    assert by_id[2411893].section == "releases"
    assert by_id[2411893].published == "2020-11-10T16:57:34-05:00"
    assert by_id[2406815].section == "feature-stories"
    assert by_id[2070949].published == "2020-11-11T16:35:00-05:00"  # rendered "15 hours ago"
    assert by_id[2411470].content_type == "Advisory" and by_id[2411470].section is None
    dated = [e for e in by_id.values() if e.published]
    assert len(dated) == 12
    assert sum(e.section is not None for e in by_id.values()) == 7  # 3 news, 2 features, 2 releases
    # A service story links to navy.mil: its id is the item's, not the navy.mil article's.
    assert 2411486 in by_id and 2411185 not in by_id


# -- the four shapes -----------------------------------------------------------------------------
def test_listing_with_preview_attributes_with_html_and_missing_id() -> None:
    entries = extract_listing(
        read("listing-preview.html"), "https://www.war.gov/News/News-Stories/"
    )
    assert [e.article_id for e in entries] == [4300123, 4300455, 4300130]
    first, second, third = entries
    assert first.summary and first.summary.endswith("11 weeks early.") and "<" not in first.summary
    assert second.title == "Statement on the Return of Remains From the Korean War"
    assert second.url == "http://www.defense.gov/News/Releases/Release/Article/4300455/"
    assert second.published == "2025-09-03"  # empty jss: the AP date
    assert second.section == "releases" and second.content_type == "News Release"
    assert third.url.startswith("https://www.war.gov/News/News-Stories/")  # relative, joined
    assert third.article_id == 4300130  # from the URL


def test_listing_titles_only_with_empty_title_and_http_url() -> None:
    entries = extract_listing(
        read("listing-titles-only.html"), "https://www.defense.gov/News/Contracts/"
    )
    assert entries[0].title is None and entries[0].article_id == 4016173
    assert all(e.section == "contracts" for e in entries)
    assert entries[2].url.endswith("/Article/4014002//")


def test_story_cards() -> None:
    entries = extract_listing(
        read("listing-story-card.html"), "https://www.defense.gov/News/Speeches/"
    )
    assert [e.article_id for e in entries] == [4300901, 4280044]
    assert entries[0].published == "2026-07-17T10:30:00-04:00"
    assert entries[1].summary is None and entries[1].section == "speeches"


def test_server_rendered_items_read_attributes_not_rendered_text() -> None:
    entries = extract_listing(
        read("listing-items.html"), "https://www.defense.gov/News/Transcripts/"
    )
    assert [e.published for e in entries] == [
        "2026-07-08T09:05:00-04:00",
        "2026-06-30T15:45:00-04:00",
        "2026-06-24",
    ]
    assert entries[1].title == "Pentagon Press Secretary Holds a Briefing"
    assert entries[0].image_url and entries[0].image_url.endswith("260708-D-XX123-0001.JPG")
    assert not any(re.search(r"\bago\b|yesterday", repr(e)) for e in entries)


def test_past_the_end_listing_is_empty() -> None:
    assert (
        extract_listing(read("listing-empty.html"), "https://www.war.gov/News/Releases/?Page=9")
        == []
    )


def test_listing_errors() -> None:
    with pytest.raises(BlockedPage):
        extract_listing(read("bot-wall.html"), "https://www.war.gov/News/")
    with pytest.raises(EmptyPage):
        extract_listing(b"", "https://www.war.gov/News/")


# -- RSS -----------------------------------------------------------------------------------------
def test_rss_items() -> None:
    entries = extract_rss(read("rss.xml"), RSS_URL)
    first, second = entries
    assert first.article_id == 4300123 and first.source == "rss"
    assert first.published == "2026-09-15T14:30:00-04:00"
    assert first.image_url and first.image_url.endswith("260912-N-KT402-1044.JPG")
    assert first.summary and first.summary.startswith("A joint Navy") and "<" not in first.summary
    assert first.section == "news-stories"
    assert second.summary == "Crews cleared 9,000 feet of runway." and second.image_url is None


def test_rss_does_not_expand_entities_or_fetch() -> None:
    evil = (
        '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        "<rss><channel><item><title>&xxe;&b;</title>"
        "<link>https://www.war.gov/News/News-Stories/Article/Article/5/x/</link>"
        "<guid>5</guid></item></channel></rss>"
    )
    (entry,) = extract_rss(evil, RSS_URL)
    assert "root:" not in (entry.title or "") and "aaaa" not in (entry.title or "")
    assert entry.article_id == 5


def test_rss_errors() -> None:
    with pytest.raises(BadFeed):
        extract_rss("<html><body>not a feed</body></html>", RSS_URL)
    with pytest.raises(EmptyPage):
        extract_rss(b"  ", RSS_URL)
    with pytest.raises(BlockedPage):
        extract_rss(read("bot-wall.html"), RSS_URL)


# -- GetList -------------------------------------------------------------------------------------
def test_getlist_escaped_data_and_done() -> None:
    entries, done = extract_getlist(
        read("getlist.json"), "https://www.war.gov/API/ArticleCS/Public/GetList"
    )
    assert done is False
    assert [e.article_id for e in entries] == [4300123, 4299870]
    assert all(e.source == "getlist" and e.section == "news-stories" for e in entries)


def test_getlist_last_page_and_raw_html_data() -> None:
    raw = json.dumps(
        {
            "Done": True,
            "Data": '<listing-with-preview article-id="7" article-title="Seven" '
            'article-url="/News/Releases/Release/Article/7/seven/" content-type-val="9">'
            "</listing-with-preview>",
        }
    )
    entries, done = extract_getlist(raw, "https://www.war.gov/API/ArticleCS/Public/GetList")
    assert done is True and [(e.article_id, e.section) for e in entries] == [(7, "releases")]
    assert extract_getlist('{"done": true, "data": ""}', "https://www.war.gov/") == ([], True)


@pytest.mark.parametrize("bad", ["not json", "[1, 2]", '{"data": 5}'])
def test_getlist_bad_responses(bad: str) -> None:
    with pytest.raises(BadFeed):
        extract_getlist(bad, "https://www.war.gov/")


def test_item_label_wins_over_an_old_url_path() -> None:
    html = (
        "<div class='item item-3000101'><figure><figcaption><span class='category'>"
        "<a class='content-type-text' href='/'>Release</a>"
        "<time data-dateago='2025-04-24T07:41:00' data-dateap='April 24, 2025'>2 days ago</time>"
        "</span><h3 class='title'><a href='https://www.defense.gov/Explore/News/Article/Article/"
        "3000101/x/'>X</a></h3></figcaption></figure></div>"
    )
    (entry,) = extract_listing(html, "https://www.defense.gov/")
    assert entry.section == "releases" and entry.published == "2025-04-24T07:41:00-04:00"
