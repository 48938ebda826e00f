"""The per-change HTML report: standalone (inline CSS, no script, strict CSP), side by side."""

from __future__ import annotations

from typing import Any

from dodnews.diffing.model import Change
from dodnews.reports.assets import CSP, CSS
from dodnews.reports.entry import ReportEntry
from dodnews.reports.text import data_image, esc, href, safe_url
from dodnews.reports.view import (
    EXTRACTOR_LABEL,
    PARAGRAPH_KINDS,
    WordOp,
    diff_words,
    extractor_notice,
    kind_label,
    kind_slug,
    paragraph_number,
    sections,
    side_text,
    summary_line,
    value_text,
    where,
    word_ops,
)


def page(title: str, body: str, extra_css: str = "") -> str:
    """A complete standalone HTML page; `title` is plain text, `body` already-safe HTML."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>\n{CSS}{extra_css}</style>\n</head>\n"
        f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def render_html(entry: ReportEntry) -> str:
    """The standalone HTML report of one change."""
    title = entry.title or f"Article {entry.article_id}"
    body = "".join(
        [
            _header(entry, title),
            _summary(entry),
            fragment(entry.report.changes),
            _context(entry),
            _screenshots(entry),
            _provenance(entry),
            _footer(entry),
        ]
    )
    return page(
        f"{title} (article {entry.article_id}, v{entry.from_version} → v{entry.to_version})", body
    )


def fragment(changes: list[Change]) -> str:
    """Notices, figures, paragraphs and other fields as HTML (shared with the Atom feed)."""
    parts = sections(changes)
    out = []
    if parts.notices:
        out.append('<section id="notices">\n<h2>Notices</h2>\n')
        out += [_notice(c) for c in parts.notices]
        out.append("</section>\n")
    if parts.figures:
        out.append(
            '<section id="figures">\n<h2>Figures</h2>\n<table class="fig">\n'
            "<tr><th>Before</th><th>After</th><th>Where</th><th>Summary</th></tr>\n"
        )
        out += [
            f"<tr><td><del>{esc(value_text(c.before))}</del></td>"
            f"<td><ins>{esc(value_text(c.after))}</ins></td>"
            f"<td>{esc(where(c))}</td><td>{esc(c.summary)}</td></tr>\n"
            for c in parts.figures
        ]
        out.append("</table>\n</section>\n")
    if parts.paragraphs:
        out.append(
            '<section id="paragraphs">\n<h2>Paragraphs</h2>\n<table class="sbs">\n'
            "<tr><th>Old</th><th>New</th></tr>\n"
        )
        out += [_paragraph_rows(c) for c in parts.paragraphs]
        out.append("</table>\n</section>\n")
    if parts.fields:
        out.append(
            '<section id="fields">\n<h2>Other changes</h2>\n<table>\n'
            "<tr><th>Change</th><th>Where</th><th>Before</th><th>After</th></tr>\n"
        )
        for c in parts.fields:
            before, after = _value_pair(c)
            out.append(
                f'<tr class="k-{kind_slug(c.kind)}"><td>{esc(kind_label(c.kind))}</td>'
                f"<td>{esc(where(c))}</td><td>{before}</td><td>{after}</td></tr>\n"
            )
        out.append("</table>\n</section>\n")
    return "".join(out)


def _header(entry: ReportEntry, title: str) -> str:
    report = entry.report
    badges = "".join(
        f'<span class="badge k-{kind_slug(k)}">{esc(kind_label(k))}</span>' for k in report.kinds
    )
    if entry.revert:
        badges += '<span class="badge revert">Revert to an earlier text</span>'
    notice = extractor_notice(report)
    if notice:
        badges += f'<span class="badge extractor">{esc(EXTRACTOR_LABEL)}</span>'
        notice = (
            f'<p class="notice extractor"><strong>{esc(EXTRACTOR_LABEL)}.</strong> '
            f"{esc(notice)}</p>\n"
        )
    return (
        f'<header class="report">\n<h1>{esc(title)}</h1>\n'
        f'<p class="meta">Article {entry.article_id} · version {entry.from_version} → '
        f"{entry.to_version} · detected <time>{esc(entry.detected_at)}</time></p>\n"
        f'<p class="meta">Article: {href(entry.url)}</p>\n{_capture_links(entry)}'
        f"<p>{badges}</p>\n{notice or ''}</header>\n"
    )


def _capture_links(entry: ReportEntry) -> str:
    links = [
        f"{label}: {href(url)}"
        for label, url in (
            ("Old capture", entry.old_capture_url),
            ("New capture", entry.new_capture_url),
        )
        if url
    ]
    return f'<p class="meta">{" · ".join(links)}</p>\n' if links else ""


def significance_html(value: float) -> str:
    """The significance score as a colored badge."""
    level = "high" if value >= 0.7 else "mid" if value >= 0.4 else "low"
    return f'<span class="sig {level}">{value:.2f}</span>'


_NO_CHANGES = "<li>No changes.</li>\n"


def _summary(entry: ReportEntry) -> str:
    report = entry.report
    items = "".join(f"<li>{esc(summary_line(c))}</li>\n" for c in report.changes)
    reasons = "".join(f"<li>{esc(r)}</li>\n" for r in report.reasons)
    return (
        '<section id="summary">\n<h2>Summary</h2>\n'
        f'<ul class="summary">\n{items or _NO_CHANGES}</ul>\n'
        f"<p>Significance {significance_html(report.significance)}</p>\n"
        + (f'<ul class="reasons">\n{reasons}</ul>\n' if reasons else "")
        + "</section>\n"
    )


def _notice(change: Change) -> str:
    rows = []
    if change.before and change.after:
        # A reworded notice: show which words changed, as for paragraphs.
        ops = diff_words(value_text(change.before), value_text(change.after))
        rows.append(f"<p><strong>Before:</strong> {_marked(ops, 'old')}</p>")
        rows.append(f"<p><strong>After:</strong> {_marked(ops, 'new')}</p>")
    elif change.before not in (None, "", []):
        rows.append(f"<p><strong>Before:</strong> <del>{esc(value_text(change.before))}</del></p>")
    elif change.after not in (None, "", []):
        rows.append(f"<p><strong>After:</strong> <ins>{esc(value_text(change.after))}</ins></p>")
    return (
        f'<div class="notice k-{kind_slug(change.kind)}">\n'
        f"<h3>{esc(kind_label(change.kind))}</h3>\n" + "\n".join(rows) + "\n</div>\n"
    )


def _paragraph_rows(change: Change) -> str:
    old_n, new_n = paragraph_number(change, "old"), paragraph_number(change, "new")
    label = (
        f"{kind_label(change.kind)} ({where(change)})" if where(change) else kind_label(change.kind)
    )
    head = f'<tr><th colspan="2">{esc(label)}</th></tr>\n'
    old_no = f'<span class="num">¶{old_n}</span> ' if old_n is not None else ""
    new_no = f'<span class="num">¶{new_n}</span> ' if new_n is not None else ""
    if change.kind == "paragraph_edited":
        ops = word_ops(change)
        old_cell = f'<td class="old">{old_no}{_marked(ops, "old")}</td>'
        new_cell = f'<td class="new">{new_no}{_marked(ops, "new")}</td>'
        row_class = "edited"
    elif change.kind == "paragraph_added":
        old_cell = '<td class="old empty"></td>'
        new_cell = f'<td class="new">{new_no}<ins>{esc(side_text(change, "new"))}</ins></td>'
        row_class = "added"
    elif change.kind == "paragraph_removed":
        old_cell = f'<td class="old">{old_no}<del>{esc(side_text(change, "old"))}</del></td>'
        new_cell = '<td class="new empty"></td>'
        row_class = "removed"
    else:
        old_cell = f'<td class="old">{old_no}{esc(side_text(change, "old"))}</td>'
        new_cell = f'<td class="new">{new_no}{esc(side_text(change, "new"))}</td>'
        row_class = "moved"
    return f'{head}<tr class="{row_class}">{old_cell}{new_cell}</tr>\n'


def _marked(ops: list[WordOp], side: str) -> str:
    words = []
    for op in ops:
        if op.op == "equal":
            words.append(esc(op.old))
        elif side == "old" and op.old:
            words.append(f"<del>{esc(op.old)}</del>")
        elif side == "new" and op.new:
            words.append(f"<ins>{esc(op.new)}</ins>")
    return " ".join(w for w in words if w)


def _value_pair(change: Change) -> tuple[str, str]:
    """Before/after as HTML: changed words, or list items only on one side, marked del/ins."""
    before, after = change.before, change.after
    if isinstance(before, list) or isinstance(after, list):
        old, new = list(before or []), list(after or [])
        old_html = ", ".join(
            esc(value_text(v)) if v in new else f"<del>{esc(value_text(v))}</del>" for v in old
        )
        new_html = ", ".join(
            esc(value_text(v)) if v in old else f"<ins>{esc(value_text(v))}</ins>" for v in new
        )
        return old_html, new_html
    both_text = isinstance(before, str) and isinstance(after, str) and before and after
    if both_text and not (safe_url(before) and safe_url(after)):
        ops = word_ops(change)  # the detector's ops for titles/captions, else difflib's
        return _marked(ops, "old"), _marked(ops, "new")
    return _value_html(before, "del"), _value_html(after, "ins")


def _value_html(value: Any, tag: str) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dict):
        items = []
        for key, item in sorted(value.items()):
            if item in (None, ""):
                continue
            shown = href(item) if key in {"url", "src"} else esc(value_text(item))
            items.append(f"<div><strong>{esc(key)}:</strong> {shown}</div>")
        return f"<{tag}>{''.join(items)}</{tag}>"
    if safe_url(value):
        return f"<{tag}>{href(value)}</{tag}>"
    return f"<{tag}>{esc(value_text(value))}</{tag}>"


_CHANGED = ' class="changed"'


def _changed_indexes(changes: list[Change], side: str) -> set[int]:
    indexes = set()
    for change in changes:
        if change.kind not in PARAGRAPH_KINDS and change.field != "paragraphs":
            continue  # correction indexes count corrections, not paragraphs
        value = (change.location or {}).get(f"{side}_index")
        if isinstance(value, int) and not isinstance(value, bool):
            indexes.add(value)
    return indexes


def _context(entry: ReportEntry) -> str:
    """Both versions' full text in two columns, changed paragraphs marked (collapsed by default)."""
    if not entry.old_article and not entry.new_article:
        return ""
    columns = []
    for side, article, version in (
        ("old", entry.old_article, entry.from_version),
        ("new", entry.new_article, entry.to_version),
    ):
        changed = _changed_indexes(entry.report.changes, side)
        paragraphs = (article or {}).get("paragraphs") or []
        items = "".join(
            f"<li{_CHANGED if n in changed else ''}>{esc(value_text(text))}</li>\n"
            for n, text in enumerate(paragraphs)
            if isinstance(text, str)
        )
        heading = esc(value_text((article or {}).get("title"))) or "(not available)"
        columns.append(
            f'<div class="{side}">\n<h3>Version {version}: {heading}</h3>\n'
            f"<ol>\n{items}</ol>\n</div>\n"
        )
    return (
        '<section id="context">\n<h2>Full text</h2>\n<details>\n'
        "<summary>Both versions side by side (changed paragraphs highlighted)</summary>\n"
        f'<div class="cols">\n{"".join(columns)}</div>\n</details>\n</section>\n'
    )


def _screenshots(entry: ReportEntry) -> str:
    if not entry.screenshots:
        return ""
    out = ['<section id="screenshots">\n<h2>Screenshots</h2>\n']
    for name, value in sorted(entry.screenshots.items(), key=lambda kv: str(kv[0])):
        mark = value.get("mark") if isinstance(value, dict) else None
        value = value.get("src") if isinstance(value, dict) else value
        source = data_image(value) or safe_url(value)
        if source:
            shown = f'<img class="shot" src="{esc(source)}" alt="{esc(name)}">'
            if isinstance(mark, dict):
                shown = _marked_shot(shown, mark)
        else:
            shown = f'<span class="url">{esc(value_text(value))}</span>'
        out.append(f"<figure>\n{shown}\n<figcaption>{esc(name)}</figcaption>\n</figure>\n")
    out.append("</section>\n")
    return "".join(out)


def _marked_shot(image: str, mark: dict[str, Any]) -> str:
    """The screenshot with an outline box over the changed region (box in percent of the page)."""
    try:
        box = {k: min(100.0, max(0.0, float(mark[k]))) for k in ("left", "top", "width", "height")}
    except (KeyError, TypeError, ValueError):
        return image
    style = (
        "position:absolute;outline:3px solid #d1242f;outline-offset:2px;"
        f"left:{box['left']:.3f}%;top:{box['top']:.3f}%;"
        f"width:{box['width']:.3f}%;height:{box['height']:.3f}%"
    )
    return (
        '<div class="shot-frame" style="position:relative;display:inline-block;max-width:100%">'
        f'{image}<span class="changed-region" title="changed region" style="{style}"></span></div>'
    )


def _provenance(entry: ReportEntry) -> str:
    prov = entry.report.provenance
    rows = [
        ("Article id", esc(entry.article_id)),
        ("Change id", esc(entry.change_id)),
        ("Versions", f"{entry.from_version} → {entry.to_version}"),
        ("Old capture time", esc(prov.old_captured_at)),
        ("New capture time", esc(prov.new_captured_at)),
        ("Old content hash", esc(prov.old_hash)),
        ("New content hash", esc(prov.new_hash)),
        ("Old URL", href(prov.old_url) if prov.old_url else ""),
        ("New URL", href(prov.new_url) if prov.new_url else ""),
        ("Old capture", href(entry.old_capture_url) if entry.old_capture_url else ""),
        ("New capture", href(entry.new_capture_url) if entry.new_capture_url else ""),
        ("Extractor version", esc(prov.extractor_version)),
        ("Tool version", esc(prov.tool_version)),
    ]
    items = "".join(f"<dt>{k}</dt><dd>{v or '—'}</dd>\n" for k, v in rows)
    return (
        '<section id="provenance">\n<h2>Provenance</h2>\n'
        f'<dl class="prov">\n{items}</dl>\n</section>\n'
    )


def _footer(entry: ReportEntry) -> str:
    stem = entry.stem  # integers only, so safe as a relative link
    return (
        f'<footer>\n<a href="index.html">All changes</a> · <a href="{stem}.json">JSON</a> · '
        f'<a href="{stem}.md">Markdown</a> · article: {href(entry.url)}\n</footer>\n'
    )
