"""`dodnews diff OLD.html NEW.html` / `dodnews diff --id N --from V --to W`: what changed.

Exit status like diff(1): 0 no change, 1 changes, 2 trouble.
"""

from __future__ import annotations

import argparse
import sys

from dodnews.cli.commands._numbers import number
from dodnews.cli.commands._pages import read_page
from dodnews.diffing.detect import detect_changes
from dodnews.diffing.model import ChangeReport
from dodnews.diffing.render import FORMATS, render
from dodnews.errors import UserError
from dodnews.model import Article


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `diff` subcommand."""
    parser = subparsers.add_parser(
        "diff",
        help="show what changed between two captures of an article",
        description=(
            "Compare two saved pages of one article (OLD.html NEW.html), or two archived versions "
            "(--id N --from V --to W). Exit status: 0 no change, 1 changes, 2 trouble."
        ),
    )
    parser.add_argument("old", nargs="?", metavar="OLD.html", help="the earlier saved page")
    parser.add_argument("new", nargs="?", metavar="NEW.html", help="the later saved page")
    parser.add_argument("--url", help="the article URL (default: each page's og:url)")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format")
    parser.add_argument("--id", type=number, dest="article_id", metavar="N", help="article id")
    parser.add_argument("--from", dest="from_version", metavar="V", help="earlier version")
    parser.add_argument("--to", dest="to_version", metavar="W", help="later version")
    parser.add_argument("--archive", metavar="URL", help="archive database URL")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the change report; 0 when nothing changed, 1 when something did."""
    report = _from_archive(args) if args.article_id is not None else _from_files(args)
    sys.stdout.write(render(report, args.format))
    return 1 if report.changed else 0


def _from_files(args: argparse.Namespace) -> ChangeReport:
    if not (args.old and args.new):
        raise UserError("give two saved pages (OLD.html NEW.html) or --id N --from V --to W")
    if args.from_version or args.to_version or args.archive:
        raise UserError("--from, --to and --archive go with --id, not with two pages")
    old, new = _extract(args.old, args.url), _extract(args.new, args.url)
    try:
        return detect_changes(old, new)
    except ValueError as exc:
        raise UserError(f"{args.old} and {args.new} are {exc}") from None


def _extract(path: str, url: str | None) -> Article:
    try:
        from dodnews.extract import ExtractionError, extract_article
    except ImportError:
        raise UserError("article extraction is not available in this installation") from None
    data = read_page(path)
    try:
        # Without --url the extractor falls back to the page's og:url.
        return extract_article(data, url or "")
    except ExtractionError as exc:
        raise UserError(f"{path}: {exc}") from None


def _from_archive(args: argparse.Namespace) -> ChangeReport:
    if args.old or args.new:
        raise UserError("give either two saved pages or --id, not both")
    if args.from_version is None or args.to_version is None:
        raise UserError("--id needs --from V and --to W")
    from dodnews.cli.support import archive_for

    with archive_for(args) as archive:
        old = archive.get_version(args.article_id, args.from_version)
        new = archive.get_version(args.article_id, args.to_version)
    if old is None or new is None:
        missing = args.from_version if old is None else args.to_version
        raise UserError(f"article {args.article_id} has no version {missing} in the archive")
    return detect_changes(
        old.compared(),
        new.compared(),
        old_captured_at=old.first_seen,
        new_captured_at=new.first_seen,
        old_hash=getattr(old, "content_hash", None),
        new_hash=getattr(new, "content_hash", None),
    )
