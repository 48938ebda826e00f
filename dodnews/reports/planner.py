"""Which change events a range of change ids holds, computed from the changes near it only.

The index and the feed are cut into pages by change id (see reports.layout): an event sits on the
page of its newest change (the highest change id among its entries, its "anchor"). Which events
exist depends on rollouts (reports.grouping): a change joins a rollout when the same change was
detected on other articles within WINDOW of it, chain after chain. So the events of a range need
only the changes of that range plus the chains their changes belong to; those chains are found by
reading changes detected near them, widening the time span until every chain ends inside it.
The cost of a page therefore depends on how many changes were detected around its own, never on
the size of the archive; and the events are exactly those `group_entries` gives for the whole
archive (tests/unit/reports/test_reports_incremental.py checks both against each other).

The same reading tells an update which pages a new change touches: its own, the pages of the
rollouts it joins or leaves, and those of changes whose rollout membership it changes; and,
through the other changes of its article, which change pages link to it (reports.timeline) and
which article pages to write again. `before` gives the events as the folder shows them (without
the new changes), so that an update can delete the pages of rollouts that no longer exist.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from dodnews.diffing.model import Change
from dodnews.reports.entry import ReportEntry
from dodnews.reports.grouping import (
    THRESHOLD,
    WINDOW,
    Event,
    chains_of,
    entry_keys,
    group_entries,
    unique_entries,
)
from dodnews.reports.timeline import ArticleHistory, by_article

Hit = tuple[ReportEntry, Change]
Mark = tuple[int, str]  # (change id, stem): one entry, even when two share an id or a stem


class ReportSource(Protocol):
    """Where the reports' changes come from: the archive, or a list of entries (tests)."""

    def max_change_id(self) -> int:
        """The highest change id, 0 when there are none."""
        ...

    def ids_after(self, change_id: int) -> list[int]:
        """Every change id above `change_id`, ascending."""
        ...

    def entries_in(self, first: int, last: int) -> list[ReportEntry]:
        """The shown entries (the newest change of each article/version pair) with an id from
        `first` to `last`; without articles or capture links (the index and feed need none)."""
        ...

    def entries_between(self, start: datetime, end: datetime) -> list[ReportEntry]:
        """The shown entries detected from `start` to `end` (both included), like entries_in."""
        ...

    def entries_by_ids(self, ids: Iterable[int]) -> list[ReportEntry]:
        """These changes, shown or not, like entries_in."""
        ...

    def article_entries(self, article_ids: Iterable[int]) -> list[ReportEntry]:
        """Every change of these articles, shown or not, like entries_in."""
        ...

    def full_entries(
        self, first: int, last: int, only: set[int] | None = None
    ) -> Iterator[ReportEntry]:
        """The shown entries with an id from `first` to `last` (and in `only`, if given), with
        both articles, capture links and screenshots: what a per-change report shows."""
        ...

    def fingerprint(self) -> str:
        """The source's settings that change what reports say (replay URL...)."""
        ...

    def max_capture_id(self) -> int:
        """The highest capture id, 0 when there are none (or the source has no captures)."""
        ...

    def captured_articles(self, first: int, last: int) -> list[int]:
        """The articles captured by the captures with an id from `first` to `last`."""
        ...

    def article_histories(
        self, article_ids: Iterable[int], last_capture: int
    ) -> dict[int, ArticleHistory]:
        """The captures (with an id up to `last_capture`) and versions of these articles."""
        ...


def anchor(event: Event) -> int:
    """The change id that places an event on a page: its newest change."""
    return max(e.change_id for e in event.entries)


def _mark(entry: ReportEntry) -> Mark:
    return (entry.change_id, entry.stem)


@dataclass
class UpdatePlan:
    """What some new changes alter."""

    new: list[ReportEntry]  # the entries now shown among them
    gone: list[ReportEntry]  # the entries they replace (a pair reported again)
    ids: set[int]  # change ids whose index pages and feed documents may differ
    articles: dict[int, list[ReportEntry]]  # every change of their articles, oldest first
    seeds: set[int]


@dataclass
class EventPlanner:
    """Events of a range of change ids, and the ids an update touches, from a ReportSource."""

    source: ReportSource
    threshold: int = THRESHOLD
    window: timedelta = WINDOW

    def range_events(self, first: int, last: int) -> list[Event]:
        """The events anchored from change id `first` to `last`, newest first."""
        core = self.source.entries_in(first, last)
        if not core:
            return []
        keys = _keys_of(core)
        # Changes that share no key with the range's are in no chain of them: leave them out.
        known = [e for e in self._closure(core) if not keys.isdisjoint(entry_keys(e))]
        events = group_entries(known, threshold=self.threshold, window=self.window)
        return [ev for ev in events if first <= anchor(ev) <= last]

    def touched(self, seed_ids: Iterable[int]) -> tuple[list[ReportEntry], set[int]]:
        """For new changes `seed_ids`: the entries now shown among them, and the change ids
        whose pages may differ from before (the pages to render again)."""
        plan = self.plan(seed_ids)
        return plan.new, plan.ids

    def plan(self, seed_ids: Iterable[int]) -> UpdatePlan:
        """What new changes `seed_ids` alter.

        A new change can replace an older one of the same article/version pair (a text that
        flipped back), so the older one leaves its page; and both can change rollouts.
        """
        seeds = set(seed_ids)
        if not seeds:
            return UpdatePlan([], [], set(), {}, seeds)
        articles = {e.article_id for e in self.source.entries_by_ids(seeds)}
        history = self.source.article_entries(articles)
        by_stem: dict[str, list[ReportEntry]] = defaultdict(list)
        for entry in history:
            by_stem[entry.stem].append(entry)
        new: list[ReportEntry] = []
        gone: list[ReportEntry] = []
        for group in by_stem.values():
            if not any(e.change_id in seeds for e in group):
                continue
            shown = max(group, key=lambda e: e.change_id)
            before = [e for e in group if e.change_id not in seeds]
            shown_before = max(before, key=lambda e: e.change_id) if before else None
            if shown.change_id in seeds:
                new.append(shown)
            if shown_before is not None and shown_before is not shown:
                gone.append(shown_before)
        return UpdatePlan(new, gone, self._changed_ids(new, gone), by_article(history), seeds)

    def before(self, plan: UpdatePlan) -> EventPlanner:
        """A planner of the events as they were without the plan's new changes."""
        earlier = _Without(self.source, plan.seeds, plan.gone)
        return EventPlanner(earlier, self.threshold, self.window)  # type: ignore[arg-type]

    def _changed_ids(self, new: list[ReportEntry], gone: list[ReportEntry]) -> set[int]:
        """Ids anchoring events that differ between the archive without `new` (with `gone`)
        and the archive as it is."""
        targets = new + gone
        if not targets:
            return set()
        known = self._closure(targets)  # the shown entries near them, and `gone`
        new_marks, gone_marks = {_mark(e) for e in new}, {_mark(e) for e in gone}
        before = unique_entries([e for e in known if _mark(e) not in new_marks])
        after = [e for e in known if _mark(e) not in gone_marks]
        keys = _keys_of(targets)
        old_chains = self._rollout_chains(before, keys)
        new_chains = self._rollout_chains(after, keys)
        ids = {e.change_id for e in targets}
        for chain_id in old_chains.keys() ^ new_chains.keys():
            members = (old_chains.get(chain_id) or new_chains[chain_id])[1]
            if members is not None:  # a rollout: its event sits at its newest member
                ids.add(max(e.change_id for e in members))
        # An entry shown on its own only while one of its changes is outside every rollout.
        covered_before = _covered(old_chains)
        covered_after = _covered(new_chains)
        ids.update(change_id for change_id, _, _ in covered_before ^ covered_after)
        return ids

    def _rollout_chains(
        self, entries: list[ReportEntry], keys: set[str]
    ) -> dict[tuple[str, frozenset[Mark]], tuple[list[Hit], list[ReportEntry] | None]]:
        """Chains of the changes keyed `keys`, by key and members: (hits, members if the chain
        is a rollout else None)."""
        found = {}
        for key, chain in _key_chains(entries, keys, self.window):
            members = {_mark(e): e for e, _ in chain}
            is_rollout = len({e.article_id for e in members.values()}) >= self.threshold
            rollout = list(members.values()) if is_rollout else None
            found[(key, frozenset(members))] = (chain, rollout)
        return found

    def _closure(self, targets: list[ReportEntry]) -> list[ReportEntry]:
        """The shown entries detected near `targets`, plus `targets` themselves: enough that
        every chain holding a change of a target is whole.

        Only the times around the targets are read (a range of ids can hold changes detected
        years apart: a late import), then around each chain until none can grow.
        """
        window = self.window
        known: dict[Mark, ReportEntry] = {}
        read = _Spans()

        def cover(start: datetime, end: datetime) -> bool:
            fresh = read.add(start, end)
            for gap_start, gap_end in fresh:
                for entry in self.source.entries_between(gap_start, gap_end):
                    known.setdefault(_mark(entry), entry)
            return bool(fresh)

        around = _Spans()
        for entry in targets:
            around.add(entry.detected - window, entry.detected + window)
            known.setdefault(_mark(entry), entry)
        for start, end in around.spans:  # one reading per cluster of targets
            cover(start, end)
        keys = _keys_of(targets)
        marks = {_mark(e) for e in targets}
        while True:
            grew = False
            for _, chain in _key_chains(list(known.values()), keys, window):
                if not any(_mark(e) in marks for e, _ in chain):
                    continue
                first, last = chain[0][0].detected, chain[-1][0].detected
                # Another change of this key within `window` of the chain would join it.
                if read.covers(first - window, last + window):
                    continue
                # Read at least the chain's own span further each way: a long chain costs a
                # few readings, not one per day it spans.
                reach = max(window, last - first)
                grew |= cover(first - reach, last + reach)
            if not grew:
                return list(known.values())


class _Spans:
    """The times already read: disjoint closed intervals, in order."""

    def __init__(self) -> None:
        self.spans: list[tuple[datetime, datetime]] = []

    def covers(self, start: datetime, end: datetime) -> bool:
        return any(a <= start and end <= b for a, b in self.spans)

    def add(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """Mark [start, end] read; returns the parts that were not (to read them)."""
        fresh, cursor = [], start
        for a, b in self.spans:
            if b < cursor or a > end:
                continue
            if a > cursor:
                fresh.append((cursor, a))
            cursor = max(cursor, b)
        if cursor < end or (not self.spans and cursor == end):
            fresh.append((cursor, end))
        merged = sorted([*self.spans, (start, end)])
        self.spans = []
        for a, b in merged:
            if self.spans and a <= self.spans[-1][1]:
                self.spans[-1] = (self.spans[-1][0], max(self.spans[-1][1], b))
            else:
                self.spans.append((a, b))
        return fresh


def _keys_of(entries: Iterable[ReportEntry]) -> set[str]:
    return {key for e in entries for key in entry_keys(e)}


def _key_chains(
    entries: Iterable[ReportEntry], keys: set[str], window: timedelta
) -> Iterator[tuple[str, list[Hit]]]:
    """(key, chain) for every chain of the changes keyed `keys` among `entries`."""
    by_key: dict[str, list[Hit]] = defaultdict(list)
    for entry in entries:
        if entry.report.extractor_changed:
            continue  # never in a rollout (see group_entries)
        for change, key in zip(entry.report.changes, entry_keys(entry), strict=True):
            if key in keys:
                by_key[key].append((entry, change))
    for key, hits in sorted(by_key.items()):
        for chain in chains_of(hits, window):
            yield key, chain


def _covered(
    chains: dict[tuple[str, frozenset[Mark]], tuple[list[Hit], list[ReportEntry] | None]],
) -> set[tuple[int, str, str]]:
    """(change id, stem, key) of every change inside a rollout."""
    return {
        (*_mark(e), key)
        for (key, _), (chain, members) in chains.items()
        if members is not None
        for e, _ in chain
    }


class _Without:
    """A source's shown entries as they were before some changes (`seeds`) were recorded: the
    entries those changes replaced (`gone`) shown again. Only what EventPlanner reads."""

    def __init__(self, source: ReportSource, seeds: set[int], gone: list[ReportEntry]) -> None:
        self.source, self.seeds, self.gone = source, seeds, gone

    def entries_in(self, first: int, last: int) -> list[ReportEntry]:
        kept = [e for e in self.source.entries_in(first, last) if e.change_id not in self.seeds]
        return kept + [e for e in self.gone if first <= e.change_id <= last]

    def entries_between(self, start: datetime, end: datetime) -> list[ReportEntry]:
        found = self.source.entries_between(start, end)
        kept = [e for e in found if e.change_id not in self.seeds]
        return kept + [e for e in self.gone if start <= e.detected <= end]

    def __getattr__(self, name: str) -> object:
        raise AttributeError(f"a planner of earlier events does not read {name}")


class MemorySource:
    """A ReportSource over entries held in memory (write_reports, tests)."""

    def __init__(self, entries: Iterable[ReportEntry]) -> None:
        self.all = list(entries)
        self.shown = sorted(unique_entries(self.all), key=lambda e: (e.change_id, e.stem))

    def max_change_id(self) -> int:
        return max((e.change_id for e in self.all), default=0)

    def ids_after(self, change_id: int) -> list[int]:
        return sorted({e.change_id for e in self.all if e.change_id > change_id})

    def entries_in(self, first: int, last: int) -> list[ReportEntry]:
        return [e for e in self.shown if first <= e.change_id <= last]

    def entries_between(self, start: datetime, end: datetime) -> list[ReportEntry]:
        return [e for e in self.shown if start <= e.detected <= end]

    def entries_by_ids(self, ids: Iterable[int]) -> list[ReportEntry]:
        wanted = set(ids)
        return [e for e in self.all if e.change_id in wanted]

    def article_entries(self, article_ids: Iterable[int]) -> list[ReportEntry]:
        wanted = set(article_ids)
        return [e for e in self.all if e.article_id in wanted]

    def full_entries(
        self, first: int, last: int, only: set[int] | None = None
    ) -> Iterator[ReportEntry]:
        return iter(
            [e for e in self.entries_in(first, last) if only is None or e.change_id in only]
        )

    def fingerprint(self) -> str:
        return "memory"

    def max_capture_id(self) -> int:
        return 0  # entries in memory come without their captures

    def captured_articles(self, first: int, last: int) -> list[int]:
        return []

    def article_histories(
        self, article_ids: Iterable[int], last_capture: int
    ) -> dict[int, ArticleHistory]:
        return {article_id: ArticleHistory() for article_id in article_ids}
