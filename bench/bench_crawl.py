"""Benchmark: `scrapy crawl news` with the full pipeline beside a bare Scrapy spider, same replica.

Starts the replica with N generated articles (default 5,000) on 127.0.0.1, each page carrying about
100 KB of site chrome as the real site's pages do (`--page-kb`; 0 serves the lean 2-7 KB pages),
and runs, in one go:

0. a warm-up pass of the bare spider (fills the replica's page cache; not counted),
a. the bare spider: the same listing and article URLs the news spider fetches, the same
   concurrency settings (the loopback ones), robots.txt obeyed, and only `<title>` parsed,
b. `scrapy crawl news` into a fresh SQLite archive with WARC on (extraction, normalization,
   validation, archive writes, WARC records), with its loopback defaults: article pages are
   parsed by one extraction worker process beside the crawl (DODNEWS_EXTRACT_WORKERS=1),
c. `scrapy crawl news` again on the unchanged replica into the same archive: captures/s and the
   bytes each unchanged capture adds to the SQLite file and to the WARC files (the articles the
   archive knows are asked for with their ETag: 304s),
d. the same recrawl with `-a refetch=1` (every page downloaded and parsed again), for comparison.

Rates are responses received / the crawl's own elapsed time (Scrapy's `elapsed_time_seconds`),
so process start-up is left out of both. Every crawl is a child process.

Usage: python bench/bench_crawl.py [--articles 5000] [--seed 1] [--latency MS] [--page-kb 100]
                                  [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import scrapy

LOOPBACK = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_ITEMS": 8,
}


class TitleSpider(scrapy.Spider):
    """The baseline: fetch the given URLs and read each page's <title>, nothing else."""

    name = "titles"
    custom_settings = {
        **LOOPBACK,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }

    def __init__(self, urls: str = "", out: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.urls = Path(urls).read_text().split()
        self.out = out
        self.titles = 0

    async def start(self):  # type: ignore[override]
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response: scrapy.http.Response) -> None:
        if response.css("title::text").get() is not None:
            self.titles += 1

    def closed(self, reason: str) -> None:
        from datetime import UTC, datetime

        stats = self.crawler.stats.get_stats()
        # measured as Scrapy's elapsed_time_seconds is (set after this callback runs)
        elapsed = (datetime.now(UTC) - stats["start_time"]).total_seconds()
        Path(self.out).write_text(
            json.dumps(
                {
                    "elapsed": elapsed,
                    "responses": stats.get("response_received_count", 0),
                    "titles": self.titles,
                }
            )
        )


def run_bare(urls_file: Path, out: Path) -> None:
    """Child-process entry: the bare spider with Scrapy's defaults and the loopback settings."""
    from scrapy.crawler import CrawlerProcess

    process = CrawlerProcess({"LOG_LEVEL": "WARNING"})
    process.crawl(TitleSpider, urls=str(urls_file), out=str(out))
    process.start()


def site_urls(base: str, articles: int, seed: int) -> list[str]:
    """The pages `scrapy crawl news` fetches on an unchanged replica: listings, then articles."""
    from dodnews.replica.content import build_timeline
    from dodnews.replica.pages import PAGE_SIZE, link_url
    from dodnews.site import listing_url, map_to_base

    state = build_timeline(articles=articles, seed=seed).state(0)
    site = state.site
    urls = []
    for section in site.section_keys:
        pages = -(-len(state.by_section[section]) // PAGE_SIZE)
        # the spider reads one page past the end to learn the listing is over
        urls += [
            map_to_base(listing_url(section, site, p), base, site) for p in range(1, pages + 2)
        ]
    urls += [map_to_base(link_url(state.articles[i], site), base, site) for i in state.order]
    return urls


def bare_crawl(urls: list[str], work: Path) -> dict[str, Any]:
    urls_file, out = work / "urls.txt", work / "bare.json"
    urls_file.write_text("\n".join(urls))
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--bare", str(urls_file), str(out)],
        check=True,
        env=env,
        cwd=work,
        stdin=subprocess.DEVNULL,
    )
    result = json.loads(out.read_text())
    result["wall"] = time.perf_counter() - started
    return result


def news_crawl(
    base: str, work: Path, archive: str, warc: Path, label: str, **args: Any
) -> dict[str, Any]:
    from dodnews.monitor.crawling import run_crawl

    log = work / f"news-{label}.log"
    started = time.perf_counter()
    done = run_crawl(
        "news",
        {"base_url": base, **args},
        settings={"DODNEWS_WARC_DIR": str(warc), "DODNEWS_PROGRESS_INTERVAL": 0},
        archive=archive,
        diffs_dir=str(work / "diffs"),
        log_file=str(log),
    )
    wall = time.perf_counter() - started
    text = log.read_text()
    if done.returncode != 0:
        sys.exit(f"news crawl {label} failed ({done.returncode}); log: {log}\n{text[-3000:]}")

    def stat(key: str) -> float:
        match = re.search(rf"'{re.escape(key)}': ([\d.]+)", text)
        return float(match.group(1)) if match else 0.0

    return {
        "elapsed": stat("elapsed_time_seconds"),
        "responses": int(stat("response_received_count")),
        "captures": int(stat("dodnews/captures/total")),
        "ok": int(stat("dodnews/captures/ok")),
        "unchanged": int(stat("dodnews/captures/unchanged")),
        "not_modified": int(stat("dodnews/captures/not-modified")),
        "versions": int(stat("dodnews/versions/new")),
        "revisits": int(stat("dodnews/warc/writer/revisit")),
        "wall": wall,
    }


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def main(argv: list[str] | None = None) -> None:
    from dodnews.replica.weight import add_page_kb_option

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--latency", type=float, default=0.0, help="replica latency per response in ms"
    )
    add_page_kb_option(parser)
    parser.add_argument("--keep", help="keep the archive, WARC files and logs in this directory")
    args = parser.parse_args(argv)

    from dodnews.replica.testing import ReplicaProcess

    work = Path(args.keep or tempfile.mkdtemp(prefix="bench-crawl-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "archive.sqlite"
    archive, warc = f"sqlite:///{db}", work / "warc"
    try:
        with ReplicaProcess(
            articles=args.articles,
            seed=args.seed,
            latency_ms=args.latency,
            start_timeout=120,
            extra_args=["--page-kb", str(args.page_kb)],
        ) as replica:
            urls = site_urls(replica.url, args.articles, args.seed)
            print(
                f"replica: {replica.state()['articles']} articles, {len(urls)} pages to fetch, "
                f"pages + {args.page_kb} KB of site chrome, {args.latency:g} ms latency"
            )
            bare_crawl(urls, work)  # warm-up: the replica renders each page once
            bare = bare_crawl(urls, work)
            first = news_crawl(replica.url, work, archive, warc, "first")
            db_before, warc_before = db.stat().st_size, dir_size(warc)
            second = news_crawl(replica.url, work, archive, warc, "second")
            db_after, warc_after = db.stat().st_size, dir_size(warc)
            third = news_crawl(replica.url, work, archive, warc, "refetch", refetch=1)
            db_refetched, warc_refetched = db.stat().st_size, dir_size(warc)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    bare_rate = bare["responses"] / bare["elapsed"]
    news_rate = first["responses"] / first["elapsed"]
    print(
        f"(a) bare spider:        {bare['responses']:6d} responses in {bare['elapsed']:6.2f} s "
        f"= {bare_rate:7.1f} pages/s  ({bare['titles']} titles; {bare['wall']:.1f} s wall)"
    )
    print(
        f"(b) scrapy crawl news:  {first['responses']:6d} responses in {first['elapsed']:6.2f} s "
        f"= {news_rate:7.1f} pages/s  ({first['captures']} captures, {first['versions']} versions;"
        f" {first['wall']:.1f} s wall)"
    )
    print(f"    ratio news/bare:    {news_rate / bare_rate:.2f}  (target >= 0.80)")
    for label, crawl, db_delta, warc_delta in (
        ("(c) unchanged recrawl: ", second, db_after - db_before, warc_after - warc_before),
        ("(d) same, refetch=1:   ", third, db_refetched - db_after, warc_refetched - warc_after),
    ):
        unchanged = max(crawl["unchanged"] + crawl["not_modified"], 1)
        print(
            f"{label} {crawl['captures']:6d} captures in {crawl['elapsed']:6.2f} s "
            f"= {crawl['captures'] / crawl['elapsed']:7.1f} captures/s  "
            f"({crawl['not_modified']} not modified, {crawl['unchanged']} parsed and unchanged, "
            f"{crawl['versions']} new versions)"
        )
        print(
            f"    archive (SQLite) +{db_delta:,} bytes = {db_delta / unchanged:.0f} B per "
            "unchanged capture (target < 1024)"
        )
        print(
            f"    WARC files       +{warc_delta:,} bytes = {warc_delta / unchanged:.0f} B per "
            f"unchanged capture ({crawl['revisits']} revisit records)"
        )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--bare":
        run_bare(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        main()
