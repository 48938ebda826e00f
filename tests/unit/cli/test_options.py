"""One name per concept across commands: --warc-dir for the WARC folder, --diffs-dir, --archive."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dodnews.archive import Archive
from dodnews.cli.main import build_parser, main
from dodnews.cli.support import warc_dir

FOLDER_COMMANDS = [["archive", "verify"], ["archive", "reextract"], ["replay"], ["export"]]


def _subparser(argv: list[str]) -> argparse.ArgumentParser:
    parser = build_parser()
    for word in argv:
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = sub.choices[word]
    return parser


@pytest.mark.parametrize("argv", FOLDER_COMMANDS, ids=" ".join)
def test_every_command_names_the_warc_folder_warc_dir(argv: list[str]) -> None:
    text = _subparser(argv).format_help()
    assert "--warc-dir DIR" in text
    assert "--warc DIR" not in text  # the old spelling works but is not offered


def test_the_old_spelling_works_with_a_one_line_note(tmp_path: Path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    Archive.open(url).close()
    (tmp_path / "warc").mkdir()
    assert main(["archive", "verify", "--archive", url, "--warc-dir", str(tmp_path / "warc")]) == 0
    new_out, new_err = capsys.readouterr()
    assert new_err == ""
    assert main(["archive", "verify", "--archive", url, "--warc", str(tmp_path / "warc")]) == 0
    old_out, old_err = capsys.readouterr()
    assert old_out == new_out == "ok: 0 versions, 0 changes, 0 captures checked\n"
    assert old_err == "dodnews: warning: --warc is deprecated; use --warc-dir\n"


def test_export_keeps_warc_for_the_file_it_writes() -> None:
    args = _subparser(["export"]).parse_args(["--warc", "out.warc.gz", "--warc-dir", "w"])
    assert (args.warc, args.warc_dir) == ("out.warc.gz", "w")


def test_one_rule_finds_the_warc_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DODNEWS_ARCHIVE", raising=False)
    monkeypatch.delenv("DODNEWS_WARC_DIR", raising=False)
    bare = argparse.Namespace(warc_dir=None, archive=None)
    assert warc_dir(bare) == Path("data") / "warc"
    demo = tmp_path / "demo"
    (demo / "warc").mkdir(parents=True)
    beside = argparse.Namespace(warc_dir=None, archive=str(demo / "archive.sqlite"))
    assert warc_dir(beside) == demo / "warc"  # the folder beside a SQLite archive
    monkeypatch.setenv("DODNEWS_ARCHIVE", f"sqlite:///{demo / 'archive.sqlite'}")
    assert warc_dir(bare) == demo / "warc"  # named by the environment as well
    monkeypatch.setenv("DODNEWS_WARC_DIR", str(tmp_path / "elsewhere"))
    assert warc_dir(beside) == tmp_path / "elsewhere"
    monkeypatch.setenv("DODNEWS_WARC_DIR", "")  # empty is unset
    assert warc_dir(beside) == demo / "warc"
    explicit = argparse.Namespace(warc_dir="given", archive=str(demo / "archive.sqlite"))
    assert warc_dir(explicit) == Path("given")


@pytest.mark.parametrize("argv", [["report"], ["monitor"], ["demo"]], ids=" ".join)
def test_reports_folder_option_reads_the_environment_when_run(argv: list[str]) -> None:
    parser = _subparser(argv)
    assert "--diffs-dir DIR" in parser.format_help()
    # Resolved when the command runs (reports_dir), not when the parser is built.
    assert parser.parse_args([]).diffs_dir is None


def test_crawl_runs_scrapy_with_dodnews_settings_from_any_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    bare = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "news"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "not available from this location" in bare.stdout + bare.stderr  # Scrapy's answer
    wrapped = subprocess.run(
        [sys.executable, "-m", "dodnews", "crawl", "news", "-a", "max_pages=lots"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert wrapped.returncode == 2
    assert wrapped.stderr.strip().splitlines()[-1] == (
        "scrapy crawl: error: -a max_pages: expected a whole number, got 'lots'"
    )
    assert not (tmp_path / "data").exists()
