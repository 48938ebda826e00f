"""The report pages in headless Chromium, over a folder real crawls of the replica wrote.

The replica steps through epochs 1 and 2 (edits of every kind, a revert, a rollout), with one
article added for this test whose title is markup-looking bait. Every link of the folder the
crawls' own updates wrote resolves, and that folder equals a full regeneration; then the index,
an article's timeline, a change page and a rollout page are rendered and their screenshots
checked non-blank; last, on a paged copy served over loopback HTTP, the search, the filters and
the threshold are used in the browser, and the bait stays text.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dodnews.crawl.browser import CHROMIUM_ARGS, chromium_executable
from dodnews.replica.content import DATA_DIR
from dodnews.replica.testing import ReplicaProcess
from dodnews.reports.layout import Layout
from dodnews.reports.reporting import regenerate_archive_reports
from tests.conftest import need_service
from tests.crawl_support import CrawlWorkspace
from tests.png_support import png_colors, png_luma_variance
from tests.report_support import check_links, page

pytestmark = pytest.mark.slow  # crawls of the replica

BAIT_ID = 4300197
BAIT = '<img src=x onerror="window.__pwned=1">'
BAIT_TITLE = f"Fuel Depot {BAIT} Inspection Wraps Up"


def bait_article() -> dict[str, Any]:
    """A replica article made up for this test: its title is an image tag with a handler."""
    return {
        "id": BAIT_ID,
        "section": "releases",
        "title": BAIT_TITLE,
        "published": "2026-11-20T09:00:00",
        "byline": "By Staff Writers",
        "summary": "Inspectors finished the annual fuel depot review.",
        "og": True,
        "show_time": True,
        "banner": None,
        "body": [
            {"p": "Inspectors checked 240 storage tanks at the depot over three weeks."},
            {"p": "The final report goes to the regional command next month."},
        ],
        "related": [],
        "tags": ["Logistics"],
        "links": {"host": "war.gov", "variant": "plain"},
    }


def bait_data(folder: Path) -> Path:
    """The packaged replica data plus the bait article, whose figure changes in epoch 1."""
    folder.mkdir()
    articles = json.loads((DATA_DIR / "articles.json").read_text())
    articles.append(bait_article())
    (folder / "articles.json").write_text(json.dumps(articles))
    epochs = json.loads((DATA_DIR / "epochs.json").read_text())
    epochs[0]["edits"].append(
        {
            "name": "bait-figure",
            "id": BAIT_ID,
            "op": "replace_text",
            "target": {"paragraph": 0},
            "old": "240 storage tanks",
            "new": "260 storage tanks",
            "expect": [
                {"kind": "paragraph_edited"},
                {"kind": "figure_changed", "before": "240", "after": "260"},
            ],
        }
    )
    (folder / "epochs.json").write_text(json.dumps(epochs))
    return folder


@pytest.fixture(scope="module")
def chromium() -> str:
    path = chromium_executable()
    need_service("Chromium (/usr/bin/chromium)", path is not None)
    return path  # type: ignore[return-value]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> CrawlWorkspace:
    root = tmp_path_factory.mktemp("pages")
    data = bait_data(root / "data")
    with ReplicaProcess(epoch=0, data_dir=data) as replica:
        work = CrawlWorkspace(root / "work", replica.url)
        work.root.mkdir()
        assert work.crawl("news") == 0, work.logs[-1][-3000:]
        for epoch in (1, 2):
            replica.set_epoch(epoch)
            assert work.crawl("news") == 0, work.logs[-1][-3000:]
            assert work.crawl("recheck", all="1") == 0, work.logs[-1][-3000:]
    return work


@pytest.fixture(scope="module")
def paged(crawled: CrawlWorkspace, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same reports in pages of four change ids: the bait is on an older page."""
    diffs = tmp_path_factory.mktemp("paged")
    with crawled.open() as archive:
        regenerate_archive_reports(archive, diffs, layout=Layout(4, 4))
    return diffs


@pytest.fixture(scope="module")
def served(
    crawled: CrawlWorkspace, paged: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Both folders over loopback HTTP: all/ (the crawls' own), paged/ (pages of four)."""
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(crawled.diffs, root / "all")
    shutil.copytree(paged, root / "paged")
    handler = partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class Tab:
    """A page of a fresh headless Chromium, driven from a thread of its own: pytest's thread
    runs an event loop, where Playwright's sync API refuses to work."""

    def __init__(self, chromium: str) -> None:
        self.chromium = chromium

    def run(self, body: Callable[[Any], None]) -> list[str]:
        """body(page), then the page's errors: uncaught ones, console errors, and responses
        that failed (but the favicon a browser asks for by itself)."""
        outcome: dict[str, Any] = {}

        def work() -> None:
            from playwright.sync_api import sync_playwright

            try:
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=self.chromium, headless=True, args=list(CHROMIUM_ARGS)
                    )
                    try:
                        opened = browser.new_page(viewport={"width": 1200, "height": 900})
                        errors: list[str] = []
                        opened.on("pageerror", lambda error: errors.append(str(error)))
                        opened.on("console", lambda m: console(errors, m))
                        opened.on("response", lambda r: response(errors, r))
                        body(opened)
                        outcome["errors"] = errors
                    finally:
                        browser.close()
            except BaseException as exc:  # handed to the test's thread
                outcome["raised"] = exc

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        thread.join(300)
        assert not thread.is_alive(), "the browser did not finish in 5 minutes"
        if "raised" in outcome:
            raise outcome["raised"]
        return outcome["errors"]


def console(errors: list[str], message: Any) -> None:
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)  # a failed load is reported with its URL by `response`


def response(errors: list[str], answer: Any) -> None:
    if answer.status >= 400 and not answer.url.endswith("/favicon.ico"):
        errors.append(f"{answer.status} {answer.url}")


@pytest.fixture
def tab(chromium: str) -> Tab:
    return Tab(chromium)


def test_the_crawls_left_a_folder_whose_every_link_resolves(crawled: CrawlWorkspace, tmp_path):
    diffs = crawled.diffs
    pages = {p.name for p in diffs.glob("*.html")}
    assert check_links(diffs) == pages  # and every page is reachable from index.html
    assert f"article-{BAIT_ID}.html" in pages and len(list(diffs.glob("rollout-*.html"))) == 1
    # What the crawls' updates left is what `dodnews report` writes.
    with crawled.open() as archive:
        regenerate_archive_reports(archive, tmp_path / "full")
    got = {p.name: p.read_bytes() for p in diffs.iterdir() if not p.name.startswith(".")}
    want = {p.name: p.read_bytes() for p in (tmp_path / "full").iterdir()}
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []


def test_a_paged_folder_links_resolve_too(paged: Path):
    assert len(list(paged.glob("index-*.html"))) >= 4
    assert check_links(paged) == {p.name for p in paged.glob("*.html")}


def revert_and_rollout(diffs: Path) -> tuple[str, str, str]:
    """The article page and change page of a revert, and the rollout's page."""
    for path in sorted(diffs.glob("[0-9]*-*-*.json")):
        report = json.loads(path.read_text())
        if report["revert"]:
            change = path.with_suffix(".html").name
            break
    else:
        raise AssertionError("the crawls recorded no revert")
    (rollout,) = [p.name for p in diffs.glob("rollout-*.html")]
    return f"article-{report['article_id']}.html", change, rollout


@pytest.mark.services  # Chromium
def test_pages_render_non_blank_in_chromium(crawled: CrawlWorkspace, tab: Tab, tmp_path: Path):
    article, change, rollout = revert_and_rollout(crawled.diffs)

    def body(browser: Any) -> None:
        for name in ("index.html", article, change, rollout):
            browser.goto((crawled.diffs / name).as_uri())
            shot = browser.screenshot(full_page=False)
            (tmp_path / f"{name}.png").write_bytes(shot)
            # Text, badges, tables and borders make many colors; a blank page has one.
            assert len(png_colors(shot)) >= 20, name
            assert png_luma_variance(shot) > 200, name
            assert browser.locator("h1").first.is_visible(), name
        # The revert's page links to the change it undoes, and its article's timeline to both.
        browser.goto((crawled.diffs / change).as_uri())
        undone = browser.locator("nav.history .undoes a").first
        target = undone.get_attribute("href")
        undone.click()
        browser.wait_for_url((crawled.diffs / target).as_uri())
        browser.goto((crawled.diffs / article).as_uri())
        assert browser.locator("ol.timeline .badge.revert").count() == 1
        outcomes = browser.locator("ol.timeline .outcome")
        assert outcomes.filter(has_text="not-modified 304").count() >= 1

    assert tab.run(body) == []


def visible_cards(browser: Any) -> list[str]:
    return browser.eval_on_selector_all(
        "ol.events > li", "els => els.filter(e => e.offsetParent !== null).map(e => e.id)"
    )


def cards_of(path: Path) -> list[dict[str, Any]]:
    """The cards of an index page as its markup describes them (read without a browser)."""
    return [
        {
            "id": li.get("id"),
            "kinds": li.get("data-kinds").split(),
            "sections": li.get("data-sections").split(),
            "significance": float(li.get("data-sig")),
        }
        for li in page(path).cssselect("ol.events > li")
    ]


def set_threshold(browser: Any, value: str) -> None:
    browser.eval_on_selector(
        "#f-threshold",
        "(el, v) => { el.value = v; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        value,
    )


@pytest.mark.services  # Chromium
def test_filters_threshold_and_search_in_the_browser(
    served: str, crawled: CrawlWorkspace, tab: Tab
):
    cards = cards_of(crawled.diffs / "index.html")
    ids = [c["id"] for c in cards]

    def body(browser: Any) -> None:
        browser.goto(served + "all/index.html")
        assert visible_cards(browser) == ids
        # The threshold hides what is less significant.
        set_threshold(browser, "0.6")
        kept = [c["id"] for c in cards if c["significance"] >= 0.6 - 1e-9]
        assert visible_cards(browser) == kept and 0 < len(kept) < len(cards)
        assert browser.locator("#f-threshold-value").text_content() == "0.60"
        set_threshold(browser, "0")
        # A section keeps its cards only.
        section = partial_value(cards, "sections")
        browser.select_option("#f-section", section)
        assert visible_cards(browser) == [c["id"] for c in cards if section in c["sections"]]
        browser.select_option("#f-section", "")
        # A kind (a link, no script needed) together with the threshold: both apply.
        kind = partial_value(cards, "kinds")
        browser.click(f'nav.filters a[href="#kind-{kind}"]')
        set_threshold(browser, "0.3")
        expected = [
            c["id"] for c in cards if kind in c["kinds"] and c["significance"] >= 0.3 - 1e-9
        ]
        assert visible_cards(browser) == expected and expected != ids
        # A search by title words narrows it further, to nothing here.
        browser.fill("#f-search", "no-such-word-anywhere")
        assert visible_cards(browser) == []
        assert browser.locator("#f-none").is_visible()
        browser.fill("#f-search", "")
        # Every card again, scrolled to the end: the filters stay in view at the top.
        browser.click('nav.filters a[href="#all"]')
        set_threshold(browser, "0")
        assert visible_cards(browser) == ids
        browser.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        assert browser.evaluate("window.scrollY") > 1000
        box = browser.locator("nav.filters").bounding_box()
        assert box is not None and 0 <= box["y"] <= 1 and browser.locator("#f-search").is_visible()

    assert tab.run(body) == []


def partial_value(cards: list[dict[str, Any]], field: str) -> str:
    """A section or kind that some cards have and others lack."""
    values = sorted({v for c in cards for v in c[field]})
    return next(v for v in values if 0 < sum(v in c[field] for c in cards) < len(cards))


@pytest.mark.services  # Chromium
def test_search_finds_a_hostile_title_on_an_older_page_and_shows_it_as_text(
    served: str, paged: Path, tab: Tab
):
    newest = json.loads((paged / "index.json").read_text())
    assert BAIT_ID not in [a for e in newest["events"] for a in e["article_ids"]]

    def body(browser: Any) -> None:
        browser.goto(served + "paged/index.html")
        browser.fill("#f-search", "fuel depot")
        # Waits through locators: a polled script would be refused by the page's CSP, which
        # allows only the page's own script (that one must run: it is what is tested).
        browser.locator("#elsewhere-note", has_text="match").wait_for()
        results = browser.locator("#elsewhere-list li")
        assert results.count() == 1
        assert results.first.locator("a").text_content() == BAIT_TITLE  # the tag, as text
        assert browser.locator("img").count() == 0
        assert browser.evaluate("window.__pwned") is None
        assert visible_cards(browser) == []  # nothing on the newest page matches
        # By article id too; the result leads to the change page.
        browser.fill("#f-search", str(BAIT_ID))
        browser.locator("#elsewhere-note", has_text="match").wait_for()
        assert results.count() == 1
        results.first.locator("a").click()
        browser.wait_for_url(served + f"paged/{BAIT_ID}-1-2.html")
        assert BAIT in browser.locator("h1").text_content()
        assert browser.locator("img").count() == 0
        assert browser.evaluate("window.__pwned") is None

    assert tab.run(body) == []


@pytest.mark.services  # Chromium
def test_search_without_a_server_still_filters_its_own_page(paged: Path, tab: Tab, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(paged, copy)
    older = sorted(copy.glob("index-*.html"), key=lambda p: int(p.stem.split("-")[1]))[-1]
    target = next(c["id"] for c in cards_of(older) if c["id"].startswith("change-"))

    def body(browser: Any) -> None:
        browser.goto(older.as_uri())
        browser.fill("#f-search", target.split("-")[1])  # change-<article id>-<from>-<to>
        browser.locator("#elsewhere-note", has_text="HTTP").wait_for()
        assert target in visible_cards(browser)

    errors = tab.run(body)
    assert all(("index" in e and ".json" in e) or "Fetch" in e for e in errors), errors
