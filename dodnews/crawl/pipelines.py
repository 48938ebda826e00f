"""Item pipelines: count -> normalize -> validate -> archive (capture, version, change) ->
reports."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import DropItem
from twisted.internet import task

from dodnews.crawl import signals as dodnews_signals
from dodnews.crawl.archive_handle import shared_archive
from dodnews.crawl.reextracting import EvidenceMissing, Reextractor
from dodnews.errors import UserError
from dodnews.extract.normalize import normalize_article, validation_problem
from dodnews.model import OUTCOME_ERROR, OUTCOME_OK, Capture
from dodnews.monitor.coverage import DROPPED, CoverageRule, coverage, describe, judge, tally
from dodnews.monitor.runs import run_counts, run_verdict
from dodnews.reports.layout import read_marker
from dodnews.reports.reporting import report_layout, update_archive_reports
from dodnews.words import count

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class _Stage:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)


class CountPipeline(_Stage):
    """Counts every capture by outcome as the spider made it (before validation can fail one):
    `dodnews/captures/<outcome>` and `dodnews/captures/total`, what the run's verdict reads."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Capture):
            stats = self.crawler.stats
            stats.inc_value(f"dodnews/captures/{item.outcome}")
            stats.inc_value("dodnews/captures/total")
        return item


class NormalizePipeline(_Stage):
    """Unicode NFC, whitespace, canonical URLs and dates on every extracted article."""

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, Capture):
            raise DropItem(f"not a capture: {type(item).__name__}")
        if item.article is not None:
            item.article = normalize_article(item.article)
        return item


class CoveragePipeline(_Stage):
    """Counts which fields each parsed page has (dodnews.monitor.coverage), for the health check.

    Runs before validation: a page refused for want of a title is exactly what coverage must see.
    """

    def process_item(self, item: Capture) -> Capture:
        if item.article is not None:
            stats = self.crawler.stats
            for name, count in tally(item.article).items():
                stats.inc_value(f"dodnews/monitor/coverage/{name}", count)
        return item


class ValidatePipeline(_Stage):
    """Articles missing what an archive needs are not versioned; the capture says why."""

    def process_item(self, item: Capture) -> Capture:
        if item.article is None:
            return item
        problem = validation_problem(item.article)
        if problem is None:
            return item
        self.crawler.stats.inc_value(f"dodnews/invalid/{problem}")
        logger.warning(
            "Article %s is invalid (%s): kept as a failed capture", item.article_id, problem
        )
        return replace(
            item, article=None, outcome=OUTCOME_ERROR, error=f"invalid article: {problem}"
        )


class ArchivePipeline(_Stage):
    """Writes captures, and a version and change when the content is new, in batches.

    Captures are buffered and written `DODNEWS_ARCHIVE_BATCH` at a time (default 100), and at
    least every `DODNEWS_ARCHIVE_FLUSH_SECONDS` (default 2), each batch in one transaction; the
    rest is written when the spider closes, however it closes. A batch that fails is retried
    one capture at a time, so one bad capture costs only itself (counted, logged, and the run
    marked failed). A crawl killed outright loses at most the unwritten buffer from the archive;
    its WARC records are already on disk, and the next run captures those articles again.

    After an extractor upgrade, a capture whose article's current version an older extractor
    read, and whose content differs from it, is not compared with that reading: the version's
    page is read again from its WARC record (in `DODNEWS_WARC_DIR`) with the running extractor
    and stored first, as a marked version (see dodnews.crawl.reextracting). When that record
    cannot be read, the comparison crosses extractors and its report says so (`extractor_changed`).
    """

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.archive_url = settings.get("DODNEWS_ARCHIVE") or None
        self.batch_size = max(1, settings.getint("DODNEWS_ARCHIVE_BATCH", 100))
        self.flush_seconds = max(0.0, settings.getfloat("DODNEWS_ARCHIVE_FLUSH_SECONDS", 2.0))
        self.warc_dir = settings.get("DODNEWS_WARC_DIR") or "data/warc"
        self.reextractor: Any = None
        self.write_reports = settings.getbool("DODNEWS_WRITE_REPORTS")
        self.diffs_dir = settings.get("DODNEWS_DIFFS_DIR")
        self.report_layout: Any = None
        if self.write_reports:
            self.report_layout = report_layout(
                settings.get("DODNEWS_INDEX_PAGE_SIZE"), settings.get("DODNEWS_FEED_ENTRIES")
            )
        self.archive: Any = None
        self.run_id: int | None = None
        self.change_ids: list[int] = []
        self.captures_recorded = 0
        self.buffer: list[Capture] = []
        self._timer: Any = None  # strong reference: the periodic flush
        self.coverage_rule = coverage_rule(settings)

    async def open_spider(self) -> None:

        # the crawl's one archive (it closes when the spider has closed); versions are hashed and
        # compared with the URL rules of the site the spider crawls
        self.archive = shared_archive(self.crawler).open()
        self.reextractor = Reextractor(self.warc_dir, self.archive.site)
        self.run_id = self.archive.start_run(self.crawler.spider.name)
        self.crawler.stats.set_value("dodnews/run_id", self.run_id)
        self.crawler.signals.send_catch_log(
            signal=dodnews_signals.archive_opened, batch_size=self.batch_size
        )
        if self.flush_seconds > 0 and self.batch_size > 1:
            self._timer = task.LoopingCall(self.flush)
            self._timer.start(self.flush_seconds, now=False)

    def process_item(self, item: Capture) -> Capture:
        self.buffer.append(item)
        if len(self.buffer) >= self.batch_size:
            self.flush()
        return item

    def flush(self) -> None:
        """Write the buffered captures (one transaction; one per capture if that fails)."""
        batch, self.buffer = self.buffer, []
        if self.archive is None:
            return
        if not batch:
            # Nothing buffered: requests handled since the last flush (listing pages) are settled.
            self.crawler.signals.send_catch_log(dodnews_signals.captures_archived, count=0)
            return
        # the WARC records the captures point at go to disk before the captures are committed
        self.crawler.signals.send_catch_log(dodnews_signals.archive_writing)
        try:
            reextractions = self._reextractions(batch)
        except Exception:  # a failed read costs the comparison its evidence, never the batch
            logger.warning("Re-extraction of outdated versions failed", exc_info=True)
            reextractions = []
        try:
            results, done = self.archive.write_batch(batch, self.run_id, reextractions)
            self._count_reextractions(done)
        except Exception:
            logger.warning(
                "Archive write of %d captures failed; writing them one at a time",
                len(batch),
                exc_info=True,
            )
            results = []
            pending = {item.article_id: item for item in reextractions}
            for capture in batch:
                item = pending.pop(capture.article_id, None)
                try:
                    result, done = self.archive.write_batch(
                        [capture], self.run_id, [item] if item else []
                    )
                    results.append(result[0])
                    self._count_reextractions(done)
                except Exception as exc:
                    self.crawler.stats.inc_value("dodnews/archive/failed")
                    logger.error(
                        "Capture of article %s (%s) could not be archived: %s",
                        capture.article_id, capture.requested_url, exc,
                    )  # fmt: skip
                    results.append(None)
        for capture, result in zip(batch, results, strict=True):
            if result is not None:
                self._count(capture, result)
        self.crawler.signals.send_catch_log(
            signal=dodnews_signals.captures_archived, count=len(batch)
        )

    def _reextractions(self, batch: list[Capture]) -> list[Any]:
        """The outdated current versions of the batch's articles whose content the new capture
        does not confirm, read again from their WARC records with the running extractor."""
        if self.reextractor is None:
            return []

        first: dict[int, Any] = {}
        for capture in batch:
            if capture.outcome == OUTCOME_OK and capture.article is not None:
                first.setdefault(capture.article_id, capture.article)
        by_extractor: dict[str, list[int]] = {}
        for article_id, article in first.items():
            if article.extractor_version:
                by_extractor.setdefault(article.extractor_version, []).append(article_id)
        items = []
        stats = self.crawler.stats
        for extractor_version, ids in by_extractor.items():
            outdated = [
                version
                for version in self.archive.outdated_versions(
                    extractor_version, ids, with_evidence=False
                )
                # a new capture with the same content shows the running extractor agrees
                if self.archive.hasher(first[version.article_id]) != version.content_hash
            ]
            found = self.archive.evidence([version.version_id for version in outdated])
            for version in outdated:
                version = replace(version, evidence=found.get(version.version_id, []))
                try:
                    items.append(self.reextractor.read(version))
                except EvidenceMissing as exc:
                    stats.inc_value("dodnews/reextract/missing")
                    logger.warning(
                        "Article %s could not be re-extracted with extractor %s (%s): a change "
                        "found in it is marked extractor_changed",
                        version.article_id, extractor_version, exc,
                    )  # fmt: skip
        return items

    def _count_reextractions(self, results: list[Any]) -> None:
        for result in results:
            self.crawler.stats.inc_value(f"dodnews/reextract/{result.outcome}")
            if result.outcome in ("version", "earlier"):
                logger.info(
                    "Article %s re-extracted with the running extractor: version %s",
                    result.article_id, result.version,
                )  # fmt: skip

    def _count(self, item: Capture, result: Any) -> None:
        stats = self.crawler.stats
        self.captures_recorded += 1
        if result.new_version:
            stats.inc_value("dodnews/versions/new")
        if result.change_id is not None:
            self.change_ids.append(result.change_id)
            stats.inc_value("dodnews/changes")
            kinds = ", ".join(result.report.kinds) if result.report else ""
            logger.info("Change in article %s: %s", item.article_id, kinds)
        elif item.outcome == OUTCOME_OK and not result.new_version:
            stats.inc_value("dodnews/captures/unchanged")

    async def close_spider(self) -> None:
        if self.archive is None:
            return
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        self.flush()

        stats = dict(self.crawler.stats.get_stats())
        if not self.crawler.crawling:
            # Stopped from outside (Ctrl-C, SIGTERM) before the spider_closed signal sets
            # finish_reason: the run did not finish its job, whatever it captured.
            stats.setdefault("finish_reason", "shutdown")
        verdict = run_verdict(stats, self.crawler.settings.getfloat("DODNEWS_MAX_FAILURE_RATIO"))
        counts: dict[str, Any] = dict(run_counts(stats))
        counts.update(self._coverage(stats))
        self.archive.finish_run(
            self.run_id,
            status="failed" if verdict else "ok",
            counts=counts,
            changes_found=len(self.change_ids),
            errors=[verdict] if verdict else [],
        )
        if self.write_reports and (self.change_ids or self._refresh_article_pages()):
            # Only the files this run's changes and captures alter (their articles' pages): the
            # cost stays flat as the archive grows.
            result = update_archive_reports(
                self.archive, self.diffs_dir, self.change_ids, layout=self.report_layout
            )
            logger.info(
                "Reports for %s: %s written, %d unchanged in %s",
                count(len(self.change_ids), "change"), count(result.files_written, "file"),
                result.files_unchanged,
                self.diffs_dir or "diffs",
            )  # fmt: skip

    def _refresh_article_pages(self) -> bool:
        """Whether a run that found no change should still update an existing report folder:
        its captures belong on the timelines of articles that have changed before."""

        folder = Path(self.diffs_dir or "diffs")
        return self.captures_recorded > 0 and read_marker(folder) is not None

    def _coverage(self, stats: dict[str, Any]) -> dict[str, Any]:
        """The run's field coverage and its check against the spider's recent runs."""
        if self.coverage_rule is None:
            return {}
        prefix = "dodnews/monitor/coverage/"
        tallied = {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}
        spider = self.crawler.spider
        scope_of = getattr(spider, "coverage_scope", None)
        current = coverage(tallied, scope_of() if callable(scope_of) else None)
        try:
            earlier = [
                (r.id, r.counts.get("coverage"))
                for r in self.archive.runs(limit=100)
                if r.spider == spider.name and r.status == "ok" and r.id != self.run_id
            ]
        except Exception:
            logger.warning("Could not read earlier runs to check coverage", exc_info=True)
            earlier = []
        check = judge(current, earlier, self.coverage_rule)
        # The summary (dodnews.crawl.extensions.CrawlProgress) and `scrapy crawl` report these.
        line = describe(check, current)
        self.crawler.stats.set_value("dodnews/coverage_check", line)
        if check["status"] == DROPPED:
            self.crawler.stats.set_value("dodnews/coverage_warning", line)
        return {"coverage": current, "coverage_check": check}


def coverage_rule(settings: Any) -> CoverageRule | None:
    """The CoverageRule of the DODNEWS_COVERAGE_* settings; None when the check is off.

    Raises UserError for a value that is not a number or out of range (`scrapy crawl` checks
    before it starts).
    """
    try:
        if not settings.getbool("DODNEWS_COVERAGE_CHECK", True):
            return None
    except ValueError:
        value = settings.get("DODNEWS_COVERAGE_CHECK")
        raise UserError(f"DODNEWS_COVERAGE_CHECK: expected 1 or 0, got {value!r}") from None
    default = CoverageRule()

    def number(name: str, kind: type, low: float, high: float | None = None) -> Any:
        key = f"DODNEWS_COVERAGE_{name}"
        value = settings.get(key)
        if value is None:
            return getattr(default, name.lower())
        try:
            number = kind(str(value).strip())
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            limits = f"from {low} to {high}" if high is not None else f"{low} or more"
            raise UserError(f"{key}: expected a {kind.__name__} {limits}, got {value!r}")
        return number

    return CoverageRule(
        min_pages=number("MIN_PAGES", int, 1),
        min_images=number("MIN_IMAGES", int, 1),
        runs=number("RUNS", int, 1),
        min_runs=number("MIN_RUNS", int, 1),
        drop=number("DROP", float, 0.0, 1.0),
        relative_drop=number("RELATIVE_DROP", float, 0.0, 1.0),
    )
