"""A page of the index: change events newest first, grouped by day, and its JSON search index.

The markup is templates/index.html and its one script templates/index.js (allowed by its hash in
the page's Content-Security-Policy). A large archive's index is paged (see reports.layout): each
page carries links to its neighbours, and index.html (the newest page) a marker saying which
changes and which layout the folder reflects. Beside each page, its events as JSON (index.json,
index-N.json): what the page's search reads to find events on the other pages.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

from markupsafe import Markup

from dodnews.reports.entry import parse_time
from dodnews.reports.grouping import Event
from dodnews.reports.names import rollout_name
from dodnews.reports.templating import environment, fill_template
from dodnews.reports.text import clean, json_text
from dodnews.reports.view import KIND_LABELS, kind_slug, kind_slugs

MAX_SUMMARIES = 6  # per event in the list; the per-change page has them all
SCRIPT = "index.js"
JSON_FORMAT = 1  # of index.json / index-N.json
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class PageLinks:
    """Where a page of a paged index sits: its label and its neighbours' file names."""

    label: str
    newer: str | None = None  # None on the newest page
    older: str | None = None  # None on the oldest page
    oldest: str | None = None


@dataclass(frozen=True)
class Day:
    """The events detected on one UTC day, newest first."""

    date: str  # 2025-09-03
    label: str  # Wednesday 3 September 2025
    events: list[Event]


def newest_first(events: list[Event]) -> list[Event]:
    """Events newest first; of those detected at the same moment (one run's batch), the most
    significant first."""

    def key(event: Event) -> tuple[object, ...]:
        moment, change_id = event.sort_key()
        return (moment, event.significance, change_id, event.key)

    return sorted(events, key=key, reverse=True)


def days_of(events: list[Event]) -> list[Day]:
    """Events (newest first) cut into days (UTC), newest day first."""
    days: list[Day] = []
    for event in events:
        moment = parse_time(event.detected_at)
        date = moment.date().isoformat()
        if not days or days[-1].date != date:
            label = f"{_WEEKDAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]} "
            days.append(Day(date, label + str(moment.year), []))
        days[-1].events.append(event)
    return days


@cache
def index_script() -> tuple[str, str]:
    """The index page's script and its CSP source ("sha256-<base64>")."""
    env = environment()
    source, _, _ = env.loader.get_source(env, SCRIPT)  # type: ignore[union-attr]
    digest = base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii")
    return source, f"sha256-{digest}"


def event_sections(event: Event) -> list[str]:
    """The sections of an event's articles, sorted."""
    return sorted({e.section for e in event.entries if e.section})


def event_href(event: Event) -> str:
    """The page of an event: its rollout's page, or its change report."""
    if event.grouped:
        return rollout_name(event.key)
    return f"{event.entries[0].stem}.html"


def format_index(
    events: list[Event],
    *,
    generated_at: str | None = None,
    pages: PageLinks | None = None,
    marker: str | None = None,
    json_name: str = "index.json",
) -> str:
    """An index page of these events (shown newest first, by day)."""

    events = newest_first(events)
    counts = Counter(kind_slug(k) for ev in events for k in ev.kinds)
    sections = Counter(s for ev in events for s in event_sections(ev))
    script, script_hash = index_script()
    return fill_template(
        "index.html",
        title="dodnews: changes",
        events=events,
        days=days_of(events),
        slugs=[k for k in [*KIND_LABELS, "other"] if counts[k]],
        counts=counts,
        sections=sorted(sections.items()),
        reports=len({e.stem for ev in events for e in ev.entries}),
        generated_at=generated_at,
        pages=pages,
        marker=marker,
        max_summaries=MAX_SUMMARIES,
        json_name=json_name,
        script=Markup(script),
        script_hash=script_hash,
    )


def format_index_json(events: list[Event], *, page: str, pages: int | None = None) -> str:
    """The JSON index of a page: its events as the search shows them. `pages` (the number of
    index pages) goes into the newest page's index only: the others are not rewritten when a
    page is added."""
    data: dict[str, Any] = {
        "format": JSON_FORMAT,
        "page": page,
        "events": [_event_json(ev) for ev in newest_first(events)],
    }
    if pages is not None:
        data["pages"] = pages
    return json_text(data)


def _event_json(event: Event) -> dict[str, Any]:
    single = None if event.grouped else event.entries[0]
    return {
        "key": event.key,
        "title": clean(event.title),  # invisible characters shown, as on the pages
        "href": event_href(event),
        "grouped": event.grouped,
        "article_ids": event.article_ids,
        "change_ids": sorted(e.change_id for e in event.entries),
        "kinds": kind_slugs(event.kinds),
        "sections": event_sections(event),
        "significance": event.significance,
        "detected_at": event.detected_at,
        "published": clean(single.published) if single and single.published else None,
        "versions": f"{single.from_version}-{single.to_version}" if single else None,
    }
