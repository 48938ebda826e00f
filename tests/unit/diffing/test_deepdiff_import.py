"""DeepDiff is imported without numpy and pydantic where the process has not loaded them, and
compares article views exactly as it does with them loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
STORY = ROOT / "tests" / "fixtures" / "pages" / "news-story.html"

# Reads the story and a retitled copy, diffs them, and prints the report and what got loaded.
SCRIPT = """
import json, sys
{preload}
from dodnews.diffing.detect import detect_changes
from dodnews.extract import extract_article
html = open({story!r}, encoding="utf-8").read()
old = extract_article(html, "https://www.war.gov/News/News-Stories/Article/Article/4000001/x/")
new = extract_article(html.replace("Storm-Damaged   Pier", "Storm-Battered Pier"), old.url)
report = detect_changes(old, new)
loaded = sorted(name for name in ("numpy", "pydantic", "deepdiff") if sys.modules.get(name))
kept_out = [name for name in ("numpy", "pydantic") if name in sys.modules and not sys.modules[name]]
print(json.dumps({{"deepdiff": report.deepdiff, "kinds": [c.kind for c in report.changes],
                  "loaded": loaded, "left_blocked": kept_out,
                  "version": report.provenance.deepdiff_version}}))
{after}
"""


def _run(preload: str = "", after: str = "") -> dict:
    code = SCRIPT.format(preload=preload, after=after, story=str(STORY))
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.splitlines()[0])


def test_a_structured_change_loads_deepdiff_alone_and_leaves_nothing_blocked() -> None:
    result = _run()
    assert result["deepdiff"], "the retitled story should go through DeepDiff"
    assert result["loaded"] == ["deepdiff"]
    assert result["left_blocked"] == []
    assert result["version"]


@pytest.mark.skipif(find_spec("numpy") is None, reason="numpy is not installed here")
def test_numpy_loaded_first_changes_nothing_and_loads_afterwards() -> None:
    alone = _run(after="import numpy")  # fails the run (check=True) if numpy stayed blocked
    with_numpy = _run(preload="import numpy")
    assert with_numpy["loaded"][:2] == ["deepdiff", "numpy"]
    assert {k: v for k, v in alone.items() if k != "loaded"} == {
        k: v for k, v in with_numpy.items() if k != "loaded"
    }
