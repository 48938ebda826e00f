"""Change reports for archivists: Markdown, HTML, JSON per change, index.html and atom.xml.

The names below are loaded on first use (PEP 562): importing `dodnews.reports.diff_formats` for
`dodnews diff` must not pull in Jinja2 with the report pages (tests/guarantees/test_startup.py).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dodnews.reports.atom import format_atom
    from dodnews.reports.entry import ReportEntry
    from dodnews.reports.grouping import Event, group_entries
    from dodnews.reports.html import format_html
    from dodnews.reports.index import format_index
    from dodnews.reports.markdown import format_markdown
    from dodnews.reports.writer import WriteResult, format_json, write_reports

_HOMES = {
    "Event": "grouping",
    "ReportEntry": "entry",
    "WriteResult": "writer",
    "group_entries": "grouping",
    "format_atom": "atom",
    "format_html": "html",
    "format_index": "index",
    "format_json": "writer",
    "format_markdown": "markdown",
    "write_reports": "writer",
}

__all__ = [
    "Event",
    "ReportEntry",
    "WriteResult",
    "format_atom",
    "format_html",
    "format_index",
    "format_json",
    "format_markdown",
    "group_entries",
    "write_reports",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'dodnews.reports' has no attribute {name!r}")
    return getattr(import_module(f"dodnews.reports.{home}"), name)
