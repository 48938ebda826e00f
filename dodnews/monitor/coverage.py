"""Extraction health: which fields a run's parsed pages had, and whether that fell. Pure.

A markup change on the site does not make pages fail: the extractor still returns articles, only
with a field missing (no byline, no caption), and every such page then reads as "byline removed".
The share of parsed pages with each field, compared with the same spider's recent runs, is what
shows it. Coverage is measured on the pages parsed into an article (304s and unchanged digests are
not parsed, so they say nothing about the markup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

from dodnews.model import Article, Image

# Shares among parsed pages: a title, a published date, a byline, >= 1 body paragraph,
# >= 1 photo, a related-stories block.
PAGE_FIELDS = ("title", "published", "byline", "body", "photos", "related")
# Shares among the photos of those pages: a caption, a "Photo By:" credit, a VIRIN.
IMAGE_FIELDS = ("caption", "credit", "virin")
FIELDS = PAGE_FIELDS + IMAGE_FIELDS

# The verdicts of `judge` (the "status" of a run's coverage check).
OK = "ok"
DROPPED = "dropped"
TOO_FEW_PAGES = "too_few_pages"
NO_BASELINE = "no_baseline"


def page_fields(article: Article) -> list[str]:
    """The PAGE_FIELDS the article has."""
    present = {
        "title": bool(article.title),
        "published": bool(article.published),
        "byline": bool(article.byline),
        "body": bool(article.paragraphs),
        "photos": bool(article.images),
        "related": bool(article.related),
    }
    return [name for name in PAGE_FIELDS if present[name]]


def image_fields(image: Image) -> list[str]:
    """The IMAGE_FIELDS the photo has."""
    values = {"caption": image.caption, "credit": image.credit, "virin": image.virin}
    return [name for name in IMAGE_FIELDS if values[name]]


def tally(article: Article) -> dict[str, int]:
    """What one parsed page adds to a run's counts: pages, images and one per field found."""
    counts = {"pages": 1, "images": len(article.images)}
    for name in page_fields(article):
        counts[name] = 1
    for image in article.images:
        for name in image_fields(image):
            counts[name] = counts.get(name, 0) + 1
    return counts


def coverage(counts: Mapping[str, int], scope: str | None = None) -> dict[str, Any]:
    """Shares from summed `tally` counts: {"pages", "images", "scope", field: share or None}.

    Photo fields are None when the run parsed no photo (nothing to measure).
    """
    pages = int(counts.get("pages", 0))
    images = int(counts.get("images", 0))
    result: dict[str, Any] = {"pages": pages, "images": images, "scope": scope}
    for name in PAGE_FIELDS:
        result[name] = round(int(counts.get(name, 0)) / pages, 4) if pages else None
    for name in IMAGE_FIELDS:
        result[name] = round(int(counts.get(name, 0)) / images, 4) if images else None
    return result


@dataclass(frozen=True)
class CoverageRule:
    """When a run's coverage counts as fallen (the DODNEWS_COVERAGE_* settings)."""

    min_pages: int = 20  # runs that parsed fewer pages are neither judged nor a baseline
    min_images: int = 20  # the same for the photo fields, counted in photos
    runs: int = 5  # the baseline: median of this many recent qualifying runs
    min_runs: int = 1  # fewer qualifying runs than this: nothing to compare with
    drop: float = 0.3  # a fall of at least this many points (0.3 = 30 percentage points)...
    relative_drop: float = 0.5  # ...that is also at least this part of the baseline

    def fell(self, share: float, base: float) -> bool:
        """True when `share` is down from `base` by both the absolute and the relative amount."""
        if base <= 0:
            return False
        # rounded: 0.7 - 0.4 is 0.29999999999999993 in binary floating point
        fall = round(base - share, 6)
        return fall >= self.drop and round(fall / base, 6) >= self.relative_drop


def _measured(cov: Mapping[str, Any], name: str, rule: CoverageRule) -> float | None:
    """The share of `name` in a coverage record when it has enough pages or photos behind it."""
    value = cov.get(name)
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None
    enough = cov.get("images", 0) >= rule.min_images if name in IMAGE_FIELDS else True
    return float(value) if enough else None


def judge(
    current: Mapping[str, Any],
    history: Sequence[tuple[int, Mapping[str, Any]]],
    rule: CoverageRule | None = None,
) -> dict[str, Any]:
    """The coverage check of a run against earlier runs of the same spider.

    `history` holds (run id, coverage) of earlier finished runs, newest first; those of another
    scope (site profile, sections) or with fewer than `min_pages` parsed pages are skipped, and
    the newest `runs` of the rest make the baseline (median per field). A field has fallen when
    `rule.fell(share, baseline)`. Returns a JSON-ready dict: status, baseline_runs, baseline,
    drops (each {"field", "share", "baseline"}).
    """
    rule = rule or CoverageRule()
    check: dict[str, Any] = {"status": OK, "baseline_runs": [], "baseline": {}, "drops": []}
    if int(current.get("pages", 0)) < rule.min_pages:
        check["status"] = TOO_FEW_PAGES
        return check
    scope = current.get("scope")
    chosen = [
        (run_id, cov)
        for run_id, cov in history
        if cov and cov.get("scope") == scope and int(cov.get("pages", 0)) >= rule.min_pages
    ][: rule.runs]
    if len(chosen) < max(1, rule.min_runs):
        check["status"] = NO_BASELINE
        return check
    check["baseline_runs"] = [run_id for run_id, _ in chosen]
    for name in FIELDS:
        values = [v for _, cov in chosen if (v := _measured(cov, name, rule)) is not None]
        if not values:
            continue
        base = round(median(values), 4)
        check["baseline"][name] = base
        share = _measured(current, name, rule)
        if share is not None and rule.fell(share, base):
            check["drops"].append({"field": name, "share": share, "baseline": base})
    if check["drops"]:
        check["status"] = DROPPED
    return check


def drops_text(drops: Sequence[Mapping[str, Any]]) -> str:
    """'byline 85% -> 12%, caption 90% -> 0%'."""
    return ", ".join(
        f"{d['field']} {_percent(d['baseline'])} -> {_percent(d['share'])}" for d in drops
    )


def describe(check: Mapping[str, Any] | None, cov: Mapping[str, Any] | None = None) -> str:
    """One line for a run's coverage check (the crawl summary, `dodnews runs`)."""
    if not check:
        return "extraction coverage not measured"
    pages = int((cov or {}).get("pages", 0))
    status = check.get("status")
    if status == DROPPED:
        runs = check.get("baseline_runs") or []
        return (
            f"extraction coverage DROPPED on {pages} parsed pages: {drops_text(check['drops'])} "
            f"(baseline: median of run{'s' if len(runs) > 1 else ''} "
            f"{', '.join(str(r) for r in runs)}); the site's markup may have changed"
        )
    if status == TOO_FEW_PAGES:
        return f"extraction coverage not judged: {pages} parsed pages is too few"
    if status == NO_BASELINE:
        return (
            f"extraction coverage not judged: no earlier run of this spider parsed enough pages "
            f"to compare its {pages} parsed pages with"
        )
    return f"extraction coverage ok on {pages} parsed pages"


def short_status(check: Mapping[str, Any] | None) -> str:
    """A column value for `dodnews runs`: ok, DROP, small, first, or - (not measured)."""
    if not check:
        return "-"
    return {DROPPED: "DROP", TOO_FEW_PAGES: "small", NO_BASELINE: "first", OK: "ok"}.get(
        str(check.get("status")), "-"
    )


def run_drops(counts: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The fallen fields recorded in a run's counts (empty when none, or never checked)."""
    check = (counts or {}).get("coverage_check") or {}
    return list(check.get("drops") or []) if check.get("status") == DROPPED else []


def latest_judged(
    runs: Sequence[tuple[int, str, Mapping[str, Any] | None]],
) -> dict[str, tuple[int, str]]:
    """Per spider, the newest run whose coverage was judged (ok or dropped) and its line.

    `runs` holds (run id, spider, counts), any order. Runs too small to judge say nothing about
    the markup, so a drop stays reported until a run big enough to judge finds it gone.
    """
    latest: dict[str, tuple[int, str]] = {}
    for run_id, spider, counts in sorted(runs, key=lambda r: r[0], reverse=True):
        check = (counts or {}).get("coverage_check") or {}
        if spider in latest or check.get("status") not in (OK, DROPPED):
            continue
        latest[spider] = (run_id, describe(check, (counts or {}).get("coverage")))
    return latest


def _percent(share: Any) -> str:
    return f"{round(float(share) * 100)}%" if isinstance(share, int | float) else "?"
