"""One article's history: how its change pages link to each other, and its timeline.

A change page links to its article's page, to the previous and next change of the article, and,
for a revert (a change back to an earlier version), to the changes it undoes. All of it is
computed from the article's changes alone (`navigation`), so an update knows which change pages a
new change alters: those whose navigation differs with and without it.

The article page puts the captures (from the archive), the versions and the changes on one
timeline, newest first (`timeline_rows`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from dodnews.reports.entry import ReportEntry, parse_time
from dodnews.reports.grouping import unique_entries
from dodnews.reports.names import article_name

CONFIRMATIONS_SHOWN = 3  # a longer run of captures that saw nothing new is folded


@dataclass(frozen=True)
class NavLink:
    """A link to one change page: its stem and what the reader sees."""

    stem: str
    label: str


@dataclass(frozen=True)
class ChangeNav:
    """Where a change page sits in its article's history."""

    article_page: str
    previous: NavLink | None = None
    next: NavLink | None = None
    undoes: tuple[NavLink, ...] = ()


@dataclass(frozen=True)
class CaptureView:
    """One capture as the article page shows it (plain values; the template escapes them)."""

    capture_id: int
    fetched_at: str
    outcome: str
    status: int | None
    version: int | None  # the version it saw (None for a failed fetch)
    link: str | None  # the replay URL, or "warc:FILE#RECORD", or None without a WARC record
    error: str | None = None


@dataclass(frozen=True)
class VersionView:
    """One distinct content of the article."""

    version: int
    first_seen: str
    title: str | None
    content_hash: str


@dataclass
class ArticleHistory:
    """What the archive adds to an article's changes: its captures and versions, oldest first."""

    captures: list[CaptureView] = field(default_factory=list)
    versions: list[VersionView] = field(default_factory=list)


def _label(entry: ReportEntry) -> str:
    return f"v{entry.from_version} → v{entry.to_version}, {entry.detected_at}"


def by_article(entries: Iterable[ReportEntry]) -> dict[int, list[ReportEntry]]:
    """Entries grouped by article id, each group oldest first."""
    groups: dict[int, list[ReportEntry]] = defaultdict(list)
    for entry in entries:
        groups[entry.article_id].append(entry)
    for group in groups.values():
        group.sort(key=ReportEntry.sort_key)
    return dict(groups)


def navigation(entries: Iterable[ReportEntry]) -> dict[str, ChangeNav]:
    """The navigation of every shown change page (by stem), from all changes of its articles
    (shown or not: a report given way to a later one of the same versions still happened)."""
    navs: dict[str, ChangeNav] = {}
    for article_id, history in by_article(entries).items():
        shown = sorted(unique_entries(history), key=ReportEntry.sort_key)
        page = article_name(article_id)
        for n, entry in enumerate(shown):
            before = shown[n - 1] if n > 0 else None
            after = shown[n + 1] if n + 1 < len(shown) else None
            navs[entry.stem] = ChangeNav(
                article_page=page,
                previous=NavLink(before.stem, _label(before)) if before else None,
                next=NavLink(after.stem, _label(after)) if after else None,
                undoes=tuple(NavLink(e.stem, _label(e)) for e in undone(history, entry)),
            )
    return navs


def undone(history: list[ReportEntry], revert: ReportEntry) -> list[ReportEntry]:
    """The changes a revert undoes: from the latest change that left the version it restores
    up to the revert (`history` is the article's changes, oldest first). Empty for a change
    that is no revert, or when the change that left that version is not recorded."""
    if not revert.revert:
        return []
    earlier = [e for e in history if e.sort_key() < revert.sort_key()]
    left = [n for n, e in enumerate(earlier) if e.from_version == revert.to_version]
    if not left:
        return []
    return earlier[left[-1] :]


@dataclass
class TimelineRow:
    """One line of an article's timeline: a capture (with the change it found, if any), a run
    of captures that saw nothing new, or a change no capture on the page accounts for."""

    time: str
    capture: CaptureView | None = None
    new_version: bool = False  # the first capture of its version
    changes: list[ReportEntry] = field(default_factory=list)
    folded: list[CaptureView] = field(default_factory=list)  # a run of confirmations


def timeline_rows(entries: list[ReportEntry], history: ArticleHistory) -> list[TimelineRow]:
    """The article's captures and changes, newest first; runs of more than
    CONFIRMATIONS_SHOWN captures that saw nothing new folded into one row."""
    by_capture: dict[int, list[ReportEntry]] = defaultdict(list)
    known = {c.capture_id for c in history.captures}
    rows: list[TimelineRow] = []
    for entry in sorted(entries, key=ReportEntry.sort_key):
        if entry.new_capture_id is not None and entry.new_capture_id in known:
            by_capture[entry.new_capture_id].append(entry)
        else:
            rows.append(TimelineRow(time=entry.detected_at, changes=[entry]))
    seen: set[int] = set()
    run: list[CaptureView] = []

    def end_run() -> None:
        if len(run) > CONFIRMATIONS_SHOWN:
            rows.append(TimelineRow(time=run[-1].fetched_at, folded=list(run)))
        else:
            rows.extend(TimelineRow(time=c.fetched_at, capture=c) for c in run)
        run.clear()

    for capture in history.captures:
        first = capture.version is not None and capture.version not in seen
        if capture.version is not None:
            seen.add(capture.version)
        found = by_capture.get(capture.capture_id, [])
        if not first and not found and capture.outcome in ("ok", "not-modified"):
            run.append(capture)
            continue
        end_run()
        rows.append(
            TimelineRow(time=capture.fetched_at, capture=capture, new_version=first, changes=found)
        )
    end_run()
    order = {id(row): n for n, row in enumerate(rows)}
    rows.sort(key=lambda row: (parse_time(row.time), order[id(row)]), reverse=True)
    return rows
