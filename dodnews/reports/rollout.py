"""The page of one rollout: the change shared by many articles, and the list of those articles.

The markup is templates/rollout.html; the event comes from reports.grouping.
"""

from __future__ import annotations

from dodnews.reports.grouping import Event
from dodnews.reports.templating import fill_template
from dodnews.reports.view import sections


def format_rollout(event: Event) -> str:
    """The page of a grouped event (a rollout)."""
    return fill_template(
        "rollout.html",
        title=event.title,
        event=event,
        parts=sections(event.changes),
    )
