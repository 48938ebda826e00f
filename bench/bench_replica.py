"""How fast the replica serves article pages: `python bench/bench_replica.py [--seconds 10]`.

Starts the replica with generated articles, then fetches article pages over keep-alive
connections (asyncio streams, raw HTTP/1.1) for a bounded time: first every article once (cold
cache: each page rendered), then random articles (warm cache: only view state is new).
Prints pages/s for both phases.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from dodnews.replica import content, generator
from dodnews.replica.testing import ReplicaProcess
from dodnews.site import WAR, article_path


async def _fetch_loop(host: str, port: int, paths: list[str], deadline: float, gz: bool) -> int:
    """One keep-alive connection fetching `paths` (popped from the shared list) until done."""
    reader, writer = await asyncio.open_connection(host, port)
    extra = "Accept-Encoding: gzip\r\n" if gz else ""
    done = 0
    try:
        while paths and time.monotonic() < deadline:
            path = paths.pop()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            body = await reader.readexactly(length)
            if status != 200 or len(body) < 1000:
                raise RuntimeError(f"{path}: status {status}, {len(body)} bytes")
            done += 1
    finally:
        writer.close()
    return done


async def _phase(url: str, paths: list[str], seconds: float, concurrency: int, gz: bool) -> tuple:
    host, port = url.removeprefix("http://").split(":")
    start = time.monotonic()
    counts = await asyncio.gather(
        *(_fetch_loop(host, int(port), paths, start + seconds, gz) for _ in range(concurrency))
    )
    elapsed = time.monotonic() - start
    return sum(counts), elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0, help="time bound of each phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--gzip", action="store_true", help="ask for gzip bodies")
    args = parser.parse_args()

    hand, _ = content.load_data()
    arts = hand + generator.generate_articles(args.articles, args.seed)
    paths = [article_path(a["id"], a["section"], content.slug_of(a), WAR) for a in arts]
    with ReplicaProcess(articles=args.articles, seed=args.seed) as replica:
        cold = list(paths)
        random.Random(0).shuffle(cold)
        n_cold, t_cold = asyncio.run(
            _phase(replica.url, cold, args.seconds, args.concurrency, args.gzip)
        )
        warm = random.Random(1).choices(paths[: max(1, n_cold)], k=200_000)
        n_warm, t_warm = asyncio.run(
            _phase(replica.url, warm, args.seconds, args.concurrency, args.gzip)
        )
    print(f"articles={len(paths)} concurrency={args.concurrency} gzip={args.gzip}")
    print(
        f"cold (render + serve): {n_cold} pages in {t_cold:.1f} s = {n_cold / t_cold:.0f} pages/s"
    )
    print(
        f"warm (cached render):  {n_warm} pages in {t_warm:.1f} s = {n_warm / t_warm:.0f} pages/s"
    )


if __name__ == "__main__":
    main()
