"""A not-modified recheck vs a plain re-download: `python bench/bench_recheck.py [--articles N]`.

Starts the replica with N generated articles (default 10,000) whose pages carry about 100 KB of
site chrome like the real site's (`--page-kb`, 0 for the lean pages), fills a fresh archive with
`scrapy crawl news` (untimed), then times, in the same run and against the same pages:

  (a) `scrapy crawl recheck -a all=1 -a listings=0`: conditional requests, 304s, no parsing;
  (b) a bare Scrapy spider fetching the same article URLs unconditionally and running
      extract_article on every page (no archive, no WARC);
  (c) the floor: a bare Scrapy spider sending the recheck's conditional requests (the archived
      ETags) and doing nothing with the 304s: what Scrapy itself costs per not-modified request,
      with no archive, no WARC, no capture. (a) can only beat (b) by (b)/(c) or less;
  (d) `scrapy crawl recheck -a all=1 -a listings=0 -a refetch=1`: the same re-capture without
      conditional requests or digest check, every page downloaded, archived in the WARC and
      parsed (in the extraction worker, as (a) would): what the 304s save within dodnews.

Prints captures/s and CPU seconds per capture of each (the crawl processes' own CPU, from
getrusage of the waited-for children; the replica is not counted), the ratios, and the archive and
WARC bytes the recheck added per unchanged capture. (a) and (c) then run again in turn
(`--pairs`, 3 pairs in all by default), and the last line gives the recheck's captures/s and
CPU per capture against the floor's, pair by pair, lowest first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.replica.testing import ReplicaProcess
from dodnews.replica.weight import add_page_kb_option

LOOPBACK = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": False,
}


def plain_spider(urls_file: str) -> None:
    """Mode (b), run in a child process: fetch every URL and extract the article."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    from dodnews.extract import extract_article

    urls = json.loads(Path(urls_file).read_text())

    class Plain(scrapy.Spider):
        name = "plain"
        parsed = 0

        async def start(self):  # type: ignore[override]
            for url in urls:
                yield scrapy.Request(url, dont_filter=True)

        def parse(self, response):  # type: ignore[override]
            extract_article(response.body, response.url)
            self.crawler.stats.inc_value("bench/parsed")

    process = CrawlerProcess(settings=LOOPBACK)
    process.crawl(Plain)
    process.start()


def floor_spider(requests_file: str) -> None:
    """Mode (c), run in a child process: the conditional requests, their 304s ignored."""
    import scrapy
    from scrapy.crawler import CrawlerProcess

    requests = json.loads(Path(requests_file).read_text())

    class Floor(scrapy.Spider):
        name = "floor"

        async def start(self):  # type: ignore[override]
            for url, headers in requests:
                yield scrapy.Request(
                    url, headers=headers, dont_filter=True, meta={"handle_httpstatus_list": [304]}
                )

        def parse(self, response):  # type: ignore[override]
            self.crawler.stats.inc_value(f"bench/status/{response.status}")

    process = CrawlerProcess(settings=LOOPBACK)
    process.crawl(Floor)
    process.start()


def timed(argv: list[str], env: dict[str, str] | None = None, log: Path | None = None) -> dict:
    """Run a child to the end: wall seconds, CPU seconds (user + system) and exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(log or os.devnull, "w") as out:
        done = subprocess.run(argv, env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "code": done.returncode}


def size_of(*paths: Path) -> int:
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        elif path.exists():
            total += path.stat().st_size
    return total


def stat_of(log: Path, name: str) -> int:
    import re

    match = re.search(rf"'{re.escape(name)}': (\d+)", log.read_text())
    return int(match.group(1)) if match else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    add_page_kb_option(parser)
    parser.add_argument("--keep", help="keep the archive, WARC files and logs in this folder")
    parser.add_argument(
        "--pairs", type=int, default=3, help="times (a) and (c) run, in turn (default 3)"
    )
    args = parser.parse_args()

    root = Path(args.keep or tempfile.mkdtemp(prefix="dodnews-bench-recheck-"))
    root.mkdir(parents=True, exist_ok=True)
    db = root / "archive.sqlite"
    warc = root / "warc"
    archive_url = f"sqlite:///{db}"
    settings = {"DODNEWS_WARC_DIR": str(warc), "DODNEWS_PROGRESS_INTERVAL": 60}
    env = crawl_env(archive_url, str(root / "diffs"), {"DODNEWS_WRITE_REPORTS": "0"})
    with ReplicaProcess(
        articles=args.articles,
        seed=args.seed,
        start_timeout=300,
        extra_args=["--page-kb", str(args.page_kb)],
    ) as replica:
        print(
            f"replica: {args.articles} generated articles at {replica.url}, "
            f"pages + {args.page_kb} KB of site chrome",
            flush=True,
        )
        fill = timed(
            crawl_command("news", {"base_url": replica.url, "related_depth": 0}, settings),
            env,
            root / "news.log",
        )
        if fill["code"] != 0:
            print(f"news crawl failed (exit {fill['code']}); see {root / 'news.log'}")
            return 1
        from dodnews.archive import Archive
        from dodnews.site import WAR, map_to_base

        with Archive.open(archive_url) as archive:
            known = archive.known_articles()
        urls = [map_to_base(a.url, replica.url, WAR) for a in known if a.url]
        (root / "urls.json").write_text(json.dumps(urls))
        conditional = [
            [
                map_to_base(a.url, replica.url, WAR),
                {"If-None-Match": a.etag, "Cache-Control": "max-age=0"},
            ]
            for a in known
            if a.url and a.etag
        ]
        (root / "conditional.json").write_text(json.dumps(conditional))
        print(f"fill: {len(urls)} articles archived in {fill['wall']:.0f} s (untimed)", flush=True)

        archive_before = size_of(db, db.with_name(db.name + "-wal"))
        warc_before = size_of(warc)
        recheck = timed(
            crawl_command("recheck", {"base_url": replica.url, "all": 1, "listings": 0}, settings),
            env,
            root / "recheck.log",
        )
        archive_added = size_of(db, db.with_name(db.name + "-wal")) - archive_before
        warc_added = size_of(warc) - warc_before
        not_modified = stat_of(root / "recheck.log", "dodnews/captures/not-modified")
        refetch = timed(
            crawl_command(
                "recheck",
                {"base_url": replica.url, "all": 1, "listings": 0, "refetch": 1},
                settings,
            ),
            env,
            root / "refetch.log",
        )
        refetched = stat_of(root / "refetch.log", "dodnews/captures/ok")
        plain = timed(
            [sys.executable, __file__, "--plain", str(root / "urls.json")],
            None,
            root / "plain.log",
        )
        parsed = stat_of(root / "plain.log", "bench/parsed")
        floor = timed(
            [sys.executable, __file__, "--floor", str(root / "conditional.json")],
            None,
            root / "floor.log",
        )
        floor_304 = stat_of(root / "floor.log", "bench/status/304")
        # (a) ran first, right after the fill, and (c) last: more pairs, in turn, show how much
        # of the difference is the machine's drift (a shared machine's load comes and goes).
        pairs = [(recheck, floor)]
        for i in range(1, args.pairs):
            again = timed(
                crawl_command(
                    "recheck", {"base_url": replica.url, "all": 1, "listings": 0}, settings
                ),
                env,
                root / f"recheck-{i}.log",
            )
            floor_again = timed(
                [sys.executable, __file__, "--floor", str(root / "conditional.json")],
                None,
                root / f"floor-{i}.log",
            )
            pairs.append((again, floor_again))

    n = len(urls)
    print(f"(a) recheck, 304s:       exit {recheck['code']}, {not_modified} not-modified captures")
    print(f"(b) plain re-download:   exit {plain['code']}, {parsed} pages parsed")
    print(f"(c) floor, 304s ignored: exit {floor['code']}, {floor_304} not-modified answers")
    print(f"(d) recheck -a refetch=1: exit {refetch['code']}, {refetched} pages parsed")
    rate_a, rate_b = n / recheck["wall"], n / plain["wall"]
    cpu_a, cpu_b = recheck["cpu"] / n, plain["cpu"] / n
    print(f"{'':24}{'captures/s':>12}{'CPU ms/capture':>16}{'wall s':>9}")
    print(f"{'(a) recheck (304)':24}{rate_a:>12.0f}{cpu_a * 1000:>16.2f}{recheck['wall']:>9.1f}")
    print(f"{'(b) plain + parse':24}{rate_b:>12.0f}{cpu_b * 1000:>16.2f}{plain['wall']:>9.1f}")
    rate_c, cpu_c = n / floor["wall"], floor["cpu"] / n
    print(
        f"{'(c) floor (Scrapy, 304)':24}{rate_c:>12.0f}{cpu_c * 1000:>16.2f}{floor['wall']:>9.1f}"
    )
    rate_d, cpu_d = n / refetch["wall"], refetch["cpu"] / n
    print(
        f"{'(d) recheck, refetch=1':24}{rate_d:>12.0f}{cpu_d * 1000:>16.2f}{refetch['wall']:>9.1f}"
    )
    print(f"ratio (a)/(b): {rate_a / rate_b:.2f}x captures/s, {cpu_b / cpu_a:.2f}x less CPU")
    print(
        f"ratio (a)/(d): {rate_a / rate_d:.2f}x captures/s, {cpu_d / cpu_a:.2f}x less CPU "
        "(dodnews with and without conditional requests)"
    )
    print(
        f"ceiling (c)/(b): {rate_c / rate_b:.2f}x captures/s, {cpu_b / cpu_c:.2f}x less CPU "
        "(a recheck whose own work cost nothing)"
    )
    for i, (a, c) in enumerate(pairs[1:], start=2):
        print(
            f"pair {i}: (a) {n / a['wall']:.0f} captures/s, {a['cpu'] / n * 1000:.2f} ms; "
            f"(c) {n / c['wall']:.0f} captures/s, {c['cpu'] / n * 1000:.2f} ms"
        )
    speed = sorted(c["wall"] / a["wall"] for a, c in pairs)
    cost = sorted(a["cpu"] / c["cpu"] for a, c in pairs)
    print(
        f"recheck against the floor (a)/(c), {len(pairs)} pair(s): "
        f"{' '.join(f'{x:.2f}' for x in speed)} of its captures/s, "
        f"{' '.join(f'{x:.2f}' for x in cost)} of its CPU per capture"
    )
    print(
        f"added per unchanged capture: archive {archive_added / n:.0f} bytes, "
        f"WARC {warc_added / n:.0f} bytes"
    )
    if not args.keep:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--plain":
        plain_spider(sys.argv[2])
        sys.exit(0)
    if len(sys.argv) == 3 and sys.argv[1] == "--floor":
        floor_spider(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
