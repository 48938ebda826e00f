"""DODNEWS_* settings: one reading of the environment everywhere, bad values one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.settings import Settings

from dodnews.environment import diffs_dir, from_environment
from dodnews.errors import UserError
from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.setting_checks import RULES, check_settings


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DODNEWS_MAX_FAILURE_RATIO", "x", "a number from 0 to 1"),
        ("DODNEWS_MAX_FAILURE_RATIO", "1.5", "a number from 0 to 1"),
        ("DODNEWS_ARCHIVE_BATCH", "2.5", "a whole number of 0 or more"),
        ("DODNEWS_PROGRESS_INTERVAL", "-1", "a number of 0 or more"),
        ("DODNEWS_WRITE_REPORTS", "maybe", "1 or 0 (true or false)"),
        ("DODNEWS_WARC_MAX_SIZE", "0", "a whole number of 1 or more"),
        ("DODNEWS_TRUST_304_DAYS", "nan", "a number of 0 or more"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(name: str, value: str, expected: str) -> None:
    with pytest.raises(UserError) as caught:
        check_settings(Settings({name: value}).get)
    assert str(caught.value) == f"{name}: expected {expected}, got {value!r}"


def test_good_values_pass_as_text_and_as_values() -> None:
    check_settings(Settings({"DODNEWS_MAX_FAILURE_RATIO": "0.8", "DODNEWS_WRITE_REPORTS": "0"}).get)
    check_settings(Settings({"DODNEWS_ARCHIVE_BATCH": 10, "DODNEWS_WARC_ENABLED": False}).get)
    import dodnews.settings as defaults

    check_settings(lambda name: getattr(defaults, name, None))  # the defaults themselves
    assert all(name.startswith("DODNEWS_") for name in RULES)


def test_the_environment_counts_when_set_and_reads_as_s_does(monkeypatch) -> None:
    names = ["DODNEWS_MAX_FAILURE_RATIO", "DODNEWS_WARC_ENABLED", "OTHER"]
    monkeypatch.setenv("DODNEWS_MAX_FAILURE_RATIO", " 0.8 ")
    monkeypatch.setenv("DODNEWS_WARC_ENABLED", "0")
    monkeypatch.setenv("OTHER", "7")
    found = from_environment(names)
    assert found == {"DODNEWS_MAX_FAILURE_RATIO": "0.8", "DODNEWS_WARC_ENABLED": "0"}
    settings = Settings(found)  # text, as `-s` gives it: Scrapy reads it alike
    assert settings.getfloat("DODNEWS_MAX_FAILURE_RATIO") == 0.8
    assert settings.getbool("DODNEWS_WARC_ENABLED") is False
    monkeypatch.setenv("DODNEWS_WARC_ENABLED", "")  # empty: unset
    assert "DODNEWS_WARC_ENABLED" not in from_environment(names)
    monkeypatch.setenv("DODNEWS_DIFFS_DIR", "")
    assert diffs_dir() == "diffs" and diffs_dir("out") == "out"
    monkeypatch.setenv("DODNEWS_DIFFS_DIR", "reports")
    assert diffs_dir() == "reports" and diffs_dir("out") == "out"


def _settings_in_a_fresh_process(env: dict[str, str], *names: str) -> list[str]:
    code = "import dodnews.settings as s; print(*(getattr(s, n) for n in {names!r}), sep='|')"
    done = subprocess.run(
        [sys.executable, "-c", code.format(names=names)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return done.stdout.strip().split("|")


def test_settings_py_reads_every_dodnews_variable_the_same_way() -> None:
    env = {
        "DODNEWS_MAX_FAILURE_RATIO": "0.9",
        "DODNEWS_ARCHIVE_BATCH": "7",
        "DODNEWS_DIFFS_DIR": "",
        "DODNEWS_CONTACT_URL": "https://archive.example.org/contact",
    }
    names = (
        "DODNEWS_MAX_FAILURE_RATIO",
        "DODNEWS_ARCHIVE_BATCH",
        "DODNEWS_DIFFS_DIR",
        "USER_AGENT",
    )
    ratio, batch, diffs, agent = _settings_in_a_fresh_process(env, *names)
    assert (ratio, batch, diffs) == ("0.9", "7", "diffs")
    assert agent.endswith("+https://archive.example.org/contact)")


def _crawl(tmp_path: Path, settings: dict, env: dict[str, str]) -> subprocess.CompletedProcess:
    archive = tmp_path / "archive.sqlite"
    return subprocess.run(
        crawl_command("news", {"base_url": "http://127.0.0.1:9"}, settings),
        env={**crawl_env(f"sqlite:///{archive}", str(tmp_path / "diffs")), **env},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_scrapy_crawl_refuses_bad_values_from_s_and_the_environment(tmp_path: Path) -> None:
    for settings, env, line in [
        (
            {"DODNEWS_MAX_FAILURE_RATIO": "x"},
            {},
            "DODNEWS_MAX_FAILURE_RATIO: expected a number from 0 to 1, got 'x'",
        ),
        (
            {},
            {"DODNEWS_WRITE_REPORTS": "maybe"},
            "DODNEWS_WRITE_REPORTS: expected 1 or 0 (true or false), got 'maybe'",
        ),
    ]:
        done = _crawl(tmp_path, settings, env)
        assert done.returncode == 2, done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines() == [f"scrapy crawl: error: {line}"]
        assert not (tmp_path / "archive.sqlite").exists()


def test_monitor_refuses_a_bad_setting_before_its_first_crawl(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "monitor", "--once", "--base-url", "http://127.0.0.1:9"],
        env={**os.environ, "DODNEWS_RECHECK_SHARE": "most", "DODNEWS_ARCHIVE": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == (
        "dodnews: error: DODNEWS_RECHECK_SHARE: expected a number from 0 to 1, got 'most'\n"
    )
    assert not (tmp_path / "data").exists()
