"""Pages/s of 1, 2 and 3 shared-crawl workers: `python bench/bench_workers.py [--articles 1000]`.

Starts the replica with generated articles and a per-request latency (default 50 ms, like a
real origin), then crawls it completely with N `scrapy crawl news` workers sharing one crawl
over Redis (one worker runs the same shared mode, for a like-for-like baseline). Every article
page is fetched once first, so that no measured run pays for the replica's first rendering.
Each N gets a fresh PostgreSQL database (SQLite when PostgreSQL is absent) and its own crawl
id. Prints, per N: pages fetched, wall time from launch to the last exit, pages/s, and the
speed-up over 1 worker. Every worker is polite per process (`--concurrency` requests at once),
so one process is bound by latency, not CPU: that is the case where more workers help.

Then the largest N again under a shared politeness limit of `--limit` requests/s
(DODNEWS_RATE_LIMIT, one token bucket in Redis for all workers): the replica's own request
counts say whether the workers kept to it together (the busiest second, the mean rate) and how
the time the crawl took compares with the time its requests need at that rate.
"""

from __future__ import annotations

import argparse
import ast
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.replica.testing import ReplicaProcess

REDIS = "redis://127.0.0.1:6379/0"
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def archive_database(root: Path, label: str) -> Iterator[str]:
    """A throwaway PostgreSQL database (dropped afterwards), else a SQLite file."""
    try:
        import psycopg

        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3)
    except Exception:
        yield f"sqlite:///{root / (label + '.sqlite')}"
        return
    name = f"dodnews_bench_{secrets.token_hex(5)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def final_stats(log: str) -> dict[str, object]:
    """The stats dict Scrapy dumps at the end of a crawl log."""
    start = log.rindex("Dumping Scrapy stats:\n") + len("Dumping Scrapy stats:\n")
    end = log.index("}\n", start) + 1
    text = log[start:end]
    text = text.replace("datetime.datetime(", "(").replace("tzinfo=datetime.timezone.utc", "0")
    return ast.literal_eval(text)


def crawl(
    replica_url: str, workers: int, root: Path, concurrency: int, limit: float = 0.0
) -> tuple[int, float]:
    """Run one shared crawl with `workers` processes (a shared limit of `limit` requests/s, 0:
    none); (pages fetched, wall seconds)."""
    from dodnews.archive import Archive

    crawl_id = f"bench-{secrets.token_hex(4)}"
    settings = {
        "DODNEWS_REDIS_URL": REDIS,
        "DODNEWS_CRAWL_ID": crawl_id,
        "DODNEWS_WARC_DIR": str(root / "warc"),
        "DODNEWS_PROGRESS_INTERVAL": 0,
        "DODNEWS_WRITE_REPORTS": 0,
        "DODNEWS_REDIS_IDLE_GRACE": 0.5,
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "DODNEWS_RATE_LIMIT": limit,
        "LOG_LEVEL": "INFO",
    }
    with archive_database(root, f"w{workers}") as archive:
        Archive.open(archive).close()
        logs = [root / f"w{workers}-{i}.log" for i in range(workers)]
        started = time.monotonic()
        procs = []
        for log in logs:
            with log.open("w") as handle:
                procs.append(
                    subprocess.Popen(
                        crawl_command("news", {"base_url": replica_url}, settings),
                        env=crawl_env(archive),
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                    )
                )
        codes = [p.wait(600) for p in procs]
        wall = time.monotonic() - started
        if any(codes):
            sys.exit(f"a worker failed ({codes}); see {logs}")
        pages = sum(
            int(final_stats(log.read_text()).get("downloader/response_count", 0)) for log in logs
        )
    left = list(redis.Redis.from_url(REDIS).scan_iter(match=f"dodnews:news:{crawl_id}*"))
    if left:
        sys.exit(f"keys left behind: {left[:3]}")
    return pages, wall


def warm_up(replica: ReplicaProcess, articles: int) -> int:
    """Fetch every article page once, so no measured crawl pays for first-time rendering."""
    from concurrent.futures import ThreadPoolExecutor

    from dodnews.replica import content, generator
    from dodnews.site import WAR, article_path

    hand, _ = content.load_data()
    arts = hand + generator.generate_articles(articles, 1)
    paths = [article_path(a["id"], a["section"], content.slug_of(a), WAR) for a in arts]
    with ThreadPoolExecutor(32) as pool:
        statuses = list(pool.map(lambda path: replica.get(path)[0], paths))
    return statuses.count(200)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="generated articles")
    parser.add_argument("--latency", type=float, default=50.0, help="ms per replica request")
    parser.add_argument("--concurrency", type=int, default=1, help="requests at once per worker")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure")
    parser.add_argument(
        "--limit", type=float, default=20.0, help="shared requests/s for the last run (0: skip)"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]
    with (
        tempfile.TemporaryDirectory() as tmp,
        ReplicaProcess(articles=args.articles, latency_ms=args.latency) as replica,
    ):
        print(
            f"replica: {args.articles} generated articles + data, {args.latency:g} ms latency; "
            f"{args.concurrency} requests at once per worker"
        )
        print(f"warm-up: {warm_up(replica, args.articles)} article pages rendered once")
        rates: dict[int, float] = {}
        for n in counts:
            root = Path(tmp) / f"n{n}"
            root.mkdir()
            replica.requests(reset=True)
            pages, wall = crawl(replica.url, n, root, args.concurrency)
            rates[n] = pages / wall
            seen = replica.requests()
            print(
                f"{n} worker(s): {pages} pages in {wall:5.1f} s = {rates[n]:6.1f} pages/s "
                f"(x{rates[n] / rates[counts[0]]:.2f}); at the replica: {seen['total']} "
                f"requests, at most {seen['max_in_any_second']} in one second"
            )
        most = max(counts)
        limited = None
        if args.limit > 0:
            root = Path(tmp) / "limited"
            root.mkdir()
            replica.requests(reset=True)
            pages, wall = crawl(replica.url, most, root, args.concurrency, args.limit)
            limited = replica.requests()
            print(
                f"{most} worker(s), shared limit {args.limit:g}/s: {pages} pages in {wall:5.1f} s "
                f"= {pages / wall:6.1f} pages/s"
            )
    if limited is not None:
        span = limited["last"] - limited["first"]
        implied = (limited["total"] - 1) / args.limit
        print(
            f"shared limit: {most} workers, at most {args.limit:g} requests/s: "
            f"{limited['total']} requests in {span:.1f} s at the replica = "
            f"{limited['total'] / span:.1f}/s, busiest second {limited['max_in_any_second']}; "
            f"the limit implies {implied:.1f} s ({span / implied:.2f}x)"
        )
    if 1 in rates:
        print(
            f"no limit: {most} workers x{rates[most] / rates[1]:.2f} the pages/s of 1 "
            f"({rates[1]:.1f} -> {rates[most]:.1f})"
        )


if __name__ == "__main__":
    main()
