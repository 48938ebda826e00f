"""The per-change HTML report: standalone (inline CSS, no script, strict CSP), side by side.

The markup is in templates/change.html and templates/changes.html; this module hands them plain
values (escaping is the templates' default, see templating.py).
"""

from __future__ import annotations

from typing import Any

from dodnews.diffing.model import Change
from dodnews.reports.entry import ReportEntry
from dodnews.reports.templating import fill_template
from dodnews.reports.text import data_image, safe_url
from dodnews.reports.timeline import ChangeNav
from dodnews.reports.view import PARAGRAPH_KINDS, sections, value_text


def format_html(entry: ReportEntry, nav: ChangeNav | None = None) -> str:
    """The standalone HTML report of one change; with `nav`, linked to its article's page and
    to the article's previous and next change (and, for a revert, to what it undoes)."""
    title = entry.title or f"Article {entry.article_id}"
    return fill_template(
        "change.html",
        title=f"{title} (article {entry.article_id}, v{entry.from_version} → v{entry.to_version})",
        heading=title,
        entry=entry,
        parts=sections(entry.report.changes),
        context_columns=_context(entry),
        screenshots=_screenshots(entry),
        provenance=_provenance(entry),
        nav=nav,
    )


def _changed_indexes(changes: list[Change], side: str) -> set[int]:
    indexes = set()
    for change in changes:
        if change.kind not in PARAGRAPH_KINDS and change.field != "paragraphs":
            continue  # correction indexes count corrections, not paragraphs
        value = (change.location or {}).get(f"{side}_index")
        if isinstance(value, int) and not isinstance(value, bool):
            indexes.add(value)
    return indexes


def _context(entry: ReportEntry) -> list[dict[str, Any]]:
    """Both versions' full text, each paragraph with whether the change touched it."""
    if not entry.old_article and not entry.new_article:
        return []
    columns = []
    for side, article, version in (
        ("old", entry.old_article, entry.from_version),
        ("new", entry.new_article, entry.to_version),
    ):
        changed = _changed_indexes(entry.report.changes, side)
        paragraphs = (article or {}).get("paragraphs") or []
        columns.append(
            {
                "side": side,
                "version": version,
                "title": value_text((article or {}).get("title")),
                "paragraphs": [
                    (n in changed, value_text(text))
                    for n, text in enumerate(paragraphs)
                    if isinstance(text, str)
                ],
            }
        )
    return columns


def _screenshots(entry: ReportEntry) -> list[dict[str, Any]]:
    """Screenshots by name: a safe image source (or the value as text) and the changed box."""
    shots = []
    for name, value in sorted((entry.screenshots or {}).items(), key=lambda kv: str(kv[0])):
        mark = value.get("mark") if isinstance(value, dict) else None
        value = value.get("src") if isinstance(value, dict) else value
        shots.append(
            {
                "name": name,
                "src": data_image(value) or safe_url(value),
                "text": value_text(value),
                "box": _box(mark) if isinstance(mark, dict) else None,
            }
        )
    return shots


def _box(mark: dict[str, Any]) -> dict[str, float] | None:
    """The changed region in percent of the page, each side clamped to 0-100; None if malformed."""
    try:
        return {k: min(100.0, max(0.0, float(mark[k]))) for k in ("left", "top", "width", "height")}
    except (KeyError, TypeError, ValueError):
        return None


def _provenance(entry: ReportEntry) -> list[tuple[str, Any, bool]]:
    """(label, value, is a URL) rows of the provenance table."""
    prov = entry.report.provenance
    return [
        ("Article id", entry.article_id, False),
        ("Change id", entry.change_id, False),
        ("Versions", f"{entry.from_version} → {entry.to_version}", False),
        ("Old capture time", prov.old_captured_at, False),
        ("New capture time", prov.new_captured_at, False),
        ("Old content hash", prov.old_hash, False),
        ("New content hash", prov.new_hash, False),
        ("Old URL", prov.old_url, True),
        ("New URL", prov.new_url, True),
        ("Old capture", entry.old_capture_url, True),
        ("New capture", entry.new_capture_url, True),
        ("Extractor version", prov.extractor_version, False),
        ("Tool version", prov.tool_version, False),
    ]
