"""Whole numbers typed on the command line, checked against what an archive can hold."""

from __future__ import annotations

import argparse

from dodnews.site import MAX_ID


def parse_number(text: str) -> int:
    """A whole number 0..MAX_ID (a signed 64-bit integer); ValueError with the reason otherwise."""
    try:
        value = int(text.strip())
    except (AttributeError, ValueError):
        raise ValueError(f"invalid whole number {text!r}") from None
    if value < 0:
        raise ValueError(f"{text} is negative")
    if value > MAX_ID:
        # No archive can hold it (and SQLite raises OverflowError when asked): nothing matches.
        raise ValueError(f"{text} is too large (at most {MAX_ID})")
    return value


def number(text: str) -> int:
    """`type=` for argparse: an id, run, version or count that fits an archive's 64-bit integer."""
    try:
        return parse_number(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
