"""Browser rendering cost on a long crawl: `python bench/bench_render.py [--articles 470]`.

Serves the replica with generated articles (about 500 article pages plus their listings), then
runs `scrapy crawl news` three ways in the same run:

* plain: `-a render=never` (the baseline),
* always: `-a render=always` (every listing and article fetched plainly, then rendered),
* fallback: `-a render=auto` against the JavaScript-only replica behind a bot wall on every
  article, so every page is retried once in Chromium.

For each it prints wall time, captures, pages/s, and the peak resident memory of the crawl's
whole process tree (Scrapy, Playwright's Node driver and every Chromium process), sampled from
/proc every 0.2 s; the peaks of the first and second half of the crawl show whether memory grows.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from dodnews.monitor.crawling import crawl_command, crawl_env
from dodnews.replica.testing import ReplicaProcess

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants."""
    tree = _children()
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as statm:
                total += int(statm.read().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(tree.get(pid, []))
    return total


def run(label: str, url: str, root: Path, render: str) -> dict[str, float]:
    work = root / label
    work.mkdir()
    argv = crawl_command(
        "news",
        {"base_url": url, "render": render, "related_depth": 0},
        {"DODNEWS_WARC_DIR": str(work / "warc"), "DODNEWS_PROGRESS_INTERVAL": 0},
    )
    env = crawl_env(f"sqlite:///{work / 'archive.sqlite'}", str(work / "diffs"))
    samples: list[tuple[float, int]] = []
    log = open(work / "crawl.log", "w")  # noqa: SIM115 - closed below
    start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)

    def sample() -> None:
        while proc.poll() is None:
            samples.append((time.monotonic() - start, tree_rss(proc.pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    proc.wait()
    wall = time.monotonic() - start
    sampler.join()
    log.close()
    text = (work / "crawl.log").read_text()
    if proc.returncode != 0:
        raise SystemExit(f"{label}: crawl failed ({proc.returncode}), see {work / 'crawl.log'}")
    captures = int(re.search(r"'dodnews/captures/ok': (\d+)", text).group(1))
    rendered = sum(
        int(n) for n in re.findall(r"'dodnews/render/(?:article|listing)/\w+': (\d+)", text)
    )
    closed = re.search(r"'playwright/page_count/closed': (\d+)", text)
    half = wall / 2
    first = max((r for t, r in samples if t <= half), default=0)
    second = max((r for t, r in samples if t > half), default=0)
    return {
        "wall": wall,
        "captures": captures,
        "rendered": rendered,
        "pages_closed": int(closed.group(1)) if closed else 0,
        "pages_per_s": captures / wall,
        "peak_mb": max((r for _, r in samples), default=0) / 2**20,
        "first_half_mb": first / 2**20,
        "second_half_mb": second / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=470, help="generated articles (+ ~33)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-render-"))
    results = {}
    with ReplicaProcess(epoch=0, articles=args.articles) as replica:
        results["plain (render=never)"] = run("plain", replica.url, root, "never")
        results["always (plain + browser)"] = run("always", replica.url, root, "always")
        replica.admin("js", set=1)
        replica.fault("botwall", path="/Article/")
        results["fallback (JS-only + bot wall)"] = run("fallback", replica.url, root, "auto")
    base = results["plain (render=never)"]
    print(
        f"{'crawl':32} {'captures':>8} {'rendered':>8} {'wall s':>7} {'pages/s':>8} "
        f"{'x plain':>7} {'peak MB':>8} {'1st half':>8} {'2nd half':>8}"
    )
    for label, r in results.items():
        print(
            f"{label:32} {r['captures']:8d} {r['rendered']:8d} {r['wall']:7.1f} "
            f"{r['pages_per_s']:8.1f} {base['pages_per_s'] / r['pages_per_s']:6.1f}x "
            f"{r['peak_mb']:8.0f} {r['first_half_mb']:8.0f} {r['second_half_mb']:8.0f}"
        )
    print(
        f"(browser pages closed: always {results['always (plain + browser)']['pages_closed']}, "
        f"fallback {results['fallback (JS-only + bot wall)']['pages_closed']}; logs in {root})"
    )


if __name__ == "__main__":
    main()
