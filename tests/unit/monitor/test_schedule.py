"""The budgeted re-capture policy: the age prior, the change-rate estimator, the budget, cohorts."""

from __future__ import annotations

import math
import random

import pytest

from dodnews.monitor.policy import (
    AgePrior,
    ArticleState,
    History,
    SchedulePolicy,
    change_multiplier,
    cohort_keys,
    explain,
    history_of,
    predict_runs,
    regular_rate,
    requests_per_cycle,
)

YEAR = 8766.0


def _integral(f, a: float, b: float, n: int = 20000) -> float:
    h = (b - a) / n
    return sum(f(a + (i + 0.5) * h) for i in range(n)) * h


@pytest.mark.parametrize(("start", "end"), [(0, 1), (3, 50), (1000, 2000), (0, 0.01), (-5, 2)])
def test_prior_closed_forms_match_the_integrals(start, end):
    prior = AgePrior()
    lo = max(start, 0)
    assert prior.expected(start, end) == pytest.approx(_integral(prior.rate, lo, end), rel=1e-6)
    waited = _integral(lambda a: prior.rate(a) * (end - a), lo, end)
    assert prior.accrued(start, end) == pytest.approx(waited, rel=1e-6)
    assert prior.expected(end, start) == 0.0 and prior.accrued(end, end) == 0.0


def _history(rate: float, n: int, rng: random.Random, low: float, high: float) -> History:
    """Captures at random intervals of a page changing as a Poisson process of `rate`/hour."""
    history = History()
    for _ in range(n):
        hours = rng.uniform(low, high)
        history.add(hours, rng.random() < 1 - math.exp(-rate * hours))
    return history


@pytest.mark.parametrize("rate", [0.05, 0.5, 3.0])
def test_estimator_recovers_known_rates_from_irregular_captures(rate):
    history = _history(rate, 4000, random.Random(f"rate-{rate}"), 0.2, 3.0)
    estimate = change_multiplier(history, strength=0.0)
    assert estimate == pytest.approx(rate, rel=0.1)
    # the same history always gives the same answer
    assert change_multiplier(history, strength=0.0) == estimate
    # counting changes per hour cannot see two edits between captures: far too low when fast
    naive = len(history.changed) / (sum(history.changed) + history.unchanged)
    if rate >= 3.0:
        assert naive < 0.5 * rate


def test_estimator_is_the_maximum_likelihood_of_equal_intervals():
    history = History()
    for n in range(50):
        history.add(2.0, n < 20)  # 20 of 50 two-hour intervals changed
    mle = -math.log((50 - 20) / 50) / 2.0
    assert change_multiplier(history, strength=0.0) == pytest.approx(mle, rel=1e-9)
    # Cho and Garcia-Molina's bias-reduced form is close on this much data
    assert regular_rate(50, 20, 2.0) == pytest.approx(mle, rel=0.05)
    with pytest.raises(ValueError):
        regular_rate(0, 0, 2.0)


def test_estimator_in_the_time_of_the_age_prior():
    """Articles edited 4x as often as the prior: the multiplier comes back near 4."""
    prior = AgePrior()
    rng = random.Random("multiplier")
    pooled = History()
    for _ in range(300):
        published, t = 0.0, 0.0
        captures = [(t, False)]
        while t < 60 * 24:
            step = rng.uniform(0.5, 2.0) if t < 48 else rng.uniform(12, 72)
            expected = prior.expected(t, t + step)
            t += step
            captures.append((t, rng.random() < 1 - math.exp(-4.0 * expected)))
        one = history_of(published, captures, prior)
        pooled.changed += one.changed
        pooled.unchanged += one.unchanged
        pooled.intervals += one.intervals
    assert change_multiplier(pooled, strength=0.0) == pytest.approx(4.0, rel=0.15)


def test_prior_strength_keeps_short_histories_near_one_and_all_changed_finite():
    quiet = History()
    quiet.add(0.01, False)
    assert change_multiplier(quiet, strength=1.0) == pytest.approx(1 / 1.01)
    assert change_multiplier(History(), strength=1.0) == 1.0
    busy = History()
    for _ in range(5):
        busy.add(0.5, True)
    assert math.isinf(change_multiplier(busy, strength=0.0))
    assert 1.0 < change_multiplier(busy, strength=1.0) < 100.0


# -- the budget --------------------------------------------------------------------------------


NOW = 100_000.0


def _archive(n: int, rng: random.Random) -> list[ArticleState]:
    out = []
    for i in range(n):
        published = NOW - rng.uniform(1, 5 * YEAR)
        last = NOW - rng.uniform(0, min(NOW - published, 40 * 24))
        out.append(ArticleState(1000 + i, published, last, rng.choice([0.5, 1.0, 3.0])))
    return out


def test_plan_never_exceeds_the_budget_and_takes_the_highest_values_first():
    policy = SchedulePolicy()
    articles = _archive(2000, random.Random("archive"))
    full = policy.plan(articles, NOW, None)
    assert full.worth > 100 and full.backlog == 0
    plan = policy.plan(articles, NOW, 100)
    assert len(plan.chosen) == 100
    assert plan.backlog == full.worth - 100
    values = [plan.valuations[a.article_id].value for a in plan.chosen]
    assert values == sorted(values, reverse=True)
    left = [
        v.value
        for i, v in plan.valuations.items()
        if v.due and i not in {a.article_id for a in plan.chosen}
    ]
    assert max(left) <= min(values)
    assert [a.article_id for a in plan.chosen] == [a.article_id for a in full.chosen[:100]]
    assert policy.plan(articles, NOW, 0).chosen == []


def test_plan_is_deterministic_and_breaks_ties_by_oldest_capture_then_id():
    policy = SchedulePolicy()
    articles = _archive(500, random.Random("ties"))
    shuffled = list(articles)
    random.Random(7).shuffle(shuffled)
    first = [a.article_id for a in policy.plan(articles, NOW, 50).chosen]
    assert [a.article_id for a in policy.plan(shuffled, NOW, 50).chosen] == first
    # never captured: all worth the same (infinite), in id order; then the ones due by the
    # max interval alone (all worth the price): the oldest capture first, then the id
    twins = [ArticleState(i, NOW - 10, None) for i in (9, 3, 7)]
    same = [ArticleState(i, NOW - 3 * YEAR, NOW - 31 * 24, multiplier=0.0) for i in (20, 11)]
    older = ArticleState(30, NOW - 3 * YEAR, NOW - 35 * 24, multiplier=0.0)
    plan = policy.plan([*same, *twins, older], NOW, 10)
    assert [a.article_id for a in plan.chosen] == [3, 7, 9, 30, 11, 20]
    assert plan.valuations[30].reason == "max-interval"


def test_value_reaches_the_price_at_next_due_and_not_before():
    policy = SchedulePolicy()
    rng = random.Random("due")
    for _ in range(300):
        published = NOW - rng.choice([0.5, 5, 40, 400, 4000, 40000])
        last = NOW - rng.uniform(0, min(NOW - published, 2))
        article = ArticleState(1, published, last, rng.choice([0.2, 1.0, 5.0]))
        due = policy.next_due(article, NOW)
        assert due <= last + policy.max_interval + 1e-9
        after = policy.value(article._replace(), due + 1e-6)
        assert after.due
        if due > NOW + 0.02:
            assert not policy.value(article, due - 0.02).due


def test_young_and_often_changed_articles_are_checked_sooner():
    policy = SchedulePolicy()
    young = ArticleState(1, NOW - 2, NOW - 0.5)
    old = ArticleState(2, NOW - 3 * YEAR, NOW - 0.5)
    busy = old._replace(article_id=3, multiplier=20.0)
    assert policy.next_due(young, NOW) < policy.next_due(busy, NOW) < policy.next_due(old, NOW)
    gone = old._replace(article_id=4, gone=True)
    assert policy.next_due(gone, NOW) == pytest.approx(NOW - 0.5 + policy.gone_interval)
    hinted = old._replace(article_id=5, hint="listing")
    assert policy.value(hinted, NOW).value == math.inf


# -- cohorts -----------------------------------------------------------------------------------


def _members(section: str, year: int, month: int, n: int, first: int) -> list[ArticleState]:
    published = NOW - (2026 - year) * YEAR
    keys = cohort_keys(section, year, month)
    return [
        ArticleState(first + i, published, NOW - 48 - i * 0.01, 1.0, False, keys) for i in range(n)
    ]


def test_a_notice_on_an_old_article_moves_its_cohort_forward():
    policy = SchedulePolicy()
    board = policy.board()
    cohort = _members("releases", 2019, 3, 200, 1)
    other_year = _members("releases", 2021, 3, 50, 1000)
    assert not any(policy.value(a, NOW, board).due for a in cohort)
    # the first member seen with a new notice, captured an hour ago, last seen 3 days before
    board.hit(cohort[0].keys, NOW - 1, NOW - 72)
    moved = [a for a in cohort[1:] if policy.value(a, NOW, board).due]
    assert len(moved) == len(cohort) - 1
    assert not any(policy.value(a, NOW, board).due for a in other_year)
    assert policy.value(cohort[1], NOW, board).reason == "cohort"
    # a new cohort moves only `probe` members until they are back
    plan = policy.plan(cohort[1:] + other_year, NOW, None, board)
    assert len(plan.chosen) == policy.probe
    assert plan.held == len(cohort) - 1 - policy.probe
    # its probes come back unchanged: the cohort cools down and moves nobody
    for a in plan.chosen:
        board.miss(a.keys, NOW - 0.5, a.last_captured)
    assert not any(policy.value(a, NOW, board).due for a in cohort[policy.probe + 1 :])


def test_a_confirmed_cohort_is_moved_whole_within_the_budget():
    policy = SchedulePolicy()
    board = policy.board()
    cohort = _members("news-stories", 2018, 6, 300, 1)
    board.hit(cohort[0].keys, NOW - 1, NOW - 72)
    for a in cohort[1:30]:  # probes back: half of them had the notice too
        if a.article_id % 2:
            board.hit(a.keys, NOW - 0.5, a.last_captured)
        else:
            board.miss(a.keys, NOW - 0.5, a.last_captured)
    rest = cohort[30:]
    plan = policy.plan(rest, NOW, 100, board)
    assert len(plan.chosen) == 100 and plan.backlog == len(rest) - 100 and plan.held == 0
    # a week after its latest notice the cohort is over
    assert policy.value(rest[0], NOW + policy.cohort_hours + 2, board).reason != "cohort"


def test_explanations_name_the_reason():
    policy = SchedulePolicy()
    board = policy.board()
    [member] = _members("contracts", 2017, 1, 1, 5)
    board.hit(member.keys, NOW - 1, NOW - 72)
    text = "\n".join(explain(policy.value(member, NOW, board), policy))
    assert "cohort section-month/contracts/2017-01" in text and "due (its cohort)" in text
    quiet = ArticleState(6, NOW - 3 * YEAR, NOW - 1)
    assert "not due" in explain(policy.value(quiet, NOW), policy)[-1]
    gone = quiet._replace(gone=True)
    assert "404" in explain(policy.value(gone, NOW), policy)[0]
    assert explain(policy.value(quiet._replace(last_captured=None), NOW), policy) == [
        "never captured: due at once"
    ]


def test_forecast_of_runs_follows_the_cohort_and_leaves_its_inputs_alone():
    policy = SchedulePolicy()
    board = policy.board()
    cohort = _members("releases", 2019, 3, 60, 1)
    bystanders = _members("speeches", 2023, 7, 200, 1000)
    # one member a month overdue; the rest captured two days ago
    overdue = cohort[0]._replace(last_captured=NOW - 31 * 24)
    states = [overdue, *cohort[1:], *bystanders]
    changed = {a.article_id for a in cohort}
    runs = predict_runs(policy, states, NOW, 25, 24.0, changed, changed, board=board)
    blind = predict_runs(
        SchedulePolicy(cohort_min_share=2.0), states, NOW, 25, 24.0, changed, changed
    )
    # run 1 finds the notice, run 2 probes 20 members, then 25 a run
    assert runs == 4
    assert blind is None or blind > runs + 2
    assert board.cohorts == {}  # the caller's board is not the forecast's
    assert predict_runs(policy, states, NOW, 25, 24.0, changed, changed, board=board) == runs
    assert predict_runs(policy, states, NOW, 0, 24.0, changed, max_runs=5) is None


def test_requests_per_cycle_follow_the_politeness_settings():
    assert requests_per_cycle(3600, download_delay=1.0) == 2880  # 80% of an hour at 1/s
    assert requests_per_cycle(600, download_delay=2.0, share=1.0) == 300
    # AutoThrottle never goes below DOWNLOAD_DELAY: the delay is the ceiling
    assert requests_per_cycle(3600, download_delay=1.0, autothrottle=True) == 2880
    assert requests_per_cycle(3600, download_delay=0, autothrottle=True) == 576
    assert requests_per_cycle(3600, download_delay=0) is None  # nothing limits a loopback crawl
