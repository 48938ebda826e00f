"""The version store: captures, versions, changes and reverts, in one transaction each."""

from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dodnews.archive import Archive
from dodnews.archive.schema import captures, changes, versions
from dodnews.diffing.model import Change, ChangeReport, Provenance
from dodnews.model import (
    OUTCOME_BLOCKED,
    OUTCOME_ERROR,
    OUTCOME_GONE,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    Article,
    Capture,
    Image,
)

ARTICLE_ID = 4100234
URL = "https://www.war.gov/News/News-Stories/Article/Article/4100234/harbor-pilots-train/"
OLD_URL = "https://www.defense.gov/News/News-Stories/Article/Article/4100234/harbor-pilots-train/"


def article_v1() -> Article:
    """A made-up story, written for these tests."""
    return Article(
        article_id=ARTICLE_ID,
        url=URL,
        section="news-stories",
        title="Harbor Pilots Train 125 Sailors on Night Approaches",
        content_type="News Story",
        published="2025-10-06T14:30:00-04:00",
        byline="By Jordan Ellery",
        summary="A week of night drills in Norfolk tested tug and pilot crews.",
        paragraphs=[
            "Civilian harbor pilots spent five nights guiding destroyers past the breakwater.",
            "The drills cost about $2.5 million and drew crews from three commands.",
            "Organizers said the next round will add fog conditions in the spring.",
        ],
        images=[
            Image(
                src="https://media.defense.gov/2025/Oct/06/2003001111/-1/-1/0/251006-N-ZZ999-1001.JPG",
                virin="251006-N-ZZ999-1001",
                caption="A pilot boat idles beside a destroyer at dusk.",
                credit="Petty Officer 2nd Class Rae Lindqvist",
            )
        ],
        tags=["Navy", "Training"],
        extractor_version="test-1",
    )


def article_v2() -> Article:
    """The same story after an editor fixed a figure and the headline."""
    v2 = article_v1()
    v2.title = "Harbor Pilots Train 130 Sailors on Night Approaches"
    v2.paragraphs = [
        v2.paragraphs[0],
        "The drills cost about $2.8 million and drew crews from three commands.",
        v2.paragraphs[2],
    ]
    return v2


HEADERS = {
    "ETag": '"a1b2c3"',
    "Last-Modified": "Mon, 06 Oct 2025 18:30:00 GMT",
    "Content-Type": "text/html; charset=utf-8",
    "Set-Cookie": "session=never-stored",
    "X-Powered-By": "never-stored",
}


def capture(
    outcome: str, at: str, article: Article | None = None, status: int | None = 200, **extra: Any
) -> Capture:
    return Capture(
        article_id=ARTICLE_ID,
        requested_url=OLD_URL,
        fetched_at=at,
        outcome=outcome,
        status=status,
        final_url=URL if status is not None else None,
        redirects=[OLD_URL] if status is not None else [],
        headers=dict(HEADERS) if outcome == OUTCOME_OK else {},
        body_digest="sha256:" + "ab" * 32 if status is not None else None,
        article=article,
        **extra,
    )


def count(archive: Archive, table: Any) -> int:
    with archive.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def core_scenario(archive: Archive) -> None:
    """ok v1, ok same, not-modified, ok v2, blocked, error, ok back to v1 (revert), gone."""
    run_id = archive.start_run("news")
    r1 = archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()), run_id)
    assert (r1.new_version, r1.change_id, r1.report) == (True, None, None)
    v1 = archive.latest_version(ARTICLE_ID)
    assert v1 is not None and v1.version == 1 and v1.id == r1.version_id
    assert v1.article == article_v1()
    assert v1.first_seen == v1.last_seen == "2025-10-06T19:00:00Z"

    # Whitespace-only difference: the same content, no version, only a capture.
    noisy = article_v1()
    noisy.paragraphs[0] = (
        "  Civilian harbor pilots spent five nights guiding destroyers past the  breakwater."
    )
    r2 = archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", noisy), run_id)
    assert (r2.new_version, r2.version_id, r2.change_id) == (False, v1.id, None)
    r3 = archive.record_capture(
        capture(OUTCOME_NOT_MODIFIED, "2025-10-08T19:00:00+00:00", status=304), run_id
    )
    assert (r3.new_version, r3.version_id, r3.change_id) == (False, v1.id, None)
    assert archive.latest_version(ARTICLE_ID).last_seen == "2025-10-08T19:00:00Z"

    r4 = archive.record_capture(capture(OUTCOME_OK, "2025-10-09T19:00:00Z", article_v2()), run_id)
    assert r4.new_version and r4.change_id is not None and not r4.revert
    assert r4.report is not None and "title_changed" in r4.report.kinds
    assert r4.report.provenance.old_captured_at == "2025-10-08T19:00:00Z"
    assert r4.report.provenance.new_captured_at == "2025-10-09T19:00:00Z"
    v2 = archive.latest_version(ARTICLE_ID)
    assert (v2.version, v2.article.title) == (2, article_v2().title)

    blocked = capture(OUTCOME_BLOCKED, "2025-10-10T19:00:00Z", status=403, error="bot wall")
    r5 = archive.record_capture(blocked, run_id)
    failed = capture(OUTCOME_ERROR, "2025-10-11T19:00:00Z", status=None, error="TimeoutError")
    r6 = archive.record_capture(failed, run_id)
    for result in (r5, r6):
        assert (result.version_id, result.new_version, result.change_id) == (None, False, None)
    assert archive.latest_version(ARTICLE_ID).version == 2
    known = archive.known_articles()[0]
    assert known.last_outcome == OUTCOME_ERROR
    assert known.last_captured == "2025-10-09T19:00:00Z"  # failures are not answers
    assert known.last_attempt == "2025-10-11T19:00:00Z"

    # The editor undid the change: the old version comes back, no third version row.
    r7 = archive.record_capture(capture(OUTCOME_OK, "2025-10-12T19:00:00Z", article_v1()), run_id)
    assert (r7.new_version, r7.version_id, r7.revert) == (False, v1.id, True)
    assert r7.change_id is not None
    current = archive.latest_version(ARTICLE_ID)
    assert (current.version, current.first_seen, current.last_seen) == (
        1,
        "2025-10-06T19:00:00Z",
        "2025-10-12T19:00:00Z",
    )

    r8 = archive.record_capture(capture(OUTCOME_GONE, "2025-10-13T19:00:00Z", status=404), run_id)
    assert r8.version_id is None
    archive.finish_run(run_id, "ok", {"captures": 8}, 2, [])

    # Rows
    assert [v.version for v in archive.versions(ARTICLE_ID)] == [1, 2]
    history = archive.captures(ARTICLE_ID)
    assert [c.outcome for c in history] == [
        "ok", "ok", "not-modified", "ok", "blocked", "error", "ok", "gone",
    ]  # fmt: skip
    assert [c.version for c in history] == [1, 1, 1, 2, None, None, 1, None]
    first = history[0]
    assert first.final_url == URL and first.redirects == [OLD_URL]
    assert first.headers == {
        "etag": '"a1b2c3"',
        "last-modified": "Mon, 06 Oct 2025 18:30:00 GMT",
        "content-type": "text/html; charset=utf-8",
    }
    assert history[5].final_url is None and history[5].error == "TimeoutError"
    assert all(c.run_id == run_id for c in history)

    found = archive.changes()
    assert [(c.from_version, c.to_version, c.revert) for c in found] == [
        (2, 1, True),
        (1, 2, False),
    ]
    newest, oldest = found
    assert (newest.id, oldest.id) == (r7.change_id, r4.change_id)
    assert oldest.kinds == r4.report.kinds and oldest.report == r4.report
    assert oldest.title == article_v2().title and newest.title == article_v1().title
    assert (oldest.old_capture_id, oldest.new_capture_id) == (r3.capture_id, r4.capture_id)
    assert (newest.old_capture_id, newest.new_capture_id) == (r4.capture_id, r7.capture_id)
    assert newest.old_captured_at == "2025-10-09T19:00:00Z"
    assert newest.new_captured_at == newest.detected_at == "2025-10-12T19:00:00Z"
    assert [c.id for c in archive.changes(since="2025-10-10")] == [r7.change_id]
    assert [c.id for c in archive.changes(kind="title_changed")] == [r7.change_id, r4.change_id]
    assert archive.changes(kind="banner_added") == []
    assert archive.changes(article_id=ARTICLE_ID + 1) == []
    assert len(archive.changes(run_id=run_id)) == 2

    known = archive.known_articles()
    assert len(known) == 1
    art = known[0]
    assert art.gone and art.last_outcome == OUTCOME_GONE
    assert (art.url, art.section, art.published) == (URL, "news-stories", article_v1().published)
    assert art.last_changed == "2025-10-12T19:00:00Z"
    assert art.current_version_id == v1.id
    validators = archive.validators()
    assert validators[ARTICLE_ID][:2] == ('"a1b2c3"', "Mon, 06 Oct 2025 18:30:00 GMT")
    assert 1 not in validators

    run = archive.runs(5)[0]
    assert (run.id, run.spider, run.status, run.changes_found) == (run_id, "news", "ok", 2)
    assert run.counts == {"captures": 8} and run.finished_at is not None
    stats = archive.stats()
    assert {k: stats[k] for k in ("articles", "versions", "captures", "changes", "runs")} == {
        "articles": 1,
        "versions": 2,
        "captures": 8,
        "changes": 2,
        "runs": 1,
    }
    assert (stats["gone"], stats["captures_ok"], stats["captures_not_modified"]) == (1, 4, 1)
    assert archive.verify() == []

    # Back after a 404: the article is no longer gone.
    r9 = archive.record_capture(capture(OUTCOME_OK, "2025-10-14T19:00:00Z", article_v1()))
    assert r9.change_id is None and not archive.known_articles()[0].gone


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    opened = Archive.open(f"sqlite:///{tmp_path / 'archive.sqlite'}")
    yield opened
    opened.close()


def test_core_scenario(archive: Archive) -> None:
    core_scenario(archive)


def test_sqlite_is_wal_with_foreign_keys(archive: Archive) -> None:
    with archive.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


class Boom(RuntimeError):
    pass


def test_failure_inside_record_capture_leaves_nothing(tmp_path: Path) -> None:
    def exploding_differ(old: Article, new: Article, **_: Any) -> ChangeReport:
        raise Boom("differ failed")

    archive = Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}", differ=exploding_differ)
    try:
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
        before = {t.name: count(archive, t) for t in (versions, captures, changes)}
        with pytest.raises(Boom):
            # The differ runs after the new version and the capture were inserted.
            archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
        after = {t.name: count(archive, t) for t in (versions, captures, changes)}
        assert before == after == {"versions": 1, "captures": 1, "changes": 0}
        known = archive.known_articles()[0]
        assert known.last_captured == "2025-10-06T19:00:00Z"
        assert archive.latest_version(ARTICLE_ID).version == 1
    finally:
        archive.close()


def test_injected_differ_and_hasher_are_used(tmp_path: Path) -> None:
    calls: list[dict[str, Any]] = []

    def differ(old: Article, new: Article, **provenance: Any) -> ChangeReport:
        calls.append(provenance)
        return ChangeReport(
            provenance=Provenance(article_id=new.article_id, **provenance),
            changes=[Change("title_changed", "title", before=old.title, after=new.title)],
            significance=0.9,
        )

    archive = Archive.open(
        f"sqlite:///{tmp_path / 'a.sqlite'}", differ=differ, hasher=lambda a: "h:" + a.title
    )
    try:
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
        result = archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
        assert calls == [
            {
                "old_captured_at": "2025-10-06T19:00:00Z",
                "new_captured_at": "2025-10-07T19:00:00Z",
                "old_hash": "h:" + article_v1().title,
                "new_hash": "h:" + article_v2().title,
            }
        ]
        assert result.report.significance == 0.9
        assert archive.changes()[0].kinds == ["title_changed"]
        assert archive.latest_version(ARTICLE_ID).content_hash == "h:" + article_v2().title
    finally:
        archive.close()


def test_empty_report_makes_a_version_but_no_change(tmp_path: Path) -> None:
    def quiet(old: Article, new: Article, **provenance: Any) -> ChangeReport:
        return ChangeReport(provenance=Provenance(article_id=new.article_id))

    archive = Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}", differ=quiet)
    try:
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
        result = archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
        assert result.new_version and result.change_id is None
        assert result.report is not None and not result.report.changed
        assert archive.changes() == []
    finally:
        archive.close()


def test_capture_checks(archive: Archive) -> None:
    with pytest.raises(ValueError, match="needs an article"):
        archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", None))
    with pytest.raises(ValueError, match="outcome"):
        archive.record_capture(capture("maybe", "2025-10-06T19:00:00Z", article_v1()))
    assert archive.stats()["captures"] == 0


def test_first_capture_blocked_then_ok(archive: Archive) -> None:
    blocked = capture(OUTCOME_BLOCKED, "2025-10-06T19:00:00Z", status=403)
    archive.record_capture(blocked)
    known = archive.known_articles()[0]
    assert (known.current_version_id, known.last_captured, known.url) == (None, None, URL)
    assert archive.latest_version(ARTICLE_ID) is None
    result = archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v1()))
    assert result.new_version and result.change_id is None


def test_late_arriving_older_capture_does_not_move_the_current_version(archive: Archive) -> None:
    archive.record_capture(capture(OUTCOME_OK, "2025-10-06T10:00:00Z", article_v1()))
    archive.record_capture(capture(OUTCOME_OK, "2025-10-06T12:00:00Z", article_v2()))
    # Another crawl process fetched the old text at 11:00 but wrote it last.
    late = archive.record_capture(capture(OUTCOME_OK, "2025-10-06T11:00:00Z", article_v1()))
    assert (late.change_id, late.revert, late.new_version) == (None, False, False)
    third = article_v2()
    third.corrections = ["Editor's note: this story was updated with the final cost."]
    late = archive.record_capture(capture(OUTCOME_OK, "2025-10-06T11:30:00Z", third))
    assert late.new_version and late.change_id is None
    assert archive.latest_version(ARTICLE_ID).version == 2
    assert [(c.from_version, c.to_version) for c in archive.changes()] == [(1, 2)]
    known = archive.known_articles()[0]
    assert (known.last_captured, known.last_attempt) == ("2025-10-06T12:00:00Z",) * 2
    assert archive.verify() == []


def test_versions_and_version_lookup(archive: Archive) -> None:
    archive.record_capture(capture(OUTCOME_OK, "2025-10-06T19:00:00Z", article_v1()))
    archive.record_capture(capture(OUTCOME_OK, "2025-10-07T19:00:00Z", article_v2()))
    assert archive.version(ARTICLE_ID, 1).article == article_v1()
    assert archive.version(ARTICLE_ID, 2).article == article_v2()
    assert archive.get_version(ARTICLE_ID, "2").version == 2
    assert archive.version(ARTICLE_ID, 3) is None
    assert archive.version(ARTICLE_ID + 1, 1) is None
    assert archive.versions(ARTICLE_ID + 1) == []


@pytest.mark.slow
def test_unchanged_capture_adds_under_1kb(tmp_path: Path) -> None:
    path = tmp_path / "size.sqlite"
    archive = Archive.open(f"sqlite:///{path}")
    full = {
        **HEADERS,
        "Content-Length": "48213",
        "Server": "Microsoft-IIS/10.0",
        "Cache-Control": "private, max-age=0",
        "Date": "Mon, 06 Oct 2025 19:00:00 GMT",
        "Age": "0",
    }

    def one(i: int) -> Capture:
        c = capture(OUTCOME_OK, f"2025-10-06T19:{i // 60:02d}:{i % 60:02d}Z", article_v1())
        return replace(
            c,
            headers=full,
            warc_file="data/warc/dodnews-20251006190000-00001.warc.gz",
            warc_record_id=f"<urn:uuid:3f2a1c9e-0000-4000-8000-{i:012d}>",
        )

    def size() -> int:
        with archive.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return path.stat().st_size

    archive.record_capture(one(0))
    for i in range(1, 50):  # warm up: pages of the first rows
        archive.record_capture(one(i))
    start = size()
    n = 1000
    for i in range(50, 50 + n):
        archive.record_capture(one(i))
    per_capture = (size() - start) / n
    archive.close()
    assert archive_counts(path) == (1, 1050)
    assert per_capture < 1024, per_capture


def archive_counts(path: Path) -> tuple[int, int]:
    archive = Archive.open(f"sqlite:///{path}")
    try:
        return count(archive, versions), count(archive, captures)
    finally:
        archive.close()


def concurrent_writers(url: str, threads: int = 4, each: int = 8) -> None:
    """Several writers (separate Archive objects) record captures of one article at once."""
    contents = [article_v1(), article_v2()]
    third = article_v2()
    third.banner = "This is part of a historical collection and may not be updated."
    contents.append(third)
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def work(worker: int) -> None:
        archive = Archive.open(url)
        try:
            barrier.wait()
            for i in range(each):
                at = f"2025-11-{1 + i:02d}T{worker:02d}:00:00Z"
                archive.record_capture(capture(OUTCOME_OK, at, contents[(worker + i) % 3]))
        except BaseException as exc:
            errors.append(exc)
        finally:
            archive.close()

    workers = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert errors == []
    archive = Archive.open(url)
    try:
        assert [v.version for v in archive.versions(ARTICLE_ID)] == [1, 2, 3]
        assert len(archive.captures(ARTICLE_ID)) == threads * each
        assert archive.verify() == []
        # Each change starts where the previous one ended: no lost update of the current version.
        chain = sorted(archive.changes(), key=lambda c: c.id)
        for before, after in itertools.pairwise(chain):
            assert before.to_version == after.from_version
    finally:
        archive.close()


def test_concurrent_writers_sqlite(tmp_path: Path) -> None:
    concurrent_writers(f"sqlite:///{tmp_path / 'c.sqlite'}")
