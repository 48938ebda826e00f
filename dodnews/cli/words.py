"""Counts in words as a reader expects them: "1 change", "2 changes"."""

from __future__ import annotations

_IRREGULAR = {"entry": "entries", "was": "were"}


def count(number: int, noun: str) -> str:
    """`number` and `noun`, the noun plural unless the number is one."""
    if number == 1:
        return f"{number} {noun}"
    return f"{number} {_IRREGULAR.get(noun, noun + 's')}"
