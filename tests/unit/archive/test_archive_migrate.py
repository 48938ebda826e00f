"""`dodnews archive migrate`: SQLite <-> PostgreSQL, ids kept, counts and digests checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from dodnews.archive import Archive
from dodnews.archive.transfer import archive_digests, migrate_archive
from dodnews.cli.main import main
from dodnews.errors import UserError
from dodnews.model import OUTCOME_OK
from tests.unit.archive.test_archive import ARTICLE_ID, article_v2, capture, core_scenario
from tests.unit.archive.test_archive_postgres import pg_archive_url  # noqa: F401 (fixture)


@pytest.fixture
def sqlite_source(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'source.sqlite'}"
    with Archive.open(url) as archive:
        core_scenario(archive)
        run_id = archive.start_run("recheck")
        archive.finish_run(run_id, status="ok", counts={"captures": 1}, changes_found=0)
    return url


def test_sqlite_to_sqlite_keeps_every_row(sqlite_source: str, tmp_path: Path) -> None:
    target = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    copies = migrate_archive(sqlite_source, target)
    assert [c.name for c in copies] == ["articles", "runs", "versions", "captures", "changes"]
    want = archive_digests(sqlite_source)
    assert archive_digests(target) == want
    assert {c.name: (c.rows, c.digest) for c in copies} == want
    assert want["captures"][0] == 9 and want["changes"][0] == 2 and want["runs"][0] == 2
    with Archive.open(target) as copy, Archive.open(sqlite_source) as original:
        assert copy.changes()[0].report == original.changes()[0].report
        assert copy.verify() == []


def test_refuses_a_target_with_rows(sqlite_source: str, tmp_path: Path, capsys) -> None:
    target = f"sqlite:///{tmp_path / 'full.sqlite'}"
    with Archive.open(target) as archive:
        archive.start_run("news")
    before = archive_digests(target)
    status = main(["archive", "migrate", "--from", sqlite_source, "--to", target])
    err = capsys.readouterr().err
    assert status == 2
    assert err.strip().splitlines() == [
        f"dodnews: error: target archive {target} is not empty (runs 1 rows)"
    ]
    assert archive_digests(target) == before


def test_missing_source_and_same_archive_are_one_line_errors(
    tmp_path: Path, sqlite_source: str, capsys
) -> None:
    missing = tmp_path / "nothing.sqlite"
    status = main(["archive", "migrate", "--from", str(missing), "--to", str(tmp_path / "t.db")])
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1 and "no archive at" in err
    assert not (tmp_path / "t.db").exists()
    with pytest.raises(UserError, match="same archive"):
        migrate_archive(sqlite_source, sqlite_source)


@pytest.mark.services
def test_sqlite_to_postgresql_and_back(
    sqlite_source: str,
    pg_archive_url: str,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["archive", "migrate", "--from", sqlite_source, "--to", pg_archive_url])
    out = capsys.readouterr().out
    assert status == 0, out
    assert out.splitlines()[-1] == "ok: 16 rows copied and verified"
    want = archive_digests(sqlite_source)
    assert archive_digests(pg_archive_url) == want

    with Archive.open(pg_archive_url) as pg:
        assert pg.engine.dialect.name == "postgresql" and pg.verify() == []
        # Serial ids continue after the copied ones.
        assert pg.start_run("news") == 3
        result = pg.record_capture(capture(OUTCOME_OK, "2025-11-01T10:00:00Z", article_v2()))
        assert result.new_version is False
        assert len(pg.captures(ARTICLE_ID)) == 10

    # Back into a new SQLite file: equal to PostgreSQL, the new capture included.
    back = f"sqlite:///{tmp_path / 'back.sqlite'}"
    migrate_archive(pg_archive_url, back)
    again = archive_digests(back)
    assert again == archive_digests(pg_archive_url)
    assert again["captures"][0] == want["captures"][0] + 1
    assert again["captures"][0] == want["captures"][0] + 1

    status = main(["archive", "migrate", "--from", sqlite_source, "--to", pg_archive_url])
    assert status == 2
    assert "is not empty" in capsys.readouterr().err
