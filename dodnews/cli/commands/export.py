"""`dodnews export`: package chosen captures as a WARC or WACZ file for another archive."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._numbers import number
from dodnews.cli.commands._options import add_archive_option, add_warc_dir_option


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="package captures as a WARC or WACZ file",
        description="Copy the WARC records of the chosen captures (request, response, and the "
        "original response of every revisit) into one WARC file, or a WACZ package with "
        "pages.jsonl, a CDXJ index and datapackage.json. Filters combine; none means all.",
    )
    out = parser.add_mutually_exclusive_group(required=True)
    out.add_argument("--warc", metavar="OUT.warc.gz", help="write a gzip WARC 1.1 file")
    out.add_argument("--wacz", metavar="OUT.wacz", help="write a WACZ package")
    parser.add_argument("--ids", metavar="1,2", help="only these article ids")
    parser.add_argument("--since", metavar="DATE", help="only captures since DATE (or 7d, 36h)")
    parser.add_argument("--run", type=number, metavar="N", help="only captures of crawl run N")
    add_warc_dir_option(parser, old_spelling=False)  # --warc is the file written
    add_archive_option(parser)
    parser.set_defaults(func=Runner("export"))
