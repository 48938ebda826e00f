"""What a crawl run amounts to: counts by capture outcome, and whether it failed. Pure."""

from __future__ import annotations

from typing import Any

from dodnews.model import OUTCOMES


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """Counts worth keeping with a run record, from Scrapy's stats."""
    counts: dict[str, Any] = {
        outcome: int(stats.get(f"dodnews/captures/{outcome}", 0)) for outcome in OUTCOMES
    }
    counts["captures"] = int(stats.get("dodnews/captures/total", 0))
    counts["unchanged"] = int(stats.get("dodnews/captures/unchanged", 0))
    counts["new_versions"] = int(stats.get("dodnews/versions/new", 0))
    counts["changes"] = int(stats.get("dodnews/changes", 0))
    counts["listing_ok"] = int(stats.get("dodnews/listing/ok", 0))
    counts["listing_failed"] = int(stats.get("dodnews/listing/blocked", 0)) + int(
        stats.get("dodnews/listing/error", 0)
    )
    counts["pages"] = int(stats.get("response_received_count", 0))
    prefix = "dodnews/monitor/policy/"
    schedule = {k[len(prefix) :]: v for k, v in stats.items() if k.startswith(prefix)}
    if schedule:  # a recheck's choice: its policy, budget, due, scheduled, backlog (JSON values)
        counts["schedule"] = {k.replace("/", "_"): v for k, v in sorted(schedule.items())}
    return counts


def backlog_line(counts: dict[str, Any]) -> str | None:
    """A recheck run's schedule in one line, or None when it recorded none."""
    schedule = counts.get("schedule") if counts else None
    if not isinstance(schedule, dict):
        return None
    budget = schedule.get("budget")
    return (
        f"{schedule.get('policy', '?')} policy, "
        f"{'no budget limit' if budget is None else f'budget {budget}'}: "
        f"{schedule.get('due', 0)} due, {schedule.get('scheduled', 0)} scheduled, "
        f"backlog {schedule.get('backlog', 0)}"
        + (
            f", {schedule['listing_changed']} listed with a changed title or date"
            if schedule.get("listing_changed")
            else ""
        )
    )


def run_verdict(stats: dict[str, Any], max_failure_ratio: float = 0.5) -> str | None:
    """Why the run failed, in one sentence, or None when it did its job.

    A run fails when most of its fetches (article captures and listing pages) were bot walls or
    errors, or when it fetched nothing at all. Such a run is never "no changes".
    """
    counts = run_counts(stats)
    blocked = counts["blocked"] + int(stats.get("dodnews/listing/blocked", 0))
    errors = counts["error"] + int(stats.get("dodnews/listing/error", 0))
    fetches = counts["captures"] + counts["listing_ok"] + counts["listing_failed"]
    finish = stats.get("finish_reason", "finished")
    if finish not in ("finished", None):
        return f"the crawl stopped early ({finish})"
    if fetches == 0:
        if stats.get("dodnews/crawl/distributed/worker"):
            return None  # one worker of a shared crawl may find the others did all the work
        return "nothing was fetched (robots.txt, the network or the arguments left no pages)"
    unarchived = int(stats.get("dodnews/archive/failed", 0))
    if unarchived:
        return f"{unarchived} captures could not be written to the archive (see the log)"
    failed = blocked + errors
    if failed / fetches > max_failure_ratio:
        return (
            f"{failed} of {fetches} fetches failed ({blocked} blocked by the bot wall, "
            f"{errors} errors)"
        )
    return None


def summary_line(stats: dict[str, Any]) -> str:
    counts = run_counts(stats)
    return (
        f"{counts['captures']} captures: {counts['ok']} ok ({counts['unchanged']} unchanged, "
        f"{counts['new_versions']} new versions), {counts['not-modified']} not modified, "
        f"{counts['gone']} gone, {counts['blocked']} blocked, {counts['error']} errors; "
        f"{counts['changes']} changes; {counts['listing_ok']} listing pages"
        + (f"; {line}" if (line := backlog_line(counts)) else "")
    )
