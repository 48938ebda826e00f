"""What the archive hands back: plain dataclasses, times as ISO 8601 strings ending in "Z"."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from dodnews.diffing.model import ChangeReport
from dodnews.model import Article


@dataclass
class RecordResult:
    """What `Archive.record_capture` did with one capture."""

    capture_id: int
    version_id: int | None
    new_version: bool
    change_id: int | None
    report: ChangeReport | None
    outcome: str
    revert: bool = False


@dataclass
class VersionRecord:
    """One distinct content of an article; `version` counts 1, 2, 3 per article."""

    id: int
    article_id: int
    version: int
    content_hash: str
    article: Article
    url: str | None
    title: str | None
    first_seen: str
    last_seen: str
    # the newest extractor that reads this content (a version confirmed by a newer extractor
    # keeps the article JSON its first extractor stored)
    extractor_version: str | None
    # set on a version made by reading an older version's page again with a newer extractor:
    # extractor_version, from_extractor_version, from_seq (the stored key), capture_id, captured_at,
    # reextracted_at
    reextraction: dict[str, Any] | None = None

    def compared(self) -> Article:
        """The article as the archive compares it: read by `extractor_version` (the stored JSON
        of a confirmed version still names the extractor that first stored it)."""
        if not self.extractor_version or self.extractor_version == self.article.extractor_version:
            return self.article
        return replace(self.article, extractor_version=self.extractor_version)


@dataclass
class CaptureRecord:
    """One fetch, as stored (no body: the WARC record holds it)."""

    id: int
    article_id: int
    requested_url: str
    final_url: str | None
    redirects: list[str]
    fetched_at: str
    status: int | None
    outcome: str
    headers: dict[str, str]
    body_digest: str | None
    error: str | None
    warc_file: str | None
    warc_record_id: str | None
    version_id: int | None
    version: int | None
    run_id: int | None
    # the browser's evidence (see dodnews.model.Capture); None for a page read as it was sent
    rendered: str | None = None
    rendered_warc: str | None = None
    screenshot: str | None = None


@dataclass
class ChangeRecord:
    """One recorded change between two versions, with what a report or feed needs."""

    id: int
    article_id: int
    from_version: int
    to_version: int
    from_version_id: int
    to_version_id: int
    detected_at: str
    kinds: list[str]
    significance: float
    revert: bool
    report: ChangeReport
    title: str | None
    url: str | None
    old_captured_at: str | None
    new_captured_at: str | None
    old_capture_id: int | None
    new_capture_id: int | None
    run_id: int | None
    section: str | None = None  # of the new version (its stored article)
    published: str | None = None

    @property
    def summary_lines(self) -> list[str]:
        """One line per change in the report."""
        return [c.summary or f"{c.kind} ({c.field})" for c in self.report.changes]

    def to_json(self) -> dict[str, Any]:
        """The snake_case JSON object of `dodnews changes --format json`."""
        return {
            "id": self.id,
            "article_id": self.article_id,
            "title": self.title,
            "url": self.url,
            "detected_at": self.detected_at,
            "kinds": self.kinds,
            "significance": self.significance,
            "revert": self.revert,
            "extractor_changed": self.report.extractor_changed,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "old_captured_at": self.old_captured_at,
            "new_captured_at": self.new_captured_at,
            "run_id": self.run_id,
            "summary": self.summary_lines,
        }


@dataclass
class ArticleRecord:
    """What the archive knows about one article id (for recheck and status)."""

    article_id: int
    url: str | None
    section: str | None
    published: str | None
    first_seen: str
    last_captured: str | None  # latest ok / not-modified / gone answer
    last_attempt: str | None  # latest capture of any outcome (blocked and errors too)
    last_changed: str | None
    last_outcome: str | None
    etag: str | None
    last_modified: str | None
    body_digest: str | None
    gone: bool
    current_version_id: int | None
    last_downloaded: str | None = None  # latest capture with the whole page (a 200)


@dataclass
class RunRecord:
    """One crawl run."""

    id: int
    spider: str
    started_at: str
    finished_at: str | None
    status: str
    counts: dict[str, Any] = field(default_factory=dict)
    changes_found: int | None = None
    errors: list[Any] = field(default_factory=list)
    host: str | None = None  # the crawl process (NULL for runs recorded before revision 0003)
    pid: int | None = None
