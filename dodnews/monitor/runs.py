"""What a crawl run amounts to: counts by capture outcome, and whether it failed. Pure."""

from __future__ import annotations

from typing import Any

from dodnews.model import OUTCOMES
from dodnews.words import count

NETWORK_PREFIX = "dodnews/network/"  # + "<reason>/<host:port>", counted by dodnews.crawl.network
_NETWORK_PHRASES = {
    "refused": "connection refused by {host}",
    "dns": "no DNS answer for {host}",
    "timeout": "timed out waiting for {host}",
    "cut": "response from {host} cut short",
    "lost": "connection to {host} lost",
    "connect": "could not connect to {host}",
    "tls": "TLS handshake with {host} failed",
}
_NETWORK_NAMED = 3  # (reason, host) pairs named in the line; the rest are counted


def network_phrase(reason: str, host: str) -> str:
    """ "connection refused by 127.0.0.1:1" for ("refused", "127.0.0.1:1")."""
    return _NETWORK_PHRASES.get(reason, reason + " at {host}").format(host=host)


def network_failures(stats: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(requests, reason, host) of the run's network failures, most first."""
    found = []
    for key, value in stats.items():
        if key.startswith(NETWORK_PREFIX) and "/" in key[len(NETWORK_PREFIX) :]:
            reason, host = key[len(NETWORK_PREFIX) :].split("/", 1)
            found.append((int(value), reason, host))
    return sorted(found, key=lambda item: (-item[0], item[1], item[2]))


def network_reasons(stats: dict[str, Any]) -> str | None:
    """Why requests got no answer, e.g. "connection refused by 127.0.0.1:1", or "timed out
    waiting for a:1 (9), connection refused by b:2 (3)"; None when none failed so."""
    failures = network_failures(stats)
    if not failures:
        return None
    several = len(failures) > 1
    named = [
        network_phrase(reason, host) + (f" ({n})" if several else "")
        for n, reason, host in failures[:_NETWORK_NAMED]
    ]
    rest = len(failures) - len(named)
    return ", ".join(named) + (f" and {rest} more" if rest else "")


def network_line(stats: dict[str, Any]) -> str | None:
    """The run's requests that got no answer, in one line, e.g. "failed: 14 requests, connection
    refused by 127.0.0.1:1"; None when there were none."""
    reasons = network_reasons(stats)
    if reasons is None:
        return None
    total = sum(n for n, _, _ in network_failures(stats))
    return f"failed: {count(total, 'request')}, {reasons}"


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
    network = network_reasons(stats)
    if fetches == 0:
        if stats.get("dodnews/crawl/distributed/worker"):
            return None  # one worker of a shared crawl may find the others did all the work
        if network:
            return f"nothing was fetched: {network_line(stats)}"
        return "nothing was fetched (robots.txt, the network or the arguments left no pages)"
    unarchived = int(stats.get("dodnews/archive/failed", 0))
    if unarchived:
        return f"{count(unarchived, 'capture')} could not be written to the archive (see the log)"
    failed = blocked + errors
    if failed / fetches > max_failure_ratio:
        # The network's reason first: `dodnews runs` shows the start of this line.
        why = f": {network} " if network else " "
        return (
            f"{failed} of {count(fetches, 'fetch')} failed{why}({blocked} blocked by the bot "
            f"wall, {count(errors, 'error')})"
        )
    return None


def summary_line(stats: dict[str, Any]) -> str:
    counts = run_counts(stats)
    return (
        f"{count(counts['captures'], 'capture')}: {counts['ok']} ok "
        f"({counts['unchanged']} unchanged, {count(counts['new_versions'], 'new version')}), "
        f"{counts['not-modified']} not modified, {counts['gone']} gone, "
        f"{counts['blocked']} blocked, {count(counts['error'], 'error')}; "
        f"{count(counts['changes'], 'change')}; {count(counts['listing_ok'], 'listing page')}"
        + (f"; {line}" if (line := backlog_line(counts)) else "")
        + (f"; {line}" if (line := network_line(stats)) else "")
    )
