"""`replica serve --page-kb N`: pages as heavy as the real site's, with the same content."""

from __future__ import annotations

import gzip

import pytest

from dodnews.extract import extract_article, extract_listing
from dodnews.replica.testing import ReplicaProcess
from dodnews.replica.weight import heavy_chrome

pytestmark = pytest.mark.slow  # a replica server process


def test_heavy_chrome_is_sized_stable_and_links_no_article() -> None:
    chrome = heavy_chrome(100, "https://www.war.gov")
    assert 100 * 1024 <= len(chrome) < 110 * 1024
    assert chrome == heavy_chrome(100, "https://www.war.gov")
    assert "/Article/" not in chrome
    assert heavy_chrome(0, "https://www.war.gov") == ""


def test_heavy_pages_carry_the_same_article_and_listing() -> None:
    with ReplicaProcess() as lean, ReplicaProcess(extra_args=["--page-kb", "120"]) as heavy:
        entries = extract_listing(
            lean.get("/News/News-Stories/")[2], "https://www.war.gov/News/News-Stories/"
        )
        status, headers, body = heavy.get("/News/News-Stories/")
        assert status == 200
        assert extract_listing(body, "https://www.war.gov/News/News-Stories/") == entries
        path = entries[0].url.split("war.gov", 1)[1]
        url = "https://www.war.gov" + path
        _, _, lean_page = lean.get(path)
        status, headers, heavy_page = heavy.get(path, headers={"Accept-Encoding": "gzip"})
        assert status == 200 and headers.get("content-encoding") == "gzip"
        heavy_page = gzip.decompress(heavy_page)
        assert len(heavy_page) > len(lean_page) + 120 * 1024
        assert extract_article(heavy_page, url) == extract_article(lean_page, url)
