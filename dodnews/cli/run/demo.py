"""`dodnews demo`: the whole job against the bundled replica, in under two minutes."""

from __future__ import annotations

import argparse
import shlex
import shutil
import time
from collections import Counter
from pathlib import Path

from dodnews.archive import Archive
from dodnews.cli.support import reports_dir
from dodnews.diffing.fragments import figure_only
from dodnews.errors import UserError
from dodnews.monitor.crawling import run_crawl
from dodnews.replica.testing import ReplicaError, ReplicaProcess
from dodnews.reports.reporting import write_archive_reports
from dodnews.site.profiles import load_configured
from dodnews.words import count


def _say(message: str) -> None:
    print(message, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.epochs < 1:
        raise UserError("--epochs must be at least 1")
    load_configured()  # replica and crawls inherit DODNEWS_SITE: a bad one fails here, once
    work = Path(args.workdir)
    if work.exists() and not work.is_dir():
        raise UserError(f"--workdir {work} is a file, not a folder")
    if work.is_dir() and any(work.iterdir()) and not (work / "archive.sqlite").exists():
        # Emptying it would delete whatever a mistyped path points at (a home folder...).
        raise UserError(f"--workdir {work} is not empty and not a demo folder; not emptying it")
    if work.exists():
        shutil.rmtree(work)
    (work / "logs").mkdir(parents=True)
    archive_url = f"sqlite:///{(work / 'archive.sqlite').resolve()}"
    diffs = Path(reports_dir(args))
    started = time.monotonic()
    settings = {
        "DODNEWS_WARC_DIR": str((work / "warc").resolve()),
        "DODNEWS_PROGRESS_INTERVAL": 0,
        "DODNEWS_WRITE_REPORTS": False,
    }

    def crawl(spider: str, label: str, **crawl_args: str) -> None:
        log = work / "logs" / f"{label}.log"
        done = run_crawl(
            spider,
            {"base_url": replica.url, **crawl_args},
            settings=settings,
            archive=archive_url,
            diffs_dir=str(diffs),
            log_file=str(log),
            timeout=600,
        )
        summary = next(
            (
                line.split("Summary: ", 1)[1]
                for line in log.read_text().splitlines()
                if "Summary: " in line
            ),
            "no summary (see the log)",
        )
        _say(f"  {label}: {summary}")
        if done.returncode != 0:
            raise UserError(f"the {label} crawl failed (exit {done.returncode}); see {log}")

    try:
        with ReplicaProcess(epoch=0) as replica:
            _say(f"Replica of the site serving on {replica.url} (epoch 0)")
            crawl("news", "crawl-epoch-0")
            for epoch in range(1, args.epochs + 1):
                manifest = replica.set_epoch(epoch)
                _say(
                    f"Replica switched to epoch {epoch}: "
                    f"{count(len(replica.manifest(epoch)['edits']), 'edit')} "
                    f"({_articles(manifest.get('articles'))} live)"
                )
                crawl("news", f"crawl-epoch-{epoch}")
                crawl("recheck", f"recheck-epoch-{epoch}", all="1")
    except ReplicaError as exc:
        raise UserError(f"the replica did not start: {exc}") from None

    with Archive.open(archive_url) as archive:
        index = write_archive_reports(archive, diffs)
        changes = archive.changes()
        stats = archive.stats()
    kinds = Counter(kind for change in changes for kind in change.kinds)
    _say(f"Archive {archive_url}: " + ", ".join(f"{v} {k}" for k, v in sorted(stats.items())))
    _say(
        f"{count(len(changes), 'change')} recorded: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    )
    for change in sorted(changes, key=lambda c: -c.significance)[:5]:
        # The first fact: an edit that is only a figure is said by the figure's own line.
        lines = [c.summary for c in change.report.changes if not figure_only(c)]
        first = lines[0] if lines else ""
        _say(f"  [{change.significance:.2f}] {change.title}: {first}")
    _say(f"Done in {time.monotonic() - started:.0f} s. Open {index.resolve()}")
    for line in explore_commands(archive_url, (work / "warc").resolve()):
        _say(line)
    return 0


def _articles(number: object) -> str:
    return count(number, "article") if isinstance(number, int) else "? articles"


def explore_commands(archive_url: str, warc_dir: Path) -> list[str]:
    """What to type next to keep exploring the demo's archive, one workspace for every command."""
    return [
        "Keep exploring the demo's archive (these settings point every command at it):",
        f"  export DODNEWS_ARCHIVE={shlex.quote(archive_url)} "
        f"DODNEWS_WARC_DIR={shlex.quote(str(warc_dir))}",
        "  dodnews changes            # every change, newest first",
        "  dodnews runs               # the demo's crawl runs",
        "  dodnews history 4300115    # one article's captures and versions",
        "  dodnews archive verify     # the archive and its WARC records",
        "  dodnews replay             # the captured pages in pywb, on 127.0.0.1",
    ]
