"""Batched archive writes: a batch records exactly what one-at-a-time writes record, atomically,
and the archive pipeline buffers, flushes and isolates a bad capture."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrapy.utils.test import get_crawler
from sqlalchemy import select

from dodnews.archive import Archive
from dodnews.archive.schema import articles, captures, changes, versions
from dodnews.crawl.pipelines import ArchivePipeline
from dodnews.crawl.spiders.news import NewsSpider
from dodnews.diffing.model import ChangeReport
from dodnews.model import (
    OUTCOME_BLOCKED,
    OUTCOME_ERROR,
    OUTCOME_GONE,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    Article,
    Capture,
)
from dodnews.monitor.runs import run_verdict

IDS = (4200011, 4200012, 4200013)


def story(article_id: int, variant: int) -> Article:
    """A made-up story; `variant` picks one of three wordings of its second paragraph."""
    tonnage = (40, 45, 52)[variant]
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/depot-{variant}/",
        section="news-stories",
        title=f"Depot {article_id % 100} Ships Spare Rotor Blades",
        content_type="News Story",
        published="2025-09-02T10:00:00-04:00",
        byline="By Casey Morrow",
        summary="A repair depot cleared a backlog of helicopter parts.",
        paragraphs=[
            "Mechanics at the depot worked double shifts through the late summer.",
            f"They shipped {tonnage} tons of rotor blades to units overseas.",
            "The depot expects the backlog to stay clear through the winter.",
        ],
        extractor_version="test-1",
    )


def make_capture(step: tuple[int, str, int, int]) -> Capture:
    """(article index, outcome, content variant, hour) -> a capture."""
    index, outcome, variant, hour = step
    article_id = IDS[index]
    ok = outcome == OUTCOME_OK
    status = {OUTCOME_OK: 200, OUTCOME_NOT_MODIFIED: 304, OUTCOME_GONE: 404}.get(outcome)
    return Capture(
        article_id=article_id,
        requested_url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/x/",
        fetched_at=f"2025-09-{1 + hour // 24:02d}T{hour % 24:02d}:00:00Z",
        outcome=outcome,
        status=status,
        headers={"ETag": f'"e{variant}"'} if outcome in (OUTCOME_OK, OUTCOME_NOT_MODIFIED) else {},
        body_digest=f"sha256:{variant:064d}" if ok else None,
        error="boom" if outcome == OUTCOME_ERROR else None,
        article=story(article_id, variant) if ok else None,
    )


def dump(archive: Archive) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a capture writes, in id order."""
    out = {}
    with archive.engine.connect() as conn:
        for table, key in (
            (articles, articles.c.article_id),
            (versions, versions.c.id),
            (captures, captures.c.id),
            (changes, changes.c.id),
        ):
            out[table.name] = [tuple(row) for row in conn.execute(select(table).order_by(key))]
    return out


def record(tmp_path: Path, name: str, steps: list[Capture], batch: int) -> tuple[Archive, list]:
    archive = Archive.open(f"sqlite:///{tmp_path / name}")
    results = []
    for start in range(0, len(steps), batch):
        chunk = steps[start : start + batch]
        if batch == 1:
            results.append(archive.record_capture(chunk[0]))
        else:
            results += archive.record_captures(chunk)
    return archive, results


def comparable(result: Any) -> tuple[Any, ...]:
    kinds = tuple(result.report.kinds) if result.report else None
    return (
        result.capture_id,
        result.version_id,
        result.new_version,
        result.change_id,
        result.outcome,
        result.revert,
        kinds,
    )


SCENARIO = [
    (0, OUTCOME_OK, 0, 0),  # A new
    (1, OUTCOME_BLOCKED, 0, 0),  # B first seen behind the bot wall
    (0, OUTCOME_OK, 0, 1),  # A unchanged
    (1, OUTCOME_OK, 0, 2),  # B new
    (0, OUTCOME_OK, 1, 3),  # A changed: 40 -> 45 tons
    (0, OUTCOME_NOT_MODIFIED, 1, 4),  # A 304
    (0, OUTCOME_OK, 0, 5),  # A reverted to its first wording
    (2, OUTCOME_ERROR, 0, 5),  # C error only
    (1, OUTCOME_OK, 2, 9),  # B changed
    (1, OUTCOME_OK, 1, 7),  # B: a late, older capture (stale): a version, no change
    (0, OUTCOME_GONE, 0, 10),  # A gone
    (0, OUTCOME_OK, 2, 11),  # A back with a third wording
]


def same_both_ways(where: Path, steps: list[Capture], batch: int) -> tuple[list, Archive]:
    """Record `steps` one at a time and in batches; assert identical results and rows."""
    one, one_results = record(where, "one.sqlite", steps, 1)
    many, many_results = record(where, "many.sqlite", steps, batch)
    try:
        assert [comparable(r) for r in many_results] == [comparable(r) for r in one_results]
        assert dump(many) == dump(one)
        return one_results, many
    finally:
        one.close()


@pytest.mark.parametrize("batch", [len(SCENARIO), 5, 2])
def test_a_batch_records_what_one_at_a_time_records(tmp_path: Path, batch: int) -> None:
    results, many = same_both_ways(tmp_path, [make_capture(s) for s in SCENARIO], batch)
    with many:
        assert many.verify() == []
        # The scenario did what it says: changes, one revert, a stale capture without a change.
        assert [r.revert for r in results if r.change_id] == [False, True, False, False]
        assert results[9].new_version and results[9].change_id is None
        assert many.stats()["changes"] == 4


outcomes = st.sampled_from(
    [OUTCOME_OK, OUTCOME_OK, OUTCOME_OK, OUTCOME_NOT_MODIFIED, OUTCOME_GONE, OUTCOME_ERROR]
)
step = st.tuples(st.integers(0, 2), outcomes, st.integers(0, 2), st.integers(0, 60))


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(step, min_size=1, max_size=14), batch=st.integers(2, 6))
def test_any_sequence_batched_equals_one_at_a_time(tmp_path_factory, steps, batch) -> None:
    _, many = same_both_ways(
        tmp_path_factory.mktemp("prop"), [make_capture(s) for s in steps], batch
    )
    many.close()


class Boom(Exception):
    pass


def differ_failing_for(article_id: int):
    from dodnews.diffing.detect import detect_changes

    def differ(old: Article, new: Article, **provenance: Any) -> ChangeReport:
        if new.article_id == article_id:
            raise Boom(f"differ failed on {article_id}")
        return detect_changes(old, new, **provenance)

    return differ


def test_a_failing_batch_writes_nothing(tmp_path: Path) -> None:
    archive = Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}", differ=differ_failing_for(IDS[1]))
    try:
        archive.record_captures([make_capture((1, OUTCOME_OK, 0, 0))])
        before = dump(archive)
        batch = [
            make_capture((0, OUTCOME_OK, 0, 1)),
            make_capture((1, OUTCOME_OK, 1, 2)),  # the differ raises on this change
            make_capture((2, OUTCOME_OK, 0, 3)),
        ]
        with pytest.raises(Boom):
            archive.record_captures(batch)
        assert dump(archive) == before
    finally:
        archive.close()


# -- the pipeline --------------------------------------------------------------------------------


def open_pipeline(tmp_path: Path, **extra: Any) -> ArchivePipeline:
    crawler = get_crawler(
        NewsSpider,
        {
            "DODNEWS_ARCHIVE": f"sqlite:///{tmp_path / 'p.sqlite'}",
            "DODNEWS_WRITE_REPORTS": False,
            "DODNEWS_ARCHIVE_FLUSH_SECONDS": 0,
            **extra,
        },
    )
    crawler.spider = crawler._create_spider(render="never")  # no browser: none is needed
    return ArchivePipeline.from_crawler(crawler)


def run(coro: Any) -> None:
    """Drive an async pipeline method that never awaits anything pending."""
    try:
        coro.send(None)
    except StopIteration:
        return
    raise AssertionError("the coroutine suspended")


def test_pipeline_buffers_flushes_by_size_and_at_close(tmp_path: Path) -> None:
    pipeline = open_pipeline(tmp_path, DODNEWS_ARCHIVE_BATCH=3)
    run(pipeline.open_spider())
    stats = pipeline.crawler.stats
    for hour in range(2):
        pipeline.process_item(make_capture((hour, OUTCOME_OK, 0, hour)))
    assert pipeline.archive.stats()["captures"] == 0  # buffered
    pipeline.process_item(make_capture((2, OUTCOME_OK, 0, 2)))
    assert pipeline.archive.stats()["captures"] == 3  # a full batch is written
    pipeline.process_item(make_capture((0, OUTCOME_OK, 1, 5)))
    assert stats.get_value("dodnews/versions/new") == 3
    archive_url = pipeline.archive_url
    run(pipeline.close_spider())
    with Archive.open(archive_url, create=False) as archive:
        assert archive.stats()["captures"] == 4 and archive.stats()["changes"] == 1
        assert archive.runs()[0].changes_found == 1
    assert stats.get_value("dodnews/changes") == 1


def test_pipeline_puts_the_warc_on_disk_before_each_batch_is_committed(tmp_path: Path) -> None:
    from dodnews.crawl import signals as dodnews_signals

    pipeline = open_pipeline(tmp_path, DODNEWS_ARCHIVE_BATCH=2)
    run(pipeline.open_spider())
    seen: list[int] = []  # captures in the archive each time the WARC is told to sync

    def sync() -> None:
        seen.append(pipeline.archive.stats()["captures"])

    pipeline.crawler.signals.connect(sync, signal=dodnews_signals.archive_writing)
    for hour in range(3):
        pipeline.process_item(make_capture((hour, OUTCOME_OK, 0, hour)))
    run(pipeline.close_spider())
    assert seen == [0, 2]  # before the first batch, before the last one


def test_pipeline_isolates_a_capture_that_cannot_be_archived(tmp_path: Path, caplog) -> None:
    pipeline = open_pipeline(tmp_path, DODNEWS_ARCHIVE_BATCH=10)
    run(pipeline.open_spider())
    pipeline.archive.differ = differ_failing_for(IDS[1])
    pipeline.process_item(make_capture((1, OUTCOME_OK, 0, 0)))
    pipeline.flush()
    for item in [(0, OUTCOME_OK, 0, 1), (1, OUTCOME_OK, 1, 2), (2, OUTCOME_OK, 0, 3)]:
        pipeline.process_item(make_capture(item))
    pipeline.flush()
    stats = pipeline.crawler.stats
    assert stats.get_value("dodnews/archive/failed") == 1
    assert pipeline.archive.stats()["captures"] == 3  # the two good ones kept, the bad one not
    assert "could not be archived" in caplog.text
    verdict = run_verdict({**stats.get_stats(), "dodnews/captures/total": 4})
    assert verdict is not None and "could not be written to the archive" in verdict
    archive_url = pipeline.archive_url
    pipeline.crawler.crawling = True  # as in a crawl that finished on its own
    stats.set_value("finish_reason", "finished")
    stats.set_value("dodnews/captures/total", 4)
    run(pipeline.close_spider())
    with Archive.open(archive_url, create=False) as archive:
        last = archive.runs()[0]
        assert last.status == "failed"
        assert "could not be written to the archive" in " ".join(map(str, last.errors))


def test_batch_of_one_writes_through(tmp_path: Path) -> None:
    pipeline = open_pipeline(tmp_path, DODNEWS_ARCHIVE_BATCH=1)
    run(pipeline.open_spider())
    pipeline.process_item(make_capture((0, OUTCOME_OK, 0, 0)))
    assert pipeline.archive.stats()["captures"] == 1
    run(pipeline.close_spider())


def test_record_captures_checks_every_capture_first(tmp_path: Path) -> None:
    with Archive.open(f"sqlite:///{tmp_path / 'c.sqlite'}") as archive:
        good = make_capture((0, OUTCOME_OK, 0, 0))
        with pytest.raises(ValueError, match="needs an article"):
            archive.record_captures([good, replace(good, article=None)])
        with pytest.raises(ValueError, match="unknown capture outcome"):
            archive.record_captures([good, replace(good, outcome="maybe")])
        assert archive.stats()["captures"] == 0
        assert archive.record_captures([]) == []
