"""Sweeps: the everyday run (`pytest -m "not slow"`) takes a slice of each, the full suite (CI)
takes all of it. Seeded sweeps keep their first few seeds; property tests try a quarter of their
examples (tests/conftest.py tells this module which run it is in)."""

from __future__ import annotations

from typing import Any

import pytest

EVERYDAY_SEEDS = 4
EVERYDAY_SHARE = 4  # an everyday property test tries 1/EVERYDAY_SHARE of its examples

everyday = False  # set by tests/conftest.py before the test modules are imported


def seeds(count: int) -> list[Any]:
    """range(count) as test parameters; those past the first EVERYDAY_SEEDS are marked slow."""
    return [
        seed if seed < EVERYDAY_SEEDS else pytest.param(seed, marks=pytest.mark.slow)
        for seed in range(count)
    ]


def examples(full: int) -> int:
    """max_examples for a property test: `full` in the full suite, a share in the everyday run."""
    return max(10, full // EVERYDAY_SHARE) if everyday else full
