"""Counts read as a reader expects: one change, two changes."""

from __future__ import annotations

import pytest

from dodnews.words import count


@pytest.mark.parametrize(
    ("number", "noun", "text"),
    [
        (0, "change", "0 changes"),
        (1, "change", "1 change"),
        (2, "capture", "2 captures"),
        (1, "entry", "1 entry"),
        (3, "entry", "3 entries"),
        (2, "fetch", "2 fetches"),
        (2, "related story", "2 related stories"),
        (2, "day", "2 days"),
        (1, "fetch", "1 fetch"),
    ],
)
def test_count(number: int, noun: str, text: str) -> None:
    assert count(number, noun) == text
