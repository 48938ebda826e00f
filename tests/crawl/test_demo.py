"""`dodnews demo` runs the whole job and leaves a workspace the next commands can explore."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the replica and five crawls


def _dodnews(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodnews", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    root = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("DODNEWS_")}
    done = _dodnews("demo", cwd=root, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return root, done.stdout, env


def test_demo_steps_through_two_epochs_by_default(demo) -> None:
    _, out, _ = demo
    assert "Replica switched to epoch 1" in out and "Replica switched to epoch 2" in out
    assert "Replica switched to epoch 3" not in out


def test_the_printed_commands_explore_the_demo_archive(demo) -> None:
    root, out, env = demo
    lines = out.splitlines()
    export = next(line.strip() for line in lines if line.strip().startswith("export "))
    for assignment in shlex.split(export)[1:]:
        name, value = assignment.split("=", 1)
        env[name] = value
    assert env["DODNEWS_ARCHIVE"].endswith("data/demo/archive.sqlite")
    changes = _dodnews("changes", "--format", "json", cwd=root, env=env)
    assert changes.returncode == 0, changes.stderr
    assert '"revert": true' in changes.stdout  # epoch 2 flips an edit back
    runs = _dodnews("runs", cwd=root, env=env)
    assert runs.returncode == 0, runs.stderr
    assert runs.stdout.count("news") >= 3 and "recheck" in runs.stdout
    verify = _dodnews("archive", "verify", cwd=root, env=env)
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]
    assert "WARC file missing" not in verify.stdout + verify.stderr
    history = _dodnews("history", "4300115", cwd=root, env=env)
    assert history.returncode == 0, history.stderr
    assert "[warc:dodnews-" in history.stdout  # each capture names its WARC record
