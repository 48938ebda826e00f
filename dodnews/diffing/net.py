"""The safety net: region text that changed where no typed change explains the difference.

Typed changes only see the fields extraction read. An edit to text it did not read (a byline in a
markup shape it does not know, a related-stories block of another shape, a custom element) would
otherwise be "unchanged". The net compares the two versions' region residues (`region_residue`:
region text minus every text a typed field holds, in the noise-free `region_form`):

1. each side minus its own typed texts: equal residues mean nothing unexplained changed (this is
   what the content hash sees, so equal hashes and a silent net always agree);
2. each side minus the typed texts of both versions: what remains different is text no typed
   change explains (an edit that moved text between an unread element and a typed field is
   explained by the typed change).

What differs after both becomes one `other_text_changed` change with a word-level diff of the
unexplained text and the neighbouring region blocks on each side. Only versions that both have a
region are compared: versions archived before the region was kept have none.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Any

from dodnews.diffing.model import Change
from dodnews.diffing.normalize import Explained, region_residue
from dodnews.diffing.paragraphs import ops_detail, word_ops
from dodnews.model import Article

KIND = "other_text_changed"
FIELD = "region"
# Joins the unexplained text of separate region blocks in before/after.
SEPARATOR = " … "


def other_text_change(
    old: Article,
    new: Article,
    old_explained: Explained | None = None,
    new_explained: Explained | None = None,
) -> Change | None:
    """The change for region text no typed change explains, or None (also when a side has none).

    `old_explained` / `new_explained` are `Explained.of(old)` / `Explained.of(new)` when the
    caller has them already.
    """
    if not old.region or not new.region:
        return None
    old_x = old_explained or Explained.of(old)
    new_x = new_explained or Explained.of(new)
    if [t for _, t in old_x.rest] == [t for _, t in new_x.rest]:
        return None
    both = old_x | new_x
    old_rest = region_residue(old.region, both)
    new_rest = region_residue(new.region, both)
    old_list, new_list = [t for _, t in old_rest], [t for _, t in new_rest]
    if old_list == new_list:
        return None
    (old_changed, old_at), (new_changed, new_at) = _differing(old_list, new_list)
    before = SEPARATOR.join(old_list[k] for k in old_changed)
    after = SEPARATOR.join(new_list[k] for k in new_changed)
    old_words, new_words = before.split(), after.split()
    old_blocks = [old_rest[k][0] for k in old_changed]
    new_blocks = [new_rest[k][0] for k in new_changed]
    location: dict[str, Any] = {}
    if old_blocks:
        location["old_index"] = old_blocks[0]
    if new_blocks:
        location["new_index"] = new_blocks[0]
    return Change(
        KIND,
        FIELD,
        before or None,
        after or None,
        location=location,
        detail={
            "ops": ops_detail(old_words, new_words, word_ops(old_words, new_words)),
            "before_blocks": [old.region[i] for i in old_blocks],
            "after_blocks": [new.region[j] for j in new_blocks],
            "before_near": _near(old.region, old_rest, old_blocks, old_at),
            "after_near": _near(new.region, new_rest, new_blocks, new_at),
        },
    )


def _differing(old: list[str], new: list[str]) -> tuple[tuple[list[int], int], ...]:
    """Per side, the residue blocks outside the equal runs and where the first change sits.

    Symmetric like `paragraphs.align`: computed in one canonical direction and mirrored back.
    """
    if old > new:
        new_side, old_side = _differing(new, old)
        return old_side, new_side
    old_changed: list[int] = []
    new_changed: list[int] = []
    at: tuple[int, int] | None = None
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            at = at or (i1, j1)
            old_changed.extend(range(i1, i2))
            new_changed.extend(range(j1, j2))
    first_old, first_new = at or (0, 0)
    return (old_changed, first_old), (new_changed, first_new)


def _near(
    region: list[str], rest: list[tuple[int, str]], blocks: list[int], at: int
) -> list[str | None]:
    """The region blocks just before and just after the changed ones (None at either end).

    A side with no changed block (text only added on the other side) gives the unexplained
    blocks around the place where the other side's text sits.
    """
    if blocks:
        first, last = blocks[0], blocks[-1]
        return [
            region[first - 1] if first > 0 else None,
            region[last + 1] if last + 1 < len(region) else None,
        ]
    return [
        region[rest[at - 1][0]] if at > 0 else None,
        region[rest[at][0]] if at < len(rest) else None,
    ]
