"""Paragraph alignment and word-level diffs, so an insertion never cascades into a shift.

`align(old, new)` takes normalized paragraph texts. Exact-equal runs are anchored with difflib's
SequenceMatcher; unmatched paragraphs are then paired across the whole article: exact-equal texts
as moves, similar texts (word-level ratio >= `SIMILARITY`, best match first) as edits. What is left
is added or removed. Both functions are symmetric: aligning (b, a) gives the mirror image of
(a, b), because the computation always runs in one canonical direction and is mirrored back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from dodnews.diffing.normalize import match_text

SIMILARITY = 0.6
CONTAINED = 0.9
MIN_CONTAINED_WORDS = 5
# Above this many candidate pairs, pair similar paragraphs only inside their own changed block and
# near its diagonal (keeps a wholesale rewrite of a 300-paragraph contract list from costing
# O(n*m) ratios).
MAX_CROSS_PAIRS = 4096
BAND = 12

Opcode = tuple[str, int, int, int, int]


@dataclass
class Alignment:
    """Which old paragraph became which new one; indexes are 0-based."""

    equal: list[tuple[int, int]] = field(default_factory=list)
    moved: list[tuple[int, int]] = field(default_factory=list)
    edited: list[tuple[int, int, bool]] = field(default_factory=list)  # (old, new, also moved)
    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)

    def mirrored(self) -> Alignment:
        return Alignment(
            equal=[(j, i) for i, j in self.equal],
            moved=[(j, i) for i, j in self.moved],
            edited=[(j, i, m) for i, j, m in self.edited],
            added=list(self.removed),
            removed=list(self.added),
        )


def align(old: list[str], new: list[str], threshold: float = SIMILARITY) -> Alignment:
    """Align two lists of normalized paragraphs (see module docstring)."""
    if old > new:
        return _align(new, old, threshold).mirrored()
    return _align(old, new, threshold)


def _align(old: list[str], new: list[str], threshold: float) -> Alignment:
    result = Alignment()
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    old_block: dict[int, int] = {}
    new_block: dict[int, int] = {}
    starts: dict[int, tuple[int, int]] = {}
    for block, (tag, i1, i2, j1, j2) in enumerate(matcher.get_opcodes()):
        if tag == "equal":
            result.equal.extend(zip(range(i1, i2), range(j1, j2), strict=True))
            continue
        old_block.update(dict.fromkeys(range(i1, i2), block))
        new_block.update(dict.fromkeys(range(j1, j2), block))
        starts[block] = (i1, j1)
    if not old_block or not new_block:
        result.removed = sorted(old_block)
        result.added = sorted(new_block)
        return result

    # Exact-equal paragraphs in different blocks moved (duplicates pair up in order).
    waiting: dict[str, list[int]] = {}
    for i in sorted(old_block):
        waiting.setdefault(old[i], []).append(i)
    free_new = []
    for j in sorted(new_block):
        if waiting.get(new[j]):
            result.moved.append((waiting[new[j]].pop(0), j))
        else:
            free_new.append(j)
    used_old = {i for i, _ in result.moved}
    free_old = [i for i in sorted(old_block) if i not in used_old]

    # Similar paragraphs are edits; best ratio first, same block and nearer index on ties.
    cross = len(free_old) * len(free_new) <= MAX_CROSS_PAIRS
    old_words = {i: match_text(old[i]).split() for i in free_old}
    candidates = []
    scorer = SequenceMatcher(None, autojunk=False)
    for j in free_new:
        scorer.set_seq2(match_text(new[j]).split())
        block = new_block[j]
        for i in free_old:
            same = old_block[i] == block
            if not cross and not (
                same and abs((i - starts[block][0]) - (j - starts[block][1])) <= BAND
            ):
                continue
            scorer.set_seq1(old_words[i])
            ratio = _similarity(scorer, threshold)
            if ratio is not None:
                candidates.append((-ratio, not same, abs(i - j), i, j))
    candidates.sort()
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    for _, not_same, _, i, j in candidates:
        if i in taken_old or j in taken_new:
            continue
        taken_old.add(i)
        taken_new.add(j)
        result.edited.append((i, j, not_same))
    result.edited.sort()
    result.removed = [i for i in free_old if i not in taken_old]
    result.added = [j for j in free_new if j not in taken_new]
    return result


def _similarity(scorer: SequenceMatcher, threshold: float) -> float | None:
    """The word ratio when the two paragraphs correspond, else None (cheap bounds first).

    They correspond when the ratio reaches `threshold`, or when nearly all of the shorter one
    (>= CONTAINED of its words, at least MIN_CONTAINED_WORDS) appears in the longer one in order:
    a sentence appended to a short paragraph is an edit, not a replacement.
    """
    total = len(scorer.a) + len(scorer.b)
    shorter = min(len(scorer.a), len(scorer.b))
    can_contain = shorter >= MIN_CONTAINED_WORDS
    if not can_contain and scorer.real_quick_ratio() < threshold:
        return None
    bound = scorer.quick_ratio()
    if bound < threshold and not (can_contain and bound * total / 2 >= CONTAINED * shorter):
        return None
    ratio = scorer.ratio()
    if ratio >= threshold or (can_contain and ratio * total / 2 >= CONTAINED * shorter):
        return ratio
    return None


def word_ops(old_words: list[str], new_words: list[str]) -> list[Opcode]:
    """Word-level opcodes (difflib tags) from old to new, symmetric like `align`."""
    if old_words > new_words:
        return [_mirror_op(op) for op in word_ops(new_words, old_words)]
    return SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes()


_MIRROR_TAG = {"equal": "equal", "replace": "replace", "insert": "delete", "delete": "insert"}


def _mirror_op(op: Opcode) -> Opcode:
    tag, i1, i2, j1, j2 = op
    return (_MIRROR_TAG[tag], j1, j2, i1, i2)


def ops_detail(old_words: list[str], new_words: list[str], ops: list[Opcode]) -> list[dict]:
    """Opcodes as JSON: [{"op": "replace", "old": "120 soldiers", "new": "125 soldiers"}, ...]."""
    return [
        {"op": tag, "old": " ".join(old_words[i1:i2]), "new": " ".join(new_words[j1:j2])}
        for tag, i1, i2, j1, j2 in ops
    ]
