"""One short human sentence per change.

For example "Figure changed in paragraph 4: $300 million → $350 million", or
"Paragraph 2 edited: …troops will «place a» → «put» new…" (edits with their context, see
`fragments`; an edit a figure change names is left to the figure).

Summaries are derived from kind, before/after and location only, so a mirrored change gets its own.
"""

from __future__ import annotations

from typing import Any

from dodnews.diffing.fragments import edit_fragments
from dodnews.diffing.model import Change
from dodnews.site import slug_from_url

SNIPPET = 80
EDITS_SHOWN = 3  # edits (each with its context) in one summary; the rest are counted


def snippet(text: Any, limit: int = SNIPPET) -> str:
    """A quoted, shortened text ("(none)" for None)."""
    if text is None or text == "":
        return "(none)"
    value = " ".join(str(text).split())
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return f"“{value}”"


def _number(location: dict[str, Any], side: str) -> int | None:
    index = location.get(f"{side}_index")
    return None if index is None else index + 1


def _block(change: Change, side: str) -> str:
    word = "Heading" if change.location.get("heading") else "Paragraph"
    return f"{word} {_number(change.location, side)}"


def _edits(change: Change) -> str:
    """The first edits with their context after ": ", or "" when there is nothing to show."""
    fragments = edit_fragments(change)
    if not fragments:
        if change.detail.get("figure_ops"):
            many = len(change.detail["figure_ops"]) > 1
            return ": only figures changed" if many else ": only the figure changed"
        return ""
    shown = fragments[:EDITS_SHOWN]
    more = f" (+{len(fragments) - len(shown)} more)" if len(fragments) > len(shown) else ""
    return ": " + "; ".join(shown) + more


def _where(change: Change) -> str:
    loc = change.location
    if change.field == "paragraphs":
        return f"in {_block(change, 'new').lower()}"
    if change.field == "images":
        return f"in caption of image {loc.get('image')}"
    return f"in {change.field}"


def _near(change: Change) -> str:
    """Where unexplained region text sits: after the block before it (new side, else old)."""
    for key in ("after_near", "before_near"):
        near = change.detail.get(key) or [None, None]
        if near[0]:
            return f" after {snippet(near[0], 50)}"
        if near[1]:
            return f" before {snippet(near[1], 50)}"
    return ""


def _image_label(change: Change) -> str:
    return f"image {change.location.get('image')}"


def summarize(change: Change) -> str:
    """The sentence for one change, from its kind, before/after and location."""
    kind, before, after, loc = change.kind, change.before, change.after, change.location
    if kind == "figure_changed":
        unit = change.detail.get("unit")
        tail = f" {unit}" if unit else ""
        return f"Figure changed {_where(change)}: {before or '(none)'} → {after or '(none)'}{tail}"
    if kind == "paragraph_added":
        return f"{_block(change, 'new')} added: {snippet(after)}"
    if kind == "paragraph_removed":
        return f"{_block(change, 'old')} removed: {snippet(before)}"
    if kind == "paragraph_moved":
        return f"{_block(change, 'old')} moved to position {_number(loc, 'new')}: {snippet(after)}"
    if kind == "paragraph_edited":
        moved = ""
        if change.detail.get("moved"):
            moved = f" (moved from position {_number(loc, 'old')})"
        return f"{_block(change, 'new')} edited{moved}{_edits(change)}"
    if kind in {"title_changed", "byline_changed", "summary_changed"}:
        name = kind.split("_")[0].capitalize()
        edits = _edits(change) if kind != "byline_changed" else ""
        return f"{name} changed{edits or f': {snippet(before)} → {snippet(after)}'}"
    if kind == "date_changed":
        return f"Publication date changed: {before or '(none)'} → {after or '(none)'}"
    if kind == "banner_added":
        return f"Banner added: {snippet(after)}"
    if kind == "banner_removed":
        return f"Banner removed: {snippet(before)}"
    if kind == "banner_changed":
        return f"Banner changed{_edits(change) or ':'}"
    if kind == "correction_added":
        return f"Correction added: {snippet(after)}"
    if kind == "correction_changed":
        if after is None:
            return f"Correction removed: {snippet(before)}"
        return f"Correction changed{_edits(change)}"
    if kind in {"image_added", "image_removed"}:
        image = after if kind == "image_added" else before
        caption = (image or {}).get("caption")
        verb = "added" if kind == "image_added" else "removed"
        return f"Image {loc.get('image')} {verb}" + (f": {snippet(caption)}" if caption else "")
    if kind == "caption_changed":
        return f"Caption changed for {_image_label(change)}{_edits(change)}"
    if kind == "credit_changed":
        return (
            f"Photo credit changed for {_image_label(change)}: {snippet(before)} → {snippet(after)}"
        )
    if kind in {"related_added", "related_removed"}:
        link = (after if kind == "related_added" else before) or {}
        verb = "added" if kind == "related_added" else "removed"
        return f"Related story {loc.get('article_id')} {verb}: {snippet(link.get('title'))}"
    if kind == "tags_changed":
        parts = [f"+{t}" for t in change.detail.get("added", [])]
        parts += [f"−{t}" for t in change.detail.get("removed", [])]
        return "Tags changed: " + ", ".join(parts)
    if kind == "other_text_changed":
        return f"Other text changed{_near(change)}{_edits(change) or ':'}"
    if kind == "url_changed":
        old_slug, new_slug = slug_from_url(before or ""), slug_from_url(after or "")
        if old_slug != new_slug:
            return f"URL slug changed: {old_slug or '(none)'} → {new_slug or '(none)'}"
        return f"URL changed: {before} → {after}"
    return f"{kind.replace('_', ' ').capitalize()}"
