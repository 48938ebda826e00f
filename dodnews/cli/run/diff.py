"""`dodnews diff OLD.html NEW.html` / `dodnews diff --id N --from V --to W`: what changed.

Exit status like diff(1): 0 no change, 1 changes, 2 trouble.
"""

from __future__ import annotations

import argparse
import sys

from dodnews.cli.run._pages import read_page
from dodnews.diffing.detect import detect_changes
from dodnews.diffing.model import ChangeReport
from dodnews.errors import UserError
from dodnews.extract import ExtractionError, extract_article
from dodnews.model import Article
from dodnews.reports.diff_formats import plain_form


def run(args: argparse.Namespace) -> int:
    """Print the change report; 0 when nothing changed, 1 when something did."""
    report = _from_archive(args) if args.article_id is not None else _from_files(args)
    sys.stdout.write(plain_form(report, args.format))
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
    # Imported here, not above: the archive brings SQLAlchemy and alembic, which would more than
    # double the start-up of `dodnews diff OLD.html NEW.html` (bench/bench_startup.py).
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
