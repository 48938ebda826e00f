"""`dodnews export`: package chosen captures as a WARC or WACZ file for another archive."""

from __future__ import annotations

import argparse

from dodnews.cli.support import archive_for, parse_since, warc_dir
from dodnews.errors import UserError
from dodnews.warc.export import export_wacz, export_warc
from dodnews.words import count


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
