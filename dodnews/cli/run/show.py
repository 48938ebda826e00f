"""`dodnews show ID [--version N]`: an archived version of an article, as Article JSON."""

from __future__ import annotations

import argparse
import json

from dodnews.cli.support import archive_for, require_article
from dodnews.errors import UserError


def run(args: argparse.Namespace) -> int:
    """Print the Article JSON."""
    with archive_for(args) as archive:
        require_article(archive, args.article_id)
        if args.version is None:
            record = archive.latest_version(args.article_id)
            if record is None:
                raise UserError(f"article {args.article_id} has no archived version yet")
        else:
            record = archive.version(args.article_id, args.version)
            if record is None:
                count = len(archive.versions(args.article_id))
                raise UserError(
                    f"article {args.article_id} has no version {args.version} (it has {count})"
                )
    print(json.dumps(record.article.to_dict(), indent=2, ensure_ascii=False))
    return 0
