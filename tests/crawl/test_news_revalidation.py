"""`scrapy crawl news` re-captures the articles the archive knows with conditional requests.

Two archives crawl the same replica through the same epochs: one as news does by default (known
articles revalidated), one with `-a refetch=1` (every page downloaded and parsed). They must find
the same articles and the same changes; the first must get there with 304s and small WARC records.
"""

from __future__ import annotations

import re

import pytest

from dodnews.replica.testing import ReplicaProcess
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

# one section: some articles are found only through related stories
PLAIN = {"render": "never", "sections": "news-stories"}


def stat(log: str, name: str) -> int:
    match = re.search(rf"'{re.escape(name)}': (\d+)", log)
    return int(match.group(1)) if match else 0


def changes_by_article(work: CrawlWorkspace) -> dict[int, list[str]]:
    with work.open() as archive:
        found: dict[int, list[str]] = {}
        for change in archive.changes():
            found.setdefault(change.article_id, []).extend(change.kinds)
    return {article_id: sorted(kinds) for article_id, kinds in found.items()}


@pytest.fixture(scope="module")
def crawls(tmp_path_factory):
    root = tmp_path_factory.mktemp("revalidation")
    out: dict[str, object] = {}
    with ReplicaProcess(epoch=0) as replica:
        conditional = CrawlWorkspace(root / "conditional", replica.url)
        refetching = CrawlWorkspace(root / "refetch", replica.url)
        for work in (conditional, refetching):
            work.root.mkdir()
            assert work.crawl(**PLAIN) == 0, work.logs[-1][-3000:]
        out["first"] = (conditional.last_run_captures(), conditional.logs[-1])

        assert conditional.crawl(**PLAIN) == 0, conditional.logs[-1][-3000:]
        out["again"] = (conditional.last_run_captures(), conditional.logs[-1])

        replica.admin("conditional", ignore=1)
        assert conditional.crawl(**PLAIN) == 0, conditional.logs[-1][-3000:]
        out["ignored"] = (conditional.last_run_captures(), conditional.logs[-1])
        replica.admin("conditional", ignore=0)

        replica.set_epoch(1)
        assert conditional.crawl(**PLAIN) == 0, conditional.logs[-1][-3000:]
        out["epoch1"] = (conditional.last_run_captures(), conditional.logs[-1])
        assert refetching.crawl(refetch=1, **PLAIN) == 0, refetching.logs[-1][-3000:]
        out["epoch1_refetch"] = (refetching.last_run_captures(), refetching.logs[-1])
    out["changes"] = (changes_by_article(conditional), changes_by_article(refetching))
    return out


def test_a_second_crawl_revalidates_every_known_article_and_follows_stored_related(crawls):
    first, first_log = crawls["first"]
    again, log = crawls["again"]
    assert first and {r.outcome for r in first} == {"ok"}
    assert stat(first_log, "dodnews/listing/entries") < len(first)  # related stories followed
    # the same articles, the ones found through related stories included, all answered 304
    assert sorted(r.article_id for r in again) == sorted(r.article_id for r in first)
    assert {(r.outcome, r.status) for r in again} == {("not-modified", 304)}
    assert stat(log, "dodnews/revalidate/known") == len(first)
    assert stat(log, "dodnews/captures/ok") == 0  # nothing downloaded whole, nothing parsed
    # a revisit record per article instead of the page again; whole records for listings only
    assert stat(log, "dodnews/warc/writer/revisit") >= len(again)
    others = stat(log, "dodnews/listing/ok") + stat(log, "downloader/response_status_count/301")
    assert 0 < stat(log, "dodnews/warc/writer/response") <= others + 1  # and robots.txt


def test_pages_resent_whole_are_recognized_by_digest_without_parsing(crawls):
    rows, log = crawls["ignored"]
    assert {(r.outcome, r.status) for r in rows} == {("not-modified", 200)}
    assert stat(log, "dodnews/news/same_digest") == len(rows)


def test_conditional_crawls_find_the_same_articles_and_changes_as_refetching(crawls):
    rows, log = crawls["epoch1"]
    refetched, refetch_log = crawls["epoch1_refetch"]
    assert sorted(r.article_id for r in rows) == sorted(r.article_id for r in refetched)
    assert stat(refetch_log, "downloader/response_status_count/304") == 0
    assert {r.outcome for r in refetched} <= {"ok", "gone"}
    outcomes = {r.outcome for r in rows}
    assert "not-modified" in outcomes and "ok" in outcomes  # unchanged ones cost a 304
    not_modified = [r for r in rows if r.outcome == "not-modified"]
    assert stat(log, "downloader/response_status_count/304") == len(not_modified)
    with_changes, refetch_changes = crawls["changes"]
    assert with_changes and with_changes == refetch_changes


def test_archive_view_reads_validators_and_related_and_never_creates_an_archive(tmp_path):
    from dodnews.archive import Archive
    from dodnews.crawl.revalidation import ArchiveView, Validators
    from dodnews.model import OUTCOME_OK, Article, Capture, RelatedLink

    missing = tmp_path / "none" / "archive.sqlite"
    view = ArchiveView(f"sqlite:///{missing}")
    assert view.validators() == {} and view.related(7) == []
    assert not missing.parent.exists()  # a crawl without the archive pipeline creates nothing

    url = "https://www.war.gov/News/Releases/Release/Article/4301001/harbor-survey/"
    article = Article(
        article_id=4301001,
        url=url,
        section="releases",
        title="Survey Ship Maps Harbor Approaches",
        published="2025-09-02T09:00:00-04:00",
        paragraphs=["A survey ship charted the approaches to the harbor over five nights."],
        related=[RelatedLink(4301002, "Dredging Starts", url.replace("4301001", "4301002"))],
    )
    with Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        archive.record_capture(
            Capture(
                article_id=4301001,
                requested_url=url,
                fetched_at="2025-09-03T12:00:00Z",
                outcome=OUTCOME_OK,
                status=200,
                article=article,
                headers={"ETag": '"v1"', "Last-Modified": "Tue, 02 Sep 2025 13:00:00 GMT"},
                body_digest="sha256:" + "0" * 64,
            )
        )
    view = ArchiveView(f"sqlite:///{tmp_path / 'a.sqlite'}")
    try:
        (validators,) = view.validators().values()
        assert validators == Validators(
            '"v1"', "Tue, 02 Sep 2025 13:00:00 GMT", "sha256:" + "0" * 64, "2025-09-03T12:00:00Z"
        )
        assert validators.headers() == {
            "Cache-Control": "max-age=0",
            "If-None-Match": '"v1"',
            "If-Modified-Since": "Tue, 02 Sep 2025 13:00:00 GMT",
        }
        assert [link.article_id for link in view.related(4301001)] == [4301002]
        assert view.related(4309999) == []
    finally:
        view.close()


def test_304s_are_trusted_for_a_while_after_the_page_came_whole():
    from datetime import UTC, datetime

    from dodnews.crawl.revalidation import Validators, trust_cutoff

    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    since = trust_cutoff(30, now)
    assert since == datetime(2026, 10, 29, 12, 0, tzinfo=UTC)
    assert trust_cutoff(0, now) is None  # 0 days: always trusted
    recent = Validators('"e"', None, "sha256:x", "2026-11-20T08:00:00Z")
    old = Validators('"e"', None, "sha256:x", "2026-09-01T08:00:00Z")
    never = Validators('"e"', None, "sha256:x", None)
    assert recent.trusted(since) and not old.trusted(since) and not never.trusted(since)
    assert old.trusted(None) and never.trusted(None)
    assert old.headers(conditional=False) == {"Cache-Control": "max-age=0"}
    assert recent.headers()["If-None-Match"] == '"e"'


def test_every_crawl_opens_its_archive_once(crawls):
    """The pipeline, the validators read when the crawl opens and the stored related stories of
    304 pages all go through the crawl's one archive handle (the log counts each opening)."""
    for name in ("first", "again", "ignored", "epoch1", "epoch1_refetch"):
        _, log = crawls[name]
        assert stat(log, "dodnews/archive/opened") == 1, name
        assert log.count("Archive opened: sqlite:///") == 1, name
    # the second crawl did read the validators and stored related stories through it
    assert stat(crawls["again"][1], "dodnews/revalidate/known") > 0
