"""Crawls through Chromium: JavaScript-only replica pages, the bot wall, WARC records, screenshots.

Few crawls, shared by module fixtures: a static twin (plain fetches), the JavaScript-only replica
behind a bot wall with `-a render=auto`, the same with `-a render=never`, and two screenshot crawls
across an epoch switch.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from dodnews.crawl.browser import chromium_executable
from dodnews.extract import extract_listing
from dodnews.replica.testing import ReplicaProcess
from dodnews.reports.screenshots import PNG_MAGIC, ScreenshotStore
from dodnews.warc.verify import verify_archive
from tests.conftest import need_service
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

SECTIONS = "releases,news-stories"
ARGS = {"sections": SECTIONS, "max_pages": 2, "related_depth": 0}


def _need_chromium() -> str:
    """The `chromium_path` rule for module fixtures (skip, or fail when services are required)."""
    path = chromium_executable()
    need_service("Chromium (/usr/bin/chromium)", path is not None)
    return path  # type: ignore[return-value]


def _current(work: CrawlWorkspace) -> dict[int, dict]:
    """Per article id: the current version's article as a dict."""
    with work.open() as archive:
        return {
            known.article_id: archive.versions(known.article_id)[-1].article.to_dict()
            for known in archive.known_articles()
        }


def _captures(work: CrawlWorkspace) -> list:
    with work.open() as archive:
        return [c for known in archive.known_articles() for c in archive.captures(known.article_id)]


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    chromium = _need_chromium()
    root = tmp_path_factory.mktemp("render")
    settings_note = {"chromium": chromium}
    with ReplicaProcess(epoch=0) as replica:
        static = CrawlWorkspace(root / "static", replica.url)
        (root / "static").mkdir()
        assert static.crawl("news", render="never", **ARGS) == 0, static.logs[-1][-3000:]

        replica.admin("js", set=1)
        replica.fault("botwall", path="/Article/")
        js_listing = replica.get("/News/Releases/")[2]
        js_article_path = "/News/Releases/Release/Article/"
        never = CrawlWorkspace(root / "never", replica.url)
        (root / "never").mkdir()
        never.crawl("news", render="never", **ARGS)
        auto = CrawlWorkspace(root / "auto", replica.url)
        (root / "auto").mkdir()
        assert auto.crawl("news", render="auto", **ARGS) == 0, auto.logs[-1][-3000:]
    return {
        "static": static,
        "never": never,
        "auto": auto,
        "js_listing": js_listing,
        "js_article_path": js_article_path,
        **settings_note,
    }


def test_plain_fetch_finds_nothing_on_the_javascript_only_site(crawls) -> None:
    assert extract_listing(crawls["js_listing"], "https://www.war.gov/News/Releases/") == []
    assert _current(crawls["never"]) == {}
    assert "dodnews/render" not in crawls["never"].logs[-1]


def test_rendered_javascript_pages_extract_like_their_static_twins(crawls) -> None:
    static, rendered = _current(crawls["static"]), _current(crawls["auto"])
    assert len(static) >= 5
    assert rendered.keys() == static.keys()
    captions = 0
    for article_id, article in static.items():
        assert rendered[article_id] == article, article_id
        captions += sum(1 for image in article["images"] if image.get("caption"))
    assert captions > 0  # the script-filled captions were read from the rendered page
    log = crawls["auto"].logs[-1]
    assert "'dodnews/render/listing/javascript'" in log
    assert "'playwright/page_count/closed'" in log


def test_bot_walled_articles_are_captured_through_the_browser(crawls) -> None:
    captures = _captures(crawls["auto"])
    assert captures and all(c.outcome == "ok" for c in captures)
    assert {c.rendered for c in captures} == {"botwall"}
    # the evidence is the browser's, not the server's: never among the response headers
    assert not [name for c in captures for name in c.headers if name.startswith("x-dodnews")]
    assert all(c.status == 200 for c in captures)


def test_a_rendered_capture_points_at_the_conversion_record_it_was_read_from(crawls) -> None:
    work = crawls["auto"]
    records = {}
    for path in Path(work.warc).glob("*.warc.gz"):
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                headers = record.rec_headers
                records[headers.get_header("WARC-Record-ID")] = (
                    record.rec_type,
                    headers.get_header("WARC-Refers-To"),
                    record.content_stream().read(),
                )
    captures = _captures(work)
    for capture in captures:
        # the capture's evidence is the DOM it was parsed from...
        kind, refers_to, dom = records[capture.warc_record_id]
        assert kind == "conversion" and b"maintitle" in dom
        assert capture.body_digest == "sha256:" + hashlib.sha256(dom).hexdigest()
        assert capture.rendered_warc == f"{capture.warc_file}#{capture.warc_record_id}"
        # ...which refers to the raw response the server sent (the wall), kept beside it
        raw_type, _, raw_body = records[refers_to]
        assert raw_type in ("response", "revisit")
        assert b"Access Denied" in raw_body or raw_type == "revisit"
    # rendered listings (entries inserted, loader done) exist only as conversion records
    done = {kind for kind, _, body in records.values() if b'data-loaded="1"' in body}
    assert done == {"conversion"}


def test_a_crawl_through_the_bot_wall_verifies_clean(crawls) -> None:
    work = crawls["auto"]
    with work.open() as archive:
        assert verify_archive(archive, work.warc) == []
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "archive", "verify", "--archive", work.archive,
         "--warc-dir", str(work.warc)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def screenshot_crawls(tmp_path_factory):
    _need_chromium()
    root = tmp_path_factory.mktemp("shots")
    with ReplicaProcess(epoch=0) as replica:
        work = CrawlWorkspace(root, replica.url)
        args = {"sections": "releases", "max_pages": 1, "related_depth": 0, "screenshots": 1}
        assert work.crawl("news", render="auto", **args) == 0, work.logs[-1][-3000:]
        # unchanged, each page downloaded and parsed again (not a 304): -a screenshots=1
        # (= new) renders nothing the archive already holds
        assert work.crawl("news", render="auto", refetch=1, **args) == 0, work.logs[-1][-3000:]
        replica.set_epoch(1)
        assert work.crawl("news", render="auto", **args) == 0, work.logs[-1][-3000:]
    return work


def test_screenshots_of_new_content_only(screenshot_crawls) -> None:
    work = screenshot_crawls
    store = ScreenshotStore(work.root / "screenshots")
    with work.open() as archive:
        runs = sorted(r.id for r in archive.runs())
        captures = _captures(work)
        first_of_version = {}
        for capture in sorted(captures, key=lambda c: (c.fetched_at, c.id)):
            if capture.outcome == "ok":
                first_of_version.setdefault(capture.version_id, capture.id)
    assert len(runs) == 3
    shot = {c.id for c in captures if c.screenshot}
    by_run = {run: {c.id for c in captures if c.run_id == run} for run in runs}
    ok_first = {c.id for c in captures if c.run_id == runs[0] and c.outcome == "ok"}
    assert ok_first and ok_first <= shot  # every new article
    assert not by_run[runs[1]] & shot  # nothing new: no browser
    assert "dodnews/render/screenshot_unchanged" in work.logs[1]
    # epoch 1: exactly the captures that brought a version the archive did not hold
    assert by_run[runs[2]] & shot == by_run[runs[2]] & set(first_of_version.values())
    assert by_run[runs[2]] & shot, "epoch 1 edits some release"
    assert all(store.get(c.screenshot).startswith(PNG_MAGIC) for c in captures if c.id in shot)


def test_screenshot_crawls_read_what_the_archive_holds_through_their_one_handle(
    screenshot_crawls,
) -> None:
    for log in screenshot_crawls.logs:
        assert re.findall(r"'dodnews/archive/opened': (\d+)", log) == ["1"]
        assert log.count("Archive opened: sqlite:///") == 1


def test_screenshots_of_two_versions_appear_in_the_report(screenshot_crawls) -> None:
    from dodnews.reports.reporting import archive_entries

    work = screenshot_crawls
    with work.open() as archive:
        entries = archive_entries(archive)
    with_shots = [e for e in entries if e.screenshots]
    assert with_shots, "a change between the two crawls should carry screenshots"
    # a change a reader sees gives two different pictures (an og:description edit, say, does not)
    seen = [
        e
        for e in with_shots
        if any(c.kind.startswith(("title", "banner", "paragraph")) for c in e.report.changes)
    ]
    assert seen, [[c.kind for c in e.report.changes] for e in with_shots]
    for entry in seen:
        before = entry.screenshots[f"before (v{entry.from_version})"]
        after = entry.screenshots[f"after (v{entry.to_version})"]
        assert before["sha256"] != after["sha256"], entry.title
        assert before["src"].startswith("data:image/png;base64,")
    marked = [
        e for e in with_shots if (e.screenshots.get(f"after (v{e.to_version})") or {}).get("mark")
    ]
    assert marked, "the changed region is found on at least one screenshot"
    report = (work.diffs / f"{marked[0].stem}.html").read_text("utf-8")
    assert report.count('<img class="shot"') == 2
    assert 'class="changed-region"' in report


def test_an_export_of_a_rendered_capture_carries_the_wall_it_was_rendered_past(
    crawls, tmp_path
) -> None:
    work = crawls["auto"]
    capture = _captures(work)[0]
    out = tmp_path / "one.warc.gz"
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "export", "--warc", str(out),
         "--ids", str(capture.article_id), "--archive", work.archive, "--warc-dir", str(work.warc)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with open(out, "rb") as stream:
        records = {
            r.rec_headers.get_header("WARC-Record-ID"): (
                r.rec_type,
                r.rec_headers.get_header("WARC-Refers-To"),
                r.content_stream().read(),
            )
            for r in ArchiveIterator(stream)
        }
    kind, refers_to, _ = records[capture.warc_record_id]
    assert kind == "conversion"
    assert records[refers_to][0] == "response" and b"Access Denied" in records[refers_to][2]
