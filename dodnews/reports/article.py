"""The page of one article: its captures, versions and changes on one timeline, newest first.

The markup is templates/article.html; this module hands it plain values (see reports.timeline).
"""

from __future__ import annotations

from dodnews.reports.entry import ReportEntry
from dodnews.reports.grouping import unique_entries
from dodnews.reports.templating import fill_template
from dodnews.reports.timeline import ArticleHistory, NavLink, timeline_rows, undone


def format_article(
    article_id: int, entries: list[ReportEntry], history: ArticleHistory | None = None
) -> str:
    """The page of an article from all its changes (shown or not) and what the archive holds
    about its captures and versions (none for reports written without an archive)."""
    history = history or ArticleHistory()
    ordered = sorted(entries, key=ReportEntry.sort_key)
    newest = ordered[-1] if ordered else None
    shown = {e.change_id for e in unique_entries(ordered)}
    undoes = {
        e.change_id: [NavLink(u.stem, f"v{u.from_version} → v{u.to_version}, {u.detected_at}")
                      for u in undone(ordered, e)]
        for e in ordered
    }  # fmt: skip
    title = (newest.title if newest else "") or f"Article {article_id}"
    numbers = {c.version for c in history.captures if c.version is not None}
    numbers |= {n for e in ordered for n in (e.from_version, e.to_version)}
    versions = [v for v in history.versions if v.version in numbers]
    return fill_template(
        "article.html",
        title=f"{title} (article {article_id}): captures, versions and changes",
        heading=title,
        article_id=article_id,
        newest=newest,
        rows=timeline_rows(ordered, history),
        shown=shown,
        undoes=undoes,
        versions=versions,
        version_anchors={v.version for v in versions},
        captures=len(history.captures),
        changes=len(ordered),
    )
