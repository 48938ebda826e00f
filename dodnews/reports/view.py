"""Format-neutral reading of a ChangeReport: labels, sections, locations and word-level ops.

The Markdown, HTML and Atom formatters all take their structure from here, so the three formats
show the same changes in the same order. Values returned here are plain (unescaped) text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from dodnews.diffing.model import KINDS, Change
from dodnews.reports.text import safe_url

KIND_LABELS = {
    "title_changed": "Title changed",
    "byline_changed": "Byline changed",
    "date_changed": "Date changed",
    "summary_changed": "Summary changed",
    "banner_added": "Banner added",
    "banner_removed": "Banner removed",
    "banner_changed": "Banner changed",
    "correction_added": "Correction added",
    "correction_changed": "Correction changed",
    "paragraph_added": "Paragraph added",
    "paragraph_removed": "Paragraph removed",
    "paragraph_edited": "Paragraph edited",
    "paragraph_moved": "Paragraph moved",
    "figure_changed": "Figure changed",
    "image_added": "Image added",
    "image_removed": "Image removed",
    "caption_changed": "Caption changed",
    "credit_changed": "Photo credit changed",
    "related_added": "Related story added",
    "related_removed": "Related story removed",
    "tags_changed": "Tags changed",
    "url_changed": "URL changed",
    "other_text_changed": "Other text changed",
}
NOTICE_KINDS = frozenset(
    {"banner_added", "banner_removed", "banner_changed", "correction_added", "correction_changed"}
)
PARAGRAPH_KINDS = frozenset(
    {"paragraph_added", "paragraph_removed", "paragraph_edited", "paragraph_moved"}
)
FIGURE_KIND = "figure_changed"
NET_KIND = "other_text_changed"
_KIND_ORDER = {kind: n for n, kind in enumerate(KINDS)}


EXTRACTOR_LABEL = "Extractor changed"


def extractor_notice(report: Any) -> str | None:
    """Why a report across an extractor change may show differences the site never made (None
    for a report whose two sides the same extractor read)."""
    if not getattr(report, "extractor_changed", False):
        return None
    versions = report.provenance.extractor_version or "an older one -> the running one"
    return (
        f"The two versions were read by different extractor versions ({versions}) and the "
        "older page could not be read again from its WARC record: some of these differences "
        "may come from the extractor, not from an edit on the site."
    )


def kind_label(kind: str) -> str:
    """Human label of a kind; unknown kinds are shown as they are (the caller escapes)."""
    return KIND_LABELS.get(kind, kind)


def kind_slug(kind: str) -> str:
    """A kind usable in HTML ids/classes: itself if it is in KINDS, else "other"."""
    return kind if kind in _KIND_ORDER else "other"


@dataclass
class Sections:
    """A report's changes split the way every format shows them."""

    notices: list[Change]
    figures: list[Change]
    paragraphs: list[Change]
    fields: list[Change]


def sections(changes: list[Change]) -> Sections:
    """Split changes into notices, figures, paragraphs (in new-text order) and other fields."""
    notices, figures, paragraphs, others = [], [], [], []
    for change in sorted(changes, key=_change_order):
        if change.kind in NOTICE_KINDS:
            notices.append(change)
        elif change.kind == FIGURE_KIND:
            figures.append(change)
        elif change.kind in PARAGRAPH_KINDS:
            paragraphs.append(change)
        else:
            others.append(change)
    paragraphs.sort(key=_paragraph_order)
    return Sections(notices, figures, paragraphs, others)


def _change_order(change: Change) -> tuple[int, str]:
    return (_KIND_ORDER.get(change.kind, len(_KIND_ORDER)), change.kind)


def _index(change: Change, key: str) -> int | None:
    value = (change.location or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _paragraph_order(change: Change) -> tuple[int, int]:
    new, old = _index(change, "new_index"), _index(change, "old_index")
    return (new if new is not None else old if old is not None else 0, 0 if new is not None else 1)


def paragraph_number(change: Change, side: str) -> int | None:
    """1-based paragraph number on the "old" or "new" side, if the location has it."""
    index = _index(change, f"{side}_index")
    return None if index is None else index + 1


def where(change: Change) -> str:
    """Where a change sits: "¶2 → ¶3", "heading ¶4", "correction 1", "title", "image <VIRIN>"."""
    location = change.location or {}
    if change.kind in PARAGRAPH_KINDS or change.field == "paragraphs":
        prefix = "¶"
    else:
        prefix = _INDEX_PREFIX.get(change.field, f"{change.field} #")
    old, new = paragraph_number(change, "old"), paragraph_number(change, "new")
    if old is not None and new is not None:
        place = f"{prefix}{old}" if old == new else f"{prefix}{old} → {prefix}{new}"
    elif old is not None or new is not None:
        place = f"{prefix}{old if old is not None else new}"
    else:
        place = ""
    extras = [
        f"{_LOCATION_WORDS.get(key, key)} {value_text(value)}"
        for key, value in sorted(location.items())
        if key not in {"old_index", "new_index", "heading"} and value not in (None, "")
    ]
    if location.get("heading"):
        place = f"heading {place}".strip()
    if not place and not extras:
        place = str(change.field or "")
    if change.kind == NET_KIND:
        extras.append(_near(change))
    return ", ".join(p for p in [place, *extras] if p)


def _near(change: Change) -> str:
    """Unexplained region text: the region block it follows (or precedes), new side first."""
    detail = change.detail or {}
    for key in ("after_near", "before_near"):
        near = detail.get(key)
        if not isinstance(near, list) or len(near) != 2:
            continue
        if isinstance(near[0], str) and near[0]:
            return f"after “{_short(near[0])}”"
        if isinstance(near[1], str) and near[1]:
            return f"before “{_short(near[1])}”"
    return ""


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


_INDEX_PREFIX = {"corrections": "correction ", "region": "text block "}
_LOCATION_WORDS = {"image": "image", "article_id": "article"}


def value_text(value: Any) -> str:
    """A JSON value as one readable line (lists joined, dicts as "key: value; ...")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value).lower() if isinstance(value, bool) else str(value)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{k}: {value_text(v)}" for k, v in sorted(value.items()) if v not in (None, "")
        )
    return str(value)


def figure_units(change: Change) -> tuple[str, str]:
    """The unit noun after a figure on each side ("battalion tactical groups"), or ""."""
    detail = change.detail or {}
    shared = detail.get("unit")
    before = shared if shared is not None else detail.get("before_unit")
    after = shared if shared is not None else detail.get("after_unit")
    units = (before if change.before else None, after if change.after else None)
    return (value_text(units[0]), value_text(units[1]))


@dataclass(frozen=True)
class WordOp:
    """One step of a word-level diff: "equal", "replace", "insert" or "delete"."""

    op: str
    old: str
    new: str


def word_ops(change: Change) -> list[WordOp]:
    """The word-level ops of an edited paragraph: the detector's, else computed with difflib."""
    raw = (change.detail or {}).get("ops")
    if isinstance(raw, list) and raw:
        ops = [_op(item) for item in raw if isinstance(item, dict)]
        if ops:
            return ops
    return diff_words(value_text(change.before), value_text(change.after))


def _op(item: dict[str, Any]) -> WordOp:
    def words(value: Any) -> str:
        if isinstance(value, list):
            return " ".join(str(v) for v in value)
        return "" if value is None else str(value)

    op = item.get("op")
    old, new = words(item.get("old")), words(item.get("new"))
    if op == "equal":
        return WordOp("equal", old or new, old or new)
    if op not in {"replace", "insert", "delete"}:
        op = "replace" if old and new else "insert" if new else "delete"
    return WordOp(str(op), old, new)


def diff_words(before: str, after: str) -> list[WordOp]:
    """Word-level ops between two texts (whitespace-separated words)."""
    old, new = before.split(), after.split()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    return [
        WordOp(tag, " ".join(old[i1:i2]), " ".join(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def side_text(change: Change, side: str) -> str:
    """The paragraph text on one side ("old"/"new") of a paragraph change."""
    value = change.before if side == "old" else change.after
    if value is None and change.kind == "paragraph_moved":
        value = change.after if side == "old" else change.before
    return value_text(value)


def summary_line(change: Change) -> str:
    """The detector's summary, else a label built from the kind and location."""
    if change.summary:
        return change.summary
    place = where(change)
    return f"{kind_label(change.kind)} ({place})" if place else kind_label(change.kind)


def marked_words(ops: list[WordOp], side: str) -> list[tuple[str | None, str]]:
    """One side ("old"/"new") of a word diff as (mark, words): mark "del", "ins" or None."""
    words: list[tuple[str | None, str]] = []
    for op in ops:
        if op.op == "equal":
            if op.old:
                words.append((None, op.old))
        elif side == "old" and op.old:
            words.append(("del", op.old))
        elif side == "new" and op.new:
            words.append(("ins", op.new))
    return words


def value_pair_mode(change: Change) -> str:
    """How a field change's before/after are shown: "list" items, changed "words", or "values"."""
    before, after = change.before, change.after
    if isinstance(before, list) or isinstance(after, list):
        return "list"
    both_text = isinstance(before, str) and isinstance(after, str) and before and after
    if both_text and not (safe_url(before) and safe_url(after)):
        return "words"  # the detector's ops for titles/captions, else difflib's
    return "values"


def sorted_items(value: dict[Any, Any]) -> list[tuple[Any, Any]]:
    """A dict's items sorted by key."""
    return sorted(value.items())


def kind_slugs(kinds: list[str]) -> list[str]:
    """The distinct slugs of some kinds, sorted (CSS classes of an index card)."""
    return sorted({kind_slug(k) for k in kinds})
