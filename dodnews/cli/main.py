"""The `dodnews` command: one argparse tree, one module per subcommand under dodnews.cli.commands.

Each module in `dodnews/cli/commands/` defines `register(subparsers) -> None`, which adds its
parser and sets `func` (called with the parsed namespace, returning the exit status): a `Runner`
that imports the command's module under `dodnews/cli/run/` only when it runs. Errors a user can
fix raise `UserError` and come out as one line on stderr with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

from dodnews import __version__
from dodnews.cli import commands
from dodnews.errors import UserError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other error
        self.exit(2, f"{self.prog}: error: {message}\n")


def command_names() -> list[str]:
    """Every subcommand, by the name of its module under dodnews.cli.commands."""
    return sorted(
        info.name
        for info in pkgutil.iter_modules(commands.__path__)
        if not info.name.startswith("_")
    )


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command tree, or with `only` the tree of that one subcommand: what a run of it
    parses is the same, and it skips building the other parsers (half of what `dodnews diff A B`
    does once imported, bench/bench_startup.py)."""
    parser = _Parser(
        prog="dodnews",
        description="Archive the DoD/War newsroom and show, line by line, what changed.",
    )
    parser.add_argument("--version", action="version", version=f"dodnews {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in [only] if only else command_names():
        importlib.import_module(f"{commands.__name__}.{name}").register(sub)
    return parser


def _named_command(argv: Sequence[str]) -> str | None:
    """The subcommand `argv` names in first place, when there is one (never for a bare --help)."""
    if argv and not argv[0].startswith("-") and argv[0] in command_names():
        return argv[0]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=_named_command(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"dodnews: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dodnews: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
