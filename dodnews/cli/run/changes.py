"""`dodnews changes`: the changes recorded in the archive, newest first, as text or JSON."""

from __future__ import annotations

import argparse
import json

from dodnews.archive.records import ChangeRecord
from dodnews.cli.support import (
    archive_for,
    parse_kind,
    parse_since,
    require_article,
)
from dodnews.errors import UserError


def run(args: argparse.Namespace) -> int:
    """Print the matching changes."""
    since = parse_since(args.since) if args.since else None
    kind = parse_kind(args.kind) if args.kind else None
    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be at least 1")
    with archive_for(args) as archive:
        if args.article_id is not None:
            require_article(archive, args.article_id)
        records = archive.changes(
            since=since, kind=kind, article_id=args.article_id, run_id=args.run_id, limit=args.limit
        )
    if args.format == "json":
        print(json.dumps([r.to_json() for r in records], indent=2, ensure_ascii=False))
    else:
        print(changes_text(records))
    return 0


def changes_text(records: list[ChangeRecord]) -> str:
    """A table, one change per row, with the change summaries indented below."""
    if not records:
        return "no changes"
    lines = [f"{'ID':>5}  {'DETECTED':<20}  {'ARTICLE':>8}  {'VERSIONS':<9} {'SIG':>4}  TITLE"]
    for r in records:
        versions = f"v{r.from_version}->v{r.to_version}"
        title = (r.title or "")[:60]
        flag = " [revert]" if r.revert else ""
        if r.report.extractor_changed:
            flag += f" [extractor changed: {r.report.provenance.extractor_version}]"
        lines.append(
            f"{r.id:>5}  {r.detected_at:<20}  {r.article_id:>8}  {versions:<9} "
            f"{r.significance:>4.2f}  {title}{flag}"
        )
        lines.append(f"{'':>7}kinds: {', '.join(r.kinds)}")
        lines.extend(f"{'':>7}- {line}" for line in r.summary_lines)
    return "\n".join(lines)
