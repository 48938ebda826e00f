"""Helpers for crawl tests: run `scrapy crawl` against the replica into a throwaway archive."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from dodnews.archive import Archive
from dodnews.monitor.crawling import run_crawl


class CrawlWorkspace:
    """An archive, a diffs folder and a WARC folder under one temporary directory."""

    def __init__(self, root: Path, replica_url: str) -> None:
        self.root = root
        self.url = replica_url
        self.archive = f"sqlite:///{root / 'archive.sqlite'}"
        self.diffs = root / "diffs"
        self.warc = root / "warc"
        self.logs: list[str] = []

    def crawl(
        self, spider: str = "news", *, settings: dict[str, Any] | None = None, **args: Any
    ) -> int:
        """Run one crawl to the end; returns scrapy's exit status (its log is kept)."""
        log = self.root / f"{spider}-{len(self.logs)}.log"
        done = run_crawl(
            spider,
            {"base_url": self.url, **args},
            settings={
                "DODNEWS_WARC_DIR": str(self.warc),
                "DODNEWS_PROGRESS_INTERVAL": 0,
                **(settings or {}),
            },
            archive=self.archive,
            diffs_dir=str(self.diffs),
            log_file=str(log),
            timeout=300,
        )
        self.logs.append(log.read_text())
        return done.returncode

    def open(self) -> Archive:
        return Archive.open(self.archive)

    def last_run_captures(self) -> list[Any]:
        """The capture rows of the latest run, in the order they were written."""
        from sqlalchemy import select

        from dodnews.archive.schema import captures

        with self.open() as archive:
            run_id = archive.runs(limit=1)[0].id
            with archive.engine.connect() as conn:
                query = select(captures).where(captures.c.run_id == run_id)
                return list(conn.execute(query.order_by(captures.c.id)).all())


def expected_by_article(manifest: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Per article id: the set of kinds the manifest expects and its figure pairs."""
    expected: dict[int, dict[str, Any]] = defaultdict(
        lambda: {"kinds": set(), "figures": set(), "ops": set()}
    )
    for edit in manifest["edits"]:
        entry = expected[edit["id"]]
        entry["ops"].add(edit["op"])
        for item in edit["expect"]:
            entry["kinds"].add(item["kind"])
            if item["kind"] == "figure_changed":
                entry["figures"].add((item["before"], item["after"]))
    return dict(expected)
