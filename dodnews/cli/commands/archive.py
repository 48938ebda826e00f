"""`dodnews archive upgrade|status|verify|repair|migrate|reextract`: look after the archive."""

from __future__ import annotations

import argparse

from dodnews.cli.commands import Runner
from dodnews.cli.commands._options import add_archive_option, add_warc_dir_option


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
    upgrade.set_defaults(func=Runner("archive", "run_upgrade"))
    status = actions.add_parser("status", help="where the archive is, its schema and row counts")
    add_archive_option(status)
    status.set_defaults(func=Runner("archive", "run_status"))
    verify = actions.add_parser(
        "verify",
        help="re-hash every version and WARC record and check references (exit 1 on problems)",
    )
    add_archive_option(verify)
    add_warc_dir_option(verify, note="; `--warc-dir ''` skips the WARC check")
    verify.set_defaults(func=Runner("archive", "run_verify"))
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
    reextract.set_defaults(func=Runner("archive", "run_reextract"))
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
    repair.set_defaults(func=Runner("archive", "run_repair"))
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
    move.set_defaults(func=Runner("archive", "run_migrate"))
