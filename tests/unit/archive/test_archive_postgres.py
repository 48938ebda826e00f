"""The same archive code on PostgreSQL: a throwaway database per test, dropped afterwards.

Skips only when PostgreSQL is unreachable and DODNEWS_REQUIRE_SERVICES is not "1" (see conftest).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from dodnews.archive import Archive, migrate
from dodnews.archive.db import make_engine
from dodnews.archive.schema import articles, metadata
from dodnews.errors import UserError
from dodnews.model import OUTCOME_OK
from tests.pg_support import throwaway_database
from tests.unit.archive.test_archive import (
    ARTICLE_ID,
    article_v1,
    article_v2,
    capture,
    concurrent_writers,
    core_scenario,
)

pytestmark = pytest.mark.services


@pytest.fixture
def pg_archive_url(postgres_url: str) -> Iterator[str]:
    """A fresh database `dodnews_test_<random>` on the server; dropped after the test."""
    with throwaway_database(postgres_url) as url:
        yield url


def test_core_scenario_on_postgresql(pg_archive_url: str) -> None:
    archive = Archive.open(pg_archive_url)
    try:
        assert archive.engine.dialect.name == "postgresql"
        with archive.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"version_table": migrate.VERSION_TABLE, "compare_type": True}
            )
            assert compare_metadata(context, metadata) == []
        core_scenario(archive)
    finally:
        archive.close()


def test_concurrent_writers_on_postgresql(pg_archive_url: str) -> None:
    Archive.open(pg_archive_url).close()  # create the schema once, before the race
    concurrent_writers(pg_archive_url, threads=3, each=10)


def test_upgrade_on_postgresql(pg_archive_url: str) -> None:
    engine = make_engine(make_url(pg_archive_url))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0001")
        conn.execute(
            insert(articles).values(
                article_id=ARTICLE_ID, first_seen="2025-10-06T19:00:00Z", gone=False
            )
        )
    engine.dispose()
    with pytest.raises(UserError, match="run `dodnews archive upgrade`"):
        Archive.open(pg_archive_url)
    assert Archive.upgrade(pg_archive_url) == ("0001", "0007")
    archive = Archive.open(pg_archive_url)
    try:
        assert [a.article_id for a in archive.known_articles()] == [ARTICLE_ID]
        archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v1()))
        result = archive.record_capture(capture(OUTCOME_OK, "2025-10-08T19:00:00Z", article_v2()))
        assert result.change_id is not None and archive.verify() == []
    finally:
        archive.close()
