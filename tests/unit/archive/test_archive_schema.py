"""Archive schema: migrations, opening rules, upgrades without data loss, verify, URLs."""

from __future__ import annotations

import hashlib
import os
import socket
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import column, create_engine, insert, inspect, table, text

from dodnews.archive import Archive, migrate, resolve_archive_url
from dodnews.archive.db import make_engine
from dodnews.archive.schema import articles, captures, metadata, versions
from dodnews.archive.urls import default_archive_url, sqlite_path
from dodnews.cli.main import main
from dodnews.errors import UserError
from dodnews.model import OUTCOME_OK
from tests.unit.archive.test_archive import ARTICLE_ID, article_v1, article_v2, capture


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# The versions table as revision 0001 made it: the version number was still called `seq`.
REV1_VERSIONS = table(
    "versions", *(column("seq" if c.name == "version" else c.name, c.type) for c in versions.c)
)


def make_rev1_archive(path: Path) -> None:
    """An archive as the first release made it, with one article, version and capture in it."""
    engine = make_engine(resolve_archive_url(sqlite_url(path)))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0001")
    with engine.begin() as conn:
        conn.execute(
            insert(articles).values(
                article_id=ARTICLE_ID,
                first_seen="2025-10-06T19:00:00Z",
                gone=False,
                url=article_v1().url,
                current_version_id=1,
            )
        )
        conn.execute(
            insert(REV1_VERSIONS).values(
                id=1,
                article_id=ARTICLE_ID,
                seq=1,
                content_hash=_hash(article_v1()),
                article=article_v1().to_dict(),
                title=article_v1().title,
                url=article_v1().url,
                first_seen="2025-10-06T19:00:00Z",
                last_seen="2025-10-06T19:00:00Z",
            )
        )
        conn.execute(
            insert(captures).values(
                article_id=ARTICLE_ID,
                requested_url=article_v1().url,
                fetched_at="2025-10-06T19:00:00Z",
                status=200,
                outcome=OUTCOME_OK,
                version_id=1,
            )
        )
    engine.dispose()


def _hash(article: object) -> str:
    from dodnews.diffing.normalize import content_hash

    return content_hash(article)


def test_migrations_build_exactly_the_schema_module(tmp_path: Path) -> None:
    archive = Archive.open(sqlite_url(tmp_path / "a.sqlite"))
    try:
        with archive.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"version_table": migrate.VERSION_TABLE, "compare_type": True}
            )
            assert compare_metadata(context, metadata) == []
            assert migrate.current_revision(conn) == migrate.head_revision() == "0007"
    finally:
        archive.close()


def test_migrations_ship_as_package_data() -> None:
    # setuptools ships *.py only from packages (folders with __init__.py) and *.mako via
    # package-data: every migration file must fall under one of the two.
    root = migrate.MIGRATIONS_DIR
    assert (root / "script.py.mako").is_file()
    for path in root.rglob("*.py"):
        assert (path.parent / "__init__.py").is_file(), path
    assert migrate.known_revisions() == ["0001", "0002", "0003", "0004", "0005", "0006", "0007"]


def test_the_head_an_archive_is_checked_against_is_alembics(tmp_path: Path) -> None:
    """Opening an archive reads its revision without alembic: the same answers as alembic's."""
    assert migrate.head_revision() == migrate.alembic_head_revision()
    engine = create_engine(sqlite_url(tmp_path / "plain.sqlite"))
    with engine.begin() as conn:
        assert migrate.current_revision(conn) is None  # no version table at all
        conn.execute(text(f"CREATE TABLE {migrate.VERSION_TABLE} (version_num VARCHAR(32))"))
        assert migrate.current_revision(conn) is None
        assert migrate.alembic_current_revision(conn) is None  # an empty version table
        conn.execute(text(f"INSERT INTO {migrate.VERSION_TABLE} VALUES ('0003')"))
        assert migrate.current_revision(conn) == "0003" == migrate.alembic_current_revision(conn)
    engine.dispose()


def test_old_schema_is_refused_then_upgraded_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.sqlite"
    make_rev1_archive(path)
    before = digest(path)
    with pytest.raises(UserError, match=r"schema 0001.*run `dodnews archive upgrade`"):
        Archive.open(sqlite_url(path))
    assert digest(path) == before

    assert main(["archive", "status", "--archive", sqlite_url(path)]) == 0
    out = capsys.readouterr().out
    assert "schema:   0001 (this dodnews needs 0007" in out and "versions:" in out

    assert main(["archive", "upgrade", "--archive", sqlite_url(path)]) == 0
    assert capsys.readouterr().out.strip() == "archive schema upgraded from 0001 to 0007"
    archive = Archive.open(sqlite_url(path))
    try:
        indexes = {i["name"] for i in inspect(archive.engine).get_indexes("captures")}
        assert "ix_captures_article_id_fetched_at" in indexes
        assert archive.latest_version(ARTICLE_ID).article == article_v1()
        assert [c.outcome for c in archive.captures(ARTICLE_ID)] == ["ok"]
        # revision 0004 filled in when each page was last received whole, from the history
        assert archive.article(ARTICLE_ID).last_downloaded == "2025-10-06T19:00:00Z"
        assert archive.verify() == []
        # ... and the upgraded archive goes on working.
        result = archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
        assert result.change_id is not None and archive.latest_version(ARTICLE_ID).version == 2
    finally:
        archive.close()
    assert main(["archive", "upgrade", "--archive", sqlite_url(path)]) == 0
    assert capsys.readouterr().out.strip() == "archive schema already at 0007"


def make_rev2_archive(path: Path) -> None:
    """An archive at revision 0002 (runs without host and pid), with a finished run and one
    that was left running."""
    make_rev1_archive(path)
    engine = make_engine(resolve_archive_url(sqlite_url(path)))
    with engine.begin() as conn:
        migrate.upgrade(conn, "0002")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO runs (id, spider, started_at, finished_at, status, counts, errors) "
            "VALUES (?, ?, ?, ?, ?, '{}', '[]')",
            [
                (1, "news", "2025-10-06 19:00:00", "2025-10-06 19:05:00", "ok"),
                (2, "recheck", "2025-10-07 19:00:00", None, "running"),
            ],
        )
    conn.close()


def test_rev2_archive_upgrades_to_rev3_keeping_its_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "rev2.sqlite"
    make_rev2_archive(path)
    before = digest(path)
    # A crawl does not upgrade by itself: opening the archive asks for the upgrade.
    with pytest.raises(UserError, match=r"schema 0002, this dodnews needs 0007: run `dodnews"):
        Archive.open(sqlite_url(path))
    assert digest(path) == before

    assert main(["archive", "upgrade", "--archive", sqlite_url(path)]) == 0
    assert capsys.readouterr().out.strip() == "archive schema upgraded from 0002 to 0007"
    with Archive.open(sqlite_url(path), create=False) as archive:
        columns = {c["name"]: c for c in inspect(archive.engine).get_columns("runs")}
        assert columns["host"]["nullable"] and columns["pid"]["nullable"]
        old = {r.id: r for r in archive.runs()}
        assert [(old[i].status, old[i].host, old[i].pid) for i in (1, 2)] == [
            ("ok", None, None),
            ("running", None, None),
        ]
        new_id = archive.start_run("news")
        runs_now = {r.id: r for r in archive.runs()}
        # The new run knows its process; the old unfinished one has no pid: left as it was.
        assert (runs_now[new_id].host, runs_now[new_id].pid) == (socket.gethostname(), os.getpid())
        assert runs_now[2].status == "running" and runs_now[2].finished_at is None
        assert archive.verify() == []


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    Archive.open(sqlite_url(path)).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_info SET version_num = '0099'")
    conn.close()
    before = digest(path)
    with pytest.raises(UserError, match="newer than this dodnews knows"):
        Archive.open(sqlite_url(path))
    with pytest.raises(UserError, match="newer"):
        Archive.upgrade(sqlite_url(path))
    assert digest(path) == before


def test_not_a_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 20)
    before = digest(path)
    with pytest.raises(UserError, match="not a SQLite database"):
        Archive.open(sqlite_url(path))
    assert digest(path) == before
    with pytest.raises(UserError, match="directory"):
        Archive.open(sqlite_url(tmp_path))


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.close()
    before = digest(path)
    with pytest.raises(UserError, match="not a dodnews archive"):
        Archive.open(sqlite_url(path))
    assert digest(path) == before


def test_missing_and_empty_files(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "a.sqlite"
    with pytest.raises(UserError, match="no archive at"):
        Archive.open(sqlite_url(missing), create=False)
    assert not missing.parent.exists()
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    with pytest.raises(UserError, match="empty file"):
        Archive.open(sqlite_url(empty), create=False)
    assert empty.stat().st_size == 0
    # Opening to write makes an archive of a new path or an empty file.
    for target in (missing, empty):
        archive = Archive.open(sqlite_url(target))
        assert archive.revision() == "0007"
        archive.close()


def test_verify_finds_tampering(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a.sqlite"
    archive = Archive.open(sqlite_url(path))
    archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
    archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
    assert archive.verify() == []
    assert main(["archive", "verify", "--archive", sqlite_url(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: 2 versions, 1 change, 2 captures")

    tampered = article_v1()
    tampered.paragraphs[1] = "The drills cost about $9 million and drew crews from three commands."
    with archive.engine.begin() as conn:
        conn.execute(
            versions.update().where(versions.c.version == 1).values(article=tampered.to_dict())
        )
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    with sqlite3.connect(path) as raw:  # a hand edit that breaks a reference
        raw.execute("UPDATE changes SET to_version_id = 999")
    raw.close()
    problems = archive.verify()
    archive.close()
    assert len(problems) == 2
    assert problems[0].startswith(f"article {ARTICLE_ID} version 1: content hash")
    assert problems[1] == f"change 1: to_version_id 999 is not a version of article {ARTICLE_ID}"
    assert main(["archive", "verify", "--archive", sqlite_url(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == problems and out[2] == "2 problems found"


def test_archive_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DODNEWS_ARCHIVE", raising=False)
    assert default_archive_url() == f"sqlite:///{tmp_path}/data/dodnews.sqlite"
    assert sqlite_path(resolve_archive_url(None)) == tmp_path / "data" / "dodnews.sqlite"
    archive = Archive.open()  # the default makes data/ and the file
    archive.close()
    assert (tmp_path / "data" / "dodnews.sqlite").is_file()

    monkeypatch.setenv("DODNEWS_ARCHIVE", f"sqlite:///{tmp_path}/env.sqlite")
    assert sqlite_path(resolve_archive_url(None)) == tmp_path / "env.sqlite"
    assert sqlite_path(resolve_archive_url("rel/x.sqlite")) == tmp_path / "rel" / "x.sqlite"
    pg = resolve_archive_url("postgres://postgres@127.0.0.1:5432/dodnews")
    assert pg.drivername == "postgresql+psycopg" and sqlite_path(pg) is None
    with pytest.raises(UserError, match="unsupported archive database"):
        resolve_archive_url("mysql://root@localhost/x")
    with pytest.raises(UserError, match="not a database URL"):
        resolve_archive_url("::::://")


def test_in_memory_archive() -> None:
    archive = Archive.open("sqlite://")
    try:
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
        assert archive.latest_version(ARTICLE_ID).version == 1
        with archive.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM captures")).scalar() == 1
    finally:
        archive.close()
