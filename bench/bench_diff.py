"""Benchmark: detect_changes against a plain DeepDiff of the same article dicts, in the same run.

Generates N article pairs (12 paragraphs of about 400 characters, 2 photos, 5 related stories,
and the region text a page shows, with one block no typed field reads) with one edit each (a mix
of every kind, the safety net's included) and N unchanged pairs, then times, for each set:

* `detect_changes(old, new)` (content hashes computed in the call; equal hashes skip DeepDiff),
* `DeepDiff(old.to_dict(), new.to_dict())` with default options (dicts built beforehand).

A third line times only the changed pairs whose structured fields differ (title, banner, images,
related, tags, URL...), where the detector runs DeepDiff as well as the paragraph alignment.

Usage: python bench/bench_diff.py [--n 500] [--repeat 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import copy
import random
import time
from collections import Counter
from collections.abc import Callable

from deepdiff import DeepDiff

from dodnews.diffing.detect import detect_changes, structured_view
from dodnews.model import Article, Image, RelatedLink

UNITS = [
    "The 3rd Infantry Division",
    "A Marine expeditionary unit",
    "Navy engineers",
    "Air Force maintainers",
    "The brigade combat team",
    "Coast Guard cutter crews",
]
VERBS = ["moved", "delivered", "repaired", "inspected", "trained", "deployed"]
NOUNS = [
    "armored vehicles",
    "cargo pallets",
    "helicopters",
    "radar sets",
    "field kitchens",
    "generators",
]
PLACES = [
    "near the eastern border",
    "at the port",
    "on the training range",
    "across the river",
    "at the forward airfield",
    "along the coast",
]
MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct."]
CLOSERS = [
    "Officials said the work finished ahead of schedule despite poor weather.",
    "Commanders credited months of rehearsal for the smooth result.",
    "Allied observers watched from a nearby hill and took detailed notes.",
    "The effort is part of a broader push to modernize aging equipment.",
    "Planners expect to repeat the exercise with more partners next year.",
]


def sentence(rng: random.Random) -> str:
    return (
        f"{rng.choice(UNITS)} {rng.choice(VERBS)} {rng.randint(12, 950)} {rng.choice(NOUNS)} "
        f"{rng.choice(PLACES)} on {rng.choice(MONTHS)} {rng.randint(1, 28)}, at a cost of about "
        f"${rng.randint(2, 900)} million."
    )


def paragraph(rng: random.Random) -> str:
    parts: list[str] = []
    while sum(len(p) + 1 for p in parts) < 360:
        parts.append(sentence(rng) if rng.random() < 0.6 else rng.choice(CLOSERS))
    return " ".join(parts)


def make_article(rng: random.Random, article_id: int) -> Article:
    day = rng.randint(1, 28)
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/story-{article_id}/",
        section="news-stories",
        title=f"{rng.choice(UNITS)} Completes Drill With {rng.randint(10, 99)} Partners",
        content_type="News",
        published=f"2026-03-{day:02d}T10:00:00-04:00",
        byline="By Staff Writer, DOD News",
        summary=paragraph(rng)[:160],
        paragraphs=[paragraph(rng) for _ in range(12)],
        images=[
            Image(
                src=f"https://media.defense.gov/2026/Mar/{day}/{article_id}{k}/-1/-1/0/"
                f"2603{day:02d}-A-XY{k}00-{article_id % 10000:04d}.JPG",
                virin=f"2603{day:02d}-A-XY{k}00-{article_id % 10000:04d}",
                caption=sentence(rng),
                credit=f"Sgt. Photographer {k}",
            )
            for k in range(2)
        ],
        related=[
            RelatedLink(article_id - 100 - k, f"Related {k}", f"https://www.war.gov/r/{k}/")
            for k in range(5)
        ],
        tags=["Army", "Exercises"],
        extractor_version="1.0",
    )


def _figure(a: Article, rng: random.Random) -> None:
    i = rng.randrange(12)
    a.paragraphs[i] = (
        a.paragraphs[i].replace(" million", "0 million", 1).replace("about", "roughly", 1)
    )


def _move(a: Article, rng: random.Random) -> None:
    a.paragraphs.append(a.paragraphs.pop(rng.randrange(11)))


def _reword(a: Article, rng: random.Random) -> None:
    i = rng.randrange(12)
    a.paragraphs[i] = a.paragraphs[i].replace(" on ", " during the week of ", 1)


def _caption(a: Article, rng: random.Random) -> None:
    a.images[0].caption = (a.images[0].caption or "") + " Smoke rises in the background."


def _add_image(a: Article, rng: random.Random) -> None:
    a.images.append(
        Image("https://media.defense.gov/x/-1/-1/0/NEW.JPG", virin="260301-D-NE000-0001")
    )


EDITS: dict[str, Callable[[Article, random.Random], None]] = {
    "figure": _figure,
    "insert": lambda a, rng: a.paragraphs.insert(rng.randrange(13), paragraph(rng)),
    "delete": lambda a, rng: a.paragraphs.pop(rng.randrange(12)),
    "move": _move,
    "reword": _reword,
    "banner": lambda a, rng: setattr(
        a, "banner", "You have accessed part of a historical collection."
    ),
    "correction": lambda a, rng: a.corrections.append("Correction: An earlier version erred."),
    "title": lambda a, rng: setattr(a, "title", a.title.replace("Drill", "Exercise")),
    "caption": _caption,
    "credit": lambda a, rng: setattr(a.images[1], "credit", "Staff Sgt. Someone Else"),
    "image": _add_image,
    "related": lambda a, rng: a.related.pop(0),
    "tags": lambda a, rng: a.tags.append("Allies"),
    "slug": lambda a, rng: setattr(a, "url", a.url.replace("/story-", "/new-story-")),
}


def page_region(a: Article, status: str, age: str) -> list[str]:
    """The region text blocks the article's page shows, as extraction keeps them."""
    region = [a.content_type or "News", a.title, f"March 24, 2026 | {a.byline} | {age}"]
    region.append(f"Depot status: {status}")  # a block no typed field reads
    region += a.paragraphs[:3]
    for image in a.images:
        region += [image.caption or "", f"Photo By: {image.credit or ''} VIRIN: {image.virin}"]
        region.append("Download: Full Size (1.2 MB)")
    region += a.paragraphs[3:]
    region += a.corrections
    region.append("Tags: " + " ".join(a.tags))
    return [block for block in region if block]


def make_pairs(
    n: int, seed: int
) -> tuple[list[tuple[Article, Article]], list[tuple[Article, Article]]]:
    rng = random.Random(seed)
    changed, unchanged = [], []
    names = [*EDITS, "unread"]
    for k in range(n):
        old = make_article(rng, 4_000_000 + k)
        new = copy.deepcopy(old)
        name = names[k % len(names)]
        if name != "unread":
            EDITS[name](new, rng)
        old.region = page_region(old, "open", "17 min ago")
        new.region = page_region(new, "closed" if name == "unread" else "open", "2 hours ago")
        changed.append((old, new))
        same = copy.deepcopy(old)
        same.paragraphs[0] = same.paragraphs[0].replace(" ", "\u00a0", 2)  # noise only
        same.region = page_region(same, "open", "3 hours ago")
        unchanged.append((old, same))
    return changed, unchanged


def rates(
    first: Callable[[], object], second: Callable[[], object], count: int, repeat: int
) -> tuple[float, float]:
    """Items/s of two batches, run alternately; the best run of each (least disturbed by load)."""
    best = [float("inf"), float("inf")]
    for _ in range(repeat):
        for k, fn in enumerate((first, second)):
            start = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - start)
    return count / best[0], count / best[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    changed, unchanged = make_pairs(args.n, args.seed)

    kinds: Counter[str] = Counter()
    for old, new in changed:
        report = detect_changes(old, new)
        assert report.changed, "every edited pair must report a change"
        kinds.update(c.kind for c in report.changes)
    assert not any(detect_changes(o, n).changed for o, n in unchanged)

    print(f"{args.n} changed + {args.n} unchanged pairs, best of {args.repeat} alternating runs")
    total_detect = total_plain = 0.0
    structured = [(o, n) for o, n in changed if structured_view(o) != structured_view(n)]
    print(f"(of the changed pairs, {len(structured)} edit structured fields, so DeepDiff runs)")
    for label, pairs in (
        ("changed", changed),
        ("unchanged", unchanged),
        ("structured", structured),
    ):
        dicts = [(o.to_dict(), n.to_dict()) for o, n in pairs]
        detect, plain = rates(
            lambda p=pairs: [detect_changes(o, n) for o, n in p],
            lambda d=dicts: [DeepDiff(o, n) for o, n in d],
            len(pairs),
            args.repeat,
        )
        if label != "structured":  # a subset of changed
            total_detect += len(pairs) / detect
            total_plain += len(pairs) / plain
        print(
            f"{label:>10}: detect_changes {detect:8.0f} reports/s   plain DeepDiff {plain:8.0f}/s"
            f"   cost ratio {plain / detect:.2f}x"
        )
    print(
        f"{'all':>10}: detect_changes {2 * args.n / total_detect:8.0f} reports/s   plain DeepDiff "
        f"{2 * args.n / total_plain:8.0f}/s   cost ratio {total_detect / total_plain:.2f}x"
    )
    print("kinds reported:", dict(sorted(kinds.items())))


if __name__ == "__main__":
    main()
