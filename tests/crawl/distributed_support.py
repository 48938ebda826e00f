"""Worker processes of a shared crawl, and what they left in the archive (for tests/crawl)."""

from __future__ import annotations

import secrets
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import select

from dodnews.archive import Archive
from dodnews.archive.schema import captures, runs
from dodnews.monitor.crawling import crawl_command, crawl_env

REDIS = "redis://127.0.0.1:6379/0"


def redis_keys(server: redis.Redis, prefix: str) -> list[bytes]:
    return sorted(server.scan_iter(match=f"{prefix}*"))


class Workers:
    """N `scrapy crawl SPIDER` processes sharing crawl `crawl_id` into one archive."""

    def __init__(
        self,
        root: Path,
        replica_url: str,
        archive: str,
        *,
        spider: str = "news",
        args: dict[str, Any] | None = None,
        **settings: Any,
    ) -> None:
        self.root = root
        self.url = replica_url
        self.archive = archive
        self.spider = spider
        self.args = {"base_url": replica_url, **(args or {})}
        self.crawl_id = f"test-{secrets.token_hex(4)}"
        self.settings = {
            "DODNEWS_REDIS_URL": REDIS,
            "DODNEWS_CRAWL_ID": self.crawl_id,
            "DODNEWS_WARC_DIR": str(root / "warc"),
            "DODNEWS_PROGRESS_INTERVAL": 0,
            "DODNEWS_WRITE_REPORTS": 0,
            "DODNEWS_REDIS_IDLE_GRACE": 0.5,
            "DODNEWS_REDIS_HEARTBEAT_TTL": 3,
            **settings,
        }
        self.procs: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []
        self._files: list[Any] = []

    def start(self, n: int, *, redis: bool = True) -> None:
        settings = (
            self.settings
            if redis
            else {k: v for k, v in self.settings.items() if not k.startswith("DODNEWS_REDIS")}
        )
        for _ in range(n):
            log = self.root / f"worker-{len(self.logs)}.log"
            self.logs.append(log)
            self.procs.append(
                subprocess.Popen(
                    crawl_command(self.spider, self.args, settings),
                    env=crawl_env(self.archive),
                    stdout=self._open(log),
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )

    def _open(self, log: Path) -> Any:
        handle = log.open("w")
        self._files.append(handle)
        return handle

    def wait(self, timeout: float = 120) -> list[int]:
        codes = [p.wait(timeout) for p in self.procs]
        self.procs = []
        for handle in self._files:
            handle.close()
        return codes

    def log(self, i: int) -> str:
        return self.logs[i].read_text()


def run_captures(archive_url: str, after_run: int) -> Counter[int]:
    """Captures per article made by the runs with ids above `after_run`."""
    with Archive.open(archive_url) as archive, archive.engine.connect() as conn:
        rows = conn.execute(
            select(captures.c.article_id)
            .join(runs, captures.c.run_id == runs.c.id)
            .where(runs.c.id > after_run)
        )
        return Counter(article_id for (article_id,) in rows)


def max_run(archive_url: str) -> int:
    with Archive.open(archive_url) as archive:
        return max((r.id for r in archive.runs(limit=None)), default=0)
