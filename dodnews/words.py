"""Counts in words as a reader expects them: "1 change", "2 changes"."""

from __future__ import annotations

_IRREGULAR = {"was": "were", "is": "are", "has": "have"}


def plural(number: int, noun: str) -> str:
    """`noun` as it reads after `number`: plural unless the number is one."""
    if number == 1:
        return noun
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"  # fetches, boxes
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"  # entries, stories
    return noun + "s"


def count(number: int, noun: str) -> str:
    """`number` and `noun`, the noun plural unless the number is one."""
    return f"{number} {plural(number, noun)}"
