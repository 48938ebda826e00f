"""The plain forms of one ChangeReport (text, JSON, Markdown, HTML) that `dodnews diff` prints.

The full report pages (diffs/*.md|html, index, feed) are the rest of `dodnews.reports`; these
forms need no template and no archive, so `dodnews diff` stays fast.
"""

from __future__ import annotations

import html
import json

from dodnews.diffing.model import Change, ChangeReport
from dodnews.words import count

FORMATS = ("text", "json", "md", "html")
# Kinds whose word-level diff the plain formats print under the summary: text nobody typed into a
# field has no other place in the report to be read.
_WORDS_SHOWN = frozenset({"other_text_changed"})


def _marked(change: Change, deleted: tuple[str, str], inserted: tuple[str, str]) -> str:
    """The change's words, deletions and insertions wrapped in the given (open, close) marks."""
    words = []
    for op in change.detail.get("ops", []):
        if op["op"] == "equal":
            words.append(op["old"])
            continue
        old = f"{deleted[0]}{op['old']}{deleted[1]}" if op["old"] else ""
        new = f"{inserted[0]}{op['new']}{inserted[1]}" if op["new"] else ""
        words.append(old + new)  # wdiff style: a replacement reads as one unit
    return " ".join(words)


EXTRACTOR_NOTICE = (
    "extractor changed: the two sides were read by different extractor versions; some of "
    "these differences may come from the extractor, not from an edit"
)


def _header(report: ChangeReport) -> list[str]:
    p = report.provenance
    notice = [EXTRACTOR_NOTICE] if report.extractor_changed else []
    return [
        f"article {p.article_id}: {count(len(report.changes), 'change')}, "
        f"significance {report.significance}",
        f"old: {p.old_url} captured {p.old_captured_at or '-'} hash {(p.old_hash or '-')[:12]}",
        f"new: {p.new_url} captured {p.new_captured_at or '-'} hash {(p.new_hash or '-')[:12]}",
        f"extractor {p.extractor_version or '-'}, dodnews {p.tool_version}, "
        f"deepdiff {p.deepdiff_version}",
        *notice,
    ]


def plain_text(report: ChangeReport) -> str:
    lines = _header(report)
    if report.reasons:
        lines.append("reasons: " + "; ".join(report.reasons))
    for c in report.changes:
        lines.append(f"{c.kind:<20} {c.summary}")
        if c.kind in _WORDS_SHOWN:
            lines.append(" " * 21 + _marked(c, ("[-", "-]"), ("{+", "+}")))
    return "\n".join(lines) + "\n"


def plain_json(report: ChangeReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"


def plain_markdown(report: ChangeReport) -> str:
    head = _header(report)
    lines = [f"# {head[0]}", "", *(f"- {line}" for line in head[1:]), ""]
    if report.reasons:
        lines += ["## Why it matters", "", *(f"- {r}" for r in report.reasons), ""]
    if report.changes:
        lines += ["## Changes", "", "| kind | change |", "|---|---|"]
        for c in report.changes:
            text = c.summary
            if c.kind in _WORDS_SHOWN:
                text += "<br>" + _marked(c, ("~~", "~~"), ("**", "**"))
            cell = text.replace("|", "\\|")
            lines.append(f"| `{c.kind}` | {cell} |")
    else:
        lines.append("No change.")
    return "\n".join(lines) + "\n"


def plain_html(report: ChangeReport) -> str:
    esc = html.escape
    head = _header(report)
    items = "".join(
        f'<li class="{esc(c.kind)}"><code>{esc(c.kind)}</code> {esc(c.summary)}'
        + (f"<br>{_html_words(c)}" if c.kind in _WORDS_SHOWN else "")
        + "</li>"
        for c in report.changes
    )
    reasons = "".join(f"<li>{esc(r)}</li>" for r in report.reasons)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(head[0])}</title></head><body>"
        f"<h1>{esc(head[0])}</h1><p>{'<br>'.join(esc(h) for h in head[1:])}</p>"
        f"<h2>Why it matters</h2><ul>{reasons}</ul>"
        f"<h2>Changes</h2><ul>{items or '<li>No change.</li>'}</ul></body></html>\n"
    )


def _html_words(change: Change) -> str:
    words = []
    for op in change.detail.get("ops", []):
        if op["op"] == "equal":
            words.append(html.escape(op["old"]))
            continue
        if op["old"]:
            words.append(f"<del>{html.escape(op['old'])}</del>")
        if op["new"]:
            words.append(f"<ins>{html.escape(op['new'])}</ins>")
    return " ".join(words)


def plain_form(report: ChangeReport, fmt: str) -> str:
    """The report in one of FORMATS."""
    forms = {
        "text": plain_text,
        "json": plain_json,
        "md": plain_markdown,
        "html": plain_html,
    }
    return forms[fmt](report)
