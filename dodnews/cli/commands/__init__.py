"""Subcommands of `dodnews`, as the parser knows them: what each one accepts, not what it does.

Each module defines `register(subparsers)`, which adds its parser and sets `func` to a `Runner`
naming the function in `dodnews.cli.run` that does the work. That module, and whatever it imports
(SQLAlchemy and alembic for the archive, Scrapy for crawls, deepdiff for diffs), is imported only
when its command runs: building the parser costs every command the same few milliseconds, so
`dodnews diff A B` and `dodnews extract PAGE` start as fast as what they use allows
(bench/bench_startup.py). Modules here import only what their options need.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Runner:
    """`func` of a parsed command: `dodnews.cli.run.<module>.<function>(args)`, imported on call."""

    module: str
    function: str = "run"

    def __call__(self, args: argparse.Namespace) -> int:
        module = importlib.import_module(f"dodnews.cli.run.{self.module}")
        return getattr(module, self.function)(args)
