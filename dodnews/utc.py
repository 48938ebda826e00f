"""UTC times as the archive, the WARC files and the run records write them."""

from __future__ import annotations

from datetime import UTC, date, datetime


def parse_utc(value: str | datetime | date) -> datetime:
    """An ISO 8601 time (or a date, taken as midnight UTC) as an aware UTC datetime."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        try:  # the archive's own "...Z" times, at once (a dozen per capture written)
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = datetime.fromisoformat(
                value.strip().replace("Z", "+00:00").replace("z", "+00:00")
            )
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if moment.tzinfo is UTC:
        return moment
    return moment.astimezone(UTC)


def format_utc(moment: datetime) -> str:
    """`2025-03-04T05:06:07Z` (microseconds only when there are some)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec) + "Z"
