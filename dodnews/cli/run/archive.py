"""`dodnews archive upgrade|status|verify|repair|migrate|reextract`: look after the archive."""

from __future__ import annotations

import argparse
import sys

from dodnews.archive.migrate import known_revisions
from dodnews.archive.status import inspect_archive
from dodnews.archive.store import Archive
from dodnews.archive.transfer import migrate_archive
from dodnews.cli.support import archive_for, warc_dir
from dodnews.crawl.reextracting import Progress, Reextractor, reextract_archive
from dodnews.errors import UserError
from dodnews.extract import EXTRACTOR_VERSION
from dodnews.site import WAR
from dodnews.site.profiles import load_configured
from dodnews.warc.verify import verify_archive
from dodnews.words import count, plural

PROGRESS_SECONDS = 10.0  # a progress line on stderr at most this often during `reextract`


def run_upgrade(args: argparse.Namespace) -> int:
    """Upgrade the schema in place (creates the archive when there is none)."""
    before, after = Archive.upgrade(args.archive)
    if before == after:
        print(f"archive schema already at {after}")
    else:
        print(f"archive schema upgraded from {before or 'nothing'} to {after}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    """Print the archive's location, back end, schema revision and row counts."""
    status = inspect_archive(args.archive)
    print(f"archive:  {status.url}")
    print(f"backend:  {status.backend}")
    if status.path:
        print(f"file:     {status.path}")
    if status.revision is None:
        print(f"schema:   none (empty database; head is {status.head})")
    elif status.revision != status.head and status.revision not in known_revisions():
        print(f"schema:   {status.revision} (newer than this dodnews knows, {status.head}: "
              "upgrade dodnews)")  # fmt: skip
    elif status.needs_upgrade:
        print(
            f"schema:   {status.revision} (this dodnews needs {status.head}: "
            "run `dodnews archive upgrade`)"
        )
    else:
        print(f"schema:   {status.revision} (current)")
    for name, number in (status.counts or {}).items():
        print(f"{name + ':':<26}{number}")
    for spider, (run_id, line) in sorted(status.coverage.items()):
        print(f"extraction ({spider}, run {run_id}): {line}")
    if status.orphaned_runs:
        ids = ", ".join(str(i) for i in status.orphaned_runs)
        print(
            f"runs {ids}: marked running, but their process on this host is gone "
            "(the next crawl here marks them interrupted)"
        )
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Print every problem found; exit status 1 when there is any."""
    # An empty --warc-dir skips the WARC check (the archive alone is verified).
    folder = None if args.warc_dir == "" else warc_dir(args)
    with archive_for(args) as archive:
        problems = verify_archive(archive, folder)
        counts = archive.stats()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{count(len(problems), 'problem')} found")
        return 1
    print(
        f"ok: {count(counts['versions'], 'version')}, {count(counts['changes'], 'change')}, "
        f"{count(counts['captures'], 'capture')} checked"
    )
    return 0


def run_reextract(args: argparse.Namespace) -> int:
    """Re-extract every outdated current version; exit 1 when some could not be read."""
    folder = warc_dir(args)
    if not folder.is_dir():
        raise UserError(f"WARC folder {folder} does not exist (give it with --warc-dir DIR)")
    # DODNEWS_SITE=af: the pages are read, hashed and compared with af.mil's URL rules
    site = load_configured() or WAR

    def missing(article_id: int, why: str) -> None:
        print(f"article {article_id}: cannot be re-extracted: {why}", flush=True)

    def progress(done: int, total: int) -> None:
        print(f"reextract: {done}/{count(total, 'article')} read", file=sys.stderr, flush=True)

    with archive_for(args, site=site) as archive:
        summary = reextract_archive(
            archive,
            Reextractor(folder, site),
            EXTRACTOR_VERSION,
            dry_run=args.dry_run,
            on_missing=missing,
            on_progress=Progress(progress, PROGRESS_SECONDS),
        )
    if not summary.outdated:
        print(f"nothing to re-extract: every current version is read by extractor "
              f"{EXTRACTOR_VERSION}")  # fmt: skip
        return 0
    would = "would get" if args.dry_run else "got"
    print(
        f"{summary.outdated} current versions read by an older extractor: "
        f"{summary.versions} {would} a re-extracted version (extractor {EXTRACTOR_VERSION}), "
        f"{summary.confirmed} read the same, {len(summary.missing)} could not be read"
        + (f", {summary.skipped} changed meanwhile" if summary.skipped else "")
        + (" (dry run: nothing written)" if args.dry_run else "")
    )
    return 1 if summary.missing else 0


def run_repair(args: argparse.Namespace) -> int:
    """Print each move; a dry run unless --apply."""
    if not args.wrong_ids:
        raise UserError("say what to repair: --wrong-ids")
    with archive_for(args) as archive:
        lines = archive.repair_wrong_ids(apply=args.apply)
    if not lines:
        print("no version is filed under a wrong article id")
        return 0
    for line in lines:
        print(line)
    if args.apply:
        print("done; `dodnews report` rewrites the reports of the articles involved")
    else:
        print("dry run: nothing changed; run again with --apply to do it")
    return 0


def run_migrate(args: argparse.Namespace) -> int:
    """Copy --from into --to and print each table's verified row count and digest."""
    copies = migrate_archive(args.source, args.target)
    for copy in copies:
        print(f"{copy.name + ':':<10}{copy.rows:>9} {plural(copy.rows, 'row'):<4}  {copy.digest}")
    print(f"ok: {count(sum(c.rows for c in copies), 'row')} copied and verified")
    return 0
