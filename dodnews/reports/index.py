"""index.html: every change event newest first, with per-kind filters that need no script.

Filtering uses `:target`: a link to `#kind-banner_added` targets an empty anchor placed before
the list, and one CSS rule per kind hides the events that lack that kind.
"""

from __future__ import annotations

from collections import Counter

from dodnews.reports.grouping import Event
from dodnews.reports.html import page, significance_html
from dodnews.reports.text import esc, href
from dodnews.reports.view import (
    EXTRACTOR_LABEL,
    KIND_LABELS,
    extractor_notice,
    kind_label,
    kind_slug,
    summary_line,
)

MAX_SUMMARIES = 6  # per event in the list; the per-change page has them all


def render_index(events: list[Event], *, generated_at: str | None = None) -> str:
    """The index page for events already sorted newest first."""
    counts = Counter(kind_slug(k) for ev in events for k in ev.kinds)
    slugs = [k for k in [*KIND_LABELS, "other"] if counts[k]]
    reports = len({e.stem for ev in events for e in ev.entries})
    nav = " ".join(
        f'<a class="badge" href="#kind-{s}">{esc(kind_label(s))} ({counts[s]})</a>' for s in slugs
    )
    anchors = "".join(f'<span id="kind-{s}" class="filter-target"></span>\n' for s in slugs)
    css = "".join(
        f"#kind-{s}:target ~ ol.events > li:not(.k-{s}) {{ display: none; }}\n" for s in slugs
    )
    stamp = f" · generated {esc(generated_at)}" if generated_at else ""
    body = (
        '<header class="report">\n<h1>Changes to archived articles</h1>\n'
        f'<p class="meta">{len(events)} events from {reports} change reports{stamp} · '
        '<a href="atom.xml">Atom feed</a></p>\n</header>\n'
        f'<nav class="filters">\n<p>Show: <a class="badge" href="#all">All ({len(events)})</a> '
        f"{nav}</p>\n</nav>\n"
        f'<span id="all" class="filter-target"></span>\n{anchors}'
        f'<ol class="events">\n{"".join(_event(ev) for ev in events)}</ol>\n'
    )
    if not events:
        body += "<p>No changes recorded yet.</p>\n"
    return page("dodnews: changes", body, css)


def _event(event: Event) -> str:
    classes = " ".join(
        ["group" if event.grouped else "single"]
        + [f"k-{s}" for s in sorted({kind_slug(k) for k in event.kinds})]
    )
    badges = "".join(f'<span class="badge">{esc(kind_label(k))}</span>' for k in event.kinds)
    when = f'<span class="when">{esc(event.detected_at)}</span>'
    if event.grouped:
        head = f"<strong>{esc(event.title)}</strong>"
        members = "".join(
            f'<li><a href="{e.stem}.html">{esc(e.title or e.article_id)}</a> '
            f"(article {e.article_id}, v{e.from_version} → v{e.to_version})</li>\n"
            for e in event.entries
        )
        extra = (
            f"<details>\n<summary>{len(event.article_ids)} articles</summary>\n"
            f'<ul class="members">\n{members}</ul>\n</details>\n'
        )
    else:
        entry = event.entries[0]
        head = f'<a href="{entry.stem}.html"><strong>{esc(event.title)}</strong></a>'
        if entry.revert:
            badges += '<span class="badge revert">Revert</span>'
        if event.extractor_changed:
            badges += (
                f'<span class="badge extractor" title="{esc(extractor_notice(entry.report))}">'
                f"{esc(EXTRACTOR_LABEL)}</span>"
            )
        extra = (
            f'<p class="meta">Article {entry.article_id}, v{entry.from_version} → '
            f"v{entry.to_version} · {href(entry.url)}</p>\n"
        )
    lines = [summary_line(c) for c in event.changes]
    more = len(lines) - MAX_SUMMARIES
    summaries = "".join(f"<li>{esc(line)}</li>" for line in lines[:MAX_SUMMARIES])
    if more > 0:
        summaries += f"<li>… and {more} more</li>"
    return (
        f'<li id="{event.key}" class="{classes}">\n{head}<br>\n{when} '
        f"{significance_html(event.significance)} {badges}\n{extra}"
        f"<ul>{summaries}</ul>\n</li>\n"
    )
