"""Options several subcommands share."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any


def add_archive_option(parser: argparse.ArgumentParser) -> None:
    """`--archive URL` (default: env DODNEWS_ARCHIVE, else data/dodnews.sqlite)."""
    parser.add_argument(
        "--archive",
        metavar="URL",
        help="archive database URL or SQLite path (default: $DODNEWS_ARCHIVE, "
        "else ./data/dodnews.sqlite)",
    )


class DeprecatedAlias(argparse.Action):
    """An old spelling of an option: still works, hidden from --help, one line on stderr."""

    def __init__(self, option_strings: Sequence[str], dest: str, new: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)
        self.new = new

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        print(f"dodnews: warning: {option_string} is deprecated; use {self.new}", file=sys.stderr)
        setattr(namespace, self.dest, values)


def add_warc_dir_option(
    parser: argparse.ArgumentParser, *, old_spelling: bool = True, note: str = ""
) -> None:
    """`--warc-dir DIR`, the WARC folder (read with `dodnews.cli.support.warc_dir`);
    `old_spelling` keeps `--warc DIR` working as a deprecated alias (export has its own
    `--warc`: the file it writes)."""
    parser.add_argument(
        "--warc-dir",
        metavar="DIR",
        help="the WARC folder the captures point at (default: $DODNEWS_WARC_DIR, else the warc/ "
        f"folder beside a SQLite archive when there is one, else ./data/warc){note}",
    )
    if old_spelling:
        parser.add_argument(
            "--warc", dest="warc_dir", metavar="DIR", action=DeprecatedAlias, new="--warc-dir"
        )


def add_diffs_dir_option(parser: argparse.ArgumentParser) -> None:
    """`--diffs-dir DIR` (read with `dodnews.cli.support.reports_dir`, when the command runs)."""
    parser.add_argument(
        "--diffs-dir",
        metavar="DIR",
        help="where the reports go (default: $DODNEWS_DIFFS_DIR, else ./diffs)",
    )
