"""Extraction health against the replica: a redesign of the byline warns and alerts; an unchanged
site does not.

Real crawls (`scrapy crawl` processes) and a real `dodnews monitor --once` into one archive: two
news and two recheck crawls that parse every page (`-a refetch=1`) make the baseline and show
an unchanged site judged ok; then the replica's `restyle` fault moves every byline to a shape the
extractor does not read, and the monitor's next cycle re-captures the articles.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dodnews.archive.schema import articles
from dodnews.extract import extract_article
from dodnews.replica import pages
from dodnews.replica.content import build_timeline
from dodnews.replica.faults import restyle
from dodnews.replica.server import Replica
from dodnews.replica.testing import ReplicaProcess
from tests.crawl.test_monitor import Hook, Workspace
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow


def test_restyle_hides_bylines_from_the_extractor_and_changes_nothing_else():
    replica = Replica(build_timeline(None, articles=40, seed=3))
    bylines = 0
    for article_id, data in replica.state.articles.items():
        page = pages.fill(replica.article_page(article_id).parts)
        url = f"https://www.war.gov/x/Article/{article_id}/"
        restyled = restyle(page.encode()).decode()
        before = extract_article(page, url)
        after = extract_article(restyled, url)
        assert after.byline is None
        if data.get("byline"):
            bylines += 1
            assert before.byline == data["byline"]
            assert 'class="story-credit"' in restyled and 'class="byline"' not in restyled
        before.byline = None
        # The visible text does change (the "By" goes), and with it the region: not a field.
        before.region = after.region
        assert after == before
    assert bylines >= 20  # the check below has pages to judge


def _dodnews(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodnews", *argv], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def health(tmp_path_factory):
    root = tmp_path_factory.mktemp("health")
    hook = Hook()
    out: dict[str, object] = {}
    try:
        with ReplicaProcess(epoch=0) as replica:
            crawls = CrawlWorkspace(root, replica.url)
            codes = []
            for spider, args in [
                ("news", {"max_pages": 1}),
                ("recheck", {"all": 1}),
                ("news", {"max_pages": 1}),
                ("recheck", {"all": 1}),
            ]:
                codes.append(crawls.crawl(spider, refetch=1, **args))
            out["codes"] = codes
            out["logs"] = list(crawls.logs)
            with crawls.open() as archive:
                out["before"] = sorted(archive.runs(limit=None), key=lambda r: r.id)
                # a month passes: every article is due for the monitor's recheck
                with archive.engine.begin() as conn:
                    month_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=30)
                    conn.execute(update(articles).values(last_captured=month_ago))
            replica.fault("restyle", path="/article/")
            monitor = Workspace(root, replica.url, hook.url)
            assert monitor.archive == crawls.archive
            out["monitor"] = monitor.run()
            out["posts"] = list(hook.posts)
            out["after"] = monitor.runs()
            out["runs_text"] = _dodnews("runs", "--archive", crawls.archive)
            out["runs_json"] = _dodnews("runs", "--format", "json", "--archive", crawls.archive)
            out["status"] = _dodnews("archive", "status", "--archive", crawls.archive)
            out["recheck_log"] = (root / "data" / "logs" / "recheck.log").read_text()
    finally:
        hook.close()
    return out


def test_each_run_records_field_coverage_of_its_parsed_pages(health):
    assert health["codes"] == [0, 0, 0, 0]
    runs = health["before"]
    assert [r.spider for r in runs] == ["news", "recheck", "news", "recheck"]
    for run in runs:
        cov = run.counts["coverage"]
        assert cov["pages"] >= 20
        assert cov["pages"] == run.counts["ok"]  # every capture parsed (refetch)
        assert cov["title"] == 1.0 and cov["body"] == 1.0
        assert 0.3 < cov["byline"] < 1.0  # contracts and releases carry none
        assert cov["images"] > 0 and cov["caption"] == 1.0
    # the first run of each spider has nothing to compare with
    assert [r.counts["coverage_check"]["status"] for r in runs] == [
        "no_baseline",
        "no_baseline",
        "ok",
        "ok",
    ]
    assert runs[2].counts["coverage_check"]["baseline_runs"] == [runs[0].id]
    assert runs[3].counts["coverage_check"]["baseline_runs"] == [runs[1].id]


def test_an_unchanged_site_does_not_warn(health):
    for log in health["logs"]:
        assert "Extraction health: extraction coverage" in log
        assert "DROPPED" not in log and "scrapy crawl: warning" not in log
    assert "Extraction health: extraction coverage ok on" in health["logs"][2]


def test_a_byline_redesign_warns_in_the_crawl_summary_and_the_run_record(health):
    monitor = health["monitor"]
    assert monitor.returncode == 0, monitor.stderr[-3000:]
    new = health["after"][len(health["before"]) :]
    assert [r.spider for r in new] == ["recheck", "news"]
    recheck, news = new
    check = recheck.counts["coverage_check"]
    assert check["status"] == "dropped"
    assert [d["field"] for d in check["drops"]] == ["byline"]
    assert check["drops"][0]["share"] == 0.0
    assert check["drops"][0]["baseline"] == health["before"][3].counts["coverage"]["byline"]
    assert recheck.status == "ok"  # a warning, not a failed run
    log = health["recheck_log"]
    assert "WARNING: Extraction health: extraction coverage DROPPED on" in log
    assert "scrapy crawl: warning: extraction coverage DROPPED" in log
    # the news crawl after it finds the re-captured pages unchanged: nothing parsed, not judged
    assert news.counts["coverage_check"]["status"] == "too_few_pages"
    assert f"recheck crawl (run {recheck.id}): extraction coverage DROPPED" in monitor.stderr


def test_the_monitor_alerts_on_the_drop(health):
    posts = health["posts"]
    assert [p["run"]["spider"] for p in posts] == ["recheck"]  # nothing before the redesign
    (post,) = posts
    assert post["coverage_drops"][0]["field"] == "byline"
    assert post["coverage_drops"][0]["share"] == 0.0
    # every article with a byline now reads as "byline removed": the drop says why
    assert post["changes_found"] > 0
    assert all("byline_changed" in c["kinds"] for c in post["changes"])


def test_dodnews_runs_and_archive_status_show_the_drop(health):
    recheck = health["after"][len(health["before"])]
    text = health["runs_text"]
    assert text.returncode == 0, text.stderr
    rows = {line.split()[0]: line for line in text.stdout.splitlines()[1:] if line[:5].strip()}
    header = text.stdout.splitlines()[0]
    assert "COVERAGE" in header.split()
    column = header.split().index("COVERAGE")
    assert rows[str(recheck.id)].split()[column] == "DROP"
    assert [rows[str(r.id)].split()[column] for r in health["before"]] == [
        "first",
        "first",
        "ok",
        "ok",
    ]
    assert f"run {recheck.id} (recheck): extraction coverage DROPPED" in text.stdout
    assert "byline " in text.stdout.split(f"run {recheck.id} (recheck):")[1]
    listed = {r["id"]: r for r in json.loads(health["runs_json"].stdout)}
    assert listed[recheck.id]["coverage_drops"][0]["field"] == "byline"
    assert all(listed[r.id]["coverage_drops"] == [] for r in health["before"])
    status = health["status"]
    assert status.returncode == 0, status.stderr
    lines = status.stdout.splitlines()
    assert any(
        line.startswith(f"extraction (recheck, run {recheck.id}): extraction coverage DROPPED")
        for line in lines
    )
    # the news crawl after the redesign was too small to judge: its latest judged run stands
    news_ok = health["before"][2].id
    assert f"extraction (news, run {news_ok}): extraction coverage ok on" in status.stdout
