"""`dodnews export`: package chosen captures as a WARC or WACZ file for another archive."""

from __future__ import annotations

import argparse

from dodnews.cli.commands._numbers import number
from dodnews.cli.support import (
    add_archive_option,
    add_warc_dir_option,
    archive_for,
    parse_since,
    warc_dir,
)
from dodnews.errors import UserError
from dodnews.words import count


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
    parser.set_defaults(func=run)


def parse_ids(text: str | None) -> list[int]:
    """Article ids from "1,2,3"."""
    if not text:
        return []
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise UserError(f"--ids: expected article ids like 4300101,4300102, got {text!r}") from None
    if not ids or any(i < 1 for i in ids):
        raise UserError(f"--ids: expected article ids like 4300101,4300102, got {text!r}")
    return ids


def run(args: argparse.Namespace) -> int:
    """Write the package and say what went in."""
    from dodnews.warc.export import export_wacz, export_warc

    ids = parse_ids(args.ids)
    since = parse_since(args.since) if args.since else None
    if args.warc and not args.warc.endswith(".warc.gz"):
        raise UserError(f"--warc: the file name must end in .warc.gz, got {args.warc!r}")
    if args.wacz and not args.wacz.endswith(".wacz"):
        raise UserError(f"--wacz: the file name must end in .wacz, got {args.wacz!r}")
    folder = str(warc_dir(args))
    with archive_for(args) as archive:
        if args.warc:
            result = export_warc(archive, folder, args.warc, ids, since, args.run)
        else:
            result = export_wacz(archive, folder, args.wacz, ids, since, args.run)
    missing = f" ({count(len(result.missing), 'record')} missing)" if result.missing else ""
    print(
        f"{args.warc or args.wacz}: {count(result.captures, 'capture')}, "
        f"{count(result.records, 'record')}{missing}"
    )
    return 0
