"""Versions filed under the wrong article id, found and moved to the article they hold.

An older dodnews took a listing entry's `article-id` attribute for the id of the page its link
led to, so a lying entry made one article's page a version of another article (and every later
capture of that article failed to compare). Each version knows its own id: the one its stored
article was extracted with (from the page URL, or og:url). `find_wrong_versions` lists those
that disagree with the row they are filed under; `repair_wrong_ids` moves them, with their
captures and changes, to the right article, inside the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection

from dodnews.archive.schema import articles, captures, changes, versions
from dodnews.model import OUTCOME_GONE, OUTCOME_NOT_MODIFIED, OUTCOME_OK
from dodnews.site import MAX_ID, article_id_from_url


@dataclass(frozen=True)
class WrongVersion:
    """One version whose content is another article's."""

    version_id: int
    filed_under: int
    version: int
    own_id: int
    content_hash: str

    def describe(self) -> str:
        return (
            f"article {self.filed_under} version {self.version} holds article {self.own_id} "
            "(filed under a wrong id; `dodnews archive repair --wrong-ids` moves it)"
        )


def own_id(article: Any, url: str | None) -> int | None:
    """The id a stored version is of: its article's own id, else the id in its URL."""
    stored = article.get("article_id") if isinstance(article, dict) else None
    if isinstance(stored, int) and not isinstance(stored, bool) and 0 < stored <= MAX_ID:
        return stored
    url_id = article_id_from_url(url) if url else None
    return url_id if url_id is not None and 0 < url_id <= MAX_ID else None


def find_wrong_versions(conn: Connection) -> list[WrongVersion]:
    """Every version whose stored article (or URL) names another article than its row."""
    found: list[WrongVersion] = []
    query = select(
        versions.c.id,
        versions.c.article_id,
        versions.c.version,
        versions.c.content_hash,
        versions.c.article,
        versions.c.url,
    ).order_by(versions.c.article_id, versions.c.version)
    for row in conn.execute(query.execution_options(yield_per=500)):
        own = own_id(row.article, row.url)
        if own is not None and own != row.article_id:
            found.append(WrongVersion(row.id, row.article_id, row.version, own, row.content_hash))
    return found


def repair_wrong_ids(conn: Connection) -> list[str]:
    """Move every wrongly filed version to its own article; one line per thing done.

    A moved version keeps its captures (all of them move with it, as do the failed captures of
    its URL) and the changes between moved versions; content the right article holds already
    is merged into that version. Both articles' state is then rebuilt from their captures.
    """
    lines: list[str] = []
    pairs: dict[tuple[int, int], list[WrongVersion]] = defaultdict(list)
    for wrong in find_wrong_versions(conn):
        pairs[(wrong.filed_under, wrong.own_id)].append(wrong)
    touched: set[int] = set()
    for (wrong_id, right_id), moving in sorted(pairs.items()):
        _ensure_article(conn, right_id, wrong_id)
        for item in moving:
            lines.append(_move_version(conn, item, right_id))
        lines.extend(_move_captures_and_changes(conn, wrong_id, right_id))
        _renumber(conn, wrong_id)
        touched |= {wrong_id, right_id}
    for article_id in sorted(touched):
        line = _rebuild_article(conn, article_id)
        if line:
            lines.append(line)
    return lines


def _ensure_article(conn: Connection, right_id: int, wrong_id: int) -> None:
    if conn.execute(select(articles.c.article_id).where(articles.c.article_id == right_id)).first():
        return
    first = conn.execute(
        select(articles.c.first_seen).where(articles.c.article_id == wrong_id)
    ).scalar_one()
    # A placeholder: _rebuild_article fills in the state from the captures moved here.
    conn.execute(insert(articles).values(article_id=right_id, first_seen=first, gone=False))


def _move_version(conn: Connection, item: WrongVersion, right_id: int) -> str:
    where = f"article {item.filed_under} v{item.version} (version {item.version_id})"
    same = conn.execute(
        select(
            versions.c.id, versions.c.version, versions.c.first_seen, versions.c.last_seen
        ).where(versions.c.article_id == right_id, versions.c.content_hash == item.content_hash)
    ).first()
    if same is None:
        top = conn.execute(
            select(func.max(versions.c.version)).where(versions.c.article_id == right_id)
        ).scalar()
        version = (top or 0) + 1
        conn.execute(
            update(versions)
            .where(versions.c.id == item.version_id)
            .values(article_id=right_id, version=version)
        )
        return f"{where} holds article {right_id}: moved there as v{version}"
    # The right article holds this content already: one version, seen over both spans.
    mine = conn.execute(
        select(versions.c.first_seen, versions.c.last_seen).where(versions.c.id == item.version_id)
    ).one()
    conn.execute(
        update(captures).where(captures.c.version_id == item.version_id).values(version_id=same.id)
    )
    for side in (changes.c.from_version_id, changes.c.to_version_id):
        conn.execute(update(changes).where(side == item.version_id).values({side: same.id}))
    conn.execute(
        update(versions)
        .where(versions.c.id == same.id)
        .values(
            first_seen=min(same.first_seen, mine.first_seen),
            last_seen=max(same.last_seen, mine.last_seen),
        )
    )
    conn.execute(delete(versions).where(versions.c.id == item.version_id))
    return f"{where} holds article {right_id}: the same content as its v{same.version}, merged"


def _move_captures_and_changes(conn: Connection, wrong_id: int, right_id: int) -> list[str]:
    right_versions = set(
        conn.execute(select(versions.c.id).where(versions.c.article_id == right_id)).scalars()
    )
    moved: list[int] = []
    rows = conn.execute(
        select(
            captures.c.id, captures.c.version_id, captures.c.requested_url, captures.c.final_url
        ).where(captures.c.article_id == wrong_id)
    )
    for row in rows:
        if row.version_id is not None:
            if row.version_id in right_versions:
                moved.append(row.id)
        elif article_id_from_url(row.final_url or row.requested_url or "") == right_id:
            moved.append(row.id)  # a failed fetch of the same wrong link
    for start in range(0, len(moved), 500):
        conn.execute(
            update(captures)
            .where(captures.c.id.in_(moved[start : start + 500]))
            .values(article_id=right_id)
        )
    lines = [f"  {len(moved)} capture(s) moved from article {wrong_id} to article {right_id}"]
    query = select(changes.c.id, changes.c.from_version_id, changes.c.to_version_id).where(
        changes.c.article_id == wrong_id
    )
    for row in conn.execute(query).all():
        ours = (row.from_version_id in right_versions, row.to_version_id in right_versions)
        if ours == (False, False):
            continue
        if all(ours) and row.from_version_id != row.to_version_id:
            conn.execute(update(changes).where(changes.c.id == row.id).values(article_id=right_id))
            lines.append(f"  change {row.id} moved to article {right_id}")
        else:
            # It compared one article with another (or, merged, a version with itself):
            # derived data that was never true; the captures it cites are all kept.
            conn.execute(delete(changes).where(changes.c.id == row.id))
            lines.append(f"  change {row.id} compared two different articles: removed")
    return lines


def _renumber(conn: Connection, article_id: int) -> None:
    """Versions left behind numbered 1, 2, ... again, in their order."""
    rows = conn.execute(
        select(versions.c.id, versions.c.version)
        .where(versions.c.article_id == article_id)
        .order_by(versions.c.version)
    ).all()
    for rank, row in enumerate(rows, start=1):
        if row.version != rank:  # ascending: the lower number is always free already
            conn.execute(update(versions).where(versions.c.id == row.id).values(version=rank))


def _rebuild_article(conn: Connection, article_id: int) -> str | None:
    """The article row's state replayed from its captures, as the writer would have left it."""
    rows = conn.execute(
        select(captures)
        .where(captures.c.article_id == article_id)
        .order_by(captures.c.fetched_at, captures.c.id)
    ).all()
    if not rows:
        has_versions = conn.execute(
            select(versions.c.id).where(versions.c.article_id == article_id).limit(1)
        ).first()
        if has_versions is None:
            # The id existed only through the wrong entries: nothing of it was ever captured.
            conn.execute(delete(articles).where(articles.c.article_id == article_id))
            return f"article {article_id}: nothing of it is left, removed"
        return None
    stored = {
        row.id: row.article
        for row in conn.execute(
            select(versions.c.id, versions.c.article).where(versions.c.article_id == article_id)
        )
    }
    state: dict[str, Any] = {
        "first_seen": rows[0].fetched_at,
        "url": rows[0].final_url or rows[0].requested_url,
        "current_version_id": None,
        "current_capture_id": None,
        "last_captured": None,
        "last_downloaded": None,
        "section": None,
        "published": None,
        "etag": None,
        "last_modified": None,
        "body_digest": None,
        "gone": False,
    }
    for row in rows:
        headers = row.headers or {}
        if row.outcome == OUTCOME_OK and row.version_id in stored:
            article = stored[row.version_id] or {}
            state.update(
                current_version_id=row.version_id,
                current_capture_id=row.id,
                url=article.get("url") or row.final_url or state["url"],
                section=article.get("section") or state["section"],
                published=article.get("published") or state["published"],
                etag=headers.get("etag"),
                last_modified=headers.get("last-modified"),
                body_digest=row.body_digest,
                gone=False,
            )
        elif row.outcome == OUTCOME_NOT_MODIFIED:
            if row.version_id in stored:
                state.update(current_version_id=row.version_id, current_capture_id=row.id)
            state["etag"] = headers.get("etag") or state["etag"]
            state["last_modified"] = headers.get("last-modified") or state["last_modified"]
        elif row.outcome == OUTCOME_GONE:
            state["gone"] = True
        if row.outcome in (OUTCOME_OK, OUTCOME_NOT_MODIFIED, OUTCOME_GONE):
            state["last_captured"] = row.fetched_at
        if row.status == 200 and row.outcome in (OUTCOME_OK, OUTCOME_NOT_MODIFIED):
            state["last_downloaded"] = row.fetched_at
    last_changed = conn.execute(
        select(func.max(changes.c.detected_at)).where(changes.c.article_id == article_id)
    ).scalar()
    conn.execute(
        update(articles)
        .where(articles.c.article_id == article_id)
        .values(
            **state,
            last_attempt=rows[-1].fetched_at,
            last_outcome=rows[-1].outcome,
            last_changed=last_changed,
        )
    )
    return None
