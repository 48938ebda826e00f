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

Reasons are listed heaviest first: one per figure ("figure changed in paragraph 3: 120 → 125"),
otherwise one per kind with a count ("2 paragraphs added", "banner added", "title changed").
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

from dodnews.diffing.model import Change

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

# (singular, plural) nouns and the verb for the count reasons.
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
}


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


def _count_reason(kind: str, count: int) -> str:
    if kind == "correction_changed":
        return "correction changed" if count == 1 else f"{count} corrections changed"
    if kind in _PHRASES:
        one, many, verb = _PHRASES[kind]
        return f"{one} {verb}" if count == 1 else f"{count} {many} {verb}"
    return kind.replace("_", " ")


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
    weighted: list[tuple[float, str]] = []
    counts = Counter(_reason_kind(c) for c in changes if c.kind != "figure_changed")
    for kind, count in counts.items():
        weight = WEIGHTS["correction_changed"] if kind == "correction_removed" else WEIGHTS[kind]
        weighted.append((weight, _count_reason(kind, count)))
    for change in changes:
        if change.kind == "figure_changed":
            weighted.append((WEIGHTS["figure_changed"], _figure_reason(change)))
    weighted.sort(key=lambda item: (-item[0], item[1]))
    # never 1: rounding to 3 decimals would make 1 of anything above 0.9995
    return min(_combined(changes), MAX_SCORE), [reason for _, reason in weighted]
