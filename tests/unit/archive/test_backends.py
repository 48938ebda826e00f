"""SQLite and PostgreSQL archive the same things: 64-bit ids, any header value, and `archive
migrate` between them either copies every row or names the one it cannot copy (never a traceback).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from dodnews.archive import Archive, migrate
from dodnews.archive.db import make_engine
from dodnews.archive.rows import count_rows
from dodnews.archive.schema import articles, captures, escape_text, unescape_text
from dodnews.archive.transfer import archive_digests
from dodnews.cli.main import main
from dodnews.model import OUTCOME_NOT_MODIFIED, OUTCOME_OK, Article, Capture
from tests.pg_support import throwaway_database

BIG = 2**31 + 7  # past PostgreSQL's 32-bit integer
LARGEST = 2**63 - 1  # the largest id any back end stores
# Header values a server may send and an archive must keep exactly: NULs, a mark that looks like
# dodnews's own escape, backslashes, and a Last-Modified far longer than 64 characters.
ETAG = 'W/"a\x00b\\0c"'
LAST_MODIFIED = "Mon, 06 Oct 2025 18:30:00 GMT\x00" + "; x" * 40
SERVER = "nginx\x00\ufdd0odd"


def article(article_id: int, title: str) -> Article:
    """A made-up story under `article_id`."""
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/quay-repairs/",
        section="news-stories",
        title=title,
        paragraphs=["Crews finished repairs on the north quay two weeks early."],
        extractor_version="test-1",
    )


def fetch(article_id: int, at: str, title: str, **extra: object) -> Capture:
    page = article(article_id, title)
    return Capture(
        article_id=article_id,
        requested_url=page.url,
        fetched_at=at,
        outcome=OUTCOME_OK,
        status=200,
        final_url=page.url,
        headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED, "Server": SERVER},
        body_digest="sha256:" + "ef" * 32,
        article=page,
        **extra,
    )


def push_ids_past_32_bits(archive: Archive) -> None:
    """The next ids come after 2**31: on PostgreSQL every sequence's; on SQLite (which numbers
    a row after the largest id of its table) those of runs and captures."""
    with archive.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for table in ("runs", "versions", "captures", "changes"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {BIG})"))
            return
    failed = archive.record_capture(
        Capture(
            article_id=BIG,
            requested_url=article(BIG, "").url,
            fetched_at="2025-10-05T19:00:00Z",
            outcome="error",
            error="HTTP 503",
            status=503,
        )
    )
    with archive.engine.begin() as conn:
        conn.execute(text(f"UPDATE captures SET id = {BIG} WHERE id = {failed.capture_id}"))
        conn.execute(
            text(
                "INSERT INTO runs (id, spider, started_at, status) "
                f"VALUES ({BIG}, 'news', '2025-10-01 00:00:00', 'ok')"
            )
        )


def fill(archive: Archive) -> None:
    push_ids_past_32_bits(archive)
    run = archive.start_run("news")
    for article_id in (BIG, LARGEST):
        archive.record_capture(fetch(article_id, "2025-10-06T19:00:00Z", "Quay Repairs End"), run)
        changed = archive.record_capture(
            fetch(article_id, "2025-10-07T19:00:00Z", "Quay Repairs End Early"), run
        )
        assert changed.change_id is not None
        archive.record_capture(
            Capture(
                article_id=article_id,
                requested_url=article(article_id, "").url,
                fetched_at="2025-10-08T19:00:00Z",
                outcome=OUTCOME_NOT_MODIFIED,
                status=304,
                headers={"ETag": ETAG, "Last-Modified": LAST_MODIFIED},
            ),
            run,
        )
    archive.finish_run(run, status="ok", counts={}, changes_found=2)


def check(archive: Archive, *, every_id_past_32_bits: bool = False) -> None:
    for article_id in (BIG, LARGEST):
        record = archive.article(article_id)
        assert record is not None
        assert (record.etag, record.last_modified) == (ETAG, LAST_MODIFIED)
        first = next(c for c in archive.captures(article_id) if c.outcome == OUTCOME_OK)
        assert first.headers == {"etag": ETAG, "last-modified": LAST_MODIFIED, "server": SERVER}
        (change,) = archive.changes(article_id=article_id)
        assert first.id > 2**31 and change.run_id > 2**31
        if every_id_past_32_bits:
            assert change.id > 2**31 and record.current_version_id > 2**31
        assert archive.latest_version(article_id).article == article(
            article_id, "Quay Repairs End Early"
        )
    assert archive.validators()[LARGEST][:2] == (ETAG, LAST_MODIFIED)
    assert archive.verify() == []


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.sqlite'}"
        return
    with throwaway_database(request.getfixturevalue("postgres_url")) as url:
        yield url


def test_64_bit_ids_and_any_header_value_are_archived_alike(archive_url: str) -> None:
    with Archive.open(archive_url) as archive:
        fill(archive)
        check(archive, every_id_past_32_bits=archive.engine.dialect.name == "postgresql")


def test_escaping_is_exact_and_leaves_plain_values_alone() -> None:
    for value in ["", "plain", '"abc"', "a\x00b", "\x00", "\\0", "\\\x00\\", "\ufdd0", "\ufdd0\\0"]:
        stored = escape_text(value)
        assert "\x00" not in stored and unescape_text(stored) == value
    assert escape_text('W/"5f2-1"') == 'W/"5f2-1"'  # what PostgreSQL held before is read as is


@pytest.mark.services
def test_migrate_sqlite_to_postgresql_and_back_with_64_bit_ids_and_nul_headers(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = f"sqlite:///{tmp_path / 'source.sqlite'}"
    with Archive.open(source) as archive:
        fill(archive)
    want = archive_digests(source)
    with throwaway_database(postgres_url) as target:
        assert main(["archive", "migrate", "--from", source, "--to", target]) == 0
        assert capsys.readouterr().out.splitlines()[-1].startswith("ok: ")
        assert archive_digests(target) == want
        with Archive.open(target) as archive:
            check(archive)
            # New rows continue after the copied 64-bit ids.
            archive.record_capture(fetch(BIG, "2025-10-09T19:00:00Z", "Quay Reopens"))
        back = f"sqlite:///{tmp_path / 'back.sqlite'}"
        assert main(["archive", "migrate", "--from", target, "--to", back]) == 0
        assert archive_digests(back) == archive_digests(target)
        with Archive.open(back) as archive:
            assert archive.verify() == []
            assert archive.article(BIG).etag == ETAG
            assert archive.latest_version(BIG).article == article(BIG, "Quay Reopens")


@pytest.mark.services
def test_migrate_names_the_row_it_cannot_copy_and_writes_nothing(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "source.sqlite"
    with Archive.open(f"sqlite:///{path}") as archive:
        fill(archive)
    with sqlite3.connect(path) as conn:
        # A value SQLite keeps and PostgreSQL's text refuses, where no escaping applies.
        bad_id = conn.execute("SELECT MAX(id) FROM captures").fetchone()[0]
        conn.execute("UPDATE captures SET error = ? WHERE id = ?", ("bad\x00byte", bad_id))
    conn.close()
    with throwaway_database(postgres_url) as target:
        status = main(["archive", "migrate", "--from", f"sqlite:///{path}", "--to", target])
        err = capsys.readouterr().err
        assert status == 2, err
        assert err.count("\n") == 1 and "Traceback" not in err
        assert f"table captures row id {bad_id}" in err and "nothing was written" in err
        counts = count_rows(make_engine(make_url(target)))
        assert {name: counts[name] for name in ("articles", "runs", "versions", "captures")} == {
            "articles": 0,
            "runs": 0,
            "versions": 0,
            "captures": 0,
        }


@pytest.mark.services
def test_upgrade_to_0005_widens_postgresql_ids_keeping_the_rows(postgres_url: str) -> None:
    with throwaway_database(postgres_url) as url:
        engine = make_engine(make_url(url))
        with engine.begin() as conn:
            migrate.upgrade(conn, "0004")
            conn.execute(
                insert(articles).values(
                    article_id=4100234, first_seen="2025-10-06T19:00:00Z", gone=False
                )
            )
        assert Archive.upgrade(url) == ("0004", "0007")
        with engine.connect() as conn:
            types = dict(
                conn.execute(
                    text(
                        "SELECT table_name || '.' || column_name, data_type "
                        "FROM information_schema.columns WHERE table_schema = 'public'"
                    )
                ).all()
            )
            sequences = conn.execute(text("SELECT data_type FROM pg_sequences")).scalars().all()
        engine.dispose()
        ids = [
            "articles.article_id",
            "articles.current_version_id",
            "articles.current_capture_id",
            "runs.id",
            "versions.id",
            "versions.article_id",
            "captures.id",
            "captures.article_id",
            "captures.version_id",
            "captures.run_id",
            "changes.id",
            "changes.article_id",
            "changes.from_version_id",
            "changes.to_version_id",
            "changes.from_capture_id",
            "changes.to_capture_id",
            "changes.run_id",
        ]
        assert {name: types[name] for name in ids} == dict.fromkeys(ids, "bigint")
        assert types["articles.last_modified"] == types["articles.etag"] == "text"
        assert sequences and set(sequences) == {"bigint"}
        with Archive.open(url) as archive:
            assert [a.article_id for a in archive.known_articles()] == [4100234]
            fill(archive)
            check(archive, every_id_past_32_bits=True)
            with archive.engine.connect() as conn:
                assert conn.execute(select(func.count()).select_from(captures)).scalar() == 6
