"""Helpers for crawl tests: run `scrapy crawl` against the replica into a throwaway archive."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from dodnews.archive import Archive
from dodnews.archive.schema import articles, captures, changes, versions
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


ARCHIVE_TIMES = {
    articles: ("first_seen", "last_captured", "last_attempt", "last_changed", "last_downloaded"),
    captures: ("fetched_at",),
    changes: ("detected_at",),
    versions: ("first_seen", "last_seen"),
}


def age_archive(archive_url: str, hours: float, only: list[int] | None = None) -> None:
    """Move the archive's times `hours` back (of the articles `only`, else of all): time passes."""
    shift = timedelta(hours=hours)
    with Archive.open(archive_url) as archive, archive.engine.begin() as conn:
        for table, names in ARCHIVE_TIMES.items():
            key = table.c.article_id if table is not articles else articles.c.article_id
            query = select(
                table.c[table.primary_key.columns.keys()[0]], *(table.c[n] for n in names)
            )
            if only is not None:
                query = query.where(key.in_(only))
            for row in conn.execute(query).all():
                values = {
                    name: datetime.fromisoformat(row[i + 1].replace("Z", "+00:00")) - shift
                    for i, name in enumerate(names)
                    if row[i + 1] is not None
                }
                if values:
                    pk = table.primary_key.columns.values()[0]
                    conn.execute(update(table).where(pk == row[0]).values(**values))
