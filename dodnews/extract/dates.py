"""Dates as the site writes them (AP style, zone-less ISO, RFC 822) turned into ISO 8601."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

SITE_TZ = ZoneInfo("America/New_York")

# AP style abbreviates Aug., Sept. (also seen as Sep.), Oct., Nov., Dec., Jan., Feb.; the site also
# writes the short forms Jul./Jun./Mar./Apr. and full names.
_MONTH_NAMES = (
    "jan january",
    "feb february",
    "mar march",
    "apr april",
    "may",
    "jun june",
    "jul july",
    "aug august",
    "sep sept september",
    "oct october",
    "nov november",
    "dec december",
)
MONTH_NUMBERS = {name: n for n, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
_AP_RE = re.compile(
    r"\b(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?\b(?:\s*,?\s*(?P<year>\d{4}))?"
)
_ISO_DATE_RE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_NUMERIC_RE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_TIME_RE = re.compile(r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(?:([AaPp])\.?\s*[Mm]\.?)?")


def parse_ap_date(text: str | None, default_year: int | None = None) -> date | None:
    """An AP-style date ("Sept. 15, 2026", "Jul. 4, 2025", "March 3, 2026"), or None.

    ISO ("2026-09-15") and numeric ("9/15/2026") dates are accepted too. Without a year in the text
    the date is None unless `default_year` is given.
    """
    if not text:
        return None
    for match in _AP_RE.finditer(text):
        month = MONTH_NUMBERS.get(match["month"].lower())
        if month is None:
            continue
        year = int(match["year"]) if match["year"] else default_year
        if year is None:
            return None
        return _make_date(year, month, int(match["day"]))
    if match := _ISO_DATE_RE.search(text):
        return _make_date(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC_RE.search(text):
        return _make_date(int(match[3]), int(match[1]), int(match[2]))
    return None


def _make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_clock(text: str | None) -> time | None:
    """A clock time such as "14:30", "2:30 p.m." or "14:30:05", or None."""
    if not text:
        return None
    match = _TIME_RE.search(text)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if match[4]:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if match[4].lower() == "p" else 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


def local_iso(day: date, clock: time | None) -> str:
    """ISO 8601 of a site-local date and time with the New York offset; a bare date if no time."""
    if clock is None:
        return day.isoformat()
    return datetime.combine(day, clock, tzinfo=SITE_TZ).isoformat()


def jss_to_iso(text: str | None) -> str | None:
    """A zone-less `publish-date-jss` ("2024-12-24T14:57:00") as ISO 8601 with the New York offset.

    Values that already carry an offset are converted to New York time; a bare date stays a date.
    """
    if not text:
        return None
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if "T" not in value and " " not in value:
        return parsed.date().isoformat()
    local = parsed.replace(tzinfo=SITE_TZ) if parsed.tzinfo is None else parsed.astimezone(SITE_TZ)
    return local.replace(microsecond=0).isoformat()


def rfc822_to_iso(text: str | None) -> str | None:
    """An RSS `pubDate` ("Tue, 24 Dec 2024 19:57:00 GMT") as ISO 8601 in New York time, or None."""
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000" means unknown zone; the site's zone is the best guess
        parsed = parsed.replace(tzinfo=SITE_TZ)
    return parsed.astimezone(SITE_TZ).replace(microsecond=0).isoformat()


def ap_to_iso(text: str | None) -> str | None:
    """An AP-style date as an ISO date string, or None."""
    day = parse_ap_date(text)
    return day.isoformat() if day else None
