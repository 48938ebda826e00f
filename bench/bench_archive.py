"""Archive write cost per capture: one transaction per capture vs batches, same run, same captures.

Builds N replica articles (default 1,000) at epochs 0 and 1, extracts them once (untimed), then
records the same four rounds into two fresh SQLite archives, one capture per transaction
(`Archive.record_capture`) and in batches (`Archive.record_captures`, the archive pipeline's
way, default 100 a batch):

  new        first capture of every article (a version each)
  unchanged  the same content again (a capture each)
  304        a not-modified capture of every article
  epoch 1    the epoch-1 content (a change for each edited article)

Prints CPU ms per capture for each round and mode and the speed-up, and checks that both archives
hold the same counts. Usage: python bench/bench_archive.py [--articles 1000] [--batch 100]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dodnews.archive import Archive
from dodnews.extract import extract_article
from dodnews.extract.normalize import normalize_article
from dodnews.model import OUTCOME_NOT_MODIFIED, OUTCOME_OK, Article, Capture
from dodnews.replica.content import build_timeline
from dodnews.replica.pages import article_page, fill, link_url


def articles_at(timeline, epoch: int) -> list[Article]:
    state = timeline.state(epoch)
    out = []
    for article_id in state.order:
        data = state.articles[article_id]
        html = fill(article_page(state, data).parts)
        url = link_url(data, state.site).replace("http://", "https://")
        out.append(normalize_article(extract_article(html, url)))
    return out


def captures_of(articles: list[Article], hour: int, outcome: str = OUTCOME_OK) -> list[Capture]:
    when = (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=hour)).isoformat()
    ok = outcome == OUTCOME_OK
    return [
        Capture(
            article_id=a.article_id,
            requested_url=a.url,
            fetched_at=when,
            outcome=outcome,
            status=200 if ok else 304,
            final_url=a.url,
            headers={"ETag": f'"{a.article_id}"', "Content-Type": "text/html"},
            body_digest="sha256:" + "0" * 64,
            warc_file="bench.warc.gz",
            warc_record_id=f"<urn:uuid:{a.article_id}>",
            article=a if ok else None,
        )
        for a in articles
    ]


def record(archive: Archive, batch: list[Capture], size: int) -> float:
    """CPU seconds to record `batch`, `size` captures per transaction (1 = one at a time)."""
    started = time.process_time()
    if size == 1:
        for capture in batch:
            archive.record_capture(capture)
    else:
        for start in range(0, len(batch), size):
            archive.record_captures(batch[start : start + size])
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args()

    timeline = build_timeline(articles=args.articles, seed=1)
    first, second = articles_at(timeline, 0), articles_at(timeline, 1)
    rounds = [
        ("new", captures_of(first, 0)),
        ("unchanged", captures_of(first, 1)),
        ("304", captures_of(first, 2, OUTCOME_NOT_MODIFIED)),
        ("epoch 1", captures_of(second, 3)),
    ]
    work = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        one = Archive.open(f"sqlite:///{work / 'one.sqlite'}")
        many = Archive.open(f"sqlite:///{work / 'many.sqlite'}")
        print(f"{len(first)} articles; batches of {args.batch}; CPU ms per capture")
        print(f"{'round':10s} {'one at a time':>14s} {'batched':>9s} {'speed-up':>9s}")
        for name, batch in rounds:
            single = record(one, batch, 1) / len(batch) * 1e3
            batched = record(many, batch, args.batch) / len(batch) * 1e3
            print(f"{name:10s} {single:14.3f} {batched:9.3f} {single / batched:8.1f}x")
        counts_one, counts_many = one.stats(), many.stats()
        print(f"archives agree: {counts_one == counts_many} ({counts_many})")
        one.close()
        many.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
