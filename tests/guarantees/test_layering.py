"""The import contracts in pyproject.toml hold (import-linter): pure stages stay pure."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT

ROOT = ROOT


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run(
        [lint, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_in_a_crawl_only_the_archive_handle_opens_the_archive() -> None:
    """One archive per crawl process: every crawl component takes `shared_archive(crawler)`
    (the crawl tests check the count at run time, in the stat dodnews/archive/opened)."""
    crawl = ROOT / "dodnews" / "crawl"
    openers = sorted(
        str(path.relative_to(crawl))
        for path in crawl.rglob("*.py")
        if "Archive.open(" in path.read_text()
    )
    assert openers == ["archive_handle.py"]
