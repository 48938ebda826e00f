"""Identity comes from the page's own URL: a listing or related entry cannot poison another article.

A hostile (or broken) site names the wrong `article-id` attribute on an entry whose link leads to
another article. The attribute is only a hint: the capture is filed under the id in the URL it
came from, the mismatch is logged and counted, and an archive poisoned by an older dodnews is
found by `archive verify` and moved back by `archive repair --wrong-ids`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from sqlalchemy import delete, insert, select, update

from dodnews.archive import Archive
from dodnews.archive.schema import articles, captures, changes, versions
from dodnews.archive.transfer import archive_digests
from dodnews.cli.main import main
from dodnews.extract.listing import entry_from_attrs
from dodnews.model import OUTCOME_ERROR, OUTCOME_OK, Article, Capture
from dodnews.replica.content import build_timeline
from dodnews.replica.server import Replica
from tests.crawl_support import CrawlWorkspace
from tests.unit.archive.test_archive import ARTICLE_ID, URL, article_v1, article_v2, capture

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

# In the replica, 4300130 is the newest news story and 4300131 the newest release.
LISTED = 4300130
CLAIMED = 4300131


class TamperingSite:
    """The replica served from a thread, with every entry of LISTED claiming to be CLAIMED."""

    def __init__(self) -> None:
        self.replica = Replica(build_timeline())
        self.lock = threading.Lock()
        self.tampered = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                args = {k.lower(): v for k, v in parse_qsl(parts.query)}
                headers = {k.lower(): v for k, v in self.headers.items()}
                with outer.lock:
                    answer = outer.replica.route(parts.path, args, headers)
                body = answer.body
                bait = f'article-id="{LISTED}"'.encode()
                if bait in body:
                    outer.tampered += body.count(bait)
                    body = body.replace(bait, f'article-id="{CLAIMED}"'.encode())
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TamperingSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def tampering_site() -> Iterator[TamperingSite]:
    with TamperingSite() as site:
        yield site


def stored_ids(archive: Archive) -> list[tuple[int, int]]:
    """(row article_id, id inside the stored article JSON) of every version."""
    with archive.engine.connect() as conn:
        rows = conn.execute(select(versions.c.article_id, versions.c.article)).all()
    return sorted((row.article_id, row.article["article_id"]) for row in rows)


@pytest.mark.slow
def test_a_lying_article_id_attribute_cannot_poison_another_article(
    tmp_path: Path, tampering_site: TamperingSite
) -> None:
    work = CrawlWorkspace(tmp_path, tampering_site.url)
    common = {"max_pages": 1, "related_depth": 1, "render": "never"}
    # The news listing (and related stories) name the news story LISTED as CLAIMED.
    assert work.crawl("news", sections="news-stories", **common) == 0, work.logs[-1][-3000:]
    assert tampering_site.tampered > 0
    # Then the release CLAIMED is captured for real: it must not be compared with LISTED's page.
    assert work.crawl("news", sections="releases", **common) == 0, work.logs[-1][-3000:]
    assert work.crawl("news", sections="releases", **common) == 0, work.logs[-1][-3000:]
    with work.open() as archive:
        pairs = stored_ids(archive)
        assert all(row_id == own_id for row_id, own_id in pairs), pairs
        assert (LISTED, LISTED) in pairs and (CLAIMED, CLAIMED) in pairs
        listed = archive.latest_version(LISTED)
        claimed = archive.latest_version(CLAIMED)
        assert listed is not None and claimed is not None
        assert listed.article.title != claimed.article.title
        assert archive.verify() == []
        assert all(run.status == "ok" for run in archive.runs(limit=10))
    # The lie was noticed: one warning per entry, and a stat.
    assert f"says article-id {CLAIMED}" in work.logs[0]
    assert "'dodnews/identity/hint_mismatch'" in work.logs[0]


def test_the_link_not_the_attribute_names_the_entry() -> None:
    from lxml import etree

    page = "https://www.war.gov/News/"
    element = etree.fromstring(
        f'<listing-with-preview article-id="{CLAIMED}" article-title="A"'
        f' article-url="https://www.war.gov/News/News-Stories/Article/Article/{LISTED}/a/"/>'
    )
    entry = entry_from_attrs(element, page)
    assert entry is not None
    assert (entry.article_id, entry.id_hint) == (LISTED, CLAIMED)
    # Agreeing attribute: no hint kept; a link without an id: the attribute is all there is.
    element.set("article-id", str(LISTED))
    assert (
        entry_from_attrs(element, page).article_id,
        entry_from_attrs(element, page).id_hint,
    ) == (
        LISTED,
        None,
    )
    element.set("article-url", "https://www.war.gov/News/some-page/")
    entry = entry_from_attrs(element, page)
    assert entry is not None and (entry.article_id, entry.id_hint) == (LISTED, None)


def test_a_capture_filed_under_a_wrong_id_is_stored_under_the_article_own_id(
    tmp_path: Path,
) -> None:
    other = article_v2()
    other = replace(
        other,
        article_id=ARTICLE_ID + 1,
        url=other.url.replace(str(ARTICLE_ID), str(ARTICLE_ID + 1)),
    )
    with Archive.open(str(tmp_path / "a.sqlite")) as archive:
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
        # The other article's page, filed under ARTICLE_ID by a lying hint.
        result = archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", other))
        assert result.change_id is None
        assert stored_ids(archive) == [(ARTICLE_ID, ARTICLE_ID), (ARTICLE_ID + 1, ARTICLE_ID + 1)]
        assert [c.id for c in archive.captures(ARTICLE_ID + 1)] == [result.capture_id]
        assert archive.verify() == []


WRONG = 4100999  # the id a lying entry claimed for ARTICLE_ID's page
WRONG_URL = "https://www.war.gov/News/News-Stories/Article/Article/4100999/depot-reopens/"


def wrong_article() -> Article:
    """The article WRONG really is (written for this test)."""
    return Article(
        article_id=WRONG,
        url=WRONG_URL,
        section="news-stories",
        title="Supply Depot Reopens After Flood Repairs",
        paragraphs=["The depot reopened on Monday after six weeks of repairs."],
        extractor_version="test-1",
    )


def poisoned_archive(path: Path) -> None:
    """An archive as an older dodnews left it after a lying listing entry, then used on.

    ARTICLE_ID's page (two versions, a change, a failed fetch of its link) was filed under WRONG;
    then WRONG's own page was captured (today's writer keeps it, reporting no change); and
    ARTICLE_ID's own link was captured too, holding the content of its second version.
    """
    with Archive.open(str(path)) as archive:
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
        archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
        archive.record_capture(
            capture(OUTCOME_ERROR, "2025-10-08T19:00:00Z", status=503, error="HTTP 503")
        )
        with archive.engine.begin() as conn:
            # What the old writer did: everything of that page under the id the entry claimed.
            row = conn.execute(select(articles).where(articles.c.article_id == ARTICLE_ID)).one()
            conn.execute(insert(articles).values({**row._asdict(), "article_id": WRONG}))
            for table in (versions, captures, changes):
                conn.execute(
                    update(table).where(table.c.article_id == ARTICLE_ID).values(article_id=WRONG)
                )
            conn.execute(delete(articles).where(articles.c.article_id == ARTICLE_ID))
        own = Capture(
            article_id=WRONG,
            requested_url=WRONG_URL,
            fetched_at="2025-10-09T19:00:00Z",
            outcome=OUTCOME_OK,
            status=200,
            final_url=WRONG_URL,
            headers={"ETag": '"w1"'},
            body_digest="sha256:" + "cd" * 32,
            article=wrong_article(),
        )
        archive.record_capture(own)
        archive.record_capture(capture(OUTCOME_OK, "2025-10-10T19:00:00Z", article_v2()))


def capture_ids_by_article(archive: Archive) -> dict[int, list[int]]:
    with archive.engine.connect() as conn:
        rows = conn.execute(select(captures.c.article_id, captures.c.id)).all()
    found: dict[int, list[int]] = {}
    for row in rows:
        found.setdefault(row.article_id, []).append(row.id)
    return {k: sorted(v) for k, v in found.items()}


def test_verify_names_versions_filed_under_a_wrong_id_and_repair_moves_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "archive.sqlite"
    poisoned_archive(path)
    with Archive.open(str(path)) as archive:
        problems = archive.verify()
        before = capture_ids_by_article(archive)
    assert problems == [
        f"article {WRONG} version {seq}: holds article {ARTICLE_ID} (filed under a wrong id; "
        "`dodnews archive repair --wrong-ids` moves it)"
        for seq in (1, 2)
    ]
    assert len(before[WRONG]) == 4 and len(before[ARTICLE_ID]) == 1
    digests = archive_digests(str(path))

    # A dry run says what it would do and changes nothing.
    assert main(["archive", "repair", "--wrong-ids", "--archive", str(path)]) == 0
    dry = capsys.readouterr().out
    assert f"article {WRONG} v1 (version 1) holds article {ARTICLE_ID}: moved there as v2" in dry
    assert f"article {WRONG} v2 (version 2) holds article {ARTICLE_ID}: the same content" in dry
    assert "dry run: nothing changed" in dry
    assert archive_digests(str(path)) == digests

    assert main(["archive", "repair", "--wrong-ids", "--apply", "--archive", str(path)]) == 0
    done = capsys.readouterr().out
    assert done.replace("dry run: nothing changed; run again with --apply to do it", "") != dry
    assert done.splitlines()[:-1] == dry.splitlines()[:-1]  # the dry run told the truth
    with Archive.open(str(path)) as archive:
        assert archive.verify() == []
        after = capture_ids_by_article(archive)
        # Not a capture lost: ARTICLE_ID has its five, WRONG its own one.
        assert sorted(after[ARTICLE_ID] + after[WRONG]) == sorted(
            i for ids in before.values() for i in ids
        )
        assert len(after[WRONG]) == 1 and len(after[ARTICLE_ID]) == 4
        assert stored_ids(archive) == [(ARTICLE_ID, ARTICLE_ID)] * 2 + [(WRONG, WRONG)]
        assert [v.version for v in archive.versions(WRONG)] == [1]
        assert archive.latest_version(WRONG).article == wrong_article()
        # The change between ARTICLE_ID's two versions moved with them.
        (change,) = archive.changes(article_id=ARTICLE_ID)
        assert "title_changed" in change.kinds
        assert archive.changes(article_id=WRONG) == []
        # Both articles' state is their own again: WRONG's validators are its page's.
        assert archive.article(WRONG).etag == '"w1"' and archive.article(WRONG).url == WRONG_URL
        right = archive.article(ARTICLE_ID)
        assert right.url == URL and right.first_seen == "2025-10-06T19:00:00Z"
        # Capturing both again works: nothing is compared across articles any more.
        r1 = archive.record_capture(capture(OUTCOME_OK, "2025-10-11T19:00:00Z", article_v1()))
        assert r1.change_id is not None and r1.revert
        moved_on = wrong_article()
        moved_on.paragraphs = ["The depot reopened on Tuesday after six weeks of repairs."]
        r2 = archive.record_capture(
            Capture(
                article_id=WRONG,
                requested_url=WRONG_URL,
                fetched_at="2025-10-12T19:00:00Z",
                outcome=OUTCOME_OK,
                status=200,
                final_url=WRONG_URL,
                article=moved_on,
            )
        )
        assert r2.change_id is not None
        assert archive.verify() == []
    # Repairing again finds nothing.
    assert main(["archive", "repair", "--wrong-ids", "--apply", "--archive", str(path)]) == 0
    assert "no version is filed under a wrong article id" in capsys.readouterr().out


def test_repair_wants_to_be_told_what_to_repair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "archive.sqlite"
    poisoned_archive(path)
    assert main(["archive", "repair", "--archive", str(path)]) == 2
    assert capsys.readouterr().err == "dodnews: error: say what to repair: --wrong-ids\n"


def news_spider() -> Any:
    """The news spider as `scrapy crawl news` builds it (not started), with its stats."""
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings
    from scrapy.statscollectors import MemoryStatsCollector

    from dodnews import settings as project
    from dodnews.crawl.spiders.news import NewsSpider

    settings = Settings()
    settings.setmodule(project, priority="project")
    crawler = Crawler(NewsSpider, settings)
    crawler.stats = MemoryStatsCollector(crawler)
    crawler.spider = NewsSpider.from_crawler(crawler, render="never")
    return crawler.spider


def test_discovery_files_a_link_under_its_own_id_and_refuses_ids_past_64_bits(
    caplog: pytest.LogCaptureFixture,
) -> None:
    spider = news_spider()
    link = f"https://www.war.gov/News/News-Stories/Article/Article/{LISTED}/x/"
    # A related link stored by an older dodnews: the claimed id rode along as the link's id.
    (request,) = spider.article_requests(link, 1, source="related", article_id=CLAIMED)
    assert request.meta["article_id"] == LISTED
    assert spider.crawler.stats.get_value("dodnews/identity/hint_mismatch") == 1
    assert f"says article-id {CLAIMED}: using {LISTED}" in caplog.text
    huge = "https://www.war.gov/News/News-Stories/Article/Article/9223372036854775808/x/"
    assert list(spider.article_requests(huge, source="listing")) == []
    assert spider.crawler.stats.get_value("dodnews/identity/id_too_large") == 1
    assert "names article id 9223372036854775808" in caplog.text
    largest = huge.replace("9223372036854775808", "9223372036854775807")
    (request,) = spider.article_requests(largest, source="listing")
    assert request.meta["article_id"] == 2**63 - 1


def test_a_page_answering_for_another_id_is_captured_under_its_own() -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse

    from dodnews.crawl.capturing import capture_from_response

    replica = Replica(build_timeline())
    path = f"/News/News-Stories/Article/Article/{LISTED}/x/"
    body = replica.route(path, {}, {}).body
    base = "http://127.0.0.1:8765"
    request = Request(base + path, meta={"article_id": CLAIMED})
    response = HtmlResponse(base + path, status=200, body=body, request=request)
    found = capture_from_response(response, base)
    assert found.outcome == OUTCOME_OK and found.article is not None
    assert found.article_id == found.article.article_id == LISTED
    # A failed fetch is filed under the id of the URL that answered too.
    gone = HtmlResponse(base + path, status=404, body=b"<html></html>", request=request)
    assert capture_from_response(gone, base).article_id == LISTED
