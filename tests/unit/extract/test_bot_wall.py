"""The Akamai bot wall is recognized by its shape (SITE.md), never by a phrase in the page.

Every place that classifies a wall goes through `is_bot_wall`: article captures (status and
extraction), listing and feed pages, and `dodnews extract`. A real article quoting the wall's words
must be archived; every form of the real wall must still be blocked.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from dodnews.crawl.capturing import capture_from_response
from dodnews.extract import BlockedPage, extract_article, extract_listing, extract_rss, is_bot_wall
from dodnews.replica.pages import bot_wall
from tests.paths import FIXTURES

PAGES = FIXTURES / "pages"
STORY = (PAGES / "news-story.html").read_text(encoding="utf-8")
STORY_URL = (
    "https://www.war.gov/News/News-Stories/Article/Article/4300123/"
    "engineers-restore-storm-damaged-pier-at-guam-naval-base-ahead-of-schedule/"
)
# A story about a locked door: the wall's words in an article, as a reader would see them.
QUOTING = STORY.replace(
    "<p>Sailors at Naval Base Guam",
    "<p>When the fuel system's badge reader failed, its screen showed &quot;Access Denied&quot;; "
    "the crew logged it as Reference #18 in the repair tracker.</p>\n    "
    "<p>Sailors at Naval Base Guam",
    1,
)
# The same, in a page trimmed to the bare wrapper: small enough to pass for the wall by size.
TINY_QUOTING = (
    "<html><head><title>Access Denied</title></head><body>"
    "<div class='adetail content-type-1'><h1 class='maintitle'>Access Denied</h1>"
    "<span class='date'>Jul. 4, 2026</span><div class='body'><p>The screen read Access Denied, "
    "Reference #18.</p></div></div></body></html>"
)
# The wall as served in 2026: one more line, naming errors.edgesuite.net (values made up).
WALL_2026 = (
    "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
    "You don't have permission to access \"http&#58;&#47;&#47;www&#46;war&#46;gov&#47;News&#47;"
    'Releases&#47;" on this server.<P>\nReference&#32;&#35;18&#46;2d41c317&#46;1780000000&#46;'
    "5e6f70\n<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;2d41c317&#46;"
    "1780000000&#46;5e6f70</P>\n</BODY>\n</HTML>\n"
)
WALLS = {
    "fixture (upper-case tags, entity-escaped URL and reference)": (
        PAGES / "bot-wall.html"
    ).read_text(encoding="utf-8"),
    "replica": bot_wall(STORY_URL),
    "2026 with errors.edgesuite.net": WALL_2026,
    "lower case, plain text": (
        "<html><head><title> Access  Denied </title></head><body><h1>Access Denied</h1>"
        "You don't have permission to access this page. Reference #18.0.1.2</body></html>"
    ),
}


def _capture(status: int, body: str) -> object:
    request = Request(STORY_URL, meta={"article_id": 4300123})
    response = HtmlResponse(STORY_URL, status=status, body=body.encode(), request=request)
    return capture_from_response(response, None)


def test_an_article_quoting_the_walls_words_is_archived_not_blocked() -> None:
    assert len(QUOTING) < 16_384 and QUOTING != STORY
    for status in (None, 200, 403):
        assert not is_bot_wall(QUOTING, status)
        assert not is_bot_wall(TINY_QUOTING, status)
    article = extract_article(QUOTING, STORY_URL)
    assert any("Access Denied" in p and "Reference #18" in p for p in article.paragraphs)
    capture = _capture(200, QUOTING)
    assert capture.outcome == "ok" and capture.error is None
    assert capture.article is not None and capture.article.article_id == 4300123
    assert extract_article(TINY_QUOTING, STORY_URL).title == "Access Denied"


@pytest.mark.parametrize("name", list(WALLS))
def test_every_form_of_the_real_wall_is_blocked(name: str) -> None:
    wall = WALLS[name]
    assert len(wall.encode()) < 1024
    assert is_bot_wall(wall) and is_bot_wall(wall.encode(), 403) and is_bot_wall(wall, 200)
    with pytest.raises(BlockedPage):
        extract_article(wall, STORY_URL)
    with pytest.raises(BlockedPage):
        extract_listing(wall, "https://www.war.gov/News/Releases/")
    with pytest.raises(BlockedPage):
        extract_rss(wall, "https://www.war.gov/DesktopModules/ArticleCS/RSS.ashx?ContentType=9")
    for status in (200, 403):
        capture = _capture(status, wall)
        assert capture.outcome == "blocked" and capture.article is None, status


def test_a_small_page_titled_otherwise_or_without_the_reference_is_no_wall() -> None:
    wall = WALLS["replica"]
    assert not is_bot_wall(wall.replace("<TITLE>Access Denied", "<TITLE>Access Denied Today"))
    assert not is_bot_wall(wall.replace("Reference&#32;&#35;", "Ref"))  # no status, no reference
    assert is_bot_wall(wall.replace("Reference&#32;&#35;", "Ref"), 403)  # the 403 says it
    assert not is_bot_wall(wall + "<!-- padding -->" * 400, 403)  # far larger than the wall


def test_dodnews_extract_reads_the_quoting_article_and_refuses_the_wall(tmp_path: Path) -> None:
    quoting = tmp_path / "quoting.html"
    quoting.write_text(QUOTING, encoding="utf-8")
    wall = tmp_path / "wall.html"
    wall.write_text(WALL_2026, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "extract", str(quoting)], capture_output=True, text=True
    )
    assert done.returncode == 0 and "Reference #18" in done.stdout, done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "extract", str(wall)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "bot wall" in done.stderr
    assert "Traceback" not in done.stderr
