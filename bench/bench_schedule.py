"""Re-capture policies on one simulated newsroom: `python bench/bench_schedule.py [--articles N]`.

Pure Python, no crawl: a seeded stream of articles and edits, and five policies that each spend
the same request budget on it (in ticks: one recheck run every `--tick` minutes, with
`--rate` requests per second):

- round-robin: every article in turn, as fast as the budget allows (urlwatch's and
  changedetection.io's model: one interval for every watched page);
- age decay: NewsDiffs' table (15 min while the article changed in the last 3 hours, then
  hourly, 3 h, 3 days, monthly after 30 days without a change);
- staleness: diffengine's rule (re-check when the time since the last check reaches 0.2 of the
  article's age);
- due.py: dodnews' previous policy (dodnews/monitor/due.py: an age table, 6 h after a change);
- budgeted: dodnews/monitor/policy.py (value per request, the age prior, the Cho and Garcia-Molina
  estimator, cohort triggers, changed listing titles).

The stream: `--articles` archived articles published over `--years` years (the newsroom grew
about 20% a year and publishes `--daily` articles a day now), then `--warmup` plus `--days` days
of new articles and edits. Edits: most in the first 48 hours after publication (figures, titles,
paragraphs, photos, corrections), rare late corrections (a hazard falling with age), flip-flops
(an edit reverted within the hour or so), removals and moves, single notices on old articles,
and rollouts (one notice added to a cohort of old articles of one year, or of one section, within
hours). Listing pages (the first page of each section, one request each per run) reveal new
articles to every policy; the budgeted policy also reads changed titles there.

An edit is detected by the first capture after it, unless a later edit of the same part of the
page (or a revert) overwrote it first: then it is missed. Only edits in the measured days count;
the run goes on `--tail` days without new edits so slow policies can still see them. Printed per
policy and edit class: mean and p90 detection delay, missed edits, and per policy the requests
per detected edit and the share of the budget used.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dodnews.monitor.due import GONE_INTERVAL_HOURS, DuePolicy
from dodnews.monitor.policy import (
    ArticleState,
    History,
    SchedulePolicy,
    change_multiplier,
    cohort_keys,
)

YEAR = 8766.0  # hours
DAY = 24.0
SECTIONS = ("news-stories", "releases", "contracts", "transcripts", "speeches", "feature-stories")
SECTION_WEIGHTS = (34, 22, 18, 9, 6, 11)
CLOCK_ZERO = datetime(2026, 6, 1, tzinfo=UTC)  # time 0 of the simulation (hours count from it)
CLASSES = ("early", "late", "flip-flop", "rollout", "notice", "removed/moved")

# Parts of a page an edit can touch; two edits of one part before a capture: the first is lost.
FIGURE, TITLE, PARAGRAPH, PHOTO, NOTE, BANNER, STATUS, URL = range(8)
REVERT = -1  # an event value: back to the value before the previous edit of that part
EARLY_PARTS = ((FIGURE, 35), (TITLE, 15), (PARAGRAPH, 25), (PHOTO, 10), (NOTE, 15))
LATE_PARTS = ((NOTE, 45), (FIGURE, 30), (PARAGRAPH, 25))


def weighted(rng: random.Random, table: tuple[tuple[int, int], ...]) -> int:
    total = sum(w for _, w in table)
    pick = rng.uniform(0, total)
    for value, w in table:
        pick -= w
        if pick <= 0:
            return value
    return table[-1][0]


def year_of(hours: float) -> int:
    return (CLOCK_ZERO + timedelta(hours=hours)).year


# -- the stream ------------------------------------------------------------------------------------


@dataclass
class Stream:
    pub: list[float] = field(default_factory=list)
    section: list[int] = field(default_factory=list)
    era: list[int] = field(default_factory=list)
    month: list[int] = field(default_factory=list)
    mult: list[float] = field(default_factory=list)
    # events, sorted by time: time, article, part (article * 64 + part id), value, class
    ev_t: list[float] = field(default_factory=list)
    ev_a: list[int] = field(default_factory=list)
    ev_part: list[int] = field(default_factory=list)
    ev_v: list[int] = field(default_factory=list)
    ev_c: list[str] = field(default_factory=list)
    rollouts: list[tuple[str, float, list[int]]] = field(default_factory=list)
    back: int = 0  # articles 0..back-1 are the archive at time 0
    start: float = 0.0  # measured window
    end: float = 0.0


def build_stream(args: argparse.Namespace) -> Stream:
    rng = random.Random(f"bench-schedule-{args.seed}")
    s = Stream()
    # Archive: density grows e^(g t) toward `daily` a day now; g solves the total of `articles`.
    span = args.years * YEAR
    now_rate = args.daily / DAY
    g = _growth(args.articles, now_rate, span)
    times = []
    for _ in range(args.articles):
        u = rng.random()
        # inverse CDF of e^(g t) on [-span, 0)
        t = math.log(math.exp(-g * span) + u * (1 - math.exp(-g * span))) / g if g else -u * span
        times.append(t)
    times.sort()
    for t in times:
        _add_article(s, rng, t)
    s.back = len(s.pub)
    s.start = args.warmup * DAY
    s.end = s.start + args.days * DAY
    # New articles: weekdays busier, office hours.
    day = 0
    while day * DAY < s.end:
        weekday = (CLOCK_ZERO + timedelta(days=day)).weekday()
        mean = args.daily * (1.2 if weekday < 5 else 0.5)
        for t in sorted(day * DAY + rng.uniform(8, 19) for _ in range(_poisson(rng, mean))):
            if t < s.end:
                _add_article(s, rng, t)
        day += 1

    # time, article, part (article * 64 + part), value, class, rollout number (or -1)
    events: list[tuple[float, int, int, int, str, int]] = []
    counter = [0]

    def fresh() -> int:
        counter[0] += 1
        return counter[0]

    def edit(t: float, a: int, part: int, cls: str, flip: float) -> None:
        key = a * 64 + part
        if rng.random() < flip:  # reverted soon after: both are flip-flop edits
            events.append((t, a, key, fresh(), "flip-flop", -1))
            back = t + rng.lognormvariate(math.log(0.75), 1.0)
            events.append((back, a, key, REVERT, "flip-flop", -1))
        else:
            events.append((t, a, key, fresh(), cls, -1))

    for a in range(len(s.pub)):
        pub, m = s.pub[a], s.mult[a]
        # Early edits: most within hours of publication.
        if pub > -48:
            for _ in range(_poisson(rng, 0.8 * m)):
                t = pub + rng.lognormvariate(math.log(2.0), 1.3)
                if 0 <= t < s.end:
                    cls = "early" if t - pub < 48 else "late"
                    part = weighted(rng, EARLY_PARTS)
                    if part == NOTE:
                        part = 16 + rng.randrange(40)  # each note is its own line
                    elif part in (FIGURE, PARAGRAPH, PHOTO):
                        part = part + 8 * rng.randrange(3)  # one of a few figures/paragraphs
                    edit(t, a, part, cls, flip=0.06)
        # Late corrections: hazard K / (age + C) per day, times the article's own propensity.
        a1 = max(0.0, -pub / DAY, 2.0)
        a2 = (s.end - pub) / DAY
        if a2 > a1:
            c, k = 10.0, 0.04
            mean = m * k * math.log((a2 + c) / (a1 + c))
            for _ in range(_poisson(rng, mean)):
                age = (a1 + c) * ((a2 + c) / (a1 + c)) ** rng.random() - c
                t = pub + age * DAY
                part = weighted(rng, LATE_PARTS)
                part = 16 + rng.randrange(40) if part == NOTE else part + 8 * rng.randrange(3)
                edit(t, a, part, "late", flip=0.05)
    # Single notices on old articles (no rollout behind them): false cohort signals.
    t = rng.expovariate(1 / (3 * DAY))
    while t < s.end:
        a = rng.randrange(s.back)
        if t - s.pub[a] > 365 * DAY:
            events.append((t, a, a * 64 + BANNER, fresh(), "notice", -1))
        t += rng.expovariate(1 / (3 * DAY))
    # Rollouts (times from the start of the measured window).
    eras = defaultdict(list)
    for a in range(s.back):
        eras[s.era[a]].append(a)
    target = args.rollout
    year = min((y for y in eras if y <= year_of(0) - 2), key=lambda y: abs(len(eras[y]) - target))
    transcripts_before = year_of(0) - 4
    plans = [
        (f"banner on {year} ({len(eras[year])} articles)", 8, 14, 4.0, eras[year]),
        (
            f"notice on transcripts before {transcripts_before}",
            15,
            10,
            2.0,
            [a for a in range(s.back) if s.section[a] == 3 and s.era[a] < transcripts_before],
        ),
        (
            "notice on contracts of one month",
            22,
            16,
            0.5,
            [
                a
                for a in range(s.back)
                if s.section[a] == 2 and -3 * YEAR < s.pub[a] < -3 * YEAR + 730
            ],
        ),
    ]
    for name, day, hour, hours, members in plans:
        begin = s.start + day * DAY + hour
        if begin >= s.end:
            continue
        group = len(s.rollouts)
        s.rollouts.append((f"{name} over {hours:g} h", begin, []))
        for a in members:
            t = begin + rng.uniform(0, hours)
            events.append((t, a, a * 64 + BANNER, fresh(), "rollout", group))
    # Removals and moves: the page answers 404, or 301 to a new URL.
    t = rng.expovariate(1 / DAY)
    while t < s.end:
        a = rng.randrange(s.back)
        part = STATUS if rng.random() < 0.5 else URL
        events.append((t, a, a * 64 + part, fresh(), "removed/moved", -1))
        t += rng.expovariate(1 / DAY)

    events.sort()
    removed_at: dict[int, float] = {}
    for t, a, key, *_ in events:
        if key % 64 == STATUS and a not in removed_at:
            removed_at[a] = t
    tick = args.tick / 60.0
    current: dict[int, int] = {}
    before: dict[int, int] = {}
    for t, a, key, v, cls, group in events:
        if a in removed_at and t > removed_at[a]:
            continue  # a removed page is edited no more
        if a >= s.back and t < math.ceil(s.pub[a] / tick) * tick:
            continue  # before the first capture (at the first run after publication): unseen
        if v == REVERT:
            v = before.get(key, 0)
        before[key] = current.get(key, 0)
        current[key] = v
        if group >= 0:
            s.rollouts[group][2].append(len(s.ev_t))
        s.ev_t.append(t)
        s.ev_a.append(a)
        s.ev_part.append(key)
        s.ev_v.append(v)
        s.ev_c.append(cls)
    return s


def _growth(total: int, now_rate: float, span: float) -> float:
    """g such that the integral of now_rate * e^(g t) over [-span, 0] is `total`."""
    if total >= now_rate * span:
        return 0.0
    lo, hi = 1e-9, 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if now_rate * (1 - math.exp(-mid * span)) / mid > total:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _poisson(rng: random.Random, mean: float) -> int:
    n, p, limit = 0, 1.0, math.exp(-mean)
    while True:
        p *= rng.random()
        if p <= limit:
            return n
        n += 1


def _add_article(s: Stream, rng: random.Random, t: float) -> None:
    s.pub.append(t)
    s.section.append(weighted(rng, tuple(enumerate(SECTION_WEIGHTS))))
    when = CLOCK_ZERO + timedelta(hours=t)
    s.era.append(when.year)
    s.month.append(when.month)
    s.mult.append(rng.lognormvariate(-0.5, 1.0))  # mean 1: some articles are edited far more


# -- the engine ------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    detected: dict[int, float] = field(default_factory=dict)  # event -> capture time
    missed: set[int] = field(default_factory=set)
    requests: int = 0  # in the measured window
    backlog_peak: int = 0
    seconds: float = 0.0


class Engine:
    """Runs one policy over the stream: ticks, listings, captures, detection."""

    def __init__(self, stream: Stream, args: argparse.Namespace, policy: Policy) -> None:
        self.s = stream
        self.args = args
        self.policy = policy
        self.per_hour = args.rate * 3600.0
        self.tick = args.tick / 60.0
        self.budget = round(self.per_hour * self.tick)
        self.pending: dict[int, list[int]] = {}  # article -> events not yet captured
        self.seen: dict[int, int] = {}  # part -> value at the last capture
        self.result = Result(policy.name)
        self.gone: set[int] = set()

    def capture(self, a: int, t: float) -> tuple[bool, bool, bool]:
        """Capture article `a` at `t`: (changed, new notice, gone)."""
        evs = self.pending.get(a)
        if not evs:
            return False, False, a in self.gone
        s = self.s
        take = [e for e in evs if s.ev_t[e] < t]
        if not take:
            return False, False, a in self.gone
        rest = evs[len(take) :]
        if rest:
            self.pending[a] = rest
        else:
            del self.pending[a]
        last_of: dict[int, int] = {}
        for e in take:
            part = s.ev_part[e]
            previous = last_of.get(part)
            if previous is not None:
                self.result.missed.add(previous)  # overwritten before a capture saw it
            last_of[part] = e
        changed = notice = False
        for part, e in last_of.items():
            if s.ev_v[e] != self.seen.get(part, 0):
                self.result.detected[e] = t
                self.seen[part] = s.ev_v[e]
                changed = True
                if part % 64 == BANNER:
                    notice = True
                if part % 64 == STATUS:
                    self.gone.add(a)
            else:
                self.result.missed.add(e)  # reverted before a capture saw it
        return changed, notice, a in self.gone

    def run(self) -> Result:
        s, args = self.s, self.args
        started = time.perf_counter()
        n_events = len(s.ev_t)
        next_event = 0
        next_article = s.back
        finish = s.end + args.tail * DAY
        by_section: list[list[int]] = [[] for _ in SECTIONS]
        for a in range(s.back):
            by_section[s.section[a]].append(a)
        rng = random.Random(f"initial-{args.seed}")
        for a in range(s.back):  # the archive at time 0: each article captured in the last month
            self.policy.add(a, -rng.uniform(0, 30 * DAY))
        title_events = [e for e in range(n_events) if s.ev_part[e] % 64 == TITLE]
        next_title = 0
        ticks = 0
        now = 0.0
        restricted = False
        while now < finish:
            if now >= s.end and not restricted:
                # No edit comes after this; only the articles with unseen edits still matter.
                restricted = True
                self.policy.restrict(set(self.pending))
            measured = s.start <= now < s.end
            # Events up to the end of this tick become pending.
            horizon = now + self.tick
            while next_event < n_events and s.ev_t[next_event] < horizon:
                e = next_event
                self.pending.setdefault(s.ev_a[e], []).append(e)
                next_event += 1
            used = 0
            if now < s.end:
                used += len(SECTIONS)  # the first listing page of each section
                # New articles listed since the last run: captured first.
                while next_article < len(s.pub) and s.pub[next_article] <= now:
                    a = next_article
                    by_section[s.section[a]].append(a)
                    self.policy.add(a, now)
                    used += 1
                    next_article += 1
                # Changed titles on the listing pages (the newest 10 of each section).
                while next_title < len(title_events) and s.ev_t[title_events[next_title]] < now:
                    e = title_events[next_title]
                    next_title += 1
                    a = s.ev_a[e]
                    listed = by_section[s.section[a]][-10:]
                    if a in listed and self.seen.get(s.ev_part[e], 0) != s.ev_v[e]:
                        self.policy.listing_changed(a, now)
            spare = self.budget - used
            chosen = self.policy.select(now, spare) if spare > 0 else []
            step = 1.0 / self.per_hour
            t = now + (used + 1) * step
            for a in chosen:
                changed, notice, gone = self.capture(a, t)
                self.policy.captured(a, t, changed, notice, gone)
                t += step
            if measured:
                self.result.requests += used + len(chosen)
                self.result.backlog_peak = max(self.result.backlog_peak, self.policy.backlog)
            ticks += 1
            now = ticks * self.tick
            if now >= s.end and not self.pending:
                break
        self.result.seconds = time.perf_counter() - started
        return self.result


# -- the policies ----------------------------------------------------------------------------------


class Policy:
    name = ""
    backlog = 0

    def __init__(self, stream: Stream) -> None:
        self.s = stream

    def add(self, a: int, captured: float) -> None:
        """Article `a` is in the archive, captured at `captured`."""

    def listing_changed(self, a: int, now: float) -> None:
        """A listing shows a changed title for `a`."""

    def select(self, now: float, budget: int) -> list[int]:
        raise NotImplementedError

    def captured(self, a: int, t: float, changed: bool, notice: bool, gone: bool) -> None:
        """The capture of `a` at `t` and what it found."""

    def restrict(self, keep: set[int]) -> None:
        """From now on only these articles matter (the tail: no new edits, requests uncounted)."""


class RoundRobin(Policy):
    """Every article in turn, the whole budget every run."""

    name = "round-robin"

    def __init__(self, stream: Stream) -> None:
        super().__init__(stream)
        self.order: list[int] = []
        self.position = 0
        self.shuffle = random.Random("round-robin")

    def add(self, a: int, captured: float) -> None:
        # The archive in a fixed shuffled order, so that no cohort is luckier than another with
        # where the turn stands when its edits come; new articles join the end of the round.
        if a < self.s.back:
            self.order.insert(self.shuffle.randrange(len(self.order) + 1), a)
        else:
            self.order.append(a)

    def select(self, now: float, budget: int) -> list[int]:
        n = len(self.order)
        take = min(budget, n)
        start = self.position
        self.position = (start + take) % n
        if start + take <= n:
            return self.order[start : start + take]
        return self.order[start:] + self.order[: start + take - n]


class DuePolicyBase(Policy):
    """Policies with a due time per article: a heap, most urgent first when over budget."""

    def __init__(self, stream: Stream) -> None:
        super().__init__(stream)
        self.heap: list[tuple[float, int]] = []
        self.due_at: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.changed_at: dict[int, float] = {}
        self.gone: set[int] = set()

    def due(self, a: int) -> float:
        raise NotImplementedError

    def restrict(self, keep: set[int]) -> None:
        self.only = keep
        self.heap = [(when, a) for when, a in self.heap if a in keep]
        heapq.heapify(self.heap)

    def urgency(self, a: int, now: float) -> float:
        return now - self.last[a]

    only: set[int] | None = None

    def push(self, a: int) -> None:
        if self.only is not None and a not in self.only:
            return
        when = self.due(a)
        self.due_at[a] = when
        heapq.heappush(self.heap, (when, a))

    def add(self, a: int, captured: float) -> None:
        self.last[a] = captured
        self.push(a)

    def select(self, now: float, budget: int) -> list[int]:
        ready = []
        while self.heap and self.heap[0][0] <= now:
            when, a = heapq.heappop(self.heap)
            if self.due_at.get(a) == when:
                ready.append(a)
        if len(ready) > budget:
            ready.sort(key=lambda a: (-self.urgency(a, now), a))
            for a in ready[budget:]:
                heapq.heappush(self.heap, (self.due_at[a], a))  # still due next run
            ready = ready[:budget]
            self.backlog = sum(1 for when, _ in self.heap if when <= now)
        else:
            self.backlog = 0
        for a in ready:
            del self.due_at[a]
        return ready

    def captured(self, a: int, t: float, changed: bool, notice: bool, gone: bool) -> None:
        self.last[a] = t
        if changed:
            self.changed_at[a] = t
        if gone:
            self.gone.add(a)
        self.push(a)


class AgeDecay(DuePolicyBase):
    """NewsDiffs: the delay grows with the time since the article last changed."""

    name = "age decay"

    @staticmethod
    def delay(since_change: float) -> float:
        if since_change < 3:
            return 0.25
        if since_change < DAY:
            return 1.0
        if since_change < 7 * DAY:
            return 3.0
        if since_change < 30 * DAY:
            return 3 * DAY
        return 30 * DAY

    def due(self, a: int) -> float:
        last = self.last[a]
        origin = self.changed_at.get(a, self.s.pub[a])
        t = last + self.delay(last - origin)
        while last + self.delay(t - origin) > t:
            t = last + self.delay(t - origin)
        return t

    def urgency(self, a: int, now: float) -> float:
        origin = self.changed_at.get(a, self.s.pub[a])
        return (now - self.last[a]) / self.delay(now - origin)


class Staleness(DuePolicyBase):
    """diffengine: stale when the time since the last check is 0.2 of the article's age."""

    name = "staleness"
    ratio = 0.2

    def due(self, a: int) -> float:
        last, pub = self.last[a], self.s.pub[a]
        return max(last, (last - self.ratio * pub) / (1 - self.ratio))

    def urgency(self, a: int, now: float) -> float:
        return (now - self.last[a]) / max(now - self.s.pub[a], 1e-9)


class TodayDue(DuePolicyBase):
    """dodnews/monitor/due.py as the recheck spider used it: oldest capture first over budget."""

    name = "due.py"

    def __init__(self, stream: Stream) -> None:
        super().__init__(stream)
        self.rule = DuePolicy()

    def interval(self, a: int, at: float) -> float:
        """DuePolicy.interval, on this clock (same table, same rules, no datetimes)."""
        if a in self.gone:
            return GONE_INTERVAL_HOURS
        age_days = (at - self.s.pub[a]) / DAY
        hours = next(h for max_age, h in self.rule.rows if age_days < max_age)
        changed = self.changed_at.get(a)
        if changed is not None and at - changed < self.rule.changed_days * DAY:
            hours = min(hours, self.rule.changed_hours)
        return hours

    def due(self, a: int) -> float:
        last = self.last[a]
        t = last + self.interval(a, last)
        for _ in range(20):
            nxt = last + self.interval(a, t)
            if nxt <= t:
                break
            t = nxt
        return t


class Budgeted(Policy):
    """dodnews/monitor/policy.py: value per request, adaptive rates, cohorts, listing hints."""

    name = "budgeted"
    lookahead = 4

    def __init__(self, stream: Stream, policy: SchedulePolicy) -> None:
        super().__init__(stream)
        self.rules = policy
        self.old = policy.cohort_min_age
        self.board = policy.board()
        self.heap: list[tuple[float, int]] = []
        self.due_at: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.history: dict[int, History] = {}
        self.mult: dict[int, float] = {}
        self.gone: set[int] = set()
        self.hints: set[int] = set()
        self.keys = [
            cohort_keys(SECTIONS[stream.section[a]], stream.era[a], stream.month[a])
            for a in range(stream.back)
        ]
        self.members: dict[tuple, list[int]] = defaultdict(list)
        self.waiting: dict[tuple, list[int]] = defaultdict(list)  # cohort members seen unchanged
        for a in range(stream.back):
            for key, _ in self.keys[a]:
                self.members[key].append(a)

    def state(self, a: int, now: float) -> ArticleState:
        pub = self.s.pub[a]
        return ArticleState(
            a,
            pub,
            self.last[a],
            self.mult.get(a, 1.0),
            a in self.gone,
            self.keys[a] if a < self.s.back and now - pub >= self.old else (),
            "listing" if a in self.hints else None,
        )

    only: set[int] | None = None

    def restrict(self, keep: set[int]) -> None:
        self.only = keep
        self.heap = [(when, a) for when, a in self.heap if a in keep]
        heapq.heapify(self.heap)

    def push(self, a: int, now: float) -> None:
        if self.only is not None and a not in self.only:
            return
        when = self.rules.next_due(self.state(a, now), now, self.board)
        if when < self.due_at.get(a, math.inf) or self.due_at.get(a) is None:
            self.due_at[a] = when
            heapq.heappush(self.heap, (when, a))

    def add(self, a: int, captured: float) -> None:
        self.last[a] = captured
        self.push(a, max(captured, 0.0))

    def listing_changed(self, a: int, now: float) -> None:
        if a in self.last:
            self.hints.add(a)
            self.due_at[a] = now
            heapq.heappush(self.heap, (now, a))

    def select(self, now: float, budget: int) -> list[int]:
        # The crawl values every article each run; here only the `lookahead` budgets' worth due
        # first are valued (an article's due time orders it nearly as its value does): the same
        # choice unless a backlog is deeper than that, and minutes instead of hours to simulate.
        ready: list[int] = []
        limit = self.lookahead * budget
        while self.heap and self.heap[0][0] <= now and len(ready) < limit:
            when, a = heapq.heappop(self.heap)
            if self.due_at.get(a) != when:
                continue
            del self.due_at[a]
            ready.append(a)
        states = [self.state(a, now) for a in ready]
        plan = self.rules.plan(states, now, budget, self.board)
        chosen = [st.article_id for st in plan.chosen]
        taken = set(chosen)
        for st in states:
            if st.article_id in taken:
                continue
            if plan.valuations[st.article_id].due:
                self.due_at[st.article_id] = now  # due still: first in line next run
                heapq.heappush(self.heap, (now, st.article_id))
            else:
                self.push(st.article_id, now)
        self.backlog = plan.backlog
        return chosen

    def captured(self, a: int, t: float, changed: bool, notice: bool, gone: bool) -> None:
        pub = self.s.pub[a]
        base = self.last[a]
        history = self.history.get(a)
        if history is None:
            history = self.history[a] = History()
        history.add(self.rules.prior.expected(base - pub, t - pub), changed)
        self.mult[a] = change_multiplier(history, self.rules.strength)
        self.last[a] = t
        self.hints.discard(a)
        if gone:
            self.gone.add(a)
        if a < self.s.back and self.rules.is_old(pub, t):
            keys = self.keys[a]
            if notice:
                opened = self.board.hit(keys, t, base)
                for key, _ in keys:
                    # members seen without the notice before this one may have it by now
                    group = self.members[key] if key in opened else self.waiting.pop(key, ())
                    for b in group:
                        if b != a and b not in self.gone and self.last[b] < t:
                            self.push(b, t)
            else:
                self.board.miss(keys, t, base)
                for key, _ in keys:
                    if key in self.board.cohorts:
                        self.waiting[key].append(a)
        self.push(a, t)


# -- report ----------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measured_events(s: Stream) -> list[int]:
    return [e for e in range(len(s.ev_t)) if s.start <= s.ev_t[e] < s.end]


def summarize(s: Stream, r: Result, budget_requests: float, finish: float) -> dict:
    """Per class: edits, mean and p90 delay, missed, unseen; per policy: requests and rollouts.

    An edit still unseen at the end counts with the delay it had by then (so a mean with unseen
    edits is a lower bound, printed with ">")."""
    events = measured_events(s)
    out: dict = {"name": r.name, "classes": {}}
    for cls in (*CLASSES, "all"):
        evs = [e for e in events if cls == "all" or s.ev_c[e] == cls]
        delays = [r.detected[e] - s.ev_t[e] for e in evs if e in r.detected]
        missed = sum(1 for e in evs if e in r.missed)
        unseen = [finish - s.ev_t[e] for e in evs if e not in r.detected and e not in r.missed]
        both = delays + unseen
        out["classes"][cls] = {
            "edits": len(evs),
            "detected": len(delays),
            "mean": sum(both) / len(both) if both else math.nan,
            "p90": percentile(both, 0.9),
            "missed": missed,
            "unseen": len(unseen),
        }
    total = out["classes"]["all"]
    out["mean"] = total["mean"]
    out["requests"] = r.requests
    out["per_edit"] = r.requests / total["detected"] if total["detected"] else math.inf
    out["used"] = r.requests / budget_requests
    out["backlog_peak"] = r.backlog_peak
    out["seconds"] = r.seconds
    out["rollouts"] = []  # hours from a rollout's start until 90% of its articles were seen
    for name, begin, ids in s.rollouts:
        times = sorted(r.detected.get(e, math.inf) - begin for e in ids)
        out["rollouts"].append(
            (name, times[math.ceil(0.9 * len(times)) - 1] if times else math.nan)
        )
    return out


def _h(hours: float) -> str:
    if math.isnan(hours):
        return "-"
    if math.isinf(hours):
        return "never"
    if hours < 1:
        return f"{hours * 60:.0f}m"
    if hours < 48:
        return f"{hours:.1f}h"
    return f"{hours / 24:.1f}d"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50_000, help="archived articles (50,000)")
    parser.add_argument("--years", type=float, default=10.0, help="years they span (10)")
    parser.add_argument("--daily", type=float, default=30.0, help="new articles a day now (30)")
    parser.add_argument("--warmup", type=float, default=7.0, help="days before measuring (7)")
    parser.add_argument("--days", type=float, default=28.0, help="measured days (28)")
    parser.add_argument("--tail", type=float, default=31.0, help="days to see late edits (31)")
    parser.add_argument("--rate", type=float, default=1.0, help="requests per second (1)")
    parser.add_argument("--tick", type=float, default=10.0, help="minutes between runs (10)")
    parser.add_argument("--rollout", type=int, default=5000, help="size of the big rollout")
    parser.add_argument("--price", type=float, default=SchedulePolicy.price, help="edit-hours")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--only", help="comma-separated policy names to run")
    args = parser.parse_args(argv)
    if args.articles < 100 or args.days <= 0 or args.rate <= 0 or args.tick <= 0:
        print("bench_schedule: --articles >= 100, --days, --rate, --tick > 0", file=sys.stderr)
        return 2

    built = time.perf_counter()
    stream = build_stream(args)
    built = time.perf_counter() - built
    rules = SchedulePolicy(price=args.price)
    makers = {
        "round-robin": lambda: RoundRobin(stream),
        "age decay": lambda: AgeDecay(stream),
        "staleness": lambda: Staleness(stream),
        "due.py": lambda: TodayDue(stream),
        "budgeted": lambda: Budgeted(stream, rules),
    }
    wanted = [n.strip() for n in args.only.split(",")] if args.only else list(makers)
    budget_requests = args.rate * 3600 * args.days * DAY
    print(
        f"{args.articles:,} archived articles over {args.years:g} years, "
        f"{len(stream.pub) - stream.back:,} new in {args.warmup:g}+{args.days:g} days; "
        f"{len(measured_events(stream)):,} edits measured; budget {args.rate:g} request/s, "
        f"a run every {args.tick:g} min (stream built in {built:.1f} s)"
    )
    results = {}
    finish = stream.end + args.tail * DAY
    for name in wanted:
        engine = Engine(stream, args, makers[name]())
        results[name] = summarize(stream, engine.run(), budget_requests, finish)
    print()
    print(f"{'policy':<12} {'edit class':<14} {'edits':>6} {'mean':>7} {'p90':>7} {'missed':>6}")
    for name, out in results.items():
        for cls, row in out["classes"].items():
            if row["edits"]:
                mean = (">" if row["unseen"] else "") + _h(row["mean"])
                print(
                    f"{name:<12} {cls:<14} {row['edits']:>6} {mean:>7} {_h(row['p90']):>7} "
                    f"{row['missed']:>6}"
                    + (f"  ({row['unseen']} never seen)" if row["unseen"] else "")
                )
    print()
    print(
        f"{'policy':<12} {'requests':>9} {'per edit':>8} {'budget':>6} {'backlog':>7}  "
        "rollouts 90% seen after (sim s)"
    )
    for name, out in results.items():
        rolls = ", ".join(_h(h) for _, h in out["rollouts"])
        print(
            f"{name:<12} {out['requests']:>9,} {out['per_edit']:>8.1f} {out['used']:>6.1%} "
            f"{out['backlog_peak']:>7}  {rolls}  ({out['seconds']:.0f} s)"
        )
    print("rollouts: " + "; ".join(name for name, _, _ in stream.rollouts))
    if {"round-robin", "age decay", "budgeted"} <= set(results):
        new, rr, decay = results["budgeted"], results["round-robin"], results["age decay"]
        big = new["rollouts"][0][1] if new["rollouts"] else math.nan
        print(
            f"schedule: mean delay {rr['mean'] / new['mean']:.1f}x lower than round-robin, "
            f"{decay['mean'] / new['mean']:.1f}x lower than age decay; requests per edit "
            f"{rr['per_edit'] / new['per_edit']:.1f}x fewer; rollout 90% in {big:.1f} h"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
