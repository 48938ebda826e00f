"""`dodnews runs`: the crawl runs recorded in the archive, newest first."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from dodnews.cli.support import archive_for
from dodnews.errors import UserError
from dodnews.monitor.coverage import describe, run_drops, short_status
from dodnews.monitor.runs import backlog_line


def run(args: argparse.Namespace) -> int:
    """Print the runs."""
    if args.limit < 1:
        raise UserError("--limit must be at least 1")
    with archive_for(args) as archive:
        records = archive.runs(args.limit)
    if args.format == "json":
        listed = [{**asdict(r), "coverage_drops": run_drops(r.counts)} for r in records]
        print(json.dumps(listed, indent=2, ensure_ascii=False))
        return 0
    if not records:
        print("no runs")
        return 0
    # Times carry microseconds when they have some: size the columns to the longest.
    when = max(20, *(len(t) for r in records for t in (r.started_at, r.finished_at or "")))
    print(
        f"{'ID':>5}  {'SPIDER':<10} {'STARTED':<{when}}  {'FINISHED':<{when}}  {'STATUS':<11} "
        f"{'CAPTURES':>8} {'CHANGES':>7} {'BACKLOG':>7}  {'COVERAGE':<8}  ERRORS"
    )
    for r in records:
        captures = r.counts.get("captures", "-") if r.counts else "-"
        changes = "-" if r.changes_found is None else r.changes_found
        errors = "; ".join(str(e) for e in r.errors)[:80]
        health = short_status(r.counts.get("coverage_check"))
        schedule = r.counts.get("schedule") if r.counts else None
        backlog = schedule.get("backlog", "-") if isinstance(schedule, dict) else "-"
        print(
            f"{r.id:>5}  {r.spider:<10} {r.started_at:<{when}}  {r.finished_at or '-':<{when}}  "
            f"{r.status:<11} {captures!s:>8} {changes!s:>7} {backlog!s:>7}  {health:<8}  "
            f"{errors}".rstrip()
        )
    for r in records:
        if (line := backlog_line(r.counts)) and r.counts["schedule"].get("backlog"):
            print(f"run {r.id} ({r.spider}): {line}")
    for r in records:
        if run_drops(r.counts):
            check = r.counts["coverage_check"]
            print(f"run {r.id} ({r.spider}): {describe(check, r.counts.get('coverage'))}")
    return 0
