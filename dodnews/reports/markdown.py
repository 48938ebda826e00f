"""The per-change Markdown report: headings, a figures table, quoted before/after paragraphs."""

from __future__ import annotations

from dodnews.diffing.model import Change
from dodnews.reports.entry import ReportEntry
from dodnews.reports.text import md, md_link
from dodnews.reports.timeline import ChangeNav
from dodnews.reports.view import (
    EXTRACTOR_LABEL,
    NET_KIND,
    WordOp,
    extractor_notice,
    figure_units,
    kind_label,
    paragraph_number,
    sections,
    side_text,
    summary_line,
    value_text,
    where,
    word_ops,
)


def format_markdown(entry: ReportEntry, nav: ChangeNav | None = None) -> str:
    """The Markdown report of one change; archived text is escaped so no markup can run.

    With `nav` (in diffs/), it links to the article's page and to its previous and next change
    (and, for a revert, to what it undoes), as the HTML report does."""
    report = entry.report
    prov = report.provenance
    parts = sections(report.changes)
    lines = [
        f"# {md(entry.title)}",
        "",
        f"Article {entry.article_id}, version {entry.from_version} → {entry.to_version}"
        + (" (revert to an earlier text)" if entry.revert else ""),
        "",
        f"- Article: {md_link(entry.url)}",
        f"- Detected: {md(entry.detected_at)}",
        f"- Significance: {report.significance:.2f}"
        + (f" ({'; '.join(md(r) for r in report.reasons)})" if report.reasons else ""),
        f"- Kinds: {', '.join(md(k) for k in report.kinds) or 'none'}",
    ]
    for label, url in (
        ("Old capture", entry.old_capture_url),
        ("New capture", entry.new_capture_url),
    ):
        if url:
            lines.append(f"- {label}: {md_link(url)}")
    if nav is not None:
        lines += _history_lines(entry, nav)
    notice = extractor_notice(report)
    if notice:
        lines += ["", f"> **{EXTRACTOR_LABEL}.** {md(notice)}"]
    lines += ["", "## Summary", ""]
    lines += [f"- {md(summary_line(c))}" for c in report.changes] or ["- No changes."]

    if parts.notices:
        lines += ["", "## Notices"]
        for change in parts.notices:
            lines += ["", f"### {md(kind_label(change.kind))}", ""]
            lines += _before_after(change.before, change.after)
    if parts.figures:
        lines += ["", "## Figures", "", "| Before | After | Where |", "| --- | --- | --- |"]
        lines += [
            f"| {_figure_cell(c.before, units[0])} | {_figure_cell(c.after, units[1])} "
            f"| {md(where(c))} |"
            for c in parts.figures
            for units in [figure_units(c)]
        ]
    if parts.paragraphs:
        lines += ["", "## Paragraphs"]
        for change in parts.paragraphs:
            lines += ["", f"### {md(_paragraph_heading(change))}", ""]
            lines += _paragraph_body(change)
    if parts.fields:
        lines += [
            "",
            "## Other changes",
            "",
            "| Change | Where | Before | After |",
            "| --- | --- | --- | --- |",
        ]
        lines += [
            f"| {md(kind_label(c.kind))} | {md(where(c))} | {before} | {after} |"
            for c in parts.fields
            for before, after in [_field_values(c)]
        ]
    lines += ["", "## Provenance", "", "| | Old | New |", "| --- | --- | --- |"]
    lines += [
        f"| Captured | {md(prov.old_captured_at)} | {md(prov.new_captured_at)} |",
        f"| Content hash | {md(prov.old_hash)} | {md(prov.new_hash)} |",
        f"| URL | {md_link(prov.old_url) if prov.old_url else ''} "
        f"| {md_link(prov.new_url) if prov.new_url else ''} |",
        "",
        f"Article id {entry.article_id}; change {entry.change_id}; "
        f"extractor {md(prov.extractor_version or 'unknown')}; "
        f"dodnews {md(prov.tool_version or 'unknown')}.",
        "",
    ]
    return "\n".join(lines)


def _history_lines(entry: ReportEntry, nav: ChangeNav) -> list[str]:
    """Links to the article's page and its neighbouring changes (names built from integers)."""
    lines = [
        f"- History: [Article {entry.article_id}: every capture, version and change]"
        f"({nav.article_page}#change-{entry.change_id})"
    ]
    if nav.previous:
        lines.append(f"- Previous change: [{md(nav.previous.label)}]({nav.previous.stem}.md)")
    if nav.next:
        lines.append(f"- Next change: [{md(nav.next.label)}]({nav.next.stem}.md)")
    if nav.undoes:
        undone = ", ".join(f"[{md(link.label)}]({link.stem}.md)" for link in nav.undoes)
        lines.append(f"- Undoes: {undone}")
    return lines


def _figure_cell(value: object, unit: str) -> str:
    return md(" ".join(t for t in (value_text(value), unit) if t))


def _field_values(change: Change) -> tuple[str, str]:
    """Before/after cells; the safety net's unexplained text with its changed words marked."""
    if change.kind == NET_KIND:
        ops = word_ops(change)
        return _marked(ops, "old"), _marked(ops, "new")
    return md(value_text(change.before)), md(value_text(change.after))


def _paragraph_heading(change: Change) -> str:
    old, new = paragraph_number(change, "old"), paragraph_number(change, "new")
    label = kind_label(change.kind)
    if change.kind == "paragraph_added" and new is not None:
        return f"{label} at ¶{new}"
    if change.kind == "paragraph_removed" and old is not None:
        return f"{label} (was ¶{old})"
    place = where(change)
    return f"{label} ({place})" if place else label


def _paragraph_body(change: Change) -> list[str]:
    if change.kind == "paragraph_edited":
        ops = word_ops(change)
        return [
            "Before:",
            "",
            _quote(_marked(ops, "old")),
            "",
            "After:",
            "",
            _quote(_marked(ops, "new")),
        ]
    if change.kind == "paragraph_added":
        return [_quote(_strong(side_text(change, "new")))]
    if change.kind == "paragraph_removed":
        return [_quote(_struck(side_text(change, "old")))]
    return [_quote(md(side_text(change, "new") or side_text(change, "old")))]


def _before_after(before: object, after: object) -> list[str]:
    lines = []
    if before not in (None, "", []):
        lines += ["Before:", "", _quote(_struck(value_text(before))), ""]
    if after not in (None, "", []):
        lines += ["After:", "", _quote(_strong(value_text(after))), ""]
    return lines[:-1] if lines else ["(empty)"]


def _marked(ops: list[WordOp], side: str) -> str:
    """One side of a word diff: deleted words struck on the old side, inserted bold on the new."""
    words = []
    for op in ops:
        if op.op == "equal":
            words.append(md(op.old))
        elif side == "old" and op.old:
            words.append(_struck(op.old))
        elif side == "new" and op.new:
            words.append(_strong(op.new))
    return " ".join(w for w in words if w)


def _struck(text: str) -> str:
    text = md(text)
    return f"~~{text}~~" if text else ""


def _strong(text: str) -> str:
    text = md(text)
    return f"**{text}**" if text else ""


def _quote(text: str) -> str:
    return f"> {text}" if text else ">"
