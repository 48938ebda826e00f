"""The archive's commands: archive status, history, show, changes, runs, and their errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from dodnews.archive import Archive
from dodnews.cli.main import main
from dodnews.diffing.model import KINDS
from dodnews.model import OUTCOME_OK
from tests.unit.archive.test_archive import (
    ARTICLE_ID,
    article_v1,
    article_v2,
    capture,
    core_scenario,
)
from tests.unit.archive.test_archive_schema import make_rev1_archive


@pytest.fixture(scope="module")
def archive_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'archive.sqlite'}"
    archive = Archive.open(url)
    core_scenario(archive)  # ends with a capture back after the 404
    archive.close()
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_status(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "archive", "status", "--archive", archive_url)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"archive:  {archive_url}"
    assert "backend:  sqlite" in lines and "schema:   0007 (current)" in lines
    assert any(line.split() == ["versions:", "2"] for line in lines)
    assert any(line.split() == ["captures:", "9"] for line in lines)


def test_status_from_environment(
    archive_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DODNEWS_ARCHIVE", archive_url)
    status, out, _ = run(capsys, "archive", "status")
    assert status == 0 and out.startswith(f"archive:  {archive_url}\n")


def test_history(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "history", str(ARTICLE_ID), "--archive", archive_url)
    assert status == 0
    lines = out.splitlines()
    assert lines[0] == f"article {ARTICLE_ID}: {article_v1().title}"
    assert lines[2] == "9 captures, 2 versions, 2 changes; current: v1; last outcome: ok"
    timeline = [line for line in lines if " capture " in line]
    assert len(timeline) == 9
    times = [line.split()[0] for line in timeline]
    assert times == sorted(times)
    assert timeline[0].split()[3:] == ["ok", "200", "v1", "new"]
    assert timeline[2].split()[3:] == ["not-modified", "304", "v1"]
    assert "v2 (change #1 from v1: " in timeline[3] and "title_changed" in timeline[3]
    assert timeline[4].split()[3:] == ["blocked", "403", "bot", "wall"]
    assert timeline[5].split()[3:] == ["error", "-", "TimeoutError"]
    assert "v1 (revert #2 from v2: " in timeline[6]
    assert timeline[7].split()[3:5] == ["gone", "404"]
    versions = lines[lines.index("versions:") + 1 :]
    assert versions[0].startswith(" *v1 ") and versions[0].endswith(article_v1().title)
    assert versions[1].startswith("  v2 ") and versions[1].endswith(article_v2().title)


def test_show(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "show", str(ARTICLE_ID), "--archive", archive_url)
    assert status == 0 and json.loads(out) == article_v1().to_dict()
    status, out, _ = run(
        capsys, "show", str(ARTICLE_ID), "--version", "2", "--archive", archive_url
    )
    assert status == 0 and json.loads(out) == article_v2().to_dict()


def test_changes_json(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "changes", "--format", "json", "--archive", archive_url)
    assert status == 0
    data = json.loads(out)
    assert [(c["id"], c["from_version"], c["to_version"], c["revert"]) for c in data] == [
        (2, 2, 1, True),
        (1, 1, 2, False),
    ]
    first = data[1]
    assert set(first) >= {
        "id", "article_id", "title", "url", "detected_at", "kinds", "significance", "revert",
        "from_version", "to_version", "summary",
    }  # fmt: skip
    assert first["article_id"] == ARTICLE_ID and first["title"] == article_v2().title
    assert first["detected_at"] == "2025-10-09T19:00:00Z"
    assert "title_changed" in first["kinds"] and all(k in KINDS for k in first["kinds"])
    assert first["summary"] and all(isinstance(line, str) and line for line in first["summary"])

    status, out, _ = run(
        capsys, "changes", "--since", "2025-10-10", "--format", "json", "--archive", archive_url
    )
    assert [c["id"] for c in json.loads(out)] == [2]
    status, out, _ = run(
        capsys, "changes", "--kind", "banner_removed", "--format", "json", "--archive", archive_url
    )
    assert json.loads(out) == []
    status, out, _ = run(
        capsys, "changes", "--id", str(ARTICLE_ID), "--format", "json", "--archive", archive_url
    )
    assert len(json.loads(out)) == 2


def test_changes_text(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "changes", "--archive", archive_url)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "DETECTED", "ARTICLE", "VERSIONS", "SIG", "TITLE"]
    assert lines[1].split()[:4] == ["2", "2025-10-12T19:00:00Z", str(ARTICLE_ID), "v2->v1"]
    assert lines[1].endswith("[revert]")
    assert lines[2].strip().startswith("kinds: ") and "title_changed" in lines[2]
    status, out, _ = run(capsys, "changes", "--since", "2030-01-01", "--archive", archive_url)
    assert out.strip() == "no changes"


def test_runs(archive_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "runs", "--archive", archive_url)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "SPIDER", "STARTED"]
    row = lines[1].split()
    assert (row[0], row[1], row[4], row[5], row[6]) == ("1", "news", "ok", "8", "2")
    status, out, _ = run(capsys, "runs", "--format", "json", "--archive", archive_url)
    assert json.loads(out)[0]["counts"] == {"captures": 8}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["history", "99"], "article 99 is not in the archive"),
        (["show", "99"], "article 99 is not in the archive"),
        (["show", str(ARTICLE_ID), "--version", "7"], f"article {ARTICLE_ID} has no version 7"),
        (["changes", "--id", "99"], "article 99 is not in the archive"),
        (["changes", "--since", "last tuesday"], "bad date 'last tuesday'"),
        (["changes", "--since", "2025-13-45"], "bad date '2025-13-45'"),
        (["changes", "--kind", "paragraph_changed"], "unknown change kind 'paragraph_changed'"),
        (["runs", "--limit", "0"], "--limit must be at least 1"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    archive_url: str, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv, "--archive", archive_url)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"dodnews: error: {message}")


def one_line_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("dodnews: error: ")
    return err


def test_unusable_archives(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "missing.sqlite"
    assert "no archive at" in one_line_error(capsys, "changes", "--archive", str(missing))
    assert not missing.exists()  # reading never creates an archive
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    for argv in (["changes"], ["history", "1"], ["archive", "status"], ["archive", "verify"]):
        err = one_line_error(capsys, *argv, "--archive", str(empty))
        assert "empty" in err
    assert empty.stat().st_size == 0
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"\x00\x01garbage" * 100)
    assert "not a SQLite database" in one_line_error(capsys, "show", "1", "--archive", str(junk))
    old = tmp_path / "old.sqlite"
    make_rev1_archive(old)
    err = one_line_error(capsys, "changes", "--archive", str(old))
    assert "run `dodnews archive upgrade`" in err


def test_locked_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "locked.sqlite"
    archive = Archive.open(str(path))
    archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
    archive.close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        # Another process holding the database exclusively (e.g. a long manual edit).
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE runs SET status = 'x' WHERE 0")
        url = f"sqlite:///{path}?timeout=0.1"
        for argv in (["changes"], ["archive", "upgrade"], ["history", str(ARTICLE_ID)]):
            assert "database is locked" in one_line_error(capsys, *argv, "--archive", url)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    status, _, _ = run(capsys, "history", str(ARTICLE_ID), "--archive", str(path))
    assert status == 0


def test_read_only_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "old.sqlite"
    make_rev1_archive(path)
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    err = one_line_error(capsys, "archive", "upgrade", "--archive", read_only)
    assert "readonly database" in err
    # After a real upgrade, reading through a read-only connection works.
    assert run(capsys, "archive", "upgrade", "--archive", str(path))[0] == 0
    status, out, _ = run(capsys, "show", str(ARTICLE_ID), "--archive", read_only)
    assert status == 0 and json.loads(out)["title"] == article_v1().title
