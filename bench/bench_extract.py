"""Microseconds per page for extraction on the fixture pages (and a padded, real-sized article).

Beside each figure, the cost of a bare lxml parse of the same bytes, measured in the same loop, so
that the ratio stays meaningful on a busy machine. Run: python bench/bench_extract.py [--rounds N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from dodnews.extract import extract_article, extract_listing, extract_rss

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


def bare_parse(data: bytes, url: str) -> object:
    """The floor: one lxml parse and nothing else."""
    return etree.fromstring(data, etree.HTMLParser())


def measure(fn: Callable[[bytes, str], object], data: bytes, url: str, rounds: int) -> float:
    """Best of five runs, in microseconds per call."""
    fn(data, url)  # warm up
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            fn(data, url)
        best = min(best, (time.perf_counter() - start) / rounds)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    rounds = parser.parse_args().rounds
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
