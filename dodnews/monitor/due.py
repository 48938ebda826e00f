"""When an archived article is due for a re-capture. Pure: no Scrapy, no database.

The default policy (setting DODNEWS_RECHECK_POLICY, a list of [max_age_days, interval_hours] rows,
first match wins) re-captures new articles often and old ones rarely:

| article age (from its publication date) | re-capture every |
|---|---|
| under 2 days | 1 hour |
| under 14 days | 6 hours |
| under 90 days | 1 day |
| under 365 days | 7 days |
| older | 30 days |

An article that changed in the last DODNEWS_RECHECK_CHANGED_DAYS days (default 14) is re-captured at
least every DODNEWS_RECHECK_CHANGED_HOURS hours (default 6): edits come in bursts. An article that
answered 404 is re-tried every 30 days, in case it comes back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dodnews.errors import UserError

DEFAULT_POLICY: tuple[tuple[float, float], ...] = (
    (2, 1),
    (14, 6),
    (90, 24),
    (365, 24 * 7),
    (float("inf"), 24 * 30),
)
GONE_INTERVAL_HOURS = 24 * 30


@dataclass(frozen=True)
class DuePolicy:
    rows: Sequence[tuple[float, float]] = DEFAULT_POLICY
    changed_days: float = 14
    changed_hours: float = 6

    def interval(
        self, published: datetime | None, last_changed: datetime | None, gone: bool, now: datetime
    ) -> timedelta:
        """How long to wait between two captures of an article in this state."""
        if gone:
            return timedelta(hours=GONE_INTERVAL_HOURS)
        age_days = (now - published).total_seconds() / 86400 if published else float("inf")
        hours = next(h for max_age, h in self.rows if age_days < max_age)
        if last_changed and (now - last_changed) < timedelta(days=self.changed_days):
            hours = min(hours, self.changed_hours)
        return timedelta(hours=hours)

    def is_due(
        self,
        *,
        published: datetime | None,
        last_captured: datetime | None,
        last_changed: datetime | None = None,
        gone: bool = False,
        now: datetime | None = None,
    ) -> bool:
        now = now or datetime.now(UTC)
        if last_captured is None:
            return True
        return now - last_captured >= self.interval(published, last_changed, gone, now)


def parse_policy(value: object) -> DuePolicy:
    """A DuePolicy from the setting value (a JSON string or a list of [days, hours] rows)."""

    if value in (None, ""):
        return DuePolicy()
    rows = json.loads(value) if isinstance(value, str) else value
    try:
        parsed = tuple((float(days), float(hours)) for days, hours in rows)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise UserError(
            "DODNEWS_RECHECK_POLICY: expected a list of [max_age_days, hours] rows"
        ) from None
    if not parsed or any(h <= 0 for _, h in parsed):
        raise UserError("DODNEWS_RECHECK_POLICY: intervals must be positive")
    return DuePolicy(rows=(*parsed, (float("inf"), parsed[-1][1])))


def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 time or date as an aware datetime (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        text = value.replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
