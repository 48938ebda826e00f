"""Incremental reports: a run's update of diffs/ equals a full regeneration, byte for byte.

The index and the feed are paged by change id; an update renders only the pages whose events a
run's changes alter. These tests build change histories (random ones in memory, and a real one
through the archive API in several runs), update diffs/ after each run, and compare every file
with one full regeneration at the end. They also check that an update leaves older pages alone,
and the RFC 5005 structure of the feed.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dodnews.archive import Archive
from dodnews.diffing.model import Change, ChangeReport, Provenance
from dodnews.errors import UserError
from dodnews.model import OUTCOME_OK, Article, Capture
from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.reports import ReportEntry, group_entries
from dodnews.reports import writer as writer_module
from dodnews.reports.layout import Layout, read_marker
from dodnews.reports.planner import EventPlanner, MemorySource, anchor
from dodnews.reports.reporting import (
    regenerate_archive_reports,
    report_layout,
    update_archive_reports,
)
from dodnews.reports.tempfiles import WRITING_FLAG
from dodnews.reports.writer import ReportWriter
from tests.pg_support import throwaway_database
from tests.sweeps import seeds

ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY = "{http://purl.org/syndication/history/1.0}"
START = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
NOTICES = [
    "This story is part of an archive kept for reference; figures may be out of date.",
    "Readers should note that the contacts listed here have changed since publication.",
]


def folder(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


def assert_same_folders(incremental: Path, full: Path) -> None:
    got, want = folder(incremental), folder(full)
    assert sorted(got) == sorted(want)
    differ = [name for name in want if got[name] != want[name]]
    assert differ == []


# -- random histories, in memory --------------------------------------------------------------


def random_history(rng: random.Random, count: int) -> list[ReportEntry]:
    """Changes on a few articles: shared notices and figures (rollouts), texts that flip back
    (the same article/version pair twice), gaps of days (rollouts split), times out of order,
    reports across an extractor change."""
    entries = []
    moment = START
    for change_id in range(1, count + 1):
        moment += rng.choice([timedelta(minutes=20), timedelta(hours=5), timedelta(hours=23)])
        if rng.random() < 0.12:
            moment += timedelta(days=2)  # longer than the rollout window
        detected = moment - (timedelta(hours=30) if rng.random() < 0.1 else timedelta(0))
        article_id = 7000 + rng.randrange(9)
        pool = [
            Change("banner_added", "banner", None, rng.choice(NOTICES), "Notice added"),
            Change("figure_changed", "paragraphs", "$40 million", "$45 million", "Figure"),
            Change("title_changed", "title", f"Old {change_id}", f"New {change_id}", "Title"),
            Change("tags_changed", "tags", ["Army"], ["Army", "Navy"], "Tags"),
        ]
        changes = rng.sample(pool, rng.randint(1, 3))
        from_version, to_version = rng.choice([(1, 2), (2, 3), (3, 2), (2, 1)])
        entries.append(
            ReportEntry(
                change_id=change_id,
                report=ChangeReport(
                    Provenance(article_id=article_id),
                    changes,
                    significance=rng.random(),
                    extractor_changed=rng.random() < 0.08,  # never in a rollout, not in the feed
                ),
                title=f"Story {article_id}",
                url=f"https://www.war.gov/News/Article/Article/{article_id}/s/",
                detected_at=detected.isoformat(),
                from_version=from_version,
                to_version=to_version,
            )
        )
    return entries


def runs_of(rng: random.Random, entries: list[ReportEntry]) -> list[list[ReportEntry]]:
    """The entries cut into runs; now and then a change shows up a run late (a transaction that
    committed after a later one, as on PostgreSQL)."""
    runs, pending, late = [], list(entries), []
    while pending:
        size = rng.randint(1, 7)
        run, pending = pending[:size], pending[size:]
        run += late
        late = [run.pop(rng.randrange(len(run)))] if len(run) > 1 and rng.random() < 0.3 else []
        runs.append(run)
    if late:
        runs.append(late)
    return runs


@pytest.mark.parametrize("seed", seeds(24))
def test_pages_hold_exactly_the_events_of_the_whole_archive(seed: int) -> None:
    rng = random.Random(seed)
    entries = random_history(rng, rng.randint(20, 60))
    layout = Layout(page_size=rng.randint(2, 6), feed_entries=rng.randint(2, 6))
    planner = EventPlanner(MemorySource(entries))
    whole = group_entries(entries)
    last = max(e.change_id for e in entries)
    for page in range(1, layout.page_of(last) + 1):
        first, end = layout.page_ids(page)
        expected = [ev for ev in whole if first <= anchor(ev) <= end]
        got = planner.range_events(first, end)
        assert [(ev.key, [e.change_id for e in ev.entries]) for ev in got] == [
            (ev.key, [e.change_id for e in ev.entries]) for ev in expected
        ]


@pytest.mark.parametrize("seed", seeds(24))
def test_updates_after_each_run_equal_one_full_regeneration(seed: int, tmp_path: Path) -> None:
    rng = random.Random(1000 + seed)
    entries = random_history(rng, rng.randint(20, 60))
    layout = Layout(page_size=rng.randint(2, 6), feed_entries=rng.randint(2, 6))
    seen: list[ReportEntry] = []
    for run in runs_of(rng, entries):
        seen += run
        writer = ReportWriter(MemorySource(seen), tmp_path / "inc", layout=layout)
        writer.update([e.change_id for e in run])
    ReportWriter(MemorySource(entries), tmp_path / "full", layout=layout).regenerate()
    assert_same_folders(tmp_path / "inc", tmp_path / "full")


def steady_history(count: int) -> list[ReportEntry]:
    """One change a day, each on its own article: no rollouts, no flips."""
    return [
        ReportEntry(
            change_id=n,
            report=ChangeReport(
                Provenance(article_id=8000 + n),
                [Change("title_changed", "title", f"Draft {n}", f"Final {n}", "Title changed")],
            ),
            title=f"Story {n}",
            url=f"https://www.war.gov/News/Article/Article/{8000 + n}/s/",
            detected_at=(START + timedelta(days=n)).isoformat(),
            from_version=1,
            to_version=2,
        )
        for n in range(1, count + 1)
    ]


def test_an_update_renders_only_the_newest_pages(tmp_path: Path) -> None:
    entries = steady_history(61)
    layout = Layout(page_size=10, feed_entries=10)
    ReportWriter(MemorySource(entries[:60]), tmp_path, layout=layout).regenerate()
    before = folder(tmp_path)
    result = ReportWriter(MemorySource(entries), tmp_path, layout=layout).update([61])
    touched = sorted(p.name for p in result.paths)
    # Change 61 starts page 7: page 6 moves from index.html to index-6.html, page 5 now links to
    # it; the feed's range 6 becomes an archive document and range 5 links to it. Each page
    # comes with its JSON index; the article gets its page.
    assert touched == sorted(
        [
            *("8061-1-2.json", "8061-1-2.md", "8061-1-2.html", "article-8061.html"),
            *("index.html", "index-6.html", "index-5.html"),
            *("index.json", "index-6.json", "index-5.json"),
            *("atom.xml", "atom-archive-6.xml", "atom-archive-5.xml"),
        ]
    )
    after = folder(tmp_path)
    for name in ("index-1.html", "index-4.html", "atom-archive-1.xml", "atom-archive-4.xml"):
        assert after[name] == before[name]
    # The next change stays on page 7: only its report, index.html and atom.xml.
    entries = steady_history(62)
    result = ReportWriter(MemorySource(entries), tmp_path, layout=layout).update([62])
    assert sorted(p.name for p in result.paths) == sorted(
        [
            *("8062-1-2.json", "8062-1-2.md", "8062-1-2.html", "article-8062.html"),
            *("index.html", "index.json", "atom.xml"),
        ]
    )
    assert result.full is False


@pytest.mark.parametrize(("page_size", "feed_entries"), [(3, 4), (10, 2)])
def test_a_rollout_sits_on_the_page_of_its_newest_article(
    tmp_path: Path, page_size: int, feed_entries: int
) -> None:
    entries = steady_history(30)
    start = START + timedelta(days=40)
    for n in range(31, 35):  # the same notice on four articles within hours: one event
        entries.append(
            ReportEntry(
                change_id=n,
                report=ChangeReport(
                    Provenance(article_id=9000 + n),
                    [Change("banner_added", "banner", None, NOTICES[0], "Notice added")],
                ),
                title=f"Story {n}",
                url=f"https://www.war.gov/News/Article/Article/{9000 + n}/s/",
                detected_at=(start + timedelta(hours=n)).isoformat(),
                from_version=1,
                to_version=2,
            )
        )
    entries += steady_history(45)[34:]  # later changes: the rollout's page stops being newest
    layout = Layout(page_size, feed_entries)
    for count in range(1, len(entries) + 1):
        writer = ReportWriter(MemorySource(entries[:count]), tmp_path / "inc", layout=layout)
        writer.update([count])
    ReportWriter(MemorySource(entries), tmp_path / "full", layout=layout).regenerate()
    assert_same_folders(tmp_path / "inc", tmp_path / "full")
    page = f"index-{layout.page_of(34)}.html"
    text = (tmp_path / "full" / page).read_text()
    assert "banner added to 4 articles" in text.lower()
    for other in folder(tmp_path / "full"):
        if other.startswith("index") and other != page:  # no card for 31-33 anywhere else
            assert "9031-1-2.html" not in (tmp_path / "full" / other).read_text()
    feed = ET.fromstring(
        (tmp_path / "full" / layout.archive_name(layout.archive_of(34))).read_text()
    )
    rollout = next(e for e in feed.iter(f"{ATOM}entry") if "rollout" in e.find(f"{ATOM}id").text)
    target = rollout.find(f"{ATOM}link").get("href")
    assert re.fullmatch(r"rollout-[0-9a-f]{16}\.html", target)
    assert "banner added to 4 articles" in (tmp_path / "full" / target).read_text().lower()


# -- the feed and the pages ------------------------------------------------------------------


def test_feed_is_an_rfc5005_archived_feed(tmp_path: Path) -> None:
    entries = steady_history(23)
    layout = Layout(page_size=10, feed_entries=5)
    ReportWriter(
        MemorySource(entries), tmp_path, layout=layout, feed_url="https://f.example.org/d/atom.xml"
    ).regenerate()
    assert sorted(p.name for p in tmp_path.glob("atom*.xml")) == [
        "atom-archive-1.xml",
        "atom-archive-2.xml",
        "atom-archive-3.xml",
        "atom-archive-4.xml",
        "atom.xml",
    ]

    def links(root: ET.Element) -> dict[str, str]:
        return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}

    base = "https://f.example.org/d/"
    current = ET.fromstring((tmp_path / "atom.xml").read_text())
    assert current.find(f"{HISTORY}archive") is None
    assert links(current)["prev-archive"] == base + "atom-archive-4.xml"
    assert links(current)["self"] == base + "atom.xml"
    # atom.xml: the newest range (changes 21-23) topped up to five entries.
    ids = [e.find(f"{ATOM}id").text for e in current.findall(f"{ATOM}entry")]
    assert ids == [f"tag:dodnews,2025:article/{8000 + n}/1-2" for n in (23, 22, 21, 20, 19)]
    seen = set(ids)
    for number in (1, 2, 3, 4):
        root = ET.fromstring((tmp_path / f"atom-archive-{number}.xml").read_text())
        assert root.find(f"{HISTORY}archive") is not None
        rels = links(root)
        assert rels["current"] == base + "atom.xml"
        assert rels["self"] == base + f"atom-archive-{number}.xml"
        assert rels.get("prev-archive") == (
            base + f"atom-archive-{number - 1}.xml" if number > 1 else None
        )
        assert rels.get("next-archive") == (
            base + f"atom-archive-{number + 1}.xml" if number < 4 else None
        )
        entries_here = root.findall(f"{ATOM}entry")
        assert len(entries_here) == 5  # changes 5n-4 .. 5n
        seen |= {e.find(f"{ATOM}id").text for e in entries_here}
    assert len(seen) == 23  # every change reachable from atom.xml


def test_index_pages_link_to_each_other_and_every_link_resolves(tmp_path: Path) -> None:
    entries = steady_history(25)
    ReportWriter(MemorySource(entries), tmp_path, layout=Layout(10, 10)).regenerate()
    assert sorted(p.name for p in tmp_path.glob("index*.html")) == [
        "index-1.html",
        "index-2.html",
        "index.html",
    ]
    newest = (tmp_path / "index.html").read_text()
    assert '<a href="index-2.html">Older</a>' in newest and "Newer" not in newest
    middle = (tmp_path / "index-2.html").read_text()
    assert '<a href="index.html">Newer</a>' in middle and '<a href="index-1.html">Older' in middle
    assert newest.count('<li id="change-') == 5 and middle.count('<li id="change-') == 10
    for page in tmp_path.glob("*.html"):
        for target in re.findall(r'href="([^"#:]+)(?:#[^"]*)?"', page.read_text()):
            assert (tmp_path / target).is_file(), (page.name, target)


def test_other_settings_mean_a_full_rewrite_and_old_pages_go(tmp_path: Path) -> None:
    entries = steady_history(25)
    ReportWriter(MemorySource(entries), tmp_path, layout=Layout(5, 5)).regenerate()
    assert (tmp_path / "index-4.html").exists() and (tmp_path / "atom-archive-4.xml").exists()
    marker = read_marker(tmp_path)
    assert marker is not None and marker.last == 25
    # A crawl with a bigger page size finds a marker of another layout: it writes everything.
    result = ReportWriter(MemorySource(entries), tmp_path, layout=Layout(10, 10)).update([25])
    assert result.full
    assert sorted(p.name for p in result.deleted) == [
        "atom-archive-3.xml",
        "atom-archive-4.xml",
        "index-3.html",
        "index-3.json",
        "index-4.html",
        "index-4.json",
    ]
    ReportWriter(MemorySource(entries), tmp_path / "fresh", layout=Layout(10, 10)).regenerate()
    assert_same_folders(tmp_path, tmp_path / "fresh")
    # An index.html without a marker (written by an older dodnews) is no basis for an update.
    (tmp_path / "index.html").write_text("<html>old</html>")
    assert ReportWriter(MemorySource(entries), tmp_path, layout=Layout(10, 10)).update().full


def test_a_crawl_with_a_bad_page_size_stops_before_it_starts(tmp_path: Path) -> None:
    archive = tmp_path / "archive.sqlite"
    done = subprocess.run(
        crawl_command("news", {"base_url": "http://127.0.0.1:9", "max_pages": "1"}),
        env=crawl_env(
            f"sqlite:///{archive}", str(tmp_path / "diffs"), {"DODNEWS_FEED_ENTRIES": "0"}
        ),
        capture_output=True,
        text=True,
        check=False,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert errors == [
        "scrapy crawl: error: DODNEWS_FEED_ENTRIES: expected a whole number from 1 to 100000, "
        "got '0'"
    ]
    assert not archive.exists()


def test_writers_take_the_folder_in_turn(tmp_path: Path) -> None:
    """An update waits while another writer holds the folder, then reads and writes."""
    entries = steady_history(12)
    layout = Layout(5, 5)
    ReportWriter(MemorySource(entries[:10]), tmp_path, layout=layout).regenerate()
    other = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    done = threading.Event()
    try:
        fcntl.flock(other, fcntl.LOCK_SH)  # another writer at work (they hold it shared)
        writer = ReportWriter(MemorySource(entries), tmp_path, layout=layout)
        thread = threading.Thread(target=lambda: (writer.update([11, 12]), done.set()))
        thread.start()
        assert not done.wait(1.0)
        assert not (tmp_path / "8011-1-2.html").exists()
    finally:
        os.close(other)  # releases the lock
    thread.join(30)
    assert done.is_set() and (tmp_path / "8012-1-2.html").exists()
    assert read_marker(tmp_path) is not None and read_marker(tmp_path).last == 12


def test_an_update_after_a_killed_writer_removes_its_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = steady_history(12)
    layout = Layout(5, 5)
    ReportWriter(MemorySource(entries[:10]), tmp_path, layout=layout).regenerate()
    # Listing the folder costs as much as a large archive's update: an update looks for temp
    # files only when the last writer did not finish.
    (tmp_path / ".atom.xml.abcd1234.tmp").write_text("stale, from long ago")
    ReportWriter(MemorySource(entries[:11]), tmp_path, layout=layout).update([11])
    assert (tmp_path / ".atom.xml.abcd1234.tmp").exists()

    def die(src: str, dst: str) -> None:
        raise KeyboardInterrupt  # like a kill: no except clause runs, nothing is tidied

    monkeypatch.setattr(writer_module.os, "replace", die)
    with pytest.raises(KeyboardInterrupt):
        ReportWriter(MemorySource(entries), tmp_path, layout=layout).update([12])
    monkeypatch.undo()
    left = sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp"))
    assert len(left) == 2 and (tmp_path / WRITING_FLAG).exists()
    result = ReportWriter(MemorySource(entries), tmp_path, layout=layout).update([12])
    assert sorted(p.name for p in result.removed) == left
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    ReportWriter(MemorySource(entries), tmp_path / "full", layout=layout).regenerate()
    assert_same_folders(tmp_path, tmp_path / "full")


def test_report_layout_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert report_layout() == Layout(100, 100)
    monkeypatch.setenv("DODNEWS_FEED_ENTRIES", "25")
    assert report_layout() == Layout(100, 25)
    assert report_layout("40", None) == Layout(40, 25)
    for bad in ("0", "-3", "ten", "1e3", "100001"):
        with pytest.raises(UserError, match="whole number"):
            report_layout(bad, None)


# -- through the archive, in several runs ------------------------------------------------------


def story(article_id: int, figure: int, notice: str | None) -> Article:
    """A made-up story whose figure and closing notice change between captures."""
    paragraphs = [
        f"Crews repaired {figure} meters of levee before the spring floods.",
        "Work continues on the southern section through the summer.",
    ]
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/levee/",
        section="news-stories",
        title=f"Levee Repairs Reach Section {article_id % 100}",
        published="2026-01-10T09:00:00-05:00",
        paragraphs=paragraphs,
        banner=notice,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    if request.param == "sqlite":
        with Archive.open(f"sqlite:///{tmp_path / 'archive.sqlite'}") as opened:
            yield opened
        return
    with (
        throwaway_database(request.getfixturevalue("postgres_url")) as url,
        Archive.open(url) as opened,
    ):
        yield opened


def test_crawl_updates_equal_dodnews_report(tmp_path: Path, archive: Archive) -> None:
    """Seven runs through the archive API: figures change, a notice rolls out to five articles
    within a day, and one article flips back and forth (its 3 -> 4 pair reported twice)."""
    layout = Layout(page_size=3, feed_entries=4)
    plan = [
        {n: (100 + n, None) for n in range(8)},
        {n: (120 + n, None) for n in range(8)},
        {n: (120 + n, NOTICES[0]) for n in range(5)},  # the rollout
        {0: (100, NOTICES[0]), 6: (140, None)},  # article 0: version 4
        {0: (120, NOTICES[0]), 7: (150, None)},  # back to version 3 (a revert)
        {0: (100, NOTICES[0])},  # and to version 4 again: pair 3 -> 4 reported again
        {},  # a run without changes
    ]
    for run_number, captures in enumerate(plan):
        run_id = archive.start_run("recheck")
        day = START + timedelta(days=run_number)
        change_ids = []
        for n, (figure, notice) in sorted(captures.items()):
            article_id = 4400000 + n
            result = archive.record_capture(
                Capture(
                    article_id=article_id,
                    requested_url=story(article_id, figure, notice).url,
                    fetched_at=(day + timedelta(minutes=n)).isoformat(),
                    outcome=OUTCOME_OK,
                    status=200,
                    article=story(article_id, figure, notice),
                ),
                run_id=run_id,
            )
            if result.change_id is not None:
                change_ids.append(result.change_id)
        update_archive_reports(archive, tmp_path / "inc", change_ids, layout=layout)
    assert archive.max_change_id() == 18
    full = regenerate_archive_reports(archive, tmp_path / "full", layout=layout)
    assert_same_folders(tmp_path / "inc", tmp_path / "full")
    assert full.changes == 17  # the first 3 -> 4 gave way to the second
    names = {p.name for p in full.paths}
    assert "index-2.html" in names and "atom-archive-2.xml" in names
    text = "".join(t.decode() for n, t in folder(tmp_path / "full").items() if "index" in n)
    assert "added to 5 articles" in text
