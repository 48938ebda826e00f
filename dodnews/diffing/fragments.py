"""An edit as a reader can place it: the changed words with a few words of context on each side.

`…troops will «place a» → «put» new…` (a replacement), `…said the +«first» bridge…` (words
inserted), `…crossed the −«wide» river…` (words deleted). Edits a few words apart are one
fragment; edits a figure change already names (`detail["figure_ops"]`) are left out, so a fact is
read once. Everything is derived from the change's word-level ops (`detail["ops"]`), whose equal
stretches hold the context.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dodnews.diffing.model import Change

CONTEXT = 3  # words of context on each side
CHANGED_LIMIT = 40  # characters of one changed stretch before it is cut with "…"


@dataclass(frozen=True)
class _Step:
    """One op: an edit to mark, or plain words (unchanged, or a figure named elsewhere)."""

    edit: bool
    op: str
    old: str
    new: str

    @property
    def words(self) -> list[str]:
        """The words this step leaves in the new text."""
        return self.new.split()


def _steps(change: Change) -> list[_Step]:
    figure_ops = set(change.detail.get("figure_ops") or [])
    steps = []
    for k, op in enumerate(change.detail.get("ops") or []):
        kind = op.get("op")
        old, new = _words(op.get("old")), _words(op.get("new"))
        if kind == "equal":
            steps.append(_Step(False, "equal", old or new, old or new))
        else:
            steps.append(_Step(k not in figure_ops, str(kind), old, new))
    return steps


def _words(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return "" if value is None else str(value)


def edit_fragments(change: Change) -> list[str]:
    """Each edit (or run of nearby edits) of a text change, with context, in text order."""
    steps = _steps(change)
    edits = [n for n, step in enumerate(steps) if step.edit]
    if not edits:
        return []
    clusters = [[edits[0], edits[0]]]
    for n in edits[1:]:
        between = sum(len(s.words) for s in steps[clusters[-1][1] + 1 : n])
        if between <= CONTEXT:  # their contexts would overlap: one fragment
            clusters[-1][1] = n
        else:
            clusters.append([n, n])
    return [_fragment(steps, first, last) for first, last in clusters]


def _fragment(steps: list[_Step], first: int, last: int) -> str:
    before = [w for s in steps[:first] for w in s.words]
    after = [w for s in steps[last + 1 :] for w in s.words]
    parts = []
    if before:
        parts.append(("…" if len(before) > CONTEXT else "") + " ".join(before[-CONTEXT:]))
    for step in steps[first : last + 1]:
        if step.edit:
            parts.append(_marked(step))
        elif step.words:
            parts.append(" ".join(step.words))
    if after:
        parts.append(" ".join(after[:CONTEXT]) + ("…" if len(after) > CONTEXT else ""))
    return " ".join(parts)


def _marked(step: _Step) -> str:
    if step.old and step.new:
        return f"«{_cut(step.old)}» → «{_cut(step.new)}»"
    if step.new:
        return f"+«{_cut(step.new)}»"
    return f"−«{_cut(step.old)}»"


def _cut(text: str) -> str:
    return text if len(text) <= CHANGED_LIMIT else text[: CHANGED_LIMIT - 1].rstrip() + "…"


def figure_only(change: Change) -> bool:
    """True when every edit of a text change is a figure change reported beside it."""
    return bool(change.detail.get("figure_ops")) and not any(s.edit for s in _steps(change))
