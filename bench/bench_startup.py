"""Start-up of the `dodnews` commands a user runs by hand, beside bare Python in the same run.

Each command runs as its own process (`python -m dodnews ...`), as a user or a script runs it;
the figure is the best wall-clock time of `--repeat` runs, the rounds interleaved so that a busy
machine slows every line alike. Beside it, the same figure for `python -c pass` (the interpreter
alone) and `python -c "import dodnews"`, as a ratio and in seconds. The pages come from
tests/fixtures/pages: the news story as it is, and twice edited (a figure in a paragraph; the
title, which takes the diff through DeepDiff). Bytecode is written and used, as after `pip install`.

Usage: python bench/bench_startup.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORY = ROOT / "tests" / "fixtures" / "pages" / "news-story.html"
TARGET_SECONDS = 0.2  # what `dodnews diff A B` and `dodnews extract PAGE` should start within


def write_pages(folder: Path) -> dict[str, str]:
    """The story, the story with a paragraph's figure changed, the story retitled."""
    html = STORY.read_text(encoding="utf-8")
    edited = html.replace("48 new steel piles", "52 new steel piles")
    retitled = html.replace("Storm-Damaged   Pier", "Storm-Battered Pier")
    assert edited != html and retitled != html, "the fixture page changed: update the edits"
    pages = {"old": html, "paragraph": edited, "title": retitled}
    paths = {}
    for name, text in pages.items():
        path = folder / f"{name}.html"
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)
    return paths


def commands(pages: dict[str, str]) -> dict[str, list[str]]:
    """Label -> argv; the first two are the baselines."""
    dodnews = [sys.executable, "-m", "dodnews"]
    return {
        "python -c pass": [sys.executable, "-c", "pass"],
        "python -c 'import dodnews'": [sys.executable, "-c", "import dodnews"],
        "dodnews --help": [*dodnews, "--help"],
        "dodnews diff --help": [*dodnews, "diff", "--help"],
        "dodnews diff A B (a paragraph)": [*dodnews, "diff", pages["old"], pages["paragraph"]],
        "dodnews diff A B (the title)": [*dodnews, "diff", pages["old"], pages["title"]],
        "dodnews extract PAGE": [*dodnews, "extract", pages["old"]],
        "dodnews extract --help": [*dodnews, "extract", "--help"],
        "dodnews archive status": [*dodnews, "archive", "status", "--archive", pages["archive"]],
    }


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):  # diff says 1 when something changed
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="runs of each command (best kept)")
    args = parser.parse_args()
    # As installed: pip writes bytecode, and so does Python on the first run of a checkout. A
    # PYTHONDONTWRITEBYTECODE in the environment would have every run compile dodnews again.
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with tempfile.TemporaryDirectory() as tmp:
        pages = write_pages(Path(tmp))
        pages["archive"] = f"sqlite:///{tmp}/archive.sqlite"
        subprocess.run(
            [sys.executable, "-m", "dodnews", "archive", "upgrade", "--archive", pages["archive"]],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        argvs = commands(pages)
        best = dict.fromkeys(argvs, float("inf"))
        for _ in range(args.repeat):
            for label, argv in argvs.items():
                best[label] = min(best[label], timed(argv, env))
    bare = best["python -c pass"]
    package = best["python -c 'import dodnews'"]
    print(f"best of {args.repeat} runs, wall clock; python {sys.version.split()[0]}")
    print(f"{'command':<34}{'seconds':>8}{'x python':>10}{'above python':>14}")
    for label, seconds in best.items():
        print(f"{label:<34}{seconds:>8.3f}{seconds / bare:>9.1f}x{seconds - bare:>13.3f}s")
    print(f"(`import dodnews` costs {package - bare:+.3f} s over bare python)")
    slow = [
        label
        for label, seconds in best.items()
        if label.startswith(("dodnews diff", "dodnews extract")) and seconds >= TARGET_SECONDS
    ]
    if slow:
        print(f"over the {TARGET_SECONDS} s target: {', '.join(slow)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
