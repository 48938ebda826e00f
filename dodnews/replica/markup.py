"""Which markup shape the replica uses for each article part (docs/markup.md, "Replica variants").

The real markup of bylines, photo furniture, "Related Stories" and the historical banner was never
captured, only their text (SITE.md). So the replica writes each of those parts in several
plausible shapes, one per article, picked from the article id: crawl tests then exercise
extraction rules that work from what a reader sees, not one guessed shape. A `MarkupPlan` says
whether variants are on (off: the single shape of the first replica) and which parts the site
redesigns at which epoch (`Shift`: "the site changed its markup mid-life").
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from typing import Any

# Shapes per part, in rotation order: a shift without a named shape moves each article to the
# shape after its own. The first shape of each part is the one the first replica served.
PARTS: dict[str, tuple[str, ...]] = {
    # page frame of non-contract articles: the first replica's, or the real 2025 one
    "frame": ("classic", "wrap2025"),
    "byline": ("span", "p-author", "div", "date-span", "byline-wrap"),
    "byline-place": ("after", "before"),  # the byline before or after the date
    "photo": ("inline", "figure", "spans", "strong"),
    "photo-src": ("src", "data-src", "data-lazy-src", "srcset"),  # lazy-loading attribute
    "download": ("link-kb", "text-kb", "link-mb", "text-mb"),  # "-mb": MB from 1024 KB up
    "related": ("block", "heading", "aside-after", "aside-before", "list"),
    "related-heading": ("h2", "h3", "h4", "strong", "span"),
    "banner": ("class", "alert", "section", "strong"),
}
# Shapes only a shift can select: a redesign no reader-text rule is expected to survive
# (the byline loses its "By" and moves below the body), for extraction-health tests.
SHIFT_ONLY: dict[str, tuple[str, ...]] = {"byline": ("card",)}
# Contracts always use the real confirmed frame while variants are on (SITE.md).
CONTRACT_FRAME = "contract2025"
ENV_VARIANTS = "DODNEWS_REPLICA_VARIANTS"


@dataclass(frozen=True)
class Shift:
    """From `epoch` on, `part` of every article moves to `shape` (None: the next in rotation)."""

    part: str
    epoch: int
    shape: str | None = None

    def __str__(self) -> str:
        return f"{self.part}@{self.epoch}" + (f"={self.shape}" if self.shape else "")


def parse_shift(spec: str) -> Shift:
    """`PART@EPOCH[=SHAPE]` as given to `--markup-shift`; ValueError names what is wrong."""
    head, _, shape = spec.partition("=")
    part, at, epoch_text = head.partition("@")
    part = part.strip()
    if not at or part not in PARTS:
        raise ValueError(f"{spec!r}: write PART@EPOCH[=SHAPE] with PART one of {', '.join(PARTS)}")
    try:
        epoch = int(epoch_text)
    except ValueError:
        raise ValueError(f"{spec!r}: epoch {epoch_text!r} is not a number") from None
    if epoch < 0:
        raise ValueError(f"{spec!r}: epoch must be 0 or more")
    shape = shape.strip() or None
    allowed = PARTS[part] + SHIFT_ONLY.get(part, ())
    if shape is not None and shape not in allowed:
        raise ValueError(f"{spec!r}: {part} shapes are {', '.join(allowed)}")
    return Shift(part, epoch, shape)


def variants_from_env() -> bool:
    """Variants are on unless $DODNEWS_REPLICA_VARIANTS is 0/off/no/false."""
    return os.environ.get(ENV_VARIANTS, "1").strip().lower() not in ("0", "off", "no", "false")


def _pick(part: str, article_id: int, count: int) -> int:
    # crc32 of part and id: stable across runs and Python versions (unlike hash()), and
    # independent between parts, so every combination of shapes occurs.
    return zlib.crc32(f"{part}:{article_id}".encode()) % count


def _legacy(part: str, article: dict[str, Any]) -> str:
    """The shape the first replica served (with its two id-based variants)."""
    if part == "related":
        return "heading" if article["id"] % 5 == 3 else "block"
    if part == "banner":
        return "alert" if article["id"] % 4 == 1 else "class"
    return PARTS[part][0]


@dataclass(frozen=True)
class MarkupPlan:
    """Variants on or off, plus the site's redesigns by epoch."""

    variants: bool = True
    shifts: tuple[Shift, ...] = ()

    @classmethod
    def from_env(cls) -> MarkupPlan:
        return cls(variants=variants_from_env())

    def own_shape(self, part: str, article: dict[str, Any]) -> str:
        """The article's shape for `part` before any shift."""
        if part == "frame" and article["section"] == "contracts":
            return CONTRACT_FRAME if self.variants else "classic"
        if not self.variants:
            return _legacy(part, article)
        shapes = PARTS[part]
        return shapes[_pick(part, article["id"], len(shapes))]

    def shape(self, part: str, article: dict[str, Any], epoch: int) -> str:
        """The shape of `part` of `article` at `epoch`, shifts applied in epoch order."""
        current = self.own_shape(part, article)
        for shift in sorted(self.shifts, key=lambda s: s.epoch):
            if shift.part != part or shift.epoch > epoch or current == CONTRACT_FRAME:
                continue  # the contracts frame is confirmed: redesigns of the frame skip it
            if shift.shape is not None:
                current = shift.shape
            else:
                rotation = PARTS[part]
                index = rotation.index(current) if current in rotation else -1
                current = rotation[(index + 1) % len(rotation)]
        return current

    def last_change(self, article: dict[str, Any], parts: set[str], epoch: int) -> int:
        """The latest epoch <= `epoch` at which a shift changed one of `parts` of the article."""
        last = 0
        for shift in self.shifts:
            if shift.epoch == 0 or shift.epoch > epoch or shift.part not in parts:
                continue
            part = shift.part
            if self.shape(part, article, shift.epoch) != self.shape(part, article, shift.epoch - 1):
                last = max(last, shift.epoch)
        return last

    def describe(self) -> dict[str, Any]:
        return {"variants": self.variants, "shifts": [str(s) for s in self.shifts]}
