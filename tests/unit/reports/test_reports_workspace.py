"""Following one article and scanning the index.

Article pages (captures, versions and changes on one timeline), the links between an article's
change pages (previous, next, what a revert undoes), rollout pages, day headings and the JSON
search index; then every link of a whole generated folder, and updates of article pages by
captures that found no change. Archives are built through the archive API from made-up stories.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest

from dodnews.archive import Archive
from dodnews.diffing.model import Change, ChangeReport, Provenance
from dodnews.model import OUTCOME_ERROR, OUTCOME_NOT_MODIFIED, OUTCOME_OK, Article, Capture
from dodnews.reports import ReportEntry, group_entries
from dodnews.reports.index import days_of, format_index, format_index_json
from dodnews.reports.layout import Layout, read_marker
from dodnews.reports.planner import MemorySource
from dodnews.reports.reporting import regenerate_archive_reports, update_archive_reports
from dodnews.reports.timeline import (
    ArticleHistory,
    CaptureView,
    navigation,
    timeline_rows,
)
from dodnews.reports.writer import ReportWriter
from tests.report_support import check_links, page, resolves

START = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
REPLAY = "http://127.0.0.1:8080/dodnews/"
NOTE = "This page is kept for the record; the program it describes has since been renamed."
HOSTILE_TITLE = 'Port Survey <img src=x onerror="document.title=1"> Ends \u202eEarly'
REVERTING = 4410001  # v1 -> v2 -> v3 -> back to v1 -> v2 again
ROLLOUT = (4410002, 4410003, 4410004, 4410005)  # the same notice added within a day
HOSTILE = 4410006


def dispatch(article_id: int, figure: int, note: str | None = None, title: str | None = None):
    """A made-up story whose figure, closing notice and title change between captures."""
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/gravel/",
        section="news-stories" if article_id % 2 else "releases",
        title=title or f"Engineers Haul Gravel to Crossing {article_id % 100}",
        published="2026-02-20T09:00:00-05:00",
        paragraphs=[
            f"Engineers moved {figure} tons of gravel to the river crossing this week.",
            "The crossing reopens to light vehicles once the fill has settled.",
        ],
        banner=note,
    )


class History:
    """Captures recorded run by run, as crawls would record them."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.count = 0

    def capture(
        self,
        article_id: int,
        day: float,
        figure: int | None = None,
        *,
        note: str | None = None,
        title: str | None = None,
        outcome: str = OUTCOME_OK,
        status: int = 200,
    ) -> int | None:
        """Record one capture; returns the change it found, if any."""
        self.count += 1
        article = dispatch(article_id, figure, note, title) if outcome == OUTCOME_OK else None
        result = self.archive.record_capture(
            Capture(
                article_id=article_id,
                requested_url=dispatch(article_id, 0).url,
                fetched_at=(START + timedelta(days=day, minutes=article_id % 100)).isoformat(),
                outcome=outcome,
                status=status,
                error="503 Service Unavailable" if outcome == OUTCOME_ERROR else None,
                warc_file=None if outcome == OUTCOME_ERROR else "dodnews-test-00001.warc.gz",
                warc_record_id=f"<urn:uuid:00000000-0000-4000-8000-{self.count:012d}>",
                article=article,
            )
        )
        return result.change_id


def record_runs(archive: Archive) -> Iterator[list[int]]:
    """Day by day, the captures of a small archive; yields each run's change ids."""
    history = History(archive)
    ids = [REVERTING, *ROLLOUT, HOSTILE]
    yield [history.capture(a, 0, 100 + a % 100) for a in ids]  # first captures: no change
    yield [
        history.capture(REVERTING, 1, 150),
        history.capture(ROLLOUT[0], 1, outcome=OUTCOME_NOT_MODIFIED, status=304),
        history.capture(ROLLOUT[1], 1, outcome=OUTCOME_ERROR, status=503),
    ]
    yield [history.capture(REVERTING, 2, 175)]
    yield [history.capture(a, 3, 100 + a % 100, note=NOTE) for a in ROLLOUT]  # the rollout
    yield [history.capture(REVERTING, 3.5, 101)]  # back to the first text: a revert
    yield [
        history.capture(REVERTING, 4, 150),  # v1 -> v2 again: that pair is reported anew
        history.capture(HOSTILE, 4, 106, title=HOSTILE_TITLE),
    ]
    # Five rechecks that find nothing new: a run without changes.
    yield [
        history.capture(REVERTING, 5 + n / 10, outcome=OUTCOME_NOT_MODIFIED, status=304)
        for n in range(5)
    ]


@pytest.fixture(scope="module")
def archive_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("workspace") / "archive.sqlite"
    with Archive.open(f"sqlite:///{path}") as archive:
        for _ in record_runs(archive):
            pass
    return path


@pytest.fixture(scope="module")
def folder(archive_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    diffs = tmp_path_factory.mktemp("diffs")
    with Archive.open(f"sqlite:///{archive_path}") as archive:
        regenerate_archive_reports(archive, diffs, replay_url=REPLAY, layout=Layout(3, 3))
    return diffs


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


# -- navigation between an article's changes (pure) -----------------------------------------


def change(change_id: int, article_id: int, versions: tuple[int, int], day: int, revert=False):
    return ReportEntry(
        change_id=change_id,
        report=ChangeReport(
            Provenance(article_id=article_id),
            [Change("title_changed", "title", f"Draft {change_id}", f"Final {change_id}", "t")],
        ),
        title=f"Story {article_id}",
        url=f"https://www.war.gov/News/Article/Article/{article_id}/s/",
        detected_at=(START + timedelta(days=day)).isoformat(),
        from_version=versions[0],
        to_version=versions[1],
        revert=revert,
    )


def test_navigation_links_each_change_to_its_neighbours_and_a_revert_to_what_it_undoes():
    history = [
        change(1, 77, (1, 2), 1),
        change(2, 77, (2, 3), 2),
        change(5, 78, (1, 2), 2),  # another article: never a neighbour
        change(3, 77, (3, 1), 3, revert=True),
        change(4, 77, (1, 2), 4),  # the pair 1 -> 2 again: its page now shows change 4
    ]
    navs = navigation(history)
    assert sorted(navs) == ["77-1-2", "77-2-3", "77-3-1", "78-1-2"]
    assert navs["77-2-3"].article_page == "article-77.html"
    assert navs["77-2-3"].previous is None  # change 1's pair is shown as change 4, later
    assert navs["77-2-3"].next.stem == "77-3-1"
    assert navs["77-3-1"].previous.stem == "77-2-3" and navs["77-3-1"].next.stem == "77-1-2"
    assert navs["77-1-2"].next is None and navs["77-1-2"].previous.stem == "77-3-1"
    # Back to version 1: it undoes everything since the article left version 1 (change 1).
    assert [link.stem for link in navs["77-3-1"].undoes] == ["77-1-2", "77-2-3"]
    assert navs["77-3-1"].undoes[0].label.startswith("v1 → v2, 2026-03-03")
    assert navs["77-1-2"].undoes == () and navs["78-1-2"] == navs["78-1-2"].__class__(
        "article-78.html"
    )


def test_timeline_attaches_changes_to_their_captures_and_folds_quiet_rechecks():
    found = change(9, 55, (1, 2), 2)
    found.new_capture_id = 2
    orphan = change(10, 55, (2, 1), 9, revert=True)  # its capture is not on the page

    def capture(n: int, day: float, outcome: str = OUTCOME_OK, version: int | None = 1):
        moment = (START + timedelta(days=day)).isoformat()
        return CaptureView(n, moment, outcome, 200, version, None)

    captures = [
        capture(1, 1),
        capture(2, 2, version=2),
        *(capture(3 + n, 3 + n, OUTCOME_NOT_MODIFIED, 2) for n in range(4)),
        capture(7, 7, OUTCOME_ERROR, None),
        capture(8, 8, OUTCOME_NOT_MODIFIED, 2),
    ]
    rows = timeline_rows([found, orphan], ArticleHistory(captures=captures))
    shape = [
        (
            row.capture.capture_id if row.capture else None,
            [e.change_id for e in row.changes],
            [c.capture_id for c in row.folded],
            row.new_version,
        )
        for row in rows
    ]
    assert shape == [
        (None, [10], [], False),  # newest first
        (8, [], [], False),
        (7, [], [], False),  # a failed fetch is never folded away
        (None, [], [3, 4, 5, 6], False),  # four 304s in a row: one line
        (2, [9], [], True),  # the capture that found the change, and saw version 2 first
        (1, [], [], True),
    ]


# -- pages from an archive --------------------------------------------------------------------


def test_article_page_puts_captures_versions_and_changes_on_one_timeline(folder: Path):
    root = page(folder / f"article-{REVERTING}.html")
    versions = [row.cssselect("td")[0].text for row in root.cssselect("#versions tr[id]")]
    assert versions == ["v1", "v2", "v3"]
    items = root.cssselect("ol.timeline > li")
    times = [item.cssselect(".when")[0].text for item in items]
    assert times == sorted(times, reverse=True)  # newest first
    first = text_of(items[0])
    assert "5 captures saw nothing new" in first and "not-modified 304" in first
    changes = root.cssselect("div.change")
    assert [c.get("id") for c in changes] == [
        f"change-{n}" for n in sorted((int(c.get("id")[7:]) for c in changes), reverse=True)
    ]
    labels = [text_of(c.cssselect("a")[0]) for c in changes]
    assert labels == ["Change v1 → v2", "Change v3 → v1", "Change v2 → v3", "Change v1 → v2"]
    revert = changes[1]
    assert "Revert" in text_of(revert)
    assert [a.get("href") for a in revert.cssselect(".undoes a")] == [
        f"{REVERTING}-1-2.html",
        f"{REVERTING}-2-3.html",
    ]
    # The first 1 -> 2 report gave way to the later one: said so, and linked to that page.
    assert "Reported again later" in text_of(changes[3])
    # Each capture names its outcome and links its replay; the first capture of v2 is marked.
    text = text_of(root)
    assert text.count("new version") == 3 and "ok 200" in text
    assert any(a.get("href", "").startswith(REPLAY) for a in root.cssselect("a"))
    assert "Article 4410001 · News Stories · published 2026-02-20" in text


def test_article_page_shows_failed_and_not_modified_captures(folder: Path):
    root = page(folder / f"article-{ROLLOUT[1]}.html")
    text = text_of(root)
    assert "error 503 · 503 Service Unavailable · no WARC record" in text
    assert "3 captures · 2 versions · 1 change" in text
    text = text_of(page(folder / f"article-{ROLLOUT[0]}.html"))
    assert "not-modified 304 · v1" in text


def test_change_pages_link_their_article_their_neighbours_and_what_a_revert_undoes(folder: Path):
    root = page(folder / f"{REVERTING}-3-1.html")
    nav = root.cssselect("nav.history")[0]
    hrefs = {a.get("rel"): a.get("href") for a in nav.cssselect("a[rel]")}
    shown = json.loads((folder / f"{REVERTING}-3-1.json").read_text())["change_id"]
    assert nav.cssselect("a")[0].get("href") == f"article-{REVERTING}.html#change-{shown}"
    assert hrefs["prev"] == f"{REVERTING}-2-3.html" and hrefs["next"] == f"{REVERTING}-1-2.html"
    undoes = [a.get("href") for a in nav.cssselect(".undoes a")]
    assert undoes == [f"{REVERTING}-1-2.html", f"{REVERTING}-2-3.html"]
    newest = text_of(page(folder / f"{REVERTING}-1-2.html").cssselect("nav.history")[0])
    assert "Newest change of this article" in newest
    first = page(folder / f"{REVERTING}-2-3.html").cssselect("nav.history")[0]
    assert "First change of this article" in text_of(first)
    assert not first.cssselect(".undoes")  # no revert, nothing undone


def test_a_rollout_has_its_page_listing_its_articles(folder: Path):
    (name,) = [p.name for p in folder.glob("rollout-*.html")]
    root = page(folder / name)
    assert text_of(root.cssselect("h1")[0]) == "Banner added to 4 articles: “" + NOTE[:79] + "…”"
    rows = root.cssselect("#articles tr")[1:]
    assert [row.cssselect("a")[0].get("href") for row in rows] == [
        f"article-{a}.html" for a in ROLLOUT
    ]
    assert [row.cssselect("a")[1].get("href") for row in rows] == [f"{a}-1-2.html" for a in ROLLOUT]
    assert NOTE in text_of(root.cssselect("#notices")[0])
    cards = [
        card
        for index in folder.glob("index*.html")
        for card in page(index).cssselect("ol.events > li.group")
    ]
    assert len(cards) == 1 and cards[0].cssselect("a")[0].get("href") == name


def test_index_cards_carry_section_and_publication_date_under_day_headings(folder: Path):
    root = page(folder / "index.html")
    days = [h.get("id") for h in root.cssselect("h2.day")]
    assert days == sorted(days, reverse=True) and days[0] == "day-2026-03-06"
    hostile = root.cssselect(f"li#change-{HOSTILE}-1-2")[0]
    assert "releases" in hostile.get("data-sections").split()
    meta = text_of(hostile.cssselect("p.meta")[0])
    assert f"Article {HOSTILE}, v1 → v2 · Releases · published 2026-02-20" in meta
    assert hostile.cssselect("p.meta a")[0].get("href") == f"article-{HOSTILE}.html"
    # The hostile title is text on the page: no element was made of it.
    assert hostile.cssselect("strong")[0].text == HOSTILE_TITLE.replace("\u202e", "[U+202E]")
    assert not root.cssselect("img")


def test_day_headings_follow_utc_days_newest_first():
    entries = [
        change(1, 61, (1, 2), 0),
        change(2, 62, (1, 2), 0),
        change(3, 63, (1, 2), 2),
    ]
    entries[1].detected_at = "2026-03-02T23:30:00-05:00"  # already 3 March in UTC
    days = days_of(group_entries(entries))
    assert [(d.date, d.label, [e.entries[0].change_id for e in d.events]) for d in days] == [
        ("2026-03-04", "Wednesday 4 March 2026", [3]),
        ("2026-03-03", "Tuesday 3 March 2026", [2]),
        ("2026-03-02", "Monday 2 March 2026", [1]),
    ]
    html = format_index(group_entries(entries))
    assert html.index('id="day-2026-03-04"') < html.index('id="day-2026-03-02"')


def test_the_json_index_holds_each_page_events_as_plain_text(folder: Path):
    newest = json.loads((folder / "index.json").read_text())
    older = [json.loads(p.read_text()) for p in sorted(folder.glob("index-*.json"))]
    assert newest["page"] == "index.html" and newest["pages"] == len(older) + 1
    assert all("pages" not in doc for doc in older)
    for doc in [newest, *older]:
        html = (folder / doc["page"]).read_text()
        keys = re.findall(r'<li id="((?:change|rollout)-[^"]+)"', html)
        assert [event["key"] for event in doc["events"]] == keys
        for event in doc["events"]:
            assert (folder / event["href"]).is_file()
    events = {e["key"]: e for doc in [newest, *older] for e in doc["events"]}
    hostile = events[f"change-{HOSTILE}-1-2"]
    # Exact archived text (invisible characters shown): the script sets it as text only.
    assert hostile["title"] == HOSTILE_TITLE.replace("\u202e", "[U+202E]")
    assert hostile["article_ids"] == [HOSTILE] and hostile["sections"] == ["releases"]
    assert hostile["published"] == "2026-02-20T09:00:00-05:00"
    rollout = next(e for e in events.values() if e["grouped"])
    assert rollout["article_ids"] == list(ROLLOUT) and rollout["kinds"] == ["banner_added"]
    assert rollout["sections"] == ["news-stories", "releases"]


def test_the_json_index_of_a_hostile_title_is_inert_json():
    entry = change(1, 90, (1, 2), 0)
    entry.title = "</script><script>alert(1)</script>"
    text = format_index_json(group_entries([entry]), page="index.html", pages=1)
    assert json.loads(text)["events"][0]["title"] == entry.title
    # The index page never embeds it: the script fetches the file and sets textContent.
    script = format_index(group_entries([entry])).split("<script>", 1)[1]
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script
    assert "textContent" in script and entry.title not in script


# -- the whole folder -------------------------------------------------------------------------


def test_every_link_in_the_folder_resolves_and_every_page_is_reachable(folder: Path):
    pages = {p.name for p in folder.glob("*.html")}
    assert len([p for p in pages if p.startswith("index")]) >= 3  # several index pages
    assert {f"article-{a}.html" for a in (REVERTING, *ROLLOUT, HOSTILE)} <= pages
    assert check_links(folder) == pages


def test_the_feed_links_each_entry_to_its_page_and_each_article_to_its_history(folder: Path):
    atom = "{http://www.w3.org/2005/Atom}"
    feeds = sorted(folder.glob("atom*.xml"))
    assert len(feeds) >= 2  # the subscription document and an archive
    entries = [e for feed in feeds for e in ET.parse(feed).getroot().iter(f"{atom}entry")]
    links = [e.find(f"{atom}link").get("href") for e in entries]
    assert any(re.fullmatch(r"rollout-[0-9a-f]{16}\.html", link) for link in links)
    assert all(resolves(folder, link) for link in links), links
    for entry in entries:
        content = lxml.html.fromstring(entry.find(f"{atom}content").text)
        hrefs = [a.get("href") for a in content.iter("a") if not urlsplit(a.get("href")).scheme]
        history = [h for h in hrefs if h.startswith("article-")]
        assert history, entry.find(f"{atom}id").text  # every article of it, its history page
        assert all(resolves(folder, h) for h in hrefs), hrefs
    rollout = next(e for e in entries if ":rollout/" in e.find(f"{atom}id").text)
    content = rollout.find(f"{atom}content").text
    assert all(f'href="article-{a}.html"' in content for a in ROLLOUT)


def test_markdown_reports_link_their_article_and_neighbours_like_the_html(folder: Path):
    text = (folder / f"{REVERTING}-3-1.md").read_text()
    shown = json.loads((folder / f"{REVERTING}-3-1.json").read_text())["change_id"]
    assert f"(article-{REVERTING}.html#change-{shown})" in text
    assert "- Previous change: [" in text and f"]({REVERTING}-2-3.md)" in text
    assert f"]({REVERTING}-1-2.md)" in text.split("- Next change:")[1].splitlines()[0]
    undoes = text.split("- Undoes:")[1].splitlines()[0]
    assert re.findall(r"\]\(([^)]+)\)", undoes) == [f"{REVERTING}-1-2.md", f"{REVERTING}-2-3.md"]
    for md_file in folder.glob("*.md"):
        for link in re.findall(r"\]\(([^)\s]+)\)", md_file.read_text()):
            if not urlsplit(link).scheme:
                assert resolves(folder, link), (md_file.name, link)


def test_updates_after_each_run_equal_a_regeneration_article_pages_included(tmp_path: Path):
    """Run by run, including one whose captures found nothing new: its rechecks reach the
    article page through the update, as `dodnews report` shows them."""
    layout = Layout(2, 2)
    inc = tmp_path / "inc"
    with Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        for change_ids in record_runs(archive):
            known = inc / f"article-{REVERTING}.html"
            before = known.read_bytes() if known.exists() else b""
            result = update_archive_reports(
                archive, inc, [c for c in change_ids if c], replay_url=REPLAY, layout=layout
            )
        assert not any(change_ids)  # the last run only rechecked
        assert f"article-{REVERTING}.html" in {p.name for p in result.written}
        assert b"5 captures saw nothing new" not in before
        marker = read_marker(inc)
        assert marker is not None and marker.captures == archive.max_capture_id()
        regenerate_archive_reports(archive, tmp_path / "full", replay_url=REPLAY, layout=layout)
    got = {p.name: p.read_bytes() for p in inc.iterdir()}
    want = {p.name: p.read_bytes() for p in (tmp_path / "full").iterdir()}
    assert sorted(got) == sorted(want)
    assert [name for name in want if got[name] != want[name]] == []


def test_an_update_deletes_the_page_of_a_rollout_that_split(tmp_path: Path):
    """Three articles get the same notice and figure (one rollout of both); a fourth gets the
    notice only: the notice and the figure become two rollouts with pages of their own."""

    def both(change_id: int, article_id: int, hours: int, figure: bool = True) -> ReportEntry:
        entry = change(change_id, article_id, (1, 2), 0)
        entry.detected_at = (START + timedelta(hours=hours)).isoformat()
        changes = [Change("banner_added", "banner", None, NOTE, "Notice added")]
        if figure:
            changes.append(Change("figure_changed", "paragraphs", "40", "45", "Figure"))
        entry.report = ChangeReport(Provenance(article_id=article_id), changes)
        return entry

    entries = [both(n, 500 + n, n) for n in range(1, 4)]
    layout = Layout(10, 10)
    ReportWriter(MemorySource(entries), tmp_path / "inc", layout=layout).regenerate()
    (merged,) = [p.name for p in (tmp_path / "inc").glob("rollout-*.html")]
    entries.append(both(4, 504, 4, figure=False))
    result = ReportWriter(MemorySource(entries), tmp_path / "inc", layout=layout).update([4])
    assert [p.name for p in result.deleted] == [merged]
    ReportWriter(MemorySource(entries), tmp_path / "full", layout=layout).regenerate()
    got = sorted(p.name for p in (tmp_path / "inc").iterdir())
    assert got == sorted(p.name for p in (tmp_path / "full").iterdir())
    assert len([n for n in got if n.startswith("rollout-")]) == 2
