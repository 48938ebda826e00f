"""The Redis keys of one distributed crawl, all under `dodnews:<spider>:<crawl id>:`."""

from __future__ import annotations

import os
import re
import socket
import uuid
from dataclasses import dataclass

from dodnews.errors import UserError

_CRAWL_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def new_worker_id() -> str:
    """host-pid-random: unique per process, readable in `redis-cli` listings."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class CrawlKeys:
    """Every key one crawl uses; `all_fixed` is what the last worker deletes."""

    prefix: str

    @classmethod
    def for_crawl(cls, spider: str, crawl_id: str) -> CrawlKeys:
        if not _CRAWL_ID_RE.match(crawl_id):
            raise UserError(
                f"DODNEWS_CRAWL_ID must be 1-64 letters, digits, '.', '_' or '-', got {crawl_id!r}"
            )
        return cls(f"dodnews:{spider}:{crawl_id}")

    @property
    def queue(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        return f"{self.prefix}:dupefilter"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def seed(self) -> str:
        return f"{self.prefix}:seed"

    @property
    def seeded(self) -> str:
        return f"{self.prefix}:seeded"

    @property
    def done(self) -> str:
        return f"{self.prefix}:done"

    @property
    def planned(self) -> str:
        """A shared recheck's queued article ids (dodnews.crawl.distributed.plan)."""
        return f"{self.prefix}:planned"

    def inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def heartbeat(self, worker: str) -> str:
        return f"{self.prefix}:hb:{worker}"

    @property
    def all_fixed(self) -> list[str]:
        return [
            self.queue,
            self.dupefilter,
            self.workers,
            self.seed,
            self.seeded,
            self.done,
            self.planned,
        ]
