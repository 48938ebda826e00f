"""Write the reports into diffs/: per-change .md/.html/.json, the index pages and the feed.

`ReportWriter.regenerate` writes every file; `ReportWriter.update` writes only what some new
changes alter (their reports, the index pages and feed documents whose events differ, index.html
and atom.xml), reading from the source only the changes near them, so its cost does not grow
with the archive. Both give the same bytes: every file depends only on the changes (and on the
settings recorded in index.html's marker, see reports.layout), never on when or how it was made.

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
from dodnews.reports.atom import FEED_NAME, FeedLinks, format_atom
from dodnews.reports.entry import ReportEntry
from dodnews.reports.grouping import Event
from dodnews.reports.html import format_html
from dodnews.reports.index import PageLinks, format_index
from dodnews.reports.layout import Layout, Marker, read_marker
from dodnews.reports.markdown import format_markdown
from dodnews.reports.planner import EventPlanner, MemorySource, ReportSource, anchor
from dodnews.reports.tempfiles import TEMP_SUFFIX, exclusive_folder, temp_prefix, writing_folder
from dodnews.reports.text import json_text

BATCH = 500  # change ids read at a time for the per-change reports
_EVENT_CACHE = 8  # ranges whose events are kept (index pages and feed documents share them)


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
        from dodnews.reports.text import safe_url

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
        """Write every file; delete index pages and feed documents of another layout."""
        with self._folder(scan=True) as removed:
            return self._regenerate(removed, format_first)

    def update(self, change_ids: Iterable[int] = ()) -> WriteResult:
        """Write what changes `change_ids`, and any recorded since the folder was last written,
        alter. A folder without a marker, or made with other settings, is written whole."""
        with self._folder(scan=False) as removed:
            marker = read_marker(self.directory)
            last = self.source.max_change_id()
            if marker is None or marker.layout != self.digest or marker.last > last:
                return self._regenerate(removed, False)
            result = WriteResult(removed=removed, full=False)
            seeds = set(change_ids) | set(self.source.ids_after(marker.last))
            if not seeds:
                return result
            self._write(self._update_files(marker.last, last, seeds, result), result)
            return result

    # -- what to write -----------------------------------------------------------------------

    def _regenerate(self, removed: list[Path], format_first: bool) -> WriteResult:
        result = WriteResult(removed=removed)
        last = self.source.max_change_id()
        pages, archives = self.layout.page_of(last), self.layout.archive_of(last)
        files: Iterable[tuple[str, str]] = self._all_files(last, pages, archives, result)
        if format_first:
            files = list(files)
        self._write(files, result)
        result.deleted = self._delete_other_pages(pages, archives)
        return result

    def _all_files(
        self, last: int, pages: int, archives: int, result: WriteResult
    ) -> Iterator[tuple[str, str]]:
        for first in range(0, last + 1, BATCH):
            entries = self.source.full_entries(first, first + BATCH - 1)
            yield from self._change_files(entries, result)
        # Side by side, so that a page and a feed document of the same changes share one reading.
        for number in range(1, max(pages, archives)):
            if number < archives:
                yield self._archive(number, archives, pages)
            if number < pages:
                yield self._page(number, pages, last, result)
        yield self._subscription(archives, pages)
        yield self._page(pages, pages, last, result)  # index.html, with the marker, last

    def _update_files(
        self, before: int, last: int, seeds: set[int], result: WriteResult
    ) -> Iterator[tuple[str, str]]:
        layout = self.layout
        new, touched = self.planner.touched(seeds)
        if new:
            ids = {e.change_id for e in new}
            entries = self.source.full_entries(min(ids), max(ids), only=ids)
            yield from self._change_files(entries, result)
        old_pages, pages = layout.page_of(before), layout.page_of(last)
        old_archives, archives = layout.archive_of(before), layout.archive_of(last)
        redo_pages = {layout.page_of(i) for i in touched} | {pages}
        redo_archives = {layout.archive_of(i) for i in touched}
        if pages != old_pages:
            # The old newest page becomes index-K.html, and the one before it links to it; feed
            # documents link to the rollouts on it by that name.
            redo_pages |= set(range(max(old_pages - 1, 1), pages + 1))
            for page in range(old_pages, pages):
                first, end = layout.page_ids(page)
                redo_archives |= set(range(layout.archive_of(first), layout.archive_of(end) + 1))
        if archives != old_archives:
            # The old newest range becomes an archive document, linked from the one before it.
            redo_archives |= set(range(max(old_archives - 1, 1), archives))
        for number in sorted(n for n in redo_archives if n < archives):
            yield self._archive(number, archives, pages)
        yield self._subscription(archives, pages)
        for page in sorted(p for p in redo_pages if p <= pages):
            yield self._page(page, pages, last, result)

    def _change_files(
        self, entries: Iterable[ReportEntry], result: WriteResult
    ) -> Iterator[tuple[str, str]]:
        for entry in entries:
            result.changes += 1
            yield f"{entry.stem}.json", format_json(entry)
            yield f"{entry.stem}.md", format_markdown(entry)
            yield f"{entry.stem}.html", format_html(entry)

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

    def _page(self, page: int, pages: int, last: int, result: WriteResult) -> tuple[str, str]:
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
        marker = Marker(last, self.digest).text() if page == pages else None
        text = format_index(events, generated_at=self.generated_at, pages=links, marker=marker)
        return layout.page_name(page, pages), text

    def _archive(self, number: int, archives: int, pages: int) -> tuple[str, str]:
        layout = self.layout
        links = FeedLinks(
            name=layout.archive_name(number),
            archive=True,
            prev_archive=layout.archive_name(number - 1) if number > 1 else None,
            next_archive=layout.archive_name(number + 1) if number + 1 < archives else None,
        )
        events = self._range_events(*layout.archive_ids(number))
        return links.name, self._feed(events, links, pages)

    def _subscription(self, archives: int, pages: int) -> tuple[str, str]:
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
        return FEED_NAME, self._feed(events, FeedLinks(prev_archive=prev), pages)

    def _feed(self, events: list[Event], links: FeedLinks, pages: int) -> str:
        layout = self.layout
        return format_atom(
            events,
            feed_url=self.feed_url,
            generated_at=self.generated_at,
            links=links,
            event_page=lambda ev: layout.page_name(layout.page_of(anchor(ev)), pages),
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

    def _write(self, files: Iterable[tuple[str, str]], result: WriteResult) -> None:
        for name, text in files:
            path = self.directory / name
            if write_atomic(path, text.encode("utf-8")):
                result.files_written += 1
                if self.record_paths:
                    result.written.append(path)
            else:
                result.files_unchanged += 1
                if self.record_paths:
                    result.unchanged.append(path)

    def _delete_other_pages(self, pages: int, archives: int) -> list[Path]:
        """Index pages and feed documents beyond this layout's (left by other page sizes)."""
        deleted = []
        with os.scandir(self.directory) as found:
            for item in found:
                page = self.layout.is_page_file(item.name)
                number = self.layout.is_archive_file(item.name)
                stale = (page is not None and page >= pages) or (
                    number is not None and number >= archives
                )
                if stale and not item.is_dir(follow_symlinks=False):
                    try:
                        os.unlink(item.path)
                    except OSError as exc:
                        raise UserError(f"cannot delete {item.path}: {exc.strerror}") from None
                    deleted.append(Path(item.path))
        return sorted(deleted)


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
