"""Write the reports into diffs/: per-change .md/.html/.json, per-article and per-rollout pages,
the index pages with their JSON indexes, and the feed.

`ReportWriter.regenerate` writes every file; `ReportWriter.update` writes only what some new
changes and captures alter (their reports, the change pages of the same articles whose links to
each other differ, the pages of the articles changed or captured, the index pages, rollout pages
and feed documents whose events differ, index.html and atom.xml), reading from the source only
the changes near them and the histories of their articles, so its cost does not grow with the
archive. Both give the same bytes: every file depends only on the changes and the captures up to
the ones index.html's marker records (and on the settings the marker's digest covers, see
reports.layout), never on when or how it was made.

Every file is written atomically (temp file in the same directory, then os.replace) and only when
its bytes differ, so readers never see half a file and unchanged reports keep their mtime. Temp
files a killed writer left behind are removed at the start (see reports.tempfiles). index.html,
which holds the marker, is written last: an update killed halfway is redone by the next one.
"""

from __future__ import annotations

import os
import tempfile
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

from dodnews.errors import UserError
from dodnews.reports.article import format_article
from dodnews.reports.atom import FEED_NAME, FeedLinks, format_atom
from dodnews.reports.entry import ReportEntry
from dodnews.reports.grouping import Event, unique_entries
from dodnews.reports.html import format_html
from dodnews.reports.index import PageLinks, format_index, format_index_json
from dodnews.reports.layout import Layout, Marker, read_marker
from dodnews.reports.markdown import format_markdown
from dodnews.reports.names import article_name, is_article_file, is_rollout_file, rollout_name
from dodnews.reports.planner import (
    EventPlanner,
    MemorySource,
    ReportSource,
    UpdatePlan,
)
from dodnews.reports.rollout import format_rollout
from dodnews.reports.tempfiles import TEMP_SUFFIX, exclusive_folder, temp_prefix, writing_folder
from dodnews.reports.text import json_text, safe_url
from dodnews.reports.timeline import ChangeNav, by_article, navigation

BATCH = 500  # change ids (or articles) read at a time for the per-change (per-article) pages
_EVENT_CACHE = 8  # ranges whose events are kept (index pages and feed documents share them)
File = tuple[str, str | None]  # a file of the folder and its text; None: delete it


@dataclass
class WriteResult:
    """What a report writer did: files rewritten, files already up to date, the temp files of
    an earlier, killed writer that it removed, and page files of another layout it deleted."""

    written: list[Path] = field(default_factory=list)  # (unless the writer keeps only counts)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    deleted: list[Path] = field(default_factory=list)
    files_written: int = 0
    files_unchanged: int = 0
    changes: int = 0  # change reports written (or checked)
    events: int = 0  # index events on the pages written
    full: bool = True  # every file was written (not an update of some)

    @property
    def paths(self) -> list[Path]:
        return sorted(self.written + self.unchanged)


def format_json(entry: ReportEntry) -> str:
    """The per-change JSON: ChangeReport.to_dict() plus entry metadata, sorted keys."""
    return json_text(entry.to_dict())


def write_reports(
    entries: Iterable[ReportEntry],
    diffs_dir: Path,
    *,
    feed_url: str | None = None,
    generated_at: str | None = None,
    layout: Layout | None = None,
) -> WriteResult:
    """(Re)write the per-change files of `entries`, the index and the feed built from them.

    Everything is rendered before the disk is touched, so bad input leaves diffs/ as it was.
    """
    writer = ReportWriter(
        MemorySource(entries),
        Path(diffs_dir),
        layout=layout,
        feed_url=feed_url,
        generated_at=generated_at,
        exclusive=False,
    )
    return writer.regenerate(format_first=True)


class ReportWriter:
    """The files of diffs/ for the changes of one ReportSource."""

    def __init__(
        self,
        source: ReportSource,
        directory: Path,
        *,
        layout: Layout | None = None,
        feed_url: str | None = None,
        generated_at: str | None = None,
        exclusive: bool = True,
        record_paths: bool = True,
    ) -> None:

        if feed_url is not None and safe_url(feed_url) is None:
            raise UserError(f"feed URL must be an http(s) URL: {feed_url!r}")
        self.source = source
        self.directory = Path(directory)
        self.layout = layout or Layout()
        self.feed_url = feed_url
        self.generated_at = generated_at
        # Blocking: two updates at once could each write pages from their own reading.
        self.exclusive = exclusive
        # A whole large archive is hundreds of thousands of files: then keep only the counts.
        self.record_paths = record_paths
        self.planner = EventPlanner(source)
        self.digest = self.layout.digest(feed_url, generated_at, source.fingerprint())
        self._events: OrderedDict[tuple[int, int], list[Event]] = OrderedDict()

    # -- the two ways in ---------------------------------------------------------------------

    def regenerate(self, *, format_first: bool = False) -> WriteResult:
        """Write every file; delete index pages and feed documents of another layout, and the
        pages of rollouts and articles the archive no longer has."""
        with self._folder(scan=True) as removed:
            return self._regenerate(removed, format_first)

    def update(self, change_ids: Iterable[int] = ()) -> WriteResult:
        """Write what changes `change_ids`, and any changes and captures recorded since the
        folder was last written, alter. A folder without a marker, or made with other
        settings, is written whole."""
        with self._folder(scan=False) as removed:
            marker = read_marker(self.directory)
            last = self.source.max_change_id()
            captures = self.source.max_capture_id()
            if (
                marker is None
                or marker.layout != self.digest
                or marker.last > last
                or marker.captures > captures
            ):
                return self._regenerate(removed, False)
            result = WriteResult(removed=removed, full=False)
            seeds = set(change_ids) | set(self.source.ids_after(marker.last))
            captured: list[int] = []
            if captures > marker.captures:
                captured = self.source.captured_articles(marker.captures + 1, captures)
            if not seeds and captures == marker.captures:
                return result
            files = self._update_files(marker.last, last, captures, seeds, captured, result)
            self._write(files, result)
            return result

    # -- what to write -----------------------------------------------------------------------

    def _regenerate(self, removed: list[Path], format_first: bool) -> WriteResult:
        result = WriteResult(removed=removed)
        last = self.source.max_change_id()
        captures = self.source.max_capture_id()
        pages, archives = self.layout.page_of(last), self.layout.archive_of(last)
        kept: set[str] = set()  # the article and rollout pages written
        files: Iterable[File] = self._all_files(last, captures, pages, archives, result, kept)
        if format_first:
            files = list(files)
        self._write(files, result)
        result.deleted += self._delete_other_pages(pages, archives, kept)
        return result

    def _all_files(
        self,
        last: int,
        captures: int,
        pages: int,
        archives: int,
        result: WriteResult,
        kept: set[str],
    ) -> Iterator[File]:
        for first in range(0, last + 1, BATCH):
            end = first + BATCH - 1
            entries = list(self.source.full_entries(first, end))
            histories = by_article(self.source.article_entries({e.article_id for e in entries}))
            yield from self._change_files(entries, navigation(_every(histories)), result)
            # Each article's page with the batch of its newest change: written once.
            owners = {
                a: h for a, h in histories.items() if first <= max(e.change_id for e in h) <= end
            }
            kept.update(article_name(a) for a in owners)
            yield from self._article_files(owners, captures)
        # Side by side, so that a page and a feed document of the same changes share one reading.
        for number in range(1, max(pages, archives)):
            if number < archives:
                yield self._archive(number, archives)
            if number < pages:
                yield from self._page(number, pages, last, captures, result, kept)
        yield self._subscription(archives)
        yield from self._page(pages, pages, last, captures, result, kept)  # index.html last

    def _update_files(
        self,
        before: int,
        last: int,
        captures: int,
        seeds: set[int],
        captured: list[int],
        result: WriteResult,
    ) -> Iterator[File]:
        layout = self.layout
        plan = self.planner.plan(seeds)
        # Change pages: the new ones, and those whose links to their article's other changes
        # differ now (the previous change of the article gains a "next" link, and so on).
        navs = navigation(_every(plan.articles))
        earlier = navigation(e for e in _every(plan.articles) if e.change_id not in seeds)
        shown = {e.stem: e for e in unique_entries(_every(plan.articles))}
        redo = {e.change_id for e in plan.new}
        redo |= {shown[stem].change_id for stem, nav in navs.items() if earlier.get(stem) != nav}
        if redo:
            entries = self.source.full_entries(min(redo), max(redo), only=redo)
            yield from self._change_files(entries, navs, result)
        # Article pages: those of the new changes, and of the articles captured since.
        histories = dict(plan.articles)
        others = set(captured) - histories.keys()
        if others:
            histories.update(by_article(self.source.article_entries(others)))
        yield from self._article_files(histories, captures)
        old_pages, pages = layout.page_of(before), layout.page_of(last)
        old_archives, archives = layout.archive_of(before), layout.archive_of(last)
        redo_pages = {layout.page_of(i) for i in plan.ids} | {pages}
        redo_archives = {layout.archive_of(i) for i in plan.ids}
        if pages != old_pages:
            # The old newest page becomes index-K.html, and the one before it links to it.
            redo_pages |= set(range(max(old_pages - 1, 1), pages + 1))
        if archives != old_archives:
            # The old newest range becomes an archive document, linked from the one before it.
            redo_archives |= set(range(max(old_archives - 1, 1), archives))
        for number in sorted(n for n in redo_archives if n < archives):
            yield self._archive(number, archives)
        yield self._subscription(archives)
        redo_pages = {p for p in redo_pages if p <= pages}
        for name in sorted(self._gone_rollouts(plan, redo_pages)):
            yield name, None
        for page in sorted(redo_pages):
            yield from self._page(page, pages, last, captures, result)

    def _gone_rollouts(self, plan: UpdatePlan, pages: set[int]) -> set[str]:
        """The pages of rollouts that the new changes split, merged or moved to other keys: the
        rollouts the folder shows on `pages` that are no longer there."""
        if not plan.seeds:
            return set()
        earlier = self.planner.before(plan)
        was, now = set(), set()
        for page in pages:
            span = self.layout.page_ids(page)
            was |= {ev.key for ev in earlier.range_events(*span) if ev.grouped}
            now |= {ev.key for ev in self._range_events(*span) if ev.grouped}
        return {rollout_name(key) for key in was - now}

    def _change_files(
        self, entries: Iterable[ReportEntry], navs: dict[str, ChangeNav], result: WriteResult
    ) -> Iterator[File]:
        for entry in entries:
            result.changes += 1
            yield f"{entry.stem}.json", format_json(entry)
            nav = navs.get(entry.stem)
            yield f"{entry.stem}.md", format_markdown(entry, nav)
            yield f"{entry.stem}.html", format_html(entry, nav)

    def _article_files(
        self, histories: dict[int, list[ReportEntry]], captures: int
    ) -> Iterator[File]:
        """The pages of these articles (every change of each, oldest first)."""
        wanted = sorted(a for a, h in histories.items() if h)
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            archived = self.source.article_histories(batch, captures)
            for article_id in batch:
                text = format_article(article_id, histories[article_id], archived.get(article_id))
                yield article_name(article_id), text

    def _range_events(self, first: int, last: int) -> list[Event]:
        key = (first, last)
        if key in self._events:
            self._events.move_to_end(key)
            return self._events[key]
        events = self.planner.range_events(first, last)
        self._events[key] = events
        while len(self._events) > _EVENT_CACHE:
            self._events.popitem(last=False)
        return events

    def _page(
        self,
        page: int,
        pages: int,
        last: int,
        captures: int,
        result: WriteResult,
        kept: set[str] | None = None,
    ) -> Iterator[File]:
        """An index page, its JSON index and the pages of its rollouts (the page last)."""
        layout = self.layout
        events = self._range_events(*layout.page_ids(page))
        result.events += len(events)
        links = None
        if pages > 1:
            links = PageLinks(
                label=f"Page {page}",
                newer=layout.page_name(page + 1, pages) if page < pages else None,
                older=layout.page_name(page - 1, pages) if page > 1 else None,
                oldest=layout.page_name(1, pages) if page > 1 else None,
            )
        name, json_name = layout.page_name(page, pages), layout.page_json_name(page, pages)
        newest = page == pages
        yield json_name, format_index_json(events, page=name, pages=pages if newest else None)
        for event in events:
            if event.grouped:
                rollout = rollout_name(event.key)
                if kept is not None:
                    kept.add(rollout)
                yield rollout, format_rollout(event)
        marker = Marker(last, captures, self.digest).text() if newest else None
        yield (
            name,
            format_index(
                events,
                generated_at=self.generated_at,
                pages=links,
                marker=marker,
                json_name=json_name,
            ),
        )

    def _archive(self, number: int, archives: int) -> File:
        layout = self.layout
        links = FeedLinks(
            name=layout.archive_name(number),
            archive=True,
            prev_archive=layout.archive_name(number - 1) if number > 1 else None,
            next_archive=layout.archive_name(number + 1) if number + 1 < archives else None,
        )
        events = self._range_events(*layout.archive_ids(number))
        return links.name, self._feed(events, links)

    def _subscription(self, archives: int) -> File:
        """atom.xml: the newest range's events, topped up with the newest older ones."""
        layout = self.layout
        events = _in_feed(self._range_events(*layout.archive_ids(archives)))
        wanted = layout.feed_entries - len(events)
        older: list[Event] = []
        number = archives - 1
        while len(older) < wanted and number >= 1:
            older += _in_feed(self._range_events(*layout.archive_ids(number)))
            number -= 1
        if wanted > 0:
            events += sorted(older, key=_newest_first, reverse=True)[:wanted]
        events.sort(key=_newest_first, reverse=True)
        prev = layout.archive_name(archives - 1) if archives > 1 else None
        return FEED_NAME, self._feed(events, FeedLinks(prev_archive=prev))

    def _feed(self, events: list[Event], links: FeedLinks) -> str:
        return format_atom(
            events, feed_url=self.feed_url, generated_at=self.generated_at, links=links
        )

    # -- the disk ----------------------------------------------------------------------------

    def _folder(self, *, scan: bool) -> AbstractContextManager[list[Path]]:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"cannot create diffs directory {self.directory}: {exc.strerror}"
            ) from None
        if self.exclusive:
            return exclusive_folder(self.directory, scan=scan)
        return writing_folder(self.directory)

    def _write(self, files: Iterable[File], result: WriteResult) -> None:
        for name, text in files:
            path = self.directory / name
            if text is None:
                if _delete(path):
                    result.deleted.append(path)
                continue
            if write_atomic(path, text.encode("utf-8")):
                result.files_written += 1
                if self.record_paths:
                    result.written.append(path)
            else:
                result.files_unchanged += 1
                if self.record_paths:
                    result.unchanged.append(path)

    def _delete_other_pages(self, pages: int, archives: int, kept: set[str]) -> list[Path]:
        """Index pages, their JSON indexes and feed documents beyond this layout's (left by
        other page sizes), and article and rollout pages not in `kept`."""
        layout = self.layout
        deleted = []
        with os.scandir(self.directory) as found:
            for item in found:
                name = item.name
                page = layout.is_page_file(name) or layout.is_page_json_file(name)
                number = layout.is_archive_file(name)
                stale = (
                    (page is not None and page >= pages)
                    or (number is not None and number >= archives)
                    or ((is_article_file(name) or is_rollout_file(name)) and name not in kept)
                )
                if stale and not item.is_dir(follow_symlinks=False) and _delete(Path(item.path)):
                    deleted.append(Path(item.path))
        return sorted(deleted)


def _every(histories: dict[int, list[ReportEntry]]) -> list[ReportEntry]:
    return [e for history in histories.values() for e in history]


def _delete(path: Path) -> bool:
    """Delete a report file; False if it was not there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise UserError(f"cannot delete {path}: {exc.strerror}") from None
    return True


def _in_feed(events: list[Event]) -> list[Event]:
    """The events the feed carries: not those across an extractor change (see reports.atom)."""
    return [ev for ev in events if not ev.extractor_changed]


def _newest_first(event: Event) -> tuple[object, ...]:
    return (event.sort_key(), event.key)


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temp file and os.replace; False if it already held `data`."""
    try:
        if path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path.name), suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            # No fsync: os.replace already keeps readers from half files, reports can be
            # regenerated from the archive, and an fsync per file made big runs 5x slower.
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    return True
