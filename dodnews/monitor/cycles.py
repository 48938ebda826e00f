"""The unattended loop: recheck and news crawls in turn, never two at once, alerts after each.

Scheduling is APScheduler's (interval or crontab triggers); the "one at a time" lock is a filelock
(an flock, released by the kernel when the process dies, so a crash never leaves it stuck). Each
crawl inherits the locked file descriptor, so a crawl that outlives a killed monitor still holds
the lock until it ends: two crawls never run at once.
"""

from __future__ import annotations

import logging
import math
import signal
import subprocess
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from filelock import FileLock, Timeout

from dodnews import settings
from dodnews.archive import Archive
from dodnews.errors import UserError
from dodnews.monitor.alerts import AlertConfig, coverage_line, send_alerts
from dodnews.monitor.crawling import start_crawl
from dodnews.monitor.policy import requests_per_cycle
from dodnews.site import is_loopback_url
from dodnews.words import count

logger = logging.getLogger("dodnews.monitor.cycles")


@dataclass
class MonitorConfig:
    archive: str | None = None
    diffs_dir: str = "diffs"
    base_url: str | None = None
    site: str | None = None  # a site profile (-a site=NAME for every crawl); None: DODNEWS_SITE
    spiders: list[str] = field(default_factory=lambda: ["recheck", "news"])
    news_args: dict[str, str] = field(default_factory=lambda: {"max_pages": "2"})
    recheck_budget: int | None = None  # requests per recheck run (None: no limit)
    lock_path: Path = Path("data/monitor.lock")
    log_dir: Path = Path("data/logs")
    alerts: AlertConfig = field(default_factory=AlertConfig)
    crawl_timeout: float | None = None


@dataclass
class CycleResult:
    spider: str
    exit_code: int
    run: dict[str, Any] | None
    changes: list[dict[str, Any]]
    alert_problems: list[str]


# Longer than a year is a typo, and far longer overflows the scheduler's datetime arithmetic.
MAX_EVERY_SECONDS = 366 * 86400


def parse_every(text: str) -> float:
    """Seconds from '90s', '15m', '1h', '2d' (a plain number is seconds), 1s to 366d."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = text.strip().lower()
    try:
        if value and value[-1] in units:
            seconds = float(value[:-1]) * units[value[-1]]
        else:
            seconds = float(value)
    except ValueError:
        raise UserError(f"--every: expected a duration like 30m, 1h or 2d, got {text!r}") from None
    if not math.isfinite(seconds):
        raise UserError(f"--every: expected a duration like 30m, 1h or 2d, got {text!r}")
    if seconds < 1:
        raise UserError("--every: must be at least 1s")
    if seconds > MAX_EVERY_SECONDS:
        raise UserError(f"--every: at most 366d, got {text!r}")
    return seconds


def cycle_seconds(every: str | None, cron: str | None) -> float | None:
    """Seconds between two cycles of `--every` or `--cron` (the first two firings from now)."""
    if every:
        return parse_every(every)
    if not cron:
        return None

    trigger = build_trigger(None, cron)
    first = trigger.get_next_fire_time(None, datetime.now(UTC))
    second = trigger.get_next_fire_time(first, first) if first else None
    return (second - first).total_seconds() if first and second else None


def recheck_budget(seconds: float | None, base_url: str | None = None) -> int | None:
    """Requests a recheck run may make in a cycle of `seconds` under the crawl's politeness
    settings (dodnews/settings.py; a loopback replica has none: no limit)."""
    if seconds is None:
        return None

    if is_loopback_url(base_url):
        return None  # the crawl opens its throughput settings up on loopback
    return requests_per_cycle(
        seconds,
        download_delay=float(settings.DOWNLOAD_DELAY),
        autothrottle=bool(settings.AUTOTHROTTLE_ENABLED),
        autothrottle_start_delay=float(settings.AUTOTHROTTLE_START_DELAY),
        autothrottle_target_concurrency=float(settings.AUTOTHROTTLE_TARGET_CONCURRENCY),
        share=float(settings.DODNEWS_RECHECK_SHARE),
    )


def build_trigger(every: str | None, cron: str | None) -> Any:

    if every and cron:
        raise UserError("give --every or --cron, not both")
    if cron:
        try:
            return CronTrigger.from_crontab(cron)
        except ValueError as exc:
            raise UserError(f"--cron: {exc}") from None
    return IntervalTrigger(seconds=parse_every(every or "1h"))


class Monitor:
    """Runs crawl cycles; `run_cycle` is one pass over the configured spiders."""

    def __init__(self, config: MonitorConfig) -> None:
        self.config = config
        self.config.lock_path.parent.mkdir(parents=True, exist_ok=True)
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        self.lock = FileLock(str(self.config.lock_path))
        self.stopping = False
        self.child: subprocess.Popen[str] | None = None

    def run_cycle(self) -> list[CycleResult] | None:
        """One pass: each spider in turn, under the lock; None (skipped) if another holds it."""
        try:
            self.lock.acquire(timeout=0)
        except Timeout:
            logger.warning(
                "Another dodnews crawl holds %s: skipping this cycle", self.config.lock_path
            )
            return None
        try:
            results = []
            for spider in self.config.spiders:
                if self.stopping:
                    break
                results.append(self._run_spider(spider))
            return results
        finally:
            self.lock.release()

    def _run_spider(self, spider: str) -> CycleResult:
        args: dict[str, str] = dict(self.config.news_args) if spider == "news" else {}
        if spider == "recheck" and self.config.recheck_budget is not None:
            args["budget"] = str(self.config.recheck_budget)
        if self.config.base_url:
            args["base_url"] = self.config.base_url
        if self.config.site:
            args["site"] = self.config.site
        log_file = str(self.config.log_dir / f"{spider}.log")
        logger.info("Starting %s crawl (log: %s)", spider, log_file)
        before = self._latest_run_id()
        self.child = start_crawl(
            spider,
            args,
            archive=self.config.archive,
            diffs_dir=self.config.diffs_dir,
            log_file=log_file,
            pass_fds=self._lock_fds(),
        )
        try:
            code = self.child.wait(timeout=self.config.crawl_timeout)
        except subprocess.TimeoutExpired:
            logger.error("%s crawl ran over %.0f s: stopping it", spider, self.config.crawl_timeout)
            self.child.terminate()
            code = self.child.wait()
        self.child = None
        run, changes = self._last_run(spider, after=before)
        logger.info(
            "%s crawl finished: exit %d (%s), %s",
            spider,
            code,
            "ok" if code == 0 else "failed",
            count(len(changes), "change"),
        )
        if run is not None and (warning := coverage_line(run)):
            logger.warning("%s crawl (run %s): %s", spider, run.get("id"), warning)
        if run is not None and code != 0 and run.get("status") != "failed":
            run = {
                **run,
                "status": "failed",
                "errors": [*run.get("errors", []), f"scrapy exited {code}"],
            }
        if run is None:
            run = {
                "id": None,
                "spider": spider,
                "status": "failed",
                "errors": [f"scrapy exited {code} before recording a run"],
            }
        problems = send_alerts(self.config.alerts, run, changes)
        return CycleResult(spider, code, run, changes, problems)

    def _lock_fds(self) -> tuple[int, ...]:
        fd = getattr(getattr(self.lock, "_context", None), "lock_file_fd", None)
        return (fd,) if isinstance(fd, int) else ()

    def stop(self) -> None:
        """Stop after the current crawl, which is asked to finish early (SIGTERM)."""
        self.stopping = True
        child = self.child
        if child is not None and child.poll() is None:
            child.send_signal(signal.SIGTERM)

    def _latest_run_id(self) -> int:

        archive = Archive.open(self.config.archive)
        try:
            runs = archive.runs(limit=1)
            return runs[0].id if runs else 0
        finally:
            archive.close()

    def _last_run(
        self, spider: str, after: int = 0
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:

        archive = Archive.open(self.config.archive)
        try:
            # Only a run this crawl started counts: an older one is not its result.
            runs = [r for r in archive.runs(limit=20) if r.spider == spider and r.id > after]
            if not runs:
                return None, []
            run = runs[-1]
            changes = [_change_summary(c) for c in archive.changes(run_id=run.id)]
            return _run_dict(run), changes
        finally:
            archive.close()

    def serve(self, trigger: Any, once: bool = False) -> int:
        """Run now, then on the trigger until SIGTERM / Ctrl-C; returns the exit status."""
        if once:
            previous = {sig: signal.signal(sig, lambda *_: self.stop()) for sig in _STOP_SIGNALS}
            try:
                results = self.run_cycle()
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)
            if results is None:
                return 0  # another crawl is running: nothing to do, nothing failed
            return 0 if results and all(r.exit_code == 0 for r in results) else 1

        scheduler = BlockingScheduler()
        scheduler.add_job(
            self.run_cycle,
            trigger,
            max_instances=1,
            coalesce=True,
            id="dodnews-cycle",
            next_run_time=_now(),
        )

        def stop(signum: int, _frame: Any) -> None:
            logger.info("Signal %d: stopping (the running crawl is asked to finish)", signum)
            self.stop()
            scheduler.shutdown(wait=False)

        for sig in _STOP_SIGNALS:
            signal.signal(sig, stop)
        scheduler.start()
        return 0


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _now() -> Any:

    return datetime.now(UTC)


def _run_dict(run: Any) -> dict[str, Any]:

    return asdict(run) if is_dataclass(run) else dict(run)


def _change_summary(change: Any) -> dict[str, Any]:
    report = change.report
    return {
        "id": change.id,
        "article_id": change.article_id,
        "title": change.title,
        "url": change.url,
        "detected_at": change.detected_at,
        "kinds": list(change.kinds),
        "significance": change.significance,
        "revert": bool(getattr(change, "revert", False)),
        "extractor_changed": bool(report.extractor_changed) if report else False,
        "summaries": [c.summary for c in report.changes] if report else [],
    }
