"""`dodnews archive upgrade|status|verify|repair|migrate|reextract`: look after the archive."""

from __future__ import annotations

import argparse
import sys

from dodnews.archive.migrate import known_revisions
from dodnews.archive.status import inspect_archive
from dodnews.archive.store import Archive
from dodnews.cli.support import add_archive_option, add_warc_dir_option, archive_for, warc_dir
from dodnews.errors import UserError
from dodnews.words import count, plural

PROGRESS_SECONDS = 10.0  # a progress line on stderr at most this often during `reextract`


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `archive` subcommand and its actions."""
    parser = subparsers.add_parser(
        "archive",
        help="upgrade, inspect or verify the archive database",
        description="Look after the archive database (SQLite file or PostgreSQL).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    upgrade = actions.add_parser("upgrade", help="bring the schema to this version of dodnews")
    add_archive_option(upgrade)
    upgrade.set_defaults(func=run_upgrade)
    status = actions.add_parser("status", help="where the archive is, its schema and row counts")
    add_archive_option(status)
    status.set_defaults(func=run_status)
    verify = actions.add_parser(
        "verify",
        help="re-hash every version and WARC record and check references (exit 1 on problems)",
    )
    add_archive_option(verify)
    add_warc_dir_option(verify, note="; `--warc-dir ''` skips the WARC check")
    verify.set_defaults(func=run_verify)
    reextract = actions.add_parser(
        "reextract",
        help="read every current version an older extractor read again from its WARC record "
        "(exit 1 when some cannot be read)",
        description="After an extractor upgrade: read the page of every article's current "
        "version again from its WARC record with this dodnews's extractor, and store what "
        "differs as a version marked as a re-extraction (never a change), so that the next "
        "crawl compares like with like. Set DODNEWS_SITE for an archive of a sibling site.",
    )
    add_archive_option(reextract)
    add_warc_dir_option(reextract)
    reextract.add_argument(
        "--dry-run",
        action="store_true",
        help="read and count, change nothing",
    )
    reextract.set_defaults(func=run_reextract)
    repair = actions.add_parser(
        "repair",
        help="move versions filed under a wrong article id to their own article (dry run "
        "unless --apply)",
        description="Find versions whose content is another article's (a listing entry named "
        "the wrong id) and move them, with their captures and changes, to the article they "
        "hold. Prints what it does; changes nothing without --apply.",
    )
    add_archive_option(repair)
    repair.add_argument(
        "--wrong-ids",
        action="store_true",
        help="repair versions filed under a wrong article id (the only repair there is)",
    )
    repair.add_argument("--apply", action="store_true", help="do it (default: a dry run)")
    repair.set_defaults(func=run_repair)
    move = actions.add_parser(
        "migrate",
        help="copy an archive into an empty one (e.g. SQLite -> PostgreSQL), verified",
        description="Copy every table into an empty archive, ids kept; row counts and content "
        "digests of every table are compared before the copy is committed.",
    )
    move.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL",
        help="archive to copy (sqlite:///PATH, a path, or postgresql://...)",
    )
    move.add_argument(
        "--to",
        dest="target",
        required=True,
        metavar="URL",
        help="empty archive to fill (created at the newest schema if needed)",
    )
    move.set_defaults(func=run_migrate)


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
    elif status.revision not in known_revisions():
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
        problems = archive.verify(folder)
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
    from dodnews.crawl.reextracting import Progress, Reextractor, reextract_archive
    from dodnews.extract import EXTRACTOR_VERSION
    from dodnews.site.profiles import activate, load_configured

    folder = warc_dir(args)
    if not folder.is_dir():
        raise UserError(f"WARC folder {folder} does not exist (give it with --warc-dir DIR)")
    profile = load_configured()  # DODNEWS_SITE=af: the pages are read with af.mil's URL rules
    if profile is not None:
        activate(profile)

    def missing(article_id: int, why: str) -> None:
        print(f"article {article_id}: cannot be re-extracted: {why}", flush=True)

    def progress(done: int, total: int) -> None:
        print(f"reextract: {done}/{count(total, 'article')} read", file=sys.stderr, flush=True)

    with archive_for(args) as archive:
        summary = reextract_archive(
            archive,
            Reextractor(folder),
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
    from dodnews.archive.transfer import migrate_archive

    copies = migrate_archive(args.source, args.target)
    for copy in copies:
        print(f"{copy.name + ':':<10}{copy.rows:>9} {plural(copy.rows, 'row'):<4}  {copy.digest}")
    print(f"ok: {count(sum(c.rows for c in copies), 'row')} copied and verified")
    return 0
