"""A page of the index: change events newest first, with per-kind filters that need no script.

The markup is templates/index.html. A large archive's index is paged (see reports.layout): each
page carries links to its neighbours, and index.html (the newest page) a marker saying which
changes and which layout the folder reflects.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dodnews.reports.grouping import Event
from dodnews.reports.templating import fill_template
from dodnews.reports.view import KIND_LABELS, kind_slug

MAX_SUMMARIES = 6  # per event in the list; the per-change page has them all


@dataclass(frozen=True)
class PageLinks:
    """Where a page of a paged index sits: its label and its neighbours' file names."""

    label: str
    newer: str | None = None  # None on the newest page
    older: str | None = None  # None on the oldest page
    oldest: str | None = None


def format_index(
    events: list[Event],
    *,
    generated_at: str | None = None,
    pages: PageLinks | None = None,
    marker: str | None = None,
) -> str:
    """An index page for events already sorted newest first."""
    counts = Counter(kind_slug(k) for ev in events for k in ev.kinds)
    return fill_template(
        "index.html",
        title="dodnews: changes",
        events=events,
        slugs=[k for k in [*KIND_LABELS, "other"] if counts[k]],
        counts=counts,
        reports=len({e.stem for ev in events for e in ev.entries}),
        generated_at=generated_at,
        pages=pages,
        marker=marker,
        max_summaries=MAX_SUMMARIES,
    )
