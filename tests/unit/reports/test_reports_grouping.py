"""Rollouts: the same change on 3+ articles in one run is one event in the index and the feed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from dodnews.diffing.model import Change, ChangeReport, Provenance
from dodnews.reports import ReportEntry, format_atom, format_index, group_entries

ATOM = "{http://www.w3.org/2005/Atom}"
BANNER = (
    "You are reading part of a historical collection on defense.gov; facts here may be dated "
    "and some links may be broken."
)


def make(
    change_id: int, article_id: int, changes: list[Change], at: str = "2025-09-10T12:00:00Z"
) -> ReportEntry:
    report = ChangeReport(Provenance(article_id=article_id), changes, significance=0.3)
    return ReportEntry(
        change_id=change_id,
        report=report,
        title=f"Story number {article_id}",
        url=f"https://www.war.gov/News/Article/Article/{article_id}/story/",
        detected_at=at,
        from_version=1,
        to_version=2,
    )


def banner(text: str = BANNER) -> Change:
    return Change("banner_added", "banner", None, text, "Banner added")


def test_banner_on_four_articles_is_one_event() -> None:
    entries = [make(n, 5000 + n, [banner()], f"2025-09-10T12:0{n}:00Z") for n in range(4)]
    events = group_entries(entries)
    assert len(events) == 1
    event = events[0]
    assert event.grouped
    assert event.article_ids == [5000, 5001, 5002, 5003]
    assert event.title == "Historical-collection banner added to 4 articles"
    assert event.detected_at == "2025-09-10T12:03:00Z"
    assert event.first_detected_at == "2025-09-10T12:00:00Z"


def test_two_articles_are_not_a_rollout() -> None:
    events = group_entries([make(n, 5100 + n, [banner()]) for n in range(2)])
    assert [ev.grouped for ev in events] == [False, False]


def test_normalized_text_groups_whitespace_and_case_variants() -> None:
    variants = [BANNER, "  " + BANNER.upper(), BANNER.replace(" ", "\u00a0 ")]
    events = group_entries([make(n, 5200 + n, [banner(v)]) for n, v in enumerate(variants)])
    assert len(events) == 1 and events[0].article_ids == [5200, 5201, 5202]


def test_entry_with_other_changes_also_stays_on_its_own() -> None:
    extra = Change("title_changed", "title", "Old words", "New words", "Title changed")
    entries = [make(1, 5301, [banner(), extra])] + [make(n, 5300 + n, [banner()]) for n in (2, 3)]
    events = group_entries(entries)
    grouped = [ev for ev in events if ev.grouped]
    singles = [ev for ev in events if not ev.grouped]
    assert len(grouped) == 1 and grouped[0].article_ids == [5301, 5302, 5303]
    assert [ev.entries[0].article_id for ev in singles] == [5301]
    assert singles[0].kinds == ["banner_added", "title_changed"]


def test_paragraph_edit_and_its_figure_are_one_rollout() -> None:
    old = "Questions may be sent to the press desk by 2024 deadlines."
    new = "Questions may be sent to the press desk by 2025 deadlines."
    changes = [
        Change(
            "paragraph_edited",
            "paragraphs",
            old,
            new,
            "Paragraph edited",
            {"old_index": 5, "new_index": 5},
        ),
        Change("figure_changed", "paragraphs", "2024", "2025", "Figure changed", {"old_index": 5}),
    ]
    events = group_entries([make(n, 5400 + n, list(changes)) for n in range(3)])
    assert len(events) == 1
    assert events[0].kinds == ["figure_changed", "paragraph_edited"]
    assert events[0].title == "Figure changed on 3 articles: “2024” → “2025”"


def test_a_long_gap_splits_rollouts() -> None:
    early = [make(n, 5500 + n, [banner()], f"2025-01-0{n + 1}T00:00:00Z") for n in range(3)]
    late = [make(10 + n, 5600 + n, [banner()], f"2025-06-0{n + 1}T00:00:00Z") for n in range(2)]
    events = group_entries(early + late)
    assert [ev.grouped for ev in events] == [False, False, True]
    assert events[2].article_ids == [5500, 5501, 5502]
    wide = group_entries(early + late, window=timedelta(days=365))
    assert len(wide) == 1 and len(wide[0].article_ids) == 5


def test_rollout_key_is_stable_when_more_articles_join() -> None:
    first = [make(n, 5700 + n, [banner()], f"2025-09-10T1{n}:00:00Z") for n in range(3)]
    later = [*first, make(9, 5709, [banner()], "2025-09-10T20:00:00Z")]
    assert group_entries(first)[0].key == group_entries(later)[0].key


def test_duplicate_entries_count_once() -> None:
    entries = [make(n, 5800, [banner()]) for n in range(3)]
    events = group_entries(entries)
    assert len(events) == 1 and not events[0].grouped
    assert events[0].entries[0].change_id == 2


def test_rollout_in_index_and_feed() -> None:
    entries = [make(n, 5900 + n, [banner()], f"2025-09-10T12:0{n}:00Z") for n in range(4)]
    entries.append(
        make(99, 6000, [Change("title_changed", "title", "A", "B")], "2025-09-11T00:00:00Z")
    )
    events = group_entries(entries)
    index = format_index(events)
    assert index.count("<li id=") == 2
    assert "Historical-collection banner added to 4 articles" in index
    for n in range(4):
        assert f'<a href="{5900 + n}-1-2.html">Story number {5900 + n}</a>' in index
    root = ET.fromstring(format_atom(events))
    items = root.findall(f"{ATOM}entry")
    assert len(items) == 2
    assert items[0].find(f"{ATOM}id").text == "tag:dodnews,2025:article/6000/1-2"
    rollout = items[1]
    assert rollout.find(f"{ATOM}id").text.startswith("tag:dodnews,2025:rollout/")
    assert rollout.find(f"{ATOM}title").text == "Historical-collection banner added to 4 articles"
    content = rollout.find(f"{ATOM}content").text
    assert all(f"article {5900 + n}" in content for n in range(4))
    assert "historical collection on defense.gov" in content
