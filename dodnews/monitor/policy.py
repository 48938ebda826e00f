"""Which archived articles a recheck run spends its requests on. Pure: no Scrapy, no database.

A run has a request budget (politeness: about one request a second on the real site). The
scheduler values every article by the waiting its unseen edits have piled up, in edit-hours (an
edit made three hours ago and not yet captured counts 3), and spends the budget on the highest
values that reach `price`, the edit-hours a request must be worth. What reached the price but did
not fit is the backlog. Capturing an article when its piled-up waiting reaches a fixed price is the
classic rule for the least mean detection delay per request: articles are re-captured in
proportion to the square root of their edit rate, not in proportion to the rate itself.

Where the value comes from:

- its own rate: an age prior (edits per hour by hours since publication: a burst in the first hours,
  a long thin tail) times a multiplier estimated from the article's own captures with the estimator
  of Cho and Garcia-Molina ("Estimating frequency of change", 2003), which uses only what a capture
  can tell: "changed since the last capture" or not;
- its cohort: when a notice (a banner) appears on an old article, the old articles of the same
  section and year (and, less, of the same year or the same section) take the observed share of
  their cohort that changed as a probability of having changed since, so a notice rolled out to
  thousands of articles is seen across its cohort in hours; each unchanged member lowers the share;
- floors: an article never captured is worth a capture at once, one not captured for
  `max_interval` hours is worth `price` (a fit-if-the-budget-allows guarantee), and one that
  answered 404 is retried after `gone_interval`.

Times are hours on any one clock (the crawl uses POSIX hours, the simulator its own); the same
inputs give the same plan, ties broken by the oldest capture, then the article id.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import NamedTuple

INF = math.inf
# Cohort keys an old article belongs to, with the weight a notice seen in that cohort carries.
SECTION_MONTH, SECTION_YEAR, YEAR = "section-month", "section-year", "year"
COHORT_WEIGHTS = {SECTION_MONTH: 1.0, SECTION_YEAR: 1.0, YEAR: 0.5}

CohortKey = tuple[str, ...]


@dataclass(frozen=True)
class AgePrior:
    """Expected edits per hour of an article by its age in hours (a burst, then a long tail)."""

    early_rate: float = 0.15  # edits per hour just after publication
    early_hours: float = 8.0  # the burst falls by a factor e every early_hours
    late_rate: float = (
        3e-5  # edits per hour of the tail at age 0; it falls as 1 / (1 + age / late_hours)
    )
    late_hours: float = 720.0

    def rate(self, age: float) -> float:
        """Edits per hour at `age` hours."""
        if age < 0.0:
            age = 0.0
        early = self.early_rate * math.exp(-age / self.early_hours)
        return early + self.late_rate * self.late_hours / (age + self.late_hours)

    def expected(self, start: float, end: float) -> float:
        """Edits expected between ages `start` and `end` (none before publication)."""
        if start < 0.0:
            start = 0.0
        if end < start:
            return 0.0
        tau, tail = self.early_hours, self.late_hours
        early = self.early_rate * tau * (math.exp(-start / tau) - math.exp(-end / tau))
        return early + self.late_rate * tail * math.log1p((end - start) / (start + tail))

    def accrued(self, start: float, end: float) -> float:
        """Edit-hours at age `end` of the edits expected since age `start` (their waits, summed)."""
        if start < 0.0:
            start = 0.0
        if end <= start:
            return 0.0
        span = end - start
        tau = self.early_hours
        # Closed forms of the integral of rate(a) * (end - a) over [start, end]; expm1 and
        # log1p keep short spans exact.
        early = (
            self.early_rate * tau * math.exp(-start / tau) * (span + tau * math.expm1(-span / tau))
        )
        base = start + self.late_hours
        y = span / base
        return early + self.late_rate * self.late_hours * base * ((1.0 + y) * math.log1p(y) - y)


# -- the estimator ---------------------------------------------------------------------------------


@dataclass
class History:
    """An article's capture intervals, each measured in edits the prior expected during it."""

    changed: list[float] = field(default_factory=list)  # intervals that ended with a change
    unchanged: float = 0.0  # the intervals that ended unchanged, summed (all the estimator needs)
    intervals: int = 0

    def add(self, expected: float, changed: bool) -> None:
        """One more interval between two successful captures."""
        self.intervals += 1
        if changed:
            self.changed.append(expected)
        else:
            self.unchanged += expected


def history_of(
    published: float, captures: Iterable[tuple[float, bool]], prior: AgePrior
) -> History:
    """The History of (time, changed) successful captures, oldest first (the first is the base)."""
    history = History()
    previous: float | None = None
    for time, changed in captures:
        if previous is not None:
            history.add(prior.expected(previous - published, time - published), changed)
        previous = time
    return history


def change_multiplier(history: History, strength: float = 1.0) -> float:
    """The article's edit rate as a multiple of the prior's, from its own captures.

    The maximum-likelihood estimator of Cho and Garcia-Molina (2003) for captures at irregular
    intervals, in the prior's time (an interval counts the edits the prior expected in it, so a
    quiet hour at age 2 hours says more than a quiet hour at age 2 years): the root of
    sum over changed intervals of x / (e^(m x) - 1) = sum of the unchanged intervals. An
    interval only says "changed at least once", which this accounts for (counting changes per hour
    would not). `strength` adds a Gamma prior worth that many observations at m = 1, so a short
    history stays near the prior and a history of changes only has a finite answer.
    """
    xs = [x for x in history.changed if x > 0.0]
    k = max(strength, 0.0)
    u = history.unchanged
    if not xs:
        return k / (k + u) if k + u > 0.0 else 1.0
    if k + u <= 0.0:
        return INF  # every interval changed and no prior: no finite estimate

    def slope(m: float) -> tuple[float, float]:
        value, derivative = -u - k + (k / m), -(k / (m * m))
        for x in xs:
            z = m * x
            if z > 700.0:  # e^z overflows; the term is 0 there
                continue
            em1 = math.expm1(z)
            value += x / em1
            derivative -= x * x * (em1 + 1.0) / (em1 * em1)
        return value, derivative

    # The function falls from +inf to -(u + k): one root; Newton inside a shrinking bracket.
    lo, hi = 1e-12, 1.0
    while slope(hi)[0] > 0.0:
        lo, hi = hi, hi * 16.0
        if hi > 1e12:
            return hi
    m = hi
    for _ in range(100):
        value, derivative = slope(m)
        if value > 0.0:
            lo = m
        else:
            hi = m
        if abs(value) < 1e-12 or hi - lo < 1e-12 * hi:
            break
        step = m - value / derivative if derivative < 0.0 else -1.0
        m = step if lo < step < hi else math.sqrt(lo * hi) if lo > 0.0 else hi / 2.0
    return m


def regular_rate(captures: int, changes: int, interval: float) -> float:
    """Edits per hour from `captures` intervals of equal length, `changes` of which changed.

    Cho and Garcia-Molina's bias-reduced estimator, -log((n - X + 0.5) / (n + 0.5)) / I: the
    reference for the irregular case above, and far better than X / (n I), which cannot see two
    edits in one interval.
    """
    if captures <= 0 or interval <= 0:
        raise ValueError("need at least one interval of positive length")
    return -math.log((captures - changes + 0.5) / (captures + 0.5)) / interval


# -- cohorts ---------------------------------------------------------------------------------------


def cohort_keys(
    section: str | None, year: int | None, month: int | None = None
) -> tuple[tuple[CohortKey, float], ...]:
    """The cohorts of an old article of `section` published in `year` and `month`, weighted:
    its section's month and year, and its year across sections."""
    keys: list[tuple[CohortKey, float]] = []
    if year is None:
        return ()
    if section and month is not None:
        keys.append(
            ((SECTION_MONTH, section, f"{year}-{month:02d}"), COHORT_WEIGHTS[SECTION_MONTH])
        )
    if section:
        keys.append(((SECTION_YEAR, section, str(year)), COHORT_WEIGHTS[SECTION_YEAR]))
    keys.append(((YEAR, str(year)), COHORT_WEIGHTS[YEAR]))
    return tuple(keys)


@dataclass
class Cohort:
    """Notices seen on old articles of one cohort, and its members seen without one since."""

    start: float  # the notices appeared after this time (the earliest base capture of a hit)
    last_hit: float  # when the latest notice was seen
    hits: int = 0
    misses: int = 0

    @property
    def share(self) -> float:
        """The estimated share of members with a new notice (one pseudo-miss keeps it below 1)."""
        return self.hits / (self.hits + self.misses + 1)

    @property
    def observed(self) -> int:
        return self.hits + self.misses


class CohortBoard:
    """The cohorts with recent notices, fed hits and misses in time order (deterministic)."""

    def __init__(self, active_hours: float = 7 * 24.0, min_share: float = 0.05) -> None:
        self.active_hours = active_hours
        self.min_share = min_share
        self.cohorts: dict[CohortKey, Cohort] = {}

    def hit(
        self, keys: Iterable[tuple[CohortKey, float]], time: float, base: float | None
    ) -> list[CohortKey]:
        """A new notice on an old member captured at `time` (last captured at `base`); returns
        the cohorts this hit opened."""
        since = time - self.active_hours if base is None else max(base, time - self.active_hours)
        opened = []
        for key, _ in keys:
            cohort = self.cohorts.get(key)
            if (
                cohort is None
                or time - cohort.last_hit > self.active_hours
                or cohort.share < self.min_share
            ):
                # a new episode: an old notice that went nowhere says nothing about this one
                self.cohorts[key] = Cohort(start=since, last_hit=time, hits=1)
                opened.append(key)
            else:
                cohort.hits += 1
                cohort.start = min(cohort.start, since)
                cohort.last_hit = max(cohort.last_hit, time)
        return opened

    def miss(
        self, keys: Iterable[tuple[CohortKey, float]], time: float, base: float | None
    ) -> None:
        """An old member captured at `time` without a new notice; it counts against the cohorts
        whose latest notice came after its previous capture (`base`): it could have shown it."""
        for key, _ in keys:
            cohort = self.cohorts.get(key)
            if (
                cohort is not None
                and (base is None or base < cohort.last_hit)
                and time - cohort.last_hit <= self.active_hours
            ):
                cohort.misses += 1

    def active(self, key: CohortKey, last_captured: float, now: float) -> Cohort | None:
        """The cohort `key` if it still says something about a member captured at
        `last_captured`: a notice seen since, recently, in a large enough share."""
        cohort = self.cohorts.get(key)
        if (
            cohort is None
            or cohort.last_hit <= last_captured
            or now - cohort.last_hit > self.active_hours
        ):
            return None
        return cohort

    def value(
        self, keys: Sequence[tuple[CohortKey, float]], last_captured: float, now: float
    ) -> tuple[float, CohortKey | None, float]:
        """(edit-hours, the cohort giving them, its weighted share) for a member captured at
        `last_captured`: the weighted share of its cohort found with a new notice, times the
        hours since the later of its capture and the cohort's start."""
        best: tuple[float, CohortKey | None, float] = (0.0, None, 0.0)
        cohorts = self.cohorts
        for key, weight in keys:
            cohort = cohorts.get(key)  # active(), inlined: this runs for every old article
            if (
                cohort is None
                or cohort.last_hit <= last_captured
                or now - cohort.last_hit > self.active_hours
            ):
                continue
            share = weight * cohort.share
            if share < self.min_share:
                continue
            value = share * max(0.0, now - max(last_captured, cohort.start))
            if value > best[0]:
                best = (value, key, share)
        return best

    def due_from(
        self,
        keys: Sequence[tuple[CohortKey, float]],
        last_captured: float,
        now: float,
        price: float,
    ) -> tuple[float, float, float]:
        """(time the cohort value alone reaches `price`, the share behind it, the time it counts
        from); (inf, 0, 0) when no cohort applies."""
        best = (INF, 0.0, 0.0)
        cohorts = self.cohorts
        for key, weight in keys:
            cohort = cohorts.get(key)
            if (
                cohort is None
                or cohort.last_hit <= last_captured
                or now - cohort.last_hit > self.active_hours
            ):
                continue
            share = weight * cohort.share
            if share < self.min_share:
                continue
            origin = max(last_captured, cohort.start)
            when = origin + price / share
            if when < best[0]:
                best = (when, share, origin)
        return best


# -- the policy ------------------------------------------------------------------------------------


class ArticleState(NamedTuple):
    """One archived article as the scheduler sees it (times in hours)."""

    article_id: int
    published: float  # publication (or, when unknown, first seen)
    last_captured: float | None  # None: never captured
    multiplier: float = 1.0  # change_multiplier of its own history
    gone: bool = False  # its latest answer was 404/410
    keys: tuple[tuple[CohortKey, float], ...] = ()  # cohort_keys (old articles only)
    hint: str | None = None  # something outside the schedule says it changed (a listing)


class Valuation(NamedTuple):
    """Why an article is or is not worth a request now."""

    value: float  # edit-hours (inf: at once)
    reason: str  # new, hint, rate, cohort, max-interval, gone, gone-wait, not-due
    own: float = 0.0  # edit-hours from its own rate
    cohort: float = 0.0  # edit-hours from its cohort
    cohort_key: CohortKey | None = None
    cohort_share: float = 0.0
    rate: float = 0.0  # its estimated edits per hour now
    changed: float = 0.0  # probability it changed since its last capture (own rate)
    hours_since: float = INF
    multiplier: float = 1.0

    @property
    def due(self) -> bool:
        """Whether the article is worth a request in this run."""
        return self.reason not in ("not-due", "gone-wait")


@dataclass
class Plan:
    """One run's choice: what to capture, in order, and what did not fit."""

    chosen: list[ArticleState]
    valuations: dict[int, Valuation]
    worth: int  # articles due (whose value reached the price), probes held back excluded
    budget: int | None
    held: int = 0  # cohort members held back until the cohort's first probes are back

    @property
    def backlog(self) -> int:
        """Articles worth a request that did not fit in the budget."""
        return self.worth - len(self.chosen)

    def rank(self, article_id: int) -> int | None:
        """1-based position of `article_id` in the chosen list, or None."""
        for n, article in enumerate(self.chosen, 1):
            if article.article_id == article_id:
                return n
        return None


@dataclass(frozen=True)
class SchedulePolicy:
    """The budgeted, adaptive policy (module docstring); all times in hours."""

    prior: AgePrior = AgePrior()
    price: float = 0.003  # edit-hours a capture must be worth
    max_interval: float = 30 * 24.0
    gone_interval: float = 30 * 24.0
    strength: float = 1.0  # observations the prior is worth in change_multiplier
    cohort_min_age: float = 180 * 24.0  # a notice on an article this old is a cohort signal
    cohort_hours: float = 7 * 24.0  # a cohort stays active this long after its latest notice
    cohort_min_share: float = 0.05  # below this weighted share a cohort moves nobody
    probe: int = 20  # a new cohort moves this many members per run until they are back

    def board(self) -> CohortBoard:
        """An empty CohortBoard with this policy's settings."""
        return CohortBoard(self.cohort_hours, self.cohort_min_share)

    def is_old(self, published: float, when: float) -> bool:
        """Whether a notice on an article published at `published` is a cohort signal at `when`."""
        return when - published >= self.cohort_min_age

    def value(
        self, article: ArticleState, now: float, cohorts: CohortBoard | None = None
    ) -> Valuation:
        """How much a capture of `article` at `now` is worth, and why."""
        last = article.last_captured
        if last is None:
            return Valuation(INF, "new")
        since = now - last
        if article.hint:
            return Valuation(INF, "hint", hours_since=since)
        if article.gone:
            if since >= self.gone_interval:
                return Valuation(self.price, "gone", hours_since=since)
            return Valuation(0.0, "gone-wait", hours_since=since)
        age_then, age_now = last - article.published, now - article.published
        m = article.multiplier
        own = m * self.prior.accrued(age_then, age_now)
        changed = -math.expm1(-m * self.prior.expected(age_then, age_now))
        rate = m * self.prior.rate(age_now)
        cohort, key, share = (0.0, None, 0.0)
        if cohorts is not None and article.keys and cohorts.cohorts:
            cohort, key, share = cohorts.value(article.keys, last, now)
        value = own + cohort
        if value >= self.price:
            reason = "cohort" if cohort > own else "rate"
        elif since >= self.max_interval:
            value, reason = self.price, "max-interval"
        else:
            reason = "not-due"
        return Valuation(value, reason, own, cohort, key, share, rate, changed, since, m)

    def next_due(
        self, article: ArticleState, now: float, cohorts: CohortBoard | None = None
    ) -> float:
        """The earliest time, not before `now`, at which `value` makes the article due (exact
        for its own rate; the cohort part as it stands at `now`)."""
        last = article.last_captured
        if last is None or article.hint:
            return now
        if article.gone:
            return max(now, last + self.gone_interval)
        limit = last + self.max_interval
        base = last - article.published
        pub = article.published
        m = article.multiplier
        price = self.price
        prior = self.prior
        cohort_at, share, origin = (INF, 0.0, 0.0)
        if cohorts is not None and article.keys and cohorts.cohorts:
            cohort_at, share, origin = cohorts.due_from(article.keys, last, now, price)

        def gap(t: float) -> tuple[float, float]:
            g = m * prior.accrued(base, t - pub) - price
            d = m * prior.expected(base, t - pub)
            if share and t > origin:
                g += share * (t - origin)
                d += share
            return g, d

        # An upper bound of the crossing: the max interval, the cohort alone, or the own value
        # alone (from the rate at the capture, which only falls, a start below the crossing;
        # one Newton step from there lands above it, the value being convex in time).
        high = min(limit, cohort_at)
        if m > 0.0:
            rate = m * prior.rate(base)
            if rate > 0.0:
                t = last + math.sqrt(2.0 * price / rate)
                if t < high:
                    g = m * prior.accrued(base, t - pub) - price
                    d = m * prior.expected(base, t - pub)
                    if g >= 0.0:
                        high = t
                    elif d > 0.0:
                        high = min(high, t - g / d)
        g, d = gap(high)
        if g < 0.0:
            return max(now, high)  # only the max-interval floor makes it due
        t = high  # Newton from above comes down monotonically to the crossing
        for _ in range(60):
            if g <= price * 1e-3 or d <= 0.0:
                break
            step = g / d
            t -= step
            if step < 0.01:  # to the minute: never early, at most seconds late
                break
            g, d = gap(t)
        return max(now, min(t, limit))

    def plan(
        self,
        articles: Iterable[ArticleState],
        now: float,
        budget: int | None,
        cohorts: CohortBoard | None = None,
    ) -> Plan:
        """The articles to capture now: those due, highest value first, at most `budget` of them
        (None: no limit); ties go to the oldest capture, then the lowest id. A cohort whose
        first `probe` members are not back yet moves no more than that many in one run."""
        due: list[tuple[float, float, int, ArticleState, Valuation]] = []
        valuations: dict[int, Valuation] = {}
        for article in articles:
            valuation = self.value(article, now, cohorts)
            valuations[article.article_id] = valuation
            if valuation.due:
                last = article.last_captured if article.last_captured is not None else -INF
                due.append((-valuation.value, last, article.article_id, article, valuation))
        due.sort(key=lambda row: row[:3])
        quota: dict[CohortKey, int] = {}
        kept: list[ArticleState] = []
        held = 0
        for _, _, _, article, valuation in due:
            key = valuation.cohort_key
            if valuation.reason == "cohort" and key is not None and cohorts is not None:
                cohort = cohorts.cohorts[key]
                left = quota.setdefault(key, max(0, self.probe + 1 - cohort.observed))
                if cohort.observed <= self.probe:
                    if left <= 0:
                        held += 1
                        continue
                    quota[key] = left - 1
            kept.append(article)
        chosen = kept if budget is None else kept[: max(budget, 0)]
        return Plan(chosen, valuations, len(kept), budget, held)


def explain(valuation: Valuation, policy: SchedulePolicy) -> list[str]:
    """Plain sentences saying why an article is or is not due."""
    v = valuation
    if v.reason == "new":
        return ["never captured: due at once"]
    if v.reason == "hint":
        return ["a listing shows a changed title or date: due at once"]
    ago = _hours(v.hours_since)
    every = _hours(policy.gone_interval)
    if v.reason == "gone":
        return [f"answered 404/410, last tried {ago} ago; retried every {every}: due"]
    if v.reason == "gone-wait":
        return [f"answered 404/410, last tried {ago} ago; retried every {every}: not due"]
    lines = [
        f"last captured {ago} ago; its edit rate is {v.multiplier:.2g} x the age prior, "
        f"{v.rate:.3g} edits/hour now; {_percent(v.changed)} chance it changed since",
        f"waiting piled up by unseen edits: {v.own:.3g} edit-hours from its own rate",
    ]
    if v.cohort_key is not None:
        lines.append(
            f"cohort {'/'.join(v.cohort_key)}: new notices on {v.cohort_share:.0%} of its "
            f"members checked (weighted): {v.cohort:.3g} edit-hours more"
        )
    verdict = {
        "rate": "due",
        "cohort": "due (its cohort)",
        "max-interval": f"due: not captured for {_hours(policy.max_interval)} or more",
        "not-due": "not due",
    }[v.reason]
    shown = policy.price if v.reason == "max-interval" else v.value
    lines.append(f"value {shown:.3g} edit-hours against a price of {policy.price:g}: {verdict}")
    return lines


def _percent(share: float) -> str:
    return f"{share:.1%}" if share >= 0.001 or share == 0 else f"{share * 100:.2g}%"


def _hours(hours: float) -> str:
    if not math.isfinite(hours):
        return "-"
    if hours < 2:
        return f"{hours * 60:.0f} min"
    if hours < 72:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"


def requests_per_cycle(
    seconds: float,
    *,
    download_delay: float,
    autothrottle: bool = False,
    autothrottle_start_delay: float = 5.0,
    autothrottle_target_concurrency: float = 1.0,
    share: float = 0.8,
) -> int | None:
    """The request budget of a recheck run started every `seconds`, from Scrapy's politeness.

    With a DOWNLOAD_DELAY, Scrapy sends one request to the site per delay whatever
    CONCURRENT_REQUESTS_PER_DOMAIN, and AutoThrottle only ever lengthens the delay: 1 / delay is
    the most a run can send. Without one, AutoThrottle's start delay over its target concurrency
    is the estimate; with neither (a loopback replica) nothing limits the run: None. `share` of
    the cycle goes to the recheck; the rest is left to the news crawl, retries and slow answers.
    """
    if seconds <= 0 or share <= 0:
        return 0
    if download_delay > 0:
        per_request = download_delay
    elif autothrottle and autothrottle_start_delay > 0:
        per_request = autothrottle_start_delay / max(autothrottle_target_concurrency, 1e-9)
    else:
        return None
    return int(seconds * share / per_request)


def predict_runs(
    policy: SchedulePolicy,
    states: Sequence[ArticleState],
    now: float,
    budget: int | None,
    every: float,
    changed: AbstractSet[int],
    notices: AbstractSet[int] = frozenset(),
    *,
    board: CohortBoard | None = None,
    histories: dict[int, History] | None = None,
    max_runs: int = 200,
) -> int | None:
    """How many runs, `every` hours apart from `now`, the policy needs to capture every article
    of `changed` (edited just before the first run; `notices`: those whose edit is a notice),
    spending at most `budget` requests a run: the scheduler's own forecast, run on the same
    code as the crawl. Captures update each article's history and the cohorts as a crawl would.
    Articles keep the age they have at `now` (over a forecast of days, a young article's rate
    would fall: holding it makes the forecast err on the slow side for the older ones, which
    compete with it). None if `max_runs` do not do it."""
    board = copy.deepcopy(board) if board is not None else policy.board()
    histories = {
        k: History(list(v.changed), v.unchanged, v.intervals) for k, v in (histories or {}).items()
    }
    current = {s.article_id: s for s in states}
    left = set(changed) & set(current)
    missing = set(changed) - set(current)
    if missing:
        raise ValueError(f"articles not in the states: {sorted(missing)[:5]}")
    seen: set[int] = set()
    for run in range(1, max_runs + 1):
        if not left:
            return run - 1
        shift = (run - 1) * every
        at = now + shift
        aged = [s._replace(published=s.published + shift) for s in current.values()]
        plan = policy.plan(aged, at, budget, board)
        for state in plan.chosen:
            article_id = state.article_id
            fresh = article_id in changed and article_id not in seen
            seen.add(article_id)
            left.discard(article_id)
            last = state.last_captured
            if last is not None:
                pub = state.published
                history = histories.setdefault(article_id, History())
                history.add(policy.prior.expected(last - pub, at - pub), fresh)
                multiplier = change_multiplier(history, policy.strength)
            else:
                multiplier = state.multiplier
            if state.keys:
                if fresh and article_id in notices:
                    board.hit(state.keys, at, last)
                else:
                    board.miss(state.keys, at, last)
            current[article_id] = current[article_id]._replace(
                last_captured=at, multiplier=multiplier, hint=None
            )
    return None if left else max_runs
