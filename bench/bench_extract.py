"""Microseconds per page for extraction on the fixture pages (and a padded, real-sized article).

Beside each figure, the cost of a bare lxml parse of the same bytes, measured in the same loop, so
that the ratio stays meaningful on a busy machine. Run: python bench/bench_extract.py [--rounds N]

`--against REF` compares the article extractor with the one of an earlier commit instead: REF's
`dodnews/` is unpacked from git into a temporary folder, and the two extractors are timed on the
same pages in alternating child processes (CPU time, best of all runs), so that a busy machine
slows both alike. Example: `python bench/bench_extract.py --against 218a5da^` (the extractor
before it read bylines, photo furniture and related blocks by what a reader sees, and kept the
region text).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "fixtures" / "pages"
REAL_HOME = Path("/work/shared/real/defense-gov-home-2020-11.html")
ARTICLES = {
    "news-story": "https://www.war.gov/News/News-Stories/Article/Article/4300123/x/",
    "release": "https://www.war.gov/News/Releases/Release/Article/4300455/x/",
    "transcript": "https://www.war.gov/News/Transcripts/Transcript/Article/4300310/x/",
    "contract": "https://www.war.gov/News/Contracts/Contract/Article/4301400//",
    "feature-story": "https://www.war.gov/News/Feature-Stories/Story/Article/4300777/x/",
    "speech": "https://www.war.gov/News/Speeches/Speech/Article/4300901/x/",
}


def padded_article() -> bytes:
    """The news story grown to a real page's size: 40 paragraphs and ~120 KB of site chrome."""
    html = (PAGES / "news-story.html").read_text()
    chrome = "<nav class='mega-menu'>" + "<div><a href='/x/'>Menu entry</a></div>" * 2500 + "</nav>"
    paragraph = "<p>The battalion moved 1,200 tons of gear&nbsp;by rail and road in nine days.</p>"
    html = html.replace('<nav class="navbar">', chrome + '<nav class="navbar">')
    html = html.replace(
        "<p>Work on the second wharf", paragraph * 35 + "<p>Work on the second wharf"
    )
    return html.encode()


def in_real_chrome() -> bytes | None:
    """The news story's article wrapper inside the real 2020 home page (183 KB of the site's own
    head, menus, listings, scripts and footer), at the top of its <main>: a page of a real page's
    weight and shape. None where the real capture is not on this machine."""
    if not REAL_HOME.exists():
        return None
    story = (PAGES / "news-story.html").read_text()
    start = story.index('<div class="adetail')
    wrapper = story[start : story.index("<footer", start)]
    home = REAL_HOME.read_text(encoding="utf-8")
    return home.replace("<main>", "<main>" + wrapper, 1).encode()


def article_cases() -> list[tuple[str, bytes, str]]:
    """The article pages timed by --against: the fixture pages and two of a real page's size."""
    cases = [(name, (PAGES / f"{name}.html").read_bytes(), url) for name, url in ARTICLES.items()]
    cases.append(("padded-real-size", padded_article(), ARTICLES["news-story"]))
    real = in_real_chrome()
    if real is not None:
        cases.append(("in-real-chrome", real, ARTICLES["news-story"]))
    return cases


def measure_tree(tree: str, rounds: int) -> dict[str, float]:
    """CPU microseconds per page of the article extractor found in `tree` (run in a child)."""
    sys.path.insert(0, tree)
    from dodnews.extract import extract_article as extract  # the tree's own extractor

    return {
        name: measure(extract, data, url, rounds, clock=time.process_time)
        for name, data, url in article_cases()
    }


def unpack(ref: str, into: Path) -> Path:
    """`dodnews/` of git commit `ref`, unpacked under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "dodnews"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        sys.exit(f"bench_extract: cannot read {ref!r} from git: {archive.stderr.decode().strip()}")
    with tempfile.TemporaryFile() as tar_file:
        tar_file.write(archive.stdout)
        tar_file.seek(0)
        with tarfile.open(fileobj=tar_file) as tar:
            tar.extractall(into, filter="data")
    return into


def run_tree(tree: str, page: str, times: int) -> None:
    """Extract one article page `times` times with the extractor found in `tree` (a child)."""
    sys.path.insert(0, tree)
    from dodnews.extract import extract_article as extract  # the tree's own extractor

    data, url = next((d, u) for name, d, u in article_cases() if name == page)
    for _ in range(times + 1):  # one more: the first call warms caches up
        extract(data, url)


def instructions(tree: str, page: str, times: int) -> float:
    """Instructions per extraction, counted by callgrind: the same on an idle or a busy machine.

    The count of a run with `times` extractions minus that of a run with none (start-up, imports
    and the warm-up call), divided by `times`."""
    counts = []
    for n in (0, times):
        child = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                __file__,
                "--run-tree",
                tree,
                "--page",
                page,
                "--times",
                str(n),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        match = re.search(r"Collected : (\d+)", child.stderr)
        if match is None:
            sys.exit(f"bench_extract: no instruction count from valgrind: {child.stderr[-300:]}")
        counts.append(int(match[1]))
    return (counts[1] - counts[0]) / times


def compare(ref: str, rounds: int, runs: int, count_instructions: bool) -> None:
    """The current extractor against `ref`'s, alternating child processes; prints the ratios."""
    with tempfile.TemporaryDirectory() as temp:
        trees = {"before": str(unpack(ref, Path(temp))), "now": str(ROOT)}
        best: dict[str, dict[str, float]] = {"before": {}, "now": {}}
        if count_instructions:
            for name, _data, _url in article_cases():
                for label, tree in trees.items():
                    best[label][name] = instructions(tree, name, 5)
        for _ in range(0 if count_instructions else runs):
            for label, tree in trees.items():
                child = subprocess.run(
                    [sys.executable, __file__, "--measure-tree", tree, "--rounds", str(rounds)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                for name, micros in json.loads(child.stdout).items():
                    best[label][name] = min(best[label].get(name, float("inf")), micros)
    unit, scale = ("M instr", 1e-6) if count_instructions else ("µs", 1.0)
    print(f"{'article page':<18}  {'before':>12}  {'now':>12}  change")
    for name in best["now"]:
        before, now = best["before"][name], best["now"][name]
        print(
            f"{name:<18}  {before * scale:7.1f} {unit:<4}  {now * scale:7.1f} {unit:<4}  "
            f"{100 * (now / before - 1):+6.1f}%"
        )


def bare_parse(data: bytes, url: str) -> object:
    """The floor: one lxml parse and nothing else."""
    return etree.fromstring(data, etree.HTMLParser())


def measure(
    fn: Callable[[bytes, str], object],
    data: bytes,
    url: str,
    rounds: int,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """Best of five runs, in microseconds per call."""
    fn(data, url)  # warm up
    best = float("inf")
    for _ in range(5):
        start = clock()
        for _ in range(rounds):
            fn(data, url)
        best = min(best, (clock() - start) / rounds)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--against", metavar="REF", help="compare with the extractor of a commit")
    parser.add_argument("--runs", type=int, default=3, help="alternating runs with --against")
    parser.add_argument(
        "--instructions",
        action="store_true",
        help="with --against: count instructions with valgrind instead of timing (busy machines)",
    )
    parser.add_argument("--measure-tree", help=argparse.SUPPRESS)
    parser.add_argument("--run-tree", help=argparse.SUPPRESS)
    parser.add_argument("--page", help=argparse.SUPPRESS)
    parser.add_argument("--times", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    rounds = args.rounds
    if args.measure_tree:
        print(json.dumps(measure_tree(args.measure_tree, rounds)))
        return
    if args.run_tree:
        run_tree(args.run_tree, args.page, args.times)
        return
    if args.against:
        if args.instructions and shutil.which("valgrind") is None:
            sys.exit("bench_extract: --instructions needs valgrind (apt-get install valgrind)")
        compare(args.against, max(1, rounds // 3), args.runs, args.instructions)
        return
    # Imported here, not at the top: a --measure-tree child must import the tree it was given.
    from dodnews.extract import extract_article, extract_listing, extract_rss

    url = ARTICLES["news-story"]
    cases: list[tuple[str, Callable[[bytes, str], object], bytes, str]] = [
        (f"article {name}", extract_article, (PAGES / f"{name}.html").read_bytes(), page_url)
        for name, page_url in ARTICLES.items()
    ]
    cases.append(("article padded-real-size", extract_article, padded_article(), url))
    for name in ("listing-preview", "listing-items"):
        cases.append(
            (f"listing {name}", extract_listing, (PAGES / f"{name}.html").read_bytes(), url)
        )
    cases.append(("rss", extract_rss, (PAGES / "rss.xml").read_bytes(), url))
    if REAL_HOME.exists():
        cases.append(("listing real-home-2020", extract_listing, REAL_HOME.read_bytes(), url))
    width = max(len(c[0]) for c in cases)
    print(f"{'page':<{width}}  {'size':>10}  {'extract':>13}  {'bare parse':>13}  ratio")
    for label, fn, data, page_url in cases:
        parse = measure(bare_parse, data, page_url, rounds)
        micros = measure(fn, data, page_url, rounds)
        print(
            f"{label:<{width}}  {len(data) / 1024:7.1f} KB  {micros:8.0f} µs/pg  "
            f"{parse:8.0f} µs/pg  {micros / parse:5.1f}"
        )


if __name__ == "__main__":
    main()
