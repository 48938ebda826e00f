"""Revision 0007: an archive made at 0006 keeps its version numbers as `versions.version`.

The column was `versions.seq`. The upgrade renames it in place (rows, the foreign keys that point
at versions.id and the uniqueness of a number within an article stay); the downgrade names it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from dodnews.archive import Archive, migrate, resolve_archive_url
from dodnews.archive.db import make_engine
from tests.pg_support import throwaway_database
from tests.unit.archive.test_archive import ARTICLE_ID, article_v1

ARTICLE = ARTICLE_ID
STORED = json.dumps(article_v1().to_dict())
WHEN = "2026-03-0{}T08:00:00Z"


def _archive_at_0006(url: str) -> None:
    engine = make_engine(resolve_archive_url(url))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0006")
        conn.execute(
            sa.text("INSERT INTO articles (article_id, first_seen, gone) VALUES (:a, :t, false)"),
            {"a": ARTICLE, "t": WHEN.format(1)},
        )
        for number in (1, 2, 3):
            conn.execute(
                sa.text(
                    "INSERT INTO versions (id, article_id, seq, content_hash, article, first_seen,"
                    " last_seen) VALUES (:id, :a, :n, :h, :j, :t, :t)"
                ),
                {
                    "id": 10 + number,
                    "a": ARTICLE,
                    "n": number,
                    "h": f"h{number}",
                    "j": STORED,
                    "t": WHEN.format(number),
                },
            )
        conn.execute(
            sa.text(
                "INSERT INTO captures (article_id, requested_url, fetched_at, outcome, version_id)"
                " VALUES (:a, 'https://www.war.gov/x', :t, 'ok', 13)"
            ),
            {"a": ARTICLE, "t": WHEN.format(3)},
        )
    engine.dispose()


def _columns(conn: sa.Connection) -> list[str]:
    return [c["name"] for c in sa.inspect(conn).get_columns("versions")]


def upgrade_and_downgrade(url: str) -> None:
    _archive_at_0006(url)
    assert Archive.upgrade(url) == ("0006", "0007")
    engine = make_engine(resolve_archive_url(url))
    try:
        with engine.connect() as conn:
            assert "version" in _columns(conn) and "seq" not in _columns(conn)
            rows = conn.execute(sa.text("SELECT id, version FROM versions ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(11, 1), (12, 2), (13, 3)]
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO versions (id, article_id, version, content_hash, article,"
                    " first_seen, last_seen) VALUES (14, :a, 2, 'h4', '{}', :t, :t)"
                ),
                {"a": ARTICLE, "t": WHEN.format(4)},
            )
        archive = Archive.open(url)
        try:
            assert [v.version for v in archive.versions(ARTICLE)] == [1, 2, 3]
            assert [c.version for c in archive.captures(ARTICLE)] == [3]
        finally:
            archive.close()
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0006")
        with engine.connect() as conn:
            assert migrate.current_revision(conn) == "0006"
            assert "seq" in _columns(conn) and "version" not in _columns(conn)
            rows = conn.execute(sa.text("SELECT id, seq FROM versions ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(11, 1), (12, 2), (13, 3)]
    finally:
        engine.dispose()


def test_upgrade_renames_seq_to_version_sqlite(tmp_path: Path) -> None:
    upgrade_and_downgrade(f"sqlite:///{tmp_path / 'a.sqlite'}")


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    with throwaway_database(postgres_url) as url:
        yield url


@pytest.mark.services
def test_upgrade_renames_seq_to_version_postgresql(pg_url: str) -> None:
    upgrade_and_downgrade(pg_url)
