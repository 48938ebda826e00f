"""Tell people after a run: a webhook POST and/or an email, both off unless configured.

The payload is a JSON summary of the run plus its changes, cut to a size cap (whole changes are
dropped from the end and `truncated` says how many), with a link to the full report. A run alerts
when it found changes, failed, or its extraction coverage dropped (dodnews.monitor.coverage: the
site's markup may have changed); `coverage_drops` lists the fallen fields.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from dodnews.monitor.coverage import describe, drops_text, run_drops
from dodnews.words import count

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 64 * 1024


@dataclass
class AlertConfig:
    webhook_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "dodnews@localhost"
    mail_to: list[str] = field(default_factory=list)
    report_url: str | None = None  # where diffs/index.html is published, for the link
    max_bytes: int = DEFAULT_MAX_BYTES
    timeout: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_url or (self.smtp_host and self.mail_to))

    @classmethod
    def from_env(cls, env: dict[str, str]) -> AlertConfig:
        return cls(
            webhook_url=env.get("DODNEWS_WEBHOOK_URL") or None,
            smtp_host=env.get("DODNEWS_SMTP_HOST") or None,
            smtp_port=int(env.get("DODNEWS_SMTP_PORT") or 25),
            mail_from=env.get("DODNEWS_MAIL_FROM") or "dodnews@localhost",
            mail_to=[a.strip() for a in (env.get("DODNEWS_MAIL_TO") or "").split(",") if a.strip()],
            report_url=env.get("DODNEWS_REPORT_URL") or None,
            max_bytes=int(env.get("DODNEWS_ALERT_MAX_BYTES") or DEFAULT_MAX_BYTES),
        )


def build_payload(
    run: dict[str, Any],
    changes: list[dict[str, Any]],
    report_url: str | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bytes:
    """The JSON body: run summary, as many whole changes as fit under `max_bytes`, the link."""
    kept = list(changes)
    while True:
        body = {
            "run": run,
            "status": run.get("status"),
            "changes_found": len(changes),
            "coverage_drops": run_drops(run.get("counts")),
            "changes": kept,
            "truncated": len(changes) - len(kept),
            "report_url": report_url,
        }
        data = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()
        if len(data) <= max_bytes or not kept:
            return data
        kept = kept[: max(0, min(len(kept) - 1, len(kept) * max_bytes // len(data)))]


def subject_line(run: dict[str, Any], changes: list[dict[str, Any]]) -> str:
    if run.get("status") == "failed":
        return f"dodnews: run {run.get('id')} FAILED: {'; '.join(run.get('errors') or [])}"[:200]
    drops = run_drops(run.get("counts"))
    if drops:
        return (
            f"dodnews: run {run.get('id')} extraction coverage dropped ({drops_text(drops)}); "
            f"{count(len(changes), 'change')}"
        )[:200]
    return f"dodnews: {count(len(changes), 'change')} in run {run.get('id')}"


def coverage_line(run: dict[str, Any]) -> str | None:
    """The run's extraction-health warning, or None when its coverage did not drop."""
    counts = run.get("counts") or {}
    if not run_drops(counts):
        return None
    return describe(counts.get("coverage_check"), counts.get("coverage"))


def send_alerts(
    config: AlertConfig, run: dict[str, Any], changes: list[dict[str, Any]]
) -> list[str]:
    """Send what is configured; returns the problems (never raises for a delivery failure)."""
    problems: list[str] = []
    warning = coverage_line(run)
    if not config.enabled or (not changes and run.get("status") != "failed" and not warning):
        return problems
    payload = build_payload(run, changes, config.report_url, config.max_bytes)
    if config.webhook_url:
        request = urllib.request.Request(
            config.webhook_url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "dodnews-alerts"},
        )
        try:
            with urllib.request.urlopen(request, timeout=config.timeout) as response:
                response.read()
        except OSError as exc:
            problems.append(f"webhook {config.webhook_url}: {exc}")
    if config.smtp_host and config.mail_to:
        message = EmailMessage()
        message["Subject"] = subject_line(run, changes)
        message["From"] = config.mail_from
        message["To"] = ", ".join(config.mail_to)
        lines = [subject_line(run, changes), ""]
        if warning:
            lines += [f"Warning: {warning} (see docs/extraction-health.md)", ""]
        for change in changes[:200]:
            lines.append(f"- [{', '.join(change.get('kinds', []))}] {change.get('title', '')}")
            lines.extend(f"    {s}" for s in change.get("summaries", [])[:10])
        if config.report_url:
            lines += ["", f"Full report: {config.report_url}"]
        message.set_content("\n".join(lines))
        message.add_attachment(
            payload, maintype="application", subtype="json", filename="dodnews-run.json"
        )
        try:
            with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.timeout) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            problems.append(f"email via {config.smtp_host}:{config.smtp_port}: {exc}")
    for problem in problems:
        logger.warning("Alert not delivered: %s", problem)
    return problems
