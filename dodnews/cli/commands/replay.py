"""`dodnews replay`: serve the WARC folder with pywb on loopback, for the reports' capture links."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._options import add_warc_dir_option


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "replay",
        help="replay the archived pages with pywb on 127.0.0.1 (the reports' capture links)",
        description="Starts pywb over the WARC folder on 127.0.0.1, with an index in which a "
        "304 recheck plays back as the page it confirmed, and keeps the index up to date while "
        "crawls add files. pywb lives in its own virtual environment, made on first use. "
        "Link the reports to it with `dodnews report --replay-url URL` (the URL printed).",
    )
    add_warc_dir_option(parser)
    parser.add_argument(
        "--port", type=int, default=8080, help="port on 127.0.0.1 (default 8080; 0: a free one)"
    )
    parser.add_argument(
        "--archive",
        metavar="URL",
        help="archive whose captures should be in the folder: says how many are not "
        "(default: $DODNEWS_ARCHIVE, else ./data/dodnews.sqlite when it exists)",
    )
    parser.add_argument(
        "--refresh",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how often new WARC files are indexed while serving (default 10)",
    )
    parser.add_argument(
        "--setup",
        action="store_true",
        help="only make pywb's environment (if it is missing) and exit",
    )
    parser.set_defaults(func=Runner("replay"))
