"""`dodnews runs`: the crawl runs recorded in the archive, newest first."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from dodnews.archive.cli_support import add_archive_option, archive_for
from dodnews.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `runs` subcommand."""
    parser = subparsers.add_parser(
        "runs",
        help="list recorded crawl runs",
        description="List the crawl runs recorded in the archive, newest first. Status: ok, "
        "failed, running (still going), or interrupted (its process was killed or crashed; "
        "marked by the next crawl on the same host).",
    )
    parser.add_argument("--limit", type=int, default=20, metavar="N", help="at most N (20)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    add_archive_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the runs."""
    if args.limit < 1:
        raise UserError("--limit must be at least 1")
    with archive_for(args) as archive:
        records = archive.runs(args.limit)
    if args.format == "json":
        print(json.dumps([asdict(r) for r in records], indent=2, ensure_ascii=False))
        return 0
    if not records:
        print("no runs")
        return 0
    # Times carry microseconds when they have some: size the columns to the longest.
    when = max(20, *(len(t) for r in records for t in (r.started_at, r.finished_at or "")))
    print(
        f"{'ID':>5}  {'SPIDER':<10} {'STARTED':<{when}}  {'FINISHED':<{when}}  {'STATUS':<11} "
        f"{'CAPTURES':>8} {'CHANGES':>7}  ERRORS"
    )
    for r in records:
        captures = r.counts.get("captures", "-") if r.counts else "-"
        changes = "-" if r.changes_found is None else r.changes_found
        errors = "; ".join(str(e) for e in r.errors)[:80]
        print(
            f"{r.id:>5}  {r.spider:<10} {r.started_at:<{when}}  {r.finished_at or '-':<{when}}  "
            f"{r.status:<11} {captures!s:>8} {changes!s:>7}  {errors}".rstrip()
        )
    return 0
