"""An archive's re-capture schedule: dodnews.monitor.policy's inputs, read from the archive.

`read_schedule` builds the state the scheduler values for every archived article (publication,
last capture, the change multiplier of its own capture history, its cohorts) and replays the
notices found on old articles in the last two cohort windows into the cohort board. Times
become hours since the POSIX epoch; the same archive and the same clock give the same plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from dodnews.errors import UserError
from dodnews.monitor.due import parse_time
from dodnews.monitor.policy import (
    ArticleState,
    CohortBoard,
    History,
    Plan,
    SchedulePolicy,
    change_multiplier,
    cohort_keys,
    explain,
)
from dodnews.words import count, plural

if TYPE_CHECKING:
    from dodnews.archive import Archive
    from dodnews.archive.records import ArticleRecord

# Change kinds that are a notice: on an old article, a sign that its cohort may have one too.
NOTICE_KINDS = ("banner_added", "banner_changed")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SEEN = ("ok", "not-modified")


def to_hours(moment: datetime) -> float:
    """Hours since the POSIX epoch (a naive time is UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH).total_seconds() / 3600.0


def from_hours(hours: float) -> datetime:
    return _EPOCH + timedelta(hours=hours)


def policy_from_settings(settings: Any) -> SchedulePolicy:
    """The SchedulePolicy of the DODNEWS_SCHEDULE_* settings (Scrapy settings or a dict)."""
    get = settings.get
    try:
        price = float(get("DODNEWS_SCHEDULE_PRICE", SchedulePolicy.price))
        max_days = float(get("DODNEWS_SCHEDULE_MAX_DAYS", SchedulePolicy.max_interval / 24))
    except (TypeError, ValueError):
        raise UserError("DODNEWS_SCHEDULE_PRICE and _MAX_DAYS take numbers") from None
    if not price > 0:
        raise UserError(f"DODNEWS_SCHEDULE_PRICE must be above 0 (edit-hours), got {price:g}")
    if not max_days > 0:
        raise UserError(f"DODNEWS_SCHEDULE_MAX_DAYS must be above 0, got {max_days:g}")
    return SchedulePolicy(price=price, max_interval=max_days * 24.0)


@dataclass
class Schedule:
    """Every archived article as the scheduler sees it at `now` (hours)."""

    policy: SchedulePolicy
    now: float
    states: list[ArticleState]
    board: CohortBoard
    records: dict[int, ArticleRecord]
    histories: dict[int, History] = field(default_factory=dict)

    def plan(self, budget: int | None) -> Plan:
        """This run's choice (SchedulePolicy.plan)."""
        return self.policy.plan(self.states, self.now, budget, self.board)

    def explain(self, article_id: int, budget: int | None) -> list[str]:
        """Why `article_id` is or is not due now, and where it stands in a run of `budget`."""
        state = next((s for s in self.states if s.article_id == article_id), None)
        if state is None:
            raise UserError(f"article {article_id} is not in the archive")
        valuation = self.policy.value(state, self.now, self.board)
        history = self.histories.get(article_id, History())
        lines = [
            f"{history.intervals + 1 if state.last_captured is not None else 0} successful "
            f"captures, {len(history.changed)} of them found a change"
        ]
        lines += explain(valuation, self.policy)
        plan = self.plan(budget)
        rank = plan.rank(article_id)
        limit = "no budget limit" if budget is None else f"a budget of {count(budget, 'request')}"
        if rank is not None:
            lines.append(f"a run now with {limit} takes it: {rank} of {len(plan.chosen)}")
        elif valuation.due:
            held = " (held: its cohort's first probes are not back)" if self._held(state) else ""
            lines.append(
                f"a run now with {limit} leaves it in the backlog{held}: "
                f"{count(plan.worth, 'article')} {plural(plan.worth, 'is')} due"
            )
        else:
            when = from_hours(self.policy.next_due(state, self.now, self.board))
            lines.append(f"due at {when:%Y-%m-%d %H:%M} UTC if nothing changes meanwhile")
        return lines

    def _held(self, state: ArticleState) -> bool:
        valuation = self.policy.value(state, self.now, self.board)
        if valuation.reason != "cohort" or valuation.cohort_key is None:
            return False
        return self.board.cohorts[valuation.cohort_key].observed <= self.policy.probe


def read_schedule(archive: Archive, policy: SchedulePolicy, now: datetime) -> Schedule:
    """The Schedule of `archive` at `now`."""
    now_h = to_hours(now)
    window = now_h - 2 * policy.cohort_hours
    records = {r.article_id: r for r in archive.known_articles()}
    notices = archive.capture_ids_with_kinds(NOTICE_KINDS, from_hours(window))
    published: dict[int, float] = {}
    keys: dict[int, tuple] = {}
    for article_id, record in records.items():
        moment = parse_time(record.published) or parse_time(record.first_seen)
        published[article_id] = to_hours(moment) if moment else now_h
        if moment is not None:
            keys[article_id] = cohort_keys(record.section, moment.year, moment.month)
    histories: dict[int, History] = {}
    events: list[tuple[float, int, int, bool, float | None]] = []
    current = None
    previous: tuple[float, int | None] | None = None
    history = History()
    prior = policy.prior
    for article_id, capture_id, fetched, outcome, version_id in archive.capture_log():
        if article_id != current:
            current, previous = article_id, None
            history = histories[article_id] = History()
        if outcome not in _SEEN or article_id not in records:
            continue
        t = to_hours(fetched)
        pub = published[article_id]
        if previous is not None:
            before, old_version = previous
            changed = None not in (version_id, old_version) and version_id != old_version
            history.add(prior.expected(before - pub, t - pub), changed)
        base = previous[0] if previous is not None else None
        if t >= window and article_id in keys and policy.is_old(pub, t):
            events.append((t, capture_id, article_id, capture_id in notices, base))
        previous = (t, version_id)
    board = policy.board()
    for t, _, article_id, hit, base in sorted(events):
        if hit:
            board.hit(keys[article_id], t, base)
        else:
            board.miss(keys[article_id], t, base)
    states = []
    for article_id, record in records.items():
        last = parse_time(record.last_captured)
        pub = published[article_id]
        own = histories.get(article_id)
        states.append(
            ArticleState(
                article_id,
                pub,
                to_hours(last) if last else None,
                change_multiplier(own, policy.strength) if own else 1.0,
                bool(record.gone),
                keys.get(article_id, ()) if policy.is_old(pub, now_h) else (),
            )
        )
    return Schedule(policy, now_h, states, board, records, histories)
