"""Glue between the archive and the report writers: archived changes -> files in diffs/.

A crawl that found changes calls `update_archive_reports` (only the files those changes alter);
`dodnews report` calls `write_archive_reports` (every file). Both read the archive a range of
changes at a time, so memory stays bounded however many changes it holds.

Links to captures: with DODNEWS_REPLAY_URL (the pywb collection `dodnews replay` serves, such as
`http://127.0.0.1:8080/dodnews/`), each capture links to its replay `<replay>/<timestamp>/<url>`;
without it, the report names the WARC file and record id of each capture as plain text.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from dodnews.errors import UserError
from dodnews.reports.entry import ReportEntry
from dodnews.reports.layout import FEED_ENTRIES, PAGE_SIZE, Layout
from dodnews.reports.screenshots import ScreenshotStore, report_screenshots, screenshots_dir
from dodnews.reports.text import safe_url
from dodnews.reports.timeline import ArticleHistory, CaptureView, VersionView
from dodnews.reports.writer import ReportWriter, WriteResult

MAX_PAGE_SIZE = 100_000  # index pages and feed documents: a bigger one is a typo


def capture_link(capture: Any, replay_url: str | None) -> str | None:
    """Where a reader can see one capture: a replay URL, or its WARC file and record id.

    The replay URL names the capture's own URL (the variant fetched) and time: `dodnews replay`
    indexes a 304 there as the page it confirmed. A capture without a WARC record (a timeout)
    has nothing to replay, so no link: pywb would show the nearest other capture instead.
    """
    if capture is None or not capture.warc_file:
        return None
    if replay_url and capture.fetched_at:
        stamp = "".join(ch for ch in capture.fetched_at if ch.isdigit())[:14]
        url = capture.final_url or capture.requested_url
        return f"{replay_url.rstrip('/')}/{stamp}/{url}"
    return f"warc:{capture.warc_file}#{capture.warc_record_id}"


def checked_replay_url(replay_url: str | None, *, strict: bool = True) -> str | None:
    """An http(s) replay URL; any other (file:, ftp:, javascript:) is a UserError, or None."""

    if not replay_url or safe_url(replay_url) is not None:
        return replay_url or None
    if strict:
        raise UserError(f"replay URL must be an http(s) URL: {replay_url!r}")
    # A crawl's reports: link the WARC records rather than fail the run over a setting.
    return None


def report_layout(page_size: Any = None, feed_entries: Any = None) -> Layout:
    """The layout from settings values (default $DODNEWS_INDEX_PAGE_SIZE, $DODNEWS_FEED_ENTRIES);
    a value that is not a whole number from 1 to 100000 is a UserError."""

    def number(value: Any, name: str, default: int) -> int:
        if value is None:
            value = os.environ.get(name)
        if value is None or value == "":
            return default
        try:
            parsed = int(str(value).strip())
        except ValueError:
            parsed = 0
        if not 1 <= parsed <= MAX_PAGE_SIZE:
            raise UserError(
                f"{name}: expected a whole number from 1 to {MAX_PAGE_SIZE}, got {value!r}"
            )
        return parsed

    return Layout(
        page_size=number(page_size, "DODNEWS_INDEX_PAGE_SIZE", PAGE_SIZE),
        feed_entries=number(feed_entries, "DODNEWS_FEED_ENTRIES", FEED_ENTRIES),
    )


class ArchiveSource:
    """The archive as a ReportSource: changes read a range at a time, recent ones cached."""

    def __init__(self, archive: Any, replay_url: str | None = None, cache_size: int = 3000) -> None:
        self.archive = archive
        self.replay_url = replay_url
        self.cache_size = cache_size
        self._cache: OrderedDict[int, ReportEntry] = OrderedDict()
        self._shots: Any = None

    def max_change_id(self) -> int:
        return int(self.archive.max_change_id())

    def ids_after(self, change_id: int) -> list[int]:
        return list(self.archive.change_ids(first_id=change_id + 1))

    def entries_in(self, first: int, last: int) -> list[ReportEntry]:
        return self._load(self.archive.change_ids(first_id=first, last_id=last, latest_only=True))

    def entries_between(self, start: datetime, end: datetime) -> list[ReportEntry]:
        return self._load(self.archive.change_ids(since=start, until=end, latest_only=True))

    def entries_by_ids(self, ids: Iterable[int]) -> list[ReportEntry]:
        return self._load(sorted(set(ids)))

    def article_entries(self, article_ids: Iterable[int]) -> list[ReportEntry]:
        return [_entry(r) for r in self.archive.changes(article_ids=article_ids)]

    def full_entries(
        self, first: int, last: int, only: set[int] | None = None
    ) -> Iterator[ReportEntry]:
        records = self.archive.changes(
            first_id=first, last_id=last, latest_only=True, ids=sorted(only) if only else None
        )
        yield from self._full(sorted(records, key=lambda r: r.id))

    def fingerprint(self) -> str:
        return f"replay={self.replay_url or ''}"

    def max_capture_id(self) -> int:
        return int(self.archive.max_capture_id())

    def captured_articles(self, first: int, last: int) -> list[int]:
        return list(self.archive.captured_articles(first, last))

    def article_histories(
        self, article_ids: Iterable[int], last_capture: int
    ) -> dict[int, ArticleHistory]:
        """Captures up to `last_capture` (what the folder's marker says it shows), and the
        versions they or the article's changes saw."""
        wanted = sorted(set(article_ids))
        found = self.archive.captures_of(wanted)
        versions = self.archive.versions_of(wanted)
        return {
            article_id: ArticleHistory(
                captures=[
                    _capture_view(c, self.replay_url)
                    for c in found.get(article_id, [])
                    if c.id <= last_capture
                ],
                versions=[
                    VersionView(v.version, v.first_seen, v.title, v.content_hash)
                    for v in versions.get(article_id, [])
                ],
            )
            for article_id in wanted
        }

    def _load(self, ids: list[int]) -> list[ReportEntry]:
        """Entries by id, from the cache or (for the rest) from one reading of the archive."""
        found = {i: self._cache[i] for i in ids if i in self._cache}
        missing = [i for i in ids if i not in found]
        if missing:
            for record in self.archive.changes(ids=missing):
                found[record.id] = self._cache[record.id] = _entry(record)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        for i in found:
            if i in self._cache:
                self._cache.move_to_end(i)
        return [found[i] for i in ids if i in found]

    def _full(self, records: list[Any]) -> Iterator[ReportEntry]:
        """Entries with both articles, capture links and screenshots (two readings per batch)."""
        versions = self.archive.versions_by_id(
            [r.from_version_id for r in records] + [r.to_version_id for r in records]
        )
        captures = {
            article_id: {c.id: c for c in found}
            for article_id, found in self.archive.captures_of(
                {r.article_id for r in records}
            ).items()
        }
        for record in records:
            yield self._full_entry(record, captures.get(record.article_id, {}), versions)

    def _full_entry(
        self, record: Any, captures: dict[int, Any], versions: dict[int, Any]
    ) -> ReportEntry:
        entry = _entry(record)
        old, new = versions.get(record.from_version_id), versions.get(record.to_version_id)
        entry.old_capture_url = capture_link(captures.get(record.old_capture_id), self.replay_url)
        entry.new_capture_url = capture_link(captures.get(record.new_capture_id), self.replay_url)
        entry.old_article = old.article.to_dict() if old else None
        entry.new_article = new.article.to_dict() if new else None
        entry.screenshots = _screenshots_of(
            self._store(),
            _with_screenshot(captures, record.old_capture_id, record.from_version_id),
            _with_screenshot(captures, record.new_capture_id, record.to_version_id),
            entry,
        )
        return entry

    def _store(self) -> Any:
        if self._shots is None:
            self._shots = _screenshot_store(self.archive)
        return self._shots


def _entry(record: Any) -> ReportEntry:
    """A change record as the index and feed need it (no articles, no capture links)."""
    return ReportEntry(
        change_id=record.id,
        report=record.report,
        title=record.title or "",
        url=record.url or "",
        detected_at=record.detected_at,
        from_version=record.from_version,
        to_version=record.to_version,
        revert=bool(record.revert),
        section=record.section,
        published=record.published,
        new_capture_id=record.new_capture_id,
    )


def _capture_view(capture: Any, replay_url: str | None) -> CaptureView:
    return CaptureView(
        capture_id=capture.id,
        fetched_at=capture.fetched_at,
        outcome=capture.outcome,
        status=capture.status,
        version=capture.version,
        link=capture_link(capture, replay_url),
        error=capture.error,
    )


def archive_entries(archive: Any, replay_url: str | None = None) -> list[ReportEntry]:
    """A ReportEntry for every change in the archive, with both articles and capture links."""
    replay_url = replay_url if replay_url is not None else os.environ.get("DODNEWS_REPLAY_URL")
    source = ArchiveSource(archive, checked_replay_url(replay_url, strict=False))
    return list(source._full(archive.changes()))


def _with_screenshot(captures: dict[int, Any], capture_id: Any, version_id: Any) -> Any:
    """The capture, or (when it has no screenshot) the latest one of the same version that has.

    With `-a screenshots=new` only the capture that first saw a version is rendered; a change's
    "before" side is usually a later, unrendered confirmation of the same content.
    """
    capture = captures.get(capture_id)
    if capture is not None and capture.screenshot:
        return capture
    same = [c for c in captures.values() if c.version_id == version_id and c.screenshot]
    return max(same, key=lambda c: (c.fetched_at, c.id), default=capture)


def _screenshot_store(archive: Any) -> Any:

    url = getattr(archive, "url", None)
    url_text = str(url) if url is not None else None  # only a SQLite file's folder is used
    configured = os.environ.get("DODNEWS_SCREENSHOTS_DIR") or None
    return ScreenshotStore(screenshots_dir(url_text, configured))


def _screenshots_of(store: Any, old_capture: Any, new_capture: Any, entry: Any) -> Any:
    """Before/after screenshots of a change (from the captures' records), the change marked."""

    def digest(capture: Any) -> str | None:
        return getattr(capture, "screenshot", None) or None

    old, new = digest(old_capture), digest(new_capture)
    if not old and not new:
        return None
    return report_screenshots(
        store,
        old,
        new,
        entry.report.changes,
        entry.old_article,
        entry.new_article,
        (f"before (v{entry.from_version})", f"after (v{entry.to_version})"),
    )


def _writer(
    archive: Any,
    diffs_dir: str | Path | None,
    feed_url: str | None,
    replay_url: str | None,
    layout: Layout | None,
    record_paths: bool = True,
) -> ReportWriter:
    replay = replay_url if replay_url is not None else os.environ.get("DODNEWS_REPLAY_URL")
    return ReportWriter(
        ArchiveSource(archive, checked_replay_url(replay, strict=False)),
        Path(diffs_dir or "diffs"),
        layout=layout or report_layout(),
        feed_url=feed_url or os.environ.get("DODNEWS_FEED_URL") or None,
        record_paths=record_paths,
    )


def write_archive_reports(
    archive: Any,
    diffs_dir: str | Path | None,
    feed_url: str | None = None,
    *,
    replay_url: str | None = None,
    layout: Layout | None = None,
) -> Path:
    """(Re)write every report file of the archive into `diffs_dir`; returns the index path."""
    target = Path(diffs_dir or "diffs")
    regenerate_archive_reports(
        archive, target, feed_url, replay_url=replay_url, layout=layout, record_paths=False
    )
    return target / "index.html"


def regenerate_archive_reports(
    archive: Any,
    diffs_dir: str | Path | None,
    feed_url: str | None = None,
    *,
    replay_url: str | None = None,
    layout: Layout | None = None,
    record_paths: bool = True,
) -> WriteResult:
    """Write every report file of the archive into `diffs_dir` (`dodnews report`); with
    `record_paths` False the result holds counts only (bounded memory for any archive)."""
    return _writer(archive, diffs_dir, feed_url, replay_url, layout, record_paths).regenerate()


def update_archive_reports(
    archive: Any,
    diffs_dir: str | Path | None,
    change_ids: Iterable[int] = (),
    feed_url: str | None = None,
    *,
    replay_url: str | None = None,
    layout: Layout | None = None,
) -> WriteResult:
    """Write the files that changes `change_ids` (and any recorded since `diffs_dir` was last
    written) alter: their reports, the index pages and feed documents that show them."""
    return _writer(archive, diffs_dir, feed_url, replay_url, layout).update(change_ids)
