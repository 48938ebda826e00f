"""Report cost as history grows: full regeneration vs one crawl run's update of diffs/.

For each size (default 1,000 and 10,000 changes; `--sizes 1000 10000 100000` adds 100,000, whose
archive takes about ten minutes to build) it builds a SQLite archive through the archive API, as
crawls would: made-up articles (ten paragraphs, an image, tags) captured run after run, four runs
a day, each run giving 25 articles their next version (a figure, a reworded sentence, a paragraph
added; five versions each), and every 40th run adding the same notice to 30 more articles (a
rollout). Then, each in a fresh process:

  full    `dodnews report`: every file of diffs/ written from the archive
  update  the next run's 25 changes recorded, then that crawl's update of diffs/

and prints wall and CPU time, peak memory (VmHWM) and how much of it came after the imports, the
files written and the size of atom.xml. Nothing is asserted. The full regeneration should grow at
most linearly with the changes, in flat memory; the update should not grow at all.

Usage: python bench/bench_reports.py [--sizes 1000 10000 [100000]] [--workdir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

PER_RUN = 25  # changes a run
RUNS_A_DAY = 4
ROLLOUT_EVERY = 40  # runs
ROLLOUT_SIZE = 30  # articles
VERSIONS = 6  # an article changes five times
NOTICE = (
    "This article is kept as part of a collection of past news; some facts and links in it "
    "may no longer be current."
)
START = datetime(2022, 1, 3, 6, 0, tzinfo=UTC)
WORDS = [
    *("crews", "engineers", "soldiers", "sailors", "airmen", "officials", "the", "bridge"),
    *("base", "river", "port", "exercise", "training", "convoy", "supplies", "aircraft"),
    *("vessel", "harbor", "depot", "range", "command", "district", "unit", "team"),
]


def story(article_id: int, version: int, notice: str | None) -> object:
    """A made-up article; each version moves a figure and rewords a sentence."""
    from dodnews.model import Article, Image

    rng = random.Random(article_id)  # each story its own text, as on the site

    def sentence() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(18)).capitalize() + "."

    paragraphs = [f"{sentence()} {sentence()} ({article_id}-{n})" for n in range(10)]
    cost, days = 100 + article_id % 400, 30 + article_id % 200  # each story its own figures
    paragraphs[1] = (
        f"The project cost ${cost + 25 * version} million and took {days + 5 * version} days, "
        f"officials at site {article_id % 613} said on Tuesday."
    )
    if version >= 3:
        paragraphs[4] = paragraphs[4].replace(" ", " and ", 1) + " Work resumed in the spring."
    if version >= 4:
        paragraphs.append(
            f"A follow-up inspection of site {article_id % 613} is set for week "
            f"{version * 3 + article_id % 40}."
        )
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/report/",
        section="news-stories",
        title=f"Unit {article_id % 997} Completes Work on Section {article_id % 89}",
        published="2022-01-01T09:00:00-05:00",
        byline="By Staff Writer",
        paragraphs=paragraphs,
        images=[
            Image(
                src=f"https://media.defense.gov/2022/Jan/01/{article_id}/photo.jpg",
                virin=f"220101-D-ZZ999-{article_id % 10000:04d}",
                caption=f"Work on section {article_id % 89} in progress.",
                credit="Photo By: Staff",
            )
        ],
        tags=["Infrastructure", f"Region {article_id % 7}"],
        banner=notice,
    )


def capture(article_id: int, version: int, notice: str | None, when: datetime) -> object:
    from dodnews.model import OUTCOME_OK, Capture

    article = story(article_id, version, notice)
    return Capture(
        article_id=article_id,
        requested_url=article.url,  # type: ignore[attr-defined]
        fetched_at=when.isoformat(),
        outcome=OUTCOME_OK,
        status=200,
        final_url=article.url,  # type: ignore[attr-defined]
        headers={"Content-Type": "text/html"},
        body_digest="sha256:" + f"{article_id:064d}"[-64:],
        warc_file="bench.warc.gz",
        warc_record_id=f"<urn:uuid:{article_id}-{version}>",
        article=article,
    )


def build(url: str, changes: int) -> tuple[int, datetime]:
    """An archive with `changes` changes, recorded run by run; returns the next article id and
    the time of the next run."""
    from dodnews.archive import Archive

    articles = changes // (VERSIONS - 1) + 1
    first_id = 3_000_000
    # Run after run, PER_RUN articles get their next version, each article five runs in a row:
    # every size has the same mix of edits.
    schedule = [
        (first_id + n, v)
        for block in range(0, articles, PER_RUN)
        for v in range(2, VERSIONS + 1)
        for n in range(block, min(block + PER_RUN, articles))
    ][:changes]
    noticed: set[int] = set()
    with Archive.open(url) as archive:
        run = archive.start_run("news")
        for start in range(0, articles, 500):
            batch = [
                capture(first_id + n, 1, None, START - timedelta(days=1))
                for n in range(start, min(start + 500, articles))
            ]
            archive.record_captures(batch, run_id=run)
        archive.finish_run(run, "ok")
        version_of = {}
        for number, start in enumerate(range(0, len(schedule), PER_RUN)):
            when = START + timedelta(hours=24 / RUNS_A_DAY * number)
            run = archive.start_run("recheck")
            batch = []
            todo = schedule[start : start + PER_RUN]
            if number % ROLLOUT_EVERY == ROLLOUT_EVERY - 1:
                # a notice on articles otherwise unchanged this run: a rollout of its own
                busy = {a for a, _ in todo}
                fresh = dict.fromkeys(
                    a for a, _ in schedule[start:] if a not in noticed and a not in busy
                )
                for article_id in list(fresh)[:ROLLOUT_SIZE]:
                    noticed.add(article_id)
                    batch.append(capture(article_id, version_of.get(article_id, 1), NOTICE, when))
            for offset, (article_id, version) in enumerate(todo):
                version_of[article_id] = version
                notice = NOTICE if article_id in noticed else None
                batch.append(capture(article_id, version, notice, when + timedelta(minutes=offset)))
            archive.record_captures(batch, run_id=run)
            archive.finish_run(run, "ok")
        next_run = START + timedelta(hours=24 / RUNS_A_DAY * (number + 1))
        return first_id + articles, next_run


def one_more_run(url: str, next_id: int, when: datetime) -> list[int]:
    """The next run: PER_RUN articles changed (new ones, so it adds exactly that many changes)."""
    from dodnews.archive import Archive

    with Archive.open(url) as archive:
        run = archive.start_run("recheck")
        ids = range(next_id, next_id + PER_RUN)
        archive.record_captures(
            [capture(a, 1, None, when - timedelta(hours=1)) for a in ids], run_id=run
        )
        results = archive.record_captures([capture(a, 2, None, when) for a in ids], run_id=run)
        archive.finish_run(run, "ok")
    return [r.change_id for r in results if r.change_id is not None]


def peak_rss_kb() -> int:
    """The process's peak resident memory in KiB: VmHWM, which (unlike ru_maxrss) does not
    start from the peak of the process that started this one."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(mode: str, url: str, diffs: str, ids: list[int]) -> None:
    """In a fresh process: one report job, then its wall time and memory as JSON."""
    from dodnews.archive import Archive
    from dodnews.reports.reporting import regenerate_archive_reports, update_archive_reports

    baseline = peak_rss_kb()
    with Archive.open(url) as archive:
        started, cpu = time.perf_counter(), time.process_time()
        if mode == "full":
            result = regenerate_archive_reports(archive, diffs, record_paths=False)
        else:
            result = update_archive_reports(archive, diffs, ids)
        took, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_kb()
    print(
        json.dumps(
            {
                "seconds": took,
                "cpu": cpu,
                "peak_mb": peak / 1024,
                "above_imports_mb": (peak - baseline) / 1024,
                "written": result.files_written,
                "rendered": result.files_written + result.files_unchanged,
            }
        )
    )


def run_measure(mode: str, url: str, diffs: Path, ids: list[int]) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", mode, url, str(diffs), json.dumps(ids)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ)
    return json.loads(done.stdout.strip().splitlines()[-1])


def count_changes(url: str) -> int:
    from dodnews.archive import Archive

    with Archive.open(url) as archive:
        return int(archive.max_change_id())


def folder_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.iterdir() if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--measure":
        _, _, mode, url, diffs, ids = sys.argv
        measure(mode, url, diffs, json.loads(ids))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--workdir", help="where archives and reports go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench-reports-"))
    work.mkdir(parents=True, exist_ok=True)
    print(
        f"{'':16} | full regeneration (dodnews report)        | one run's update (25 changes)\n"
        f"{'changes':>8} {'build s':>7} | {'wall s':>6} {'cpu s':>6} {'peak MB':>7} {'+MB':>5} "
        f"{'files':>6} {'MB':>5} | {'wall s':>6} {'cpu s':>6} {'peak MB':>7} {'+MB':>5} "
        f"{'files':>5} | {'atom.xml KB':>11}"
    )
    try:
        for size in args.sizes:
            path = work / f"archive-{size}.sqlite"
            url = f"sqlite:///{path}"
            diffs = work / f"diffs-{size}"
            for leftover in (path, diffs):
                if leftover.is_dir():
                    shutil.rmtree(leftover)
                elif leftover.exists():
                    leftover.unlink()
            started = time.perf_counter()
            next_id, next_run = build(url, size)
            built = time.perf_counter() - started
            changes = count_changes(url)
            full = run_measure("full", url, diffs, [])
            count, total = folder_size(diffs)
            ids = one_more_run(url, next_id, next_run)
            update = run_measure("update", url, diffs, ids)
            feed_kb = (diffs / "atom.xml").stat().st_size / 1024
            print(
                f"{changes:8d} {built:7.0f} | {full['seconds']:6.2f} {full['cpu']:6.2f} "
                f"{full['peak_mb']:7.0f} {full['above_imports_mb']:5.0f} {count:6d} "
                f"{total / 1e6:5.0f} | {update['seconds']:6.2f} {update['cpu']:6.2f} "
                f"{update['peak_mb']:7.0f} {update['above_imports_mb']:5.0f} "
                f"{update['rendered']:5.0f} | {feed_kb:11.0f}",
                flush=True,
            )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
