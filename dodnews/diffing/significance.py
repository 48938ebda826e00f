"""How much a report matters: a score in 0..1 and the reasons behind it.

Each change has a weight by kind; the score combines them as independent signals,
`score = 1 - prod(1 - w)`, so one figure change scores 0.6, two score 0.84, and many small
changes approach but never reach 1. Mirror kinds weigh the same, so a report and its mirror image
score alike.

| kind | weight |
|---|---|
| `figure_changed` | 0.6 (each figure) |
| `correction_added`, `correction_changed` | 0.6 |
| `banner_added`, `banner_removed` | 0.6 |
| `title_changed` | 0.5 |
| `date_changed`, `banner_changed` | 0.4 |
| `paragraph_added`, `paragraph_removed` | 0.3 (each) |
| `byline_changed`, `summary_changed` | 0.3 |
| `paragraph_edited` | 0.25 (each) |
| `image_added`, `image_removed` | 0.2 |
| `caption_changed`, `url_changed` | 0.15 |
| `paragraph_moved`, `credit_changed` | 0.1 |
| `other_text_changed` | 0.1 |
| `related_added`, `related_removed`, `tags_changed` | 0.05 |

The product is computed in exact fractions and rounded half up to 3 decimals, so the score does not
depend on the order of the changes (in floating point, 0.7 * 0.75 * 0.9 and 0.9 * 0.75 * 0.7
fall on either side of 0.5275 and round apart).

Reasons are listed heaviest first and name the specifics: one per figure ("figure changed in
paragraph 3: 120 → 125"), one per kind of paragraph, image, caption, related-story or correction
change naming which ("paragraphs 2–4 and 7 edited", "caption of image 260324-A-QW123-1001
changed", "related story added: “Title”"), one for each other field with what became what
("title changed: …Picks «12» → «14» Companies…", "tags changed: +Army, −Navy"). A text whose only
edits are figure changes has no reason of its own: the figure's reason says it.
"""

from __future__ import annotations

from fractions import Fraction

from dodnews.diffing.fragments import edit_fragments, figure_only
from dodnews.diffing.model import Change
from dodnews.site import slug_from_url

MAX_SCORE = 0.999
_ONE = Fraction(1)
_THOUSANDTHS = 1000
WEIGHTS: dict[str, float] = {
    "figure_changed": 0.6,
    "correction_added": 0.6,
    "correction_changed": 0.6,
    "banner_added": 0.6,
    "banner_removed": 0.6,
    "title_changed": 0.5,
    "date_changed": 0.4,
    "banner_changed": 0.4,
    "paragraph_added": 0.3,
    "paragraph_removed": 0.3,
    "byline_changed": 0.3,
    "summary_changed": 0.3,
    "paragraph_edited": 0.25,
    "image_added": 0.2,
    "image_removed": 0.2,
    "caption_changed": 0.15,
    "url_changed": 0.15,
    "paragraph_moved": 0.1,
    "credit_changed": 0.1,
    # The safety net: text no typed field holds (a byline in an unknown shape, a custom element).
    # Low: it may be furniture the region rules do not know, but never silent.
    "other_text_changed": 0.1,
    "related_added": 0.05,
    "related_removed": 0.05,
    "tags_changed": 0.05,
}

# (singular, plural) nouns and the verb for the reasons that group changes of one kind.
_PHRASES: dict[str, tuple[str, str, str]] = {
    "paragraph_added": ("paragraph", "paragraphs", "added"),
    "paragraph_removed": ("paragraph", "paragraphs", "removed"),
    "paragraph_edited": ("paragraph", "paragraphs", "edited"),
    "paragraph_moved": ("paragraph", "paragraphs", "moved"),
    "image_added": ("image", "images", "added"),
    "image_removed": ("image", "images", "removed"),
    "caption_changed": ("caption", "captions", "changed"),
    "credit_changed": ("photo credit", "photo credits", "changed"),
    "related_added": ("related story", "related stories", "added"),
    "related_removed": ("related story", "related stories", "removed"),
    "correction_added": ("correction", "corrections", "added"),
    "correction_removed": ("correction", "corrections", "removed"),
    "correction_changed": ("correction", "corrections", "changed"),
}
_LISTED = 5  # items named in one reason; the rest are counted
_QUOTED = 50  # characters of a quoted title in a reason


def _figure_reason(change: Change) -> str:
    where = change.field
    if change.field == "paragraphs":
        index = change.location.get("new_index")
        where = f"paragraph {index + 1}" if index is not None else "a paragraph"
    elif change.field == "images":
        where = f"caption of image {change.location.get('image')}"
    return f"figure changed in {where}: {change.before or '(none)'} → {change.after or '(none)'}"


def _reason_kind(change: Change) -> str:
    # A correction line that disappeared is reported as correction_changed with after None.
    if change.kind == "correction_changed" and change.after is None:
        return "correction_removed"
    return change.kind


def _listed(items: list[str]) -> str:
    """Items as a reader lists them: a; a and b; a, b and c; a, b, c, d, e and 3 more."""
    shown = items[:_LISTED]
    rest = len(items) - len(shown)
    if rest:
        return f"{', '.join(shown)} and {rest} more"
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _numbers(numbers: list[int]) -> str:
    """1-based positions with runs as ranges: "2–4 and 7"."""
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return _listed([f"{a}" if a == b else f"{a}–{b}" for a, b in runs])


def _position(change: Change) -> int | None:
    """The paragraph number a reason names: the old one for a removal or move, else the new."""
    side = "old" if change.kind in {"paragraph_removed", "paragraph_moved"} else "new"
    index = change.location.get(f"{side}_index")
    return index + 1 if isinstance(index, int) else None


def _group_reason(kind: str, changes: list[Change]) -> str:
    """One reason for every change of one kind, naming which ones."""
    one, many, verb = _PHRASES[kind]
    count = len(changes)
    if kind.startswith("paragraph_"):
        numbers = [_position(c) for c in changes]
        if None in numbers:
            return f"{one} {verb}" if count == 1 else f"{count} {many} {verb}"
        heads = all(c.location.get("heading") for c in changes)
        one, many = ("heading", "headings") if heads else (one, many)
        return f"{one if count == 1 else many} {_numbers(numbers)} {verb}"  # type: ignore[arg-type]
    if kind in {"image_added", "image_removed", "caption_changed", "credit_changed"}:
        images = [str(c.location.get("image")) for c in changes if c.location.get("image")]
        if len(images) != count:
            return f"{one} {verb}" if count == 1 else f"{count} {many} {verb}"
        if kind == "caption_changed" or kind == "credit_changed":
            of = "image" if count == 1 else "images"
            return f"{one if count == 1 else many} of {of} {_listed(images)} {verb}"
        return f"{one if count == 1 else many} {_listed(images)} {verb}"
    if kind in {"related_added", "related_removed"}:
        titles = [_related_title(c) for c in changes]
        return f"{one if count == 1 else many} {verb}: {_listed(titles)}"
    return f"{one} {verb}" if count == 1 else f"{count} {many} {verb}"


def _related_title(change: Change) -> str:
    link = (change.after if change.kind == "related_added" else change.before) or {}
    title = " ".join(str(link.get("title") or "").split()) if isinstance(link, dict) else ""
    if not title:
        return f"article {change.location.get('article_id')}"
    return f"“{title if len(title) <= _QUOTED else title[: _QUOTED - 1].rstrip() + '…'}”"


def _single_reason(change: Change) -> str:
    """The reason of a change whose kind is not grouped: the field, and what became what."""
    kind, before, after = change.kind, change.before, change.after
    if kind == "title_changed":
        fragments = edit_fragments(change)
        return f"title changed: {fragments[0]}" if fragments else "title changed"
    if kind == "byline_changed":
        return f"byline changed: {_quoted(before)} → {_quoted(after)}"
    if kind == "date_changed":
        return f"publication date changed: {before or '(none)'} → {after or '(none)'}"
    if kind == "tags_changed":
        parts = [f"+{t}" for t in change.detail.get("added", [])]
        parts += [f"−{t}" for t in change.detail.get("removed", [])]
        return "tags changed: " + ", ".join(parts) if parts else "tags changed"
    if kind == "url_changed":
        old, new = slug_from_url(before or ""), slug_from_url(after or "")
        if old == new:
            return "URL changed"
        return f"URL slug changed: {old or '(none)'} → {new or '(none)'}"
    return kind.replace("_", " ")


def _quoted(value: object) -> str:
    return "(none)" if value in (None, "") else f"“{' '.join(str(value).split())}”"


def _reasons(changes: list[Change]) -> list[tuple[float, str]]:
    """(weight, reason) for each fact: one per figure, one per grouped kind, one per other change.

    A text change whose only edits are figure changes has no reason of its own: its figures say
    it (`fragments.figure_only`).
    """
    weighted: list[tuple[float, str]] = []
    groups: dict[str, list[Change]] = {}
    for change in changes:
        kind = _reason_kind(change)
        if kind == "figure_changed":
            weighted.append((WEIGHTS[kind], _figure_reason(change)))
        elif figure_only(change):
            continue
        elif kind in _PHRASES:
            groups.setdefault(kind, []).append(change)
        else:
            weighted.append((WEIGHTS[kind], _single_reason(change)))
    for kind, members in groups.items():
        weight = WEIGHTS["correction_changed"] if kind == "correction_removed" else WEIGHTS[kind]
        weighted.append((weight, _group_reason(kind, members)))
    return weighted


def _exact(weight: float) -> Fraction:
    # Fraction(str(0.3)) is 3/10, the weight as written; Fraction(0.3) would be the binary float.
    return Fraction(str(weight))


def _combined(changes: list[Change]) -> float:
    """1 - prod(1 - w), exact (order cannot matter), rounded half up to 3 decimals."""
    remaining = _ONE
    for change in changes:
        remaining *= _ONE - _exact(WEIGHTS[change.kind])
    thousandths = (_ONE - remaining) * _THOUSANDTHS
    return float(Fraction(int(thousandths + Fraction(1, 2)), _THOUSANDTHS))


def score(changes: list[Change]) -> tuple[float, list[str]]:
    """The significance score (0..1, 3 decimals) and reasons, heaviest first."""
    weighted = _reasons(changes)
    weighted.sort(key=lambda item: (-item[0], item[1]))
    # never 1: rounding to 3 decimals would make 1 of anything above 0.9995
    return min(_combined(changes), MAX_SCORE), [reason for _, reason in weighted]
