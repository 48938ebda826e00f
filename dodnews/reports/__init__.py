"""Change reports for archivists: Markdown, HTML, JSON per change, index.html and atom.xml.

The names below are loaded on first use (PEP 562): importing `dodnews.reports.diff_formats` for
`dodnews diff` must not pull in Jinja2 with the report pages (tests/guarantees/test_startup.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dodnews.reports.atom import render_atom
    from dodnews.reports.entry import ReportEntry
    from dodnews.reports.grouping import Event, group_entries
    from dodnews.reports.html import render_html
    from dodnews.reports.index import render_index
    from dodnews.reports.markdown import render_markdown
    from dodnews.reports.writer import WriteResult, render_json, write_reports

_HOMES = {
    "Event": "grouping",
    "ReportEntry": "entry",
    "WriteResult": "writer",
    "group_entries": "grouping",
    "render_atom": "atom",
    "render_html": "html",
    "render_index": "index",
    "render_json": "writer",
    "render_markdown": "markdown",
    "write_reports": "writer",
}

__all__ = [
    "Event",
    "ReportEntry",
    "WriteResult",
    "group_entries",
    "render_atom",
    "render_html",
    "render_index",
    "render_json",
    "render_markdown",
    "write_reports",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dodnews.reports' has no attribute {name!r}")
    return getattr(import_module(f"dodnews.reports.{home}"), name)
