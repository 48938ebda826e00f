"""Rollouts: the same change on many articles (a banner added to 57 pages) becomes one event.

Reports across an extractor change (`extractor_changed`) are never grouped: the same difference
on many articles is then more likely the extractor's than the site's.

A change is keyed by kind, field and normalized before/after text. Detections of one key are
chained in time (a gap longer than `window` starts a new rollout), and a chain that touches
`threshold` or more distinct articles is one grouped event. An entry whose every change belongs
to a rollout is shown only through its rollouts; an entry with any other change is also shown on
its own.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dodnews import words
from dodnews.diffing.model import Change
from dodnews.reports.entry import ReportEntry, rfc3339
from dodnews.reports.view import kind_label, sections, value_text

THRESHOLD = 3
WINDOW = timedelta(hours=24)


@dataclass
class Event:
    """One line of the index and one feed entry: a single change report or a rollout."""

    key: str  # stable: "change-<article>-<from>-<to>" or "rollout-<hash>"
    title: str  # plain text; renderers escape it
    entries: list[ReportEntry]  # one for a single change; the affected articles for a rollout
    changes: list[Change]  # the report's changes, or the changes shared by the whole rollout
    grouped: bool = False

    @property
    def newest(self) -> ReportEntry:
        return max(self.entries, key=ReportEntry.sort_key)

    @property
    def detected_at(self) -> str:
        return self.newest.detected_at

    @property
    def first_detected_at(self) -> str:
        return min(self.entries, key=ReportEntry.sort_key).detected_at

    @property
    def article_ids(self) -> list[int]:
        return sorted({e.article_id for e in self.entries})

    @property
    def kinds(self) -> list[str]:
        return sorted({c.kind for c in self.changes})

    @property
    def extractor_changed(self) -> bool:
        """A single report whose two sides different extractors read (see `extractor_notice`)."""
        return not self.grouped and self.entries[0].report.extractor_changed

    @property
    def significance(self) -> float:
        return max(e.report.significance for e in self.entries)

    def sort_key(self) -> tuple[datetime, int]:
        return self.newest.sort_key()


def group_entries(
    entries: list[ReportEntry] | Any,
    *,
    threshold: int = THRESHOLD,
    window: timedelta = WINDOW,
) -> list[Event]:
    """Events newest first (by detected_at, then change id): rollouts grouped, the rest single."""
    chosen = unique_entries(entries)
    by_key: dict[str, list[tuple[ReportEntry, Change]]] = defaultdict(list)
    for entry in chosen:
        if entry.report.extractor_changed:
            # Differences an extractor upgrade may have made show on many articles at once:
            # never a rollout of the site's (each report stands alone, marked).
            continue
        for change, key in zip(entry.report.changes, entry_keys(entry), strict=True):
            by_key[key].append((entry, change))

    # Rollouts with the same articles (a paragraph edit and the figure inside it) become one event.
    rollouts: dict[tuple[str, ...], dict[str, Change]] = defaultdict(dict)
    covered: set[tuple[str, str]] = set()
    for key, hits in sorted(by_key.items()):
        for chain in chains_of(hits, window):
            members = {e.stem: e for e, _ in chain}
            if len({e.article_id for e in members.values()}) < threshold:
                continue
            rollouts[tuple(sorted(members))][key] = chain[0][1]
            covered.update((e.stem, key) for e, _ in chain)

    by_stem = {e.stem: e for e in chosen}
    events = [
        _rollout([by_stem[s] for s in stems], list(changes.values()))
        for stems, changes in rollouts.items()
    ]
    for entry in chosen:
        keys = set(entry_keys(entry))
        if not keys or any((entry.stem, k) not in covered for k in keys):
            events.append(_single(entry))
    events.sort(key=lambda ev: (ev.sort_key(), ev.key), reverse=True)
    return events


def unique_entries(entries: Any) -> list[ReportEntry]:
    """One entry per article/version pair (the highest change id wins), newest first."""
    best: dict[str, ReportEntry] = {}
    for entry in entries:
        current = best.get(entry.stem)
        if current is None or entry.change_id > current.change_id:
            best[entry.stem] = entry
    return sorted(best.values(), key=lambda e: (e.sort_key(), e.stem), reverse=True)


def casefolded_form(value: Any) -> str:
    """A change value for comparison across articles: NFKC, whitespace collapsed, case folded."""
    if isinstance(value, str):
        return " ".join(unicodedata.normalize("NFKC", value).split()).casefold()
    return json.dumps(value, sort_keys=True, ensure_ascii=True, default=str)


def change_key(change: Change) -> str:
    """The identity of a change for rollout detection (kind, field, normalized before/after)."""
    parts = [
        change.kind,
        change.field,
        casefolded_form(change.before),
        casefolded_form(change.after),
    ]
    return json.dumps(parts, ensure_ascii=True)


def entry_keys(entry: ReportEntry) -> list[str]:
    """The change_key of each of an entry's changes (computed once per list of changes)."""
    changes = entry.report.changes
    return entry.derived(
        "keys", (id(changes), len(changes)), lambda _: [change_key(c) for c in changes]
    )


def chains_of(
    hits: list[tuple[ReportEntry, Change]], window: timedelta
) -> list[list[tuple[ReportEntry, Change]]]:
    """Hits of one change key in time order, cut where `window` passes without one."""
    order = {id(entry): (entry.sort_key(), entry.stem) for entry, _ in hits}
    ordered = sorted(hits, key=lambda hit: order[id(hit[0])])
    chains: list[list[tuple[ReportEntry, Change]]] = []
    last = None
    for hit in ordered:
        detected = order[id(hit[0])][0][0]
        if chains and detected - last <= window:
            chains[-1].append(hit)
        else:
            chains.append([hit])
        last = detected
    return chains


def _single(entry: ReportEntry) -> Event:
    title = entry.title or f"Article {entry.article_id}"
    return Event(f"change-{entry.stem}", title, [entry], list(entry.report.changes))


def _rollout(members: list[ReportEntry], changes: list[Change]) -> Event:
    members.sort(key=lambda e: (e.article_id, e.from_version, e.to_version))
    parts = sections(changes)
    ordered = parts.notices + parts.figures + parts.paragraphs + parts.fields
    first = min(rfc3339(e.detected_at) for e in members)
    digest = hashlib.sha256(
        json.dumps([sorted(change_key(c) for c in ordered), first]).encode()
    ).hexdigest()[:16]
    n = len({e.article_id for e in members})
    return Event(f"rollout-{digest}", rollout_title(ordered[0], n), members, ordered, grouped=True)


def rollout_title(change: Change, count: int) -> str:
    """E.g. "Historical-collection banner added to 57 articles"."""
    label = kind_label(change.kind)
    before, after = value_text(change.before), value_text(change.after)
    if change.kind.startswith("banner_") and "historical collection" in casefolded_form(
        after or before
    ):
        label = label.replace("Banner", "Historical-collection banner")
        quoted = ""
    elif before and after:
        quoted = f": “{_short(before)}” → “{_short(after)}”"
    else:
        quoted = f": “{_short(after or before)}”"
    if change.kind.endswith("_added"):
        prep = "to"
    elif change.kind.endswith("_removed"):
        prep = "from"
    else:
        prep = "on"
    return f"{label} {prep} {words.count(count, 'article')}{quoted}"


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
