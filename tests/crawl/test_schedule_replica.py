"""The budgeted recheck against the replica over three epochs, the last a banner rollout.

Time passes between runs by moving every time in the archive back (a run every RUN_HOURS). For
each epoch the scheduler forecasts, from the archive and the manifest of edits, how many budgeted
runs capture every edited article (dodnews.monitor.policy.predict_runs, the simulator's own code);
the real `scrapy crawl recheck -a budget=N` runs must find every manifest edit within that many.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from dodnews.archive.schema import articles
from dodnews.monitor.policy import SchedulePolicy, predict_runs
from dodnews.monitor.policy_inputs import read_schedule
from dodnews.replica.generator import ROLLOUT_EPOCH, ROLLOUT_YEAR
from dodnews.replica.testing import ReplicaProcess
from tests.crawl_support import CrawlWorkspace, age_archive

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

BUDGET = 60  # requests per run, the six listing pages included
LISTING_PAGES = 6
RUN_HOURS = 72.0
POLICY = SchedulePolicy()


def edited(manifest: dict) -> tuple[set[int], set[int], set[int], set[int]]:
    """(articles a recheck must see changed, removed ones, new ones, notices) of a manifest."""
    changed, removed, new, notices = set(), set(), set(), set()
    for edit in manifest["edits"]:
        if edit["op"] == "new_article":
            new.add(edit["article"]["id"])
        elif edit["op"] == "remove_article":
            removed.add(edit["id"])
        elif edit["expect"]:
            changed.add(edit["id"])
            if edit["op"] == "set_banner":
                notices.add(edit["id"])
    return changed - removed, removed, new, notices


def found(work: CrawlWorkspace, run_ids: set[int], changed, removed, new) -> set[int]:
    """The manifest's articles whose edit the runs `run_ids` saw."""
    with work.open() as archive:
        seen = {
            c.article_id
            for run_id in run_ids
            for c in archive.changes(run_id=run_id)
            if c.article_id in changed
        }
        for article_id in removed:
            if any(
                c.outcome == "gone" and c.run_id in run_ids for c in archive.captures(article_id)
            ):
                seen.add(article_id)
        seen |= {a for a in new if archive.article(a) is not None}
    return seen


@pytest.fixture(scope="module")
def epochs(tmp_path_factory):
    root = tmp_path_factory.mktemp("schedule")
    out: dict[int, dict] = {}
    with ReplicaProcess(epoch=0, articles=200, seed=1) as replica:
        work = CrawlWorkspace(root, replica.url)
        assert work.crawl("news") == 0, work.logs[-1][-3000:]
        for epoch in (1, 2, ROLLOUT_EPOCH):
            replica.set_epoch(epoch)
            manifest = replica.manifest(epoch)
            changed, removed, new, notices = edited(manifest)
            if epoch == ROLLOUT_EPOCH:
                # The articles of the rollout's year were re-captured an hour ago, except one of
                # its members, long overdue: it alone is worth a capture by its own rate.
                members = [e["id"] for e in manifest["edits"] if e["name"].startswith("rollout")]
                with work.open() as archive, archive.engine.begin() as conn:
                    year = [
                        a.article_id
                        for a in archive.known_articles()
                        if (a.published or "").startswith(str(ROLLOUT_YEAR))
                    ]
                    recent = datetime.now(UTC) - timedelta(hours=1)
                    conn.execute(
                        update(articles)
                        .where(articles.c.article_id.in_(year))
                        .values(last_captured=recent)
                    )
                age_archive(work.archive, 2 * 8766, only=[min(members)])
            age_archive(work.archive, RUN_HOURS)
            with work.open() as archive:
                schedule = read_schedule(archive, POLICY, datetime.now(UTC))
            forecast = predict_runs(
                POLICY,
                schedule.states,
                schedule.now,
                BUDGET - LISTING_PAGES,
                RUN_HOURS,
                changed | removed,
                notices,
                board=schedule.board,
                histories=schedule.histories,
            )
            assert forecast is not None
            rolled = sorted(e["id"] for e in manifest["edits"] if e["name"].startswith("rollout"))
            if rolled:  # the rollout alone, with and without cohort triggers
                cohort = predict_runs(
                    POLICY,
                    schedule.states,
                    schedule.now,
                    BUDGET - LISTING_PAGES,
                    RUN_HOURS,
                    set(rolled),
                    notices,
                    board=schedule.board,
                    histories=schedule.histories,
                )
                blind = predict_runs(
                    SchedulePolicy(cohort_min_share=2.0),  # no cohort ever counts
                    schedule.states,
                    schedule.now,
                    BUDGET - LISTING_PAGES,
                    RUN_HOURS,
                    set(rolled),
                    histories=schedule.histories,
                )
            runs, seen = [], []
            for n in range(forecast):
                if n:
                    age_archive(work.archive, RUN_HOURS)
                code = work.crawl("recheck", budget=str(BUDGET))
                assert code == 0, work.logs[-1][-3000:]
                with work.open() as archive:
                    runs.append(archive.runs(limit=1)[0])
                seen.append(found(work, {runs[-1].id}, changed, removed, new))
            out[epoch] = {
                "forecast": forecast,
                "runs": runs,
                "want": changed | removed | new,
                "seen": seen,
                "rolled": rolled,
                "rollout_forecast": (cohort, blind) if rolled else None,
            }
    return out


@pytest.mark.parametrize("epoch", [1, 2, ROLLOUT_EPOCH])
def test_every_manifest_edit_is_found_within_the_forecast_runs(epochs, epoch):
    result = epochs[epoch]
    assert result["want"], "the epoch has edits"
    seen = set().union(*result["seen"])
    assert seen == result["want"], sorted(result["want"] - seen)
    assert len(result["runs"]) == result["forecast"]


@pytest.mark.parametrize("epoch", [1, 2, ROLLOUT_EPOCH])
def test_runs_keep_to_their_budget_and_record_the_backlog(epochs, epoch):
    for run in epochs[epoch]["runs"]:
        schedule = run.counts["schedule"]
        assert schedule["policy"] == "budgeted" and schedule["budget"] == BUDGET
        assert schedule["scheduled"] <= BUDGET - LISTING_PAGES
        assert schedule["backlog"] == max(0, schedule["due"] - schedule["scheduled"])


def test_some_run_had_more_due_than_its_budget(epochs):
    backlogs = [r.counts["schedule"]["backlog"] for e in epochs.values() for r in e["runs"]]
    assert max(backlogs) > 0


def test_the_rollout_is_seen_through_its_cohort(epochs):
    result = epochs[ROLLOUT_EPOCH]
    rolled = set(result["rolled"])
    assert len(rolled) >= 5  # generated articles of the rollout year given the banner
    cohort, blind = result["rollout_forecast"]
    # one member overdue finds the notice; its cohort follows in the next runs
    assert cohort <= 3
    # without cohort triggers the others would wait for their own turn, days later
    assert blind is None or blind >= cohort + 2
    by_run = [seen & rolled for seen in result["seen"]]
    assert set().union(*by_run[:cohort]) == rolled
    moved = sum(run.counts["schedule"].get("for_cohort", 0) for run in result["runs"][:cohort])
    assert moved >= len(rolled) - 1
