"""Options several subcommands share."""

from __future__ import annotations

import argparse


def add_archive_option(parser: argparse.ArgumentParser) -> None:
    """`--archive URL` (default: env DODNEWS_ARCHIVE, else data/dodnews.sqlite)."""
    parser.add_argument(
        "--archive",
        metavar="URL",
        help="archive database URL or SQLite path (default: $DODNEWS_ARCHIVE, "
        "else ./data/dodnews.sqlite)",
    )
