"""`dodnews diff` and `dodnews extract` start fast: they never import what they do not use.

A structural check, not a timing: each command runs in a fresh interpreter, which then lists the
modules it imported. SQLAlchemy and alembic (the archive), Scrapy and Twisted (the crawl) and
Jinja2 (the reports) would each add tens to hundreds of milliseconds to a command that reads two
files (bench/bench_startup.py measures it).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.paths import ROOT

STORY = ROOT / "tests" / "fixtures" / "pages" / "news-story.html"
LISTING = ROOT / "tests" / "fixtures" / "pages" / "listing-items.html"
HEAVY = ("sqlalchemy", "alembic", "scrapy", "twisted", "jinja2")

# Runs `dodnews ARGS...` in process, then writes the names of every imported module to stderr.
PROBE = """
import json, sys
from dodnews.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
sys.stdout.flush()
sys.stderr.write("\\n" + json.dumps(sorted(sys.modules)))
"""


def imported(*argv: str) -> set[str]:
    """Every module one `dodnews` command imported, run in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return set(json.loads(done.stderr.rstrip().rsplit("\n", 1)[-1]))


def packages(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("pages")
    html = STORY.read_text(encoding="utf-8")
    edits = {
        "old": html,
        "paragraph": html.replace("48 new steel piles", "52 new steel piles"),
        "title": html.replace("Storm-Damaged   Pier", "Storm-Battered Pier"),
    }
    assert len(set(edits.values())) == 3
    paths = {}
    for name, text in edits.items():
        (folder / f"{name}.html").write_text(text, encoding="utf-8")
        paths[name] = str(folder / f"{name}.html")
    return paths


COMMANDS = {
    "--help": ["--help"],
    "diff --help": ["diff", "--help"],
    "extract --help": ["extract", "--help"],
    "extract": ["extract", str(STORY)],
    "extract --listing": ["extract", "--listing", str(LISTING)],
    "diff (a paragraph)": ["diff", "OLD", "PARAGRAPH"],
    "diff (the title)": ["diff", "--format", "json", "OLD", "TITLE"],
}


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_reading_pages_imports_no_archive_crawl_or_reports(
    argv: list[str], pages: dict[str, str]
) -> None:
    argv = [pages.get(a.lower(), a) for a in argv]
    loaded = packages(imported(*argv))
    assert "dodnews" in loaded  # the probe did run the command
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_deepdiff_only_when_structured_fields_differ(pages: dict[str, str]) -> None:
    """DeepDiff (which imports numpy and pydantic) compares title, banner, images...; a
    paragraph edit is aligned without it."""
    assert "deepdiff" not in packages(imported("diff", pages["old"], pages["paragraph"]))
    assert "deepdiff" in packages(imported("diff", pages["old"], pages["title"]))


def test_the_parser_imports_no_command_code() -> None:
    """Building the parser (every command's options) runs no command module, and so imports
    neither the extractor nor the detector."""
    loaded = imported("--help")
    assert "dodnews.cli.main" in loaded
    assert not [name for name in loaded if name.startswith("dodnews.cli.run")]
    assert packages(loaded).isdisjoint({"deepdiff", "lxml", *HEAVY})
