"""Reading archived pages again with the running extractor, so that an upgrade is never an edit.

When the extractor changes (`EXTRACTOR_VERSION`), a page it reads differently would otherwise get
a new content hash on its next capture, and the archive would record a change the site never
made. The page of each outdated current version is read again from its WARC record and extracted
like a fresh capture (extract, normalize, validate); the archive stores the result as a marked
version (see `dodnews.archive.reextraction`), and the next capture is compared with it.

Two users: the crawl's `ArchivePipeline`, for the articles of each batch whose page came back
different, and `dodnews archive reextract`, for the whole archive in one go.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dodnews.archive.reextraction import Evidence, OutdatedVersion, Reextraction
from dodnews.extract import ExtractionError, extract_article
from dodnews.extract.normalize import normalize_article, validation_problem
from dodnews.model import Article
from dodnews.site import WAR, Site
from dodnews.warc.reader import RecordUnreadable, WarcReader

if TYPE_CHECKING:
    from dodnews.archive import Archive

CHUNK = 200  # outdated versions read and written per transaction by `reextract_archive`


class EvidenceMissing(Exception):
    """The page of a version cannot be read again; the message says why in one line."""


class Reextractor:
    """Reads the page of an outdated version from its WARC evidence and extracts it again, with
    the URL rules of `site` (the archive's)."""

    def __init__(self, warc_dir: str | Path, site: Site = WAR) -> None:
        self.reader = WarcReader(warc_dir)
        self.site = site

    def read(self, outdated: OutdatedVersion) -> Reextraction:
        """The version's page extracted by the running extractor, from its newest readable
        capture; EvidenceMissing when none of its captures can be read."""
        if not outdated.evidence:
            raise EvidenceMissing("no capture of this version has a WARC record of its page")
        reasons = []
        for evidence in outdated.evidence:
            try:
                article = self._extract(evidence)
            except EvidenceMissing as exc:
                reasons.append(str(exc))
                continue
            return Reextraction(outdated.article_id, outdated.version_id, article, evidence)
        raise EvidenceMissing(
            reasons[0] + (f" (and {len(reasons) - 1} more)" if reasons[1:] else "")
        )

    def _extract(self, evidence: Evidence) -> Article:
        try:
            if evidence.rendered:
                # the version was read from the browser's DOM: read that again
                file, _, record_id = evidence.rendered.partition("#")
                body = self.reader.page(file, record_id)
            else:
                body = self.reader.page(
                    evidence.warc_file, evidence.warc_record_id, evidence.body_digest
                )
        except RecordUnreadable as exc:
            raise EvidenceMissing(str(exc)) from None
        try:
            article = normalize_article(extract_article(body, evidence.url, self.site))
        except ExtractionError as exc:
            raise EvidenceMissing(
                f"capture {evidence.capture_id}: extraction failed: {exc}"
            ) from None
        except Exception as exc:  # an extractor bug on one old page costs that article only
            raise EvidenceMissing(
                f"capture {evidence.capture_id}: extraction failed: {type(exc).__name__}: {exc}"
            ) from None
        problem = validation_problem(article)
        if problem is not None:
            raise EvidenceMissing(f"capture {evidence.capture_id}: invalid article: {problem}")
        return article


@dataclass
class ReextractSummary:
    """What `reextract_archive` did (or, dry, would do)."""

    outdated: int = 0  # current versions read by an older extractor
    versions: int = 0  # new re-extracted versions
    confirmed: int = 0  # same content: marked as read by the running extractor
    skipped: int = 0  # changed meanwhile by a crawl
    missing: list[tuple[int, str]] = field(default_factory=list)  # (article id, why)


def reextract_archive(
    archive: Archive,
    reextractor: Reextractor,
    extractor_version: str,
    *,
    dry_run: bool = False,
    on_missing: Callable[[int, str], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ReextractSummary:
    """Read every outdated current version again and (unless `dry_run`) store the results."""
    summary = ReextractSummary()
    total = archive.count_outdated(extractor_version)
    for chunk in _chunks(archive, extractor_version):
        items = []
        for outdated in chunk:
            summary.outdated += 1
            try:
                item = reextractor.read(outdated)
            except EvidenceMissing as exc:
                summary.missing.append((outdated.article_id, str(exc)))
                if on_missing is not None:
                    on_missing(outdated.article_id, str(exc))
                continue
            if dry_run:
                if archive.hasher(item.article) == outdated.content_hash:
                    summary.confirmed += 1
                else:
                    summary.versions += 1
            else:
                items.append(item)
        for result in archive.record_reextractions(items) if items else []:
            if result.outcome == "confirmed":
                summary.confirmed += 1
            elif result.outcome == "skipped":
                summary.skipped += 1
            else:
                summary.versions += 1
        if on_progress is not None:
            on_progress(summary.outdated, total)
    return summary


def _chunks(archive: Archive, extractor_version: str) -> Iterator[list[OutdatedVersion]]:
    after = None
    while True:
        chunk = archive.outdated_versions(extractor_version, after=after, limit=CHUNK)
        if not chunk:
            return
        yield chunk
        after = chunk[-1].article_id


class Progress:
    """Calls `report(done, total)` at most every `seconds` (and never for short runs)."""

    def __init__(self, report: Callable[[int, int], None], seconds: float) -> None:
        self.report = report
        self.seconds = seconds
        self.next = time.monotonic() + seconds

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now >= self.next:
            self.next = now + self.seconds
            self.report(done, total)
