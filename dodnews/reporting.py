"""Glue between the archive and the report writers: archived changes -> files in diffs/.

Links to captures: with DODNEWS_REPLAY_URL (the pywb collection `dodnews replay` serves, such as
`http://127.0.0.1:8080/dodnews/`), each capture links to its replay `<replay>/<timestamp>/<url>`;
without it, the report names the WARC file and record id of each capture as plain text.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


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
    from dodnews.errors import UserError
    from dodnews.reports.text import safe_url

    if not replay_url or safe_url(replay_url) is not None:
        return replay_url or None
    if strict:
        raise UserError(f"replay URL must be an http(s) URL: {replay_url!r}")
    # A crawl's reports: link the WARC records rather than fail the run over a setting.
    return None


def archive_entries(archive: Any, replay_url: str | None = None) -> list[Any]:
    """A ReportEntry for every change in the archive, with both articles and capture links."""
    from dodnews.reports import ReportEntry

    replay_url = replay_url if replay_url is not None else os.environ.get("DODNEWS_REPLAY_URL")
    replay_url = checked_replay_url(replay_url, strict=False)
    captures_by_article: dict[int, dict[int, Any]] = {}
    versions_by_article: dict[int, dict[int, Any]] = {}
    entries = []
    shots = _screenshot_store(archive)
    for record in archive.changes():
        if record.article_id not in captures_by_article:
            captures_by_article[record.article_id] = {
                c.id: c for c in archive.captures(record.article_id)
            }
            versions_by_article[record.article_id] = {
                v.seq: v for v in archive.versions(record.article_id)
            }
        captures = captures_by_article[record.article_id]
        versions = versions_by_article[record.article_id]
        old = versions.get(record.from_seq)
        new = versions.get(record.to_seq)
        entries.append(
            ReportEntry(
                change_id=record.id,
                report=record.report,
                title=record.title or "",
                url=record.url or "",
                detected_at=record.detected_at,
                from_version=record.from_seq,
                to_version=record.to_seq,
                revert=bool(record.revert),
                old_capture_url=capture_link(captures.get(record.old_capture_id), replay_url),
                new_capture_url=capture_link(captures.get(record.new_capture_id), replay_url),
                old_article=old.article.to_dict() if old else None,
                new_article=new.article.to_dict() if new else None,
            )
        )
        entry = entries[-1]
        entry.screenshots = _screenshots_of(
            shots,
            _with_screenshot(captures, record.old_capture_id, record.from_version_id),
            _with_screenshot(captures, record.new_capture_id, record.to_version_id),
            entry,
        )
    return entries


def _with_screenshot(captures: dict[int, Any], capture_id: Any, version_id: Any) -> Any:
    """The capture, or (when it has no screenshot) the latest one of the same version that has.

    With `-a screenshots=new` only the capture that first saw a version is rendered; a change's
    "before" side is usually a later, unrendered confirmation of the same content.
    """
    from dodnews.rendering import H_SCREENSHOT

    capture = captures.get(capture_id)
    if capture is not None and (capture.headers or {}).get(H_SCREENSHOT):
        return capture
    same = [
        c
        for c in captures.values()
        if c.version_id == version_id and (c.headers or {}).get(H_SCREENSHOT)
    ]
    return max(same, key=lambda c: (c.fetched_at, c.id), default=capture)


def _screenshot_store(archive: Any) -> Any:
    from dodnews.screenshots import ScreenshotStore, screenshots_dir

    url = getattr(archive, "url", None)
    url_text = str(url) if url is not None else None  # only a SQLite file's folder is used
    configured = os.environ.get("DODNEWS_SCREENSHOTS_DIR") or None
    return ScreenshotStore(screenshots_dir(url_text, configured))


def _screenshots_of(store: Any, old_capture: Any, new_capture: Any, entry: Any) -> Any:
    """Before/after screenshots of a change (from the captures' headers), the change marked."""
    from dodnews.rendering import H_SCREENSHOT
    from dodnews.screenshots import report_screenshots

    def digest(capture: Any) -> str | None:
        return ((getattr(capture, "headers", None) or {}).get(H_SCREENSHOT)) or None

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


def write_archive_reports(
    archive: Any, diffs_dir: str | Path | None, feed_url: str | None = None
) -> Path:
    """(Re)write every change report of the archive into `diffs_dir`; returns the index path."""
    from dodnews.reports import write_reports

    target = Path(diffs_dir or "diffs")
    write_reports(
        archive_entries(archive),
        target,
        feed_url=feed_url or os.environ.get("DODNEWS_FEED_URL") or None,
    )
    return target / "index.html"
