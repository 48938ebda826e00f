"""Change reports for archivists: Markdown, HTML, JSON per change, index.html and atom.xml."""

from dodnews.reports.atom import render_atom
from dodnews.reports.entry import ReportEntry
from dodnews.reports.grouping import Event, group_entries
from dodnews.reports.html import render_html
from dodnews.reports.index import render_index
from dodnews.reports.markdown import render_markdown
from dodnews.reports.writer import WriteResult, render_json, write_reports

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
