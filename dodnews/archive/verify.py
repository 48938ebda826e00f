"""Checks of an archive's integrity: stored articles against their hashes, and references.

The WARC records the captures point at are checked by `dodnews.warc.verify`.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.engine import Connection

from dodnews.archive.identity import own_id
from dodnews.archive.schema import articles, captures, changes, versions
from dodnews.model import Article


def find_problems(conn: Connection, hasher: Callable[[Article], str]) -> list[str]:
    """Re-hash every stored version and check that changes, captures and articles point right."""
    problems: list[str] = []
    version_ids: dict[int, int] = {}
    query = select(versions).order_by(versions.c.article_id, versions.c.version)
    for row in conn.execute(query.execution_options(yield_per=500)):
        version_ids[row.id] = row.article_id
        where = f"article {row.article_id} version {row.version}"
        try:
            article = Article.from_dict(row.article)
            actual = hasher(article)
        except Exception as exc:  # any unreadable stored JSON is a finding, not a crash
            problems.append(f"{where}: stored article is unreadable ({exc})")
            continue
        if actual != row.content_hash:
            problems.append(
                f"{where}: content hash {row.content_hash} does not match the stored "
                f"article ({actual})"
            )
        own = own_id(row.article, row.url)
        if own is not None and own != row.article_id:
            problems.append(
                f"{where}: holds article {own} (filed under a wrong id; "
                "`dodnews archive repair --wrong-ids` moves it)"
            )
    capture_ids = set(conn.execute(select(captures.c.id)).scalars())
    refs = select(
        changes.c.id,
        changes.c.article_id,
        changes.c.from_version_id,
        changes.c.to_version_id,
        changes.c.from_capture_id,
        changes.c.to_capture_id,
    )
    for row in conn.execute(refs):
        for side in ("from_version_id", "to_version_id"):
            target = getattr(row, side)
            if version_ids.get(target) != row.article_id:
                problems.append(
                    f"change {row.id}: {side} {target} is not a version of article {row.article_id}"
                )
        for side in ("from_capture_id", "to_capture_id"):
            target = getattr(row, side)
            if target is not None and target not in capture_ids:
                problems.append(f"change {row.id}: {side} {target} does not exist")
    query = select(captures.c.id, captures.c.article_id, captures.c.version_id).where(
        captures.c.version_id.is_not(None)
    )
    for row in conn.execute(query):
        if version_ids.get(row.version_id) != row.article_id:
            problems.append(
                f"capture {row.id}: version {row.version_id} is not a version of "
                f"article {row.article_id}"
            )
    for row in conn.execute(select(articles.c.article_id, articles.c.current_version_id)):
        if row.current_version_id is None:
            continue
        if version_ids.get(row.current_version_id) != row.article_id:
            problems.append(
                f"article {row.article_id}: current version {row.current_version_id} "
                "is not one of its versions"
            )
    return problems
