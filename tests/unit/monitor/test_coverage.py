"""Extraction health: field coverage of a run's parsed pages, and the rule that calls a drop."""

from __future__ import annotations

import subprocess

import pytest
from scrapy.settings import Settings

from dodnews.crawl.pipelines import coverage_rule
from dodnews.errors import UserError
from dodnews.model import Article, Image, RelatedLink
from dodnews.monitor.coverage import (
    DROPPED,
    FIELDS,
    NO_BASELINE,
    OK,
    TOO_FEW_PAGES,
    CoverageRule,
    coverage,
    describe,
    drops_text,
    judge,
    latest_judged,
    run_drops,
    short_status,
    tally,
)
from dodnews.monitor.crawling import crawl_command, crawl_env


def article(n: int, *, byline: bool = True, photos: int = 0, captions: bool = True) -> Article:
    """A parsed page; `photos` images, each with a credit and VIRIN, captioned if `captions`."""
    return Article(
        article_id=4400000 + n,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{4400000 + n}/x/",
        section="news-stories",
        title=f"Depot {n} opens a second bay",
        published="2025-10-02T09:00:00Z" if n % 4 else None,
        byline="By Dana Whitcomb, Pentagon News" if byline else None,
        paragraphs=["The bay opened on time."] if n % 5 else [],
        images=[
            Image(
                src=f"https://media.defense.gov/2025/Oct/02/{n}{k}/photo.jpg",
                virin=f"251002-D-ZZ999-{n}{k}",
                caption="Crews test the crane." if captions else None,
                credit="Photo By: Staff Sgt. Lee Ortiz" if k else None,
            )
            for k in range(photos)
        ],
        related=[RelatedLink(4300001, "Earlier story", "https://www.war.gov/x/4300001/")]
        if n % 2
        else [],
    )


def summed(pages: list[Article]) -> dict[str, int]:
    total: dict[str, int] = {}
    for page in pages:
        for name, count in tally(page).items():
            total[name] = total.get(name, 0) + count
    return total


def test_coverage_counts_pages_per_field_and_photos_per_photo_field():
    # 20 pages: n = 0..19; bylines on the first 15; two photos on pages 0..4 (the second one
    # credited), captions on all of them.
    pages = [article(n, byline=n < 15, photos=2 if n < 5 else 0) for n in range(20)]
    cov = coverage(summed(pages), scope="war")
    assert cov["pages"] == 20 and cov["images"] == 10 and cov["scope"] == "war"
    assert cov["title"] == 1.0
    assert cov["published"] == 0.75  # n % 4 != 0: 15 of 20
    assert cov["byline"] == 0.75
    assert cov["body"] == 0.8  # n % 5 != 0: 16 of 20
    assert cov["photos"] == 0.25
    assert cov["related"] == 0.5
    assert cov["caption"] == 1.0 and cov["virin"] == 1.0
    assert cov["credit"] == 0.5


def test_photo_fields_are_not_measured_without_photos():
    cov = coverage(summed([article(n) for n in range(3)]))
    assert cov["images"] == 0
    assert cov["caption"] is None and cov["credit"] is None and cov["virin"] is None
    assert coverage({})["pages"] == 0 and coverage({})["title"] is None


def cov(pages: int = 40, images: int = 40, scope: str | None = "war", **shares: float) -> dict:
    """A coverage record: every field at 0.9 unless given."""
    return {
        "pages": pages,
        "images": images,
        "scope": scope,
        **dict.fromkeys(FIELDS, 0.9),
        **shares,
    }


@pytest.mark.parametrize(
    ("base", "now", "fires"),
    [
        (0.85, 0.12, True),  # the example
        (0.42, 0.0, True),  # a field on fewer than half the pages that vanishes
        (0.58, 0.28, True),  # 30 points down, though 0.58 - 0.28 is 0.29999999999999993
        (0.6, 0.3, True),  # exactly 30 points and exactly half
        (0.7, 0.4, False),  # 30 points, but only 43% of the baseline
        (0.85, 0.6, False),  # 25 points: noise on small runs
        (1.0, 0.65, False),  # 35 points, but only 35% of the baseline
        (0.4, 0.15, False),  # 62% down, but only 25 points
        (0.5, 0.5, False),
        (0.3, 0.9, False),  # a rise is never a drop
    ],
)
def test_drop_rule_needs_both_the_absolute_and_the_relative_fall(base, now, fires):
    check = judge(cov(byline=now), [(1, cov(byline=base))])
    assert (check["status"] == DROPPED) is fires
    assert [d["field"] for d in check["drops"]] == (["byline"] if fires else [])


def test_a_drop_reports_the_field_its_share_and_the_baseline():
    check = judge(cov(byline=0.12), [(9, cov(byline=0.85)), (8, cov(byline=0.8))])
    assert check["status"] == DROPPED
    assert check["baseline_runs"] == [9, 8]
    assert check["drops"] == [{"field": "byline", "share": 0.12, "baseline": 0.825}]
    assert drops_text(check["drops"]) == "byline 82% -> 12%"
    line = describe(check, cov(byline=0.12))
    assert line.startswith("extraction coverage DROPPED on 40 parsed pages: byline 82% -> 12%")
    assert "median of runs 9, 8" in line
    assert short_status(check) == "DROP"


def test_small_runs_are_neither_judged_nor_a_baseline():
    small = judge(cov(pages=19, byline=0.0), [(1, cov(byline=0.9))])
    assert small["status"] == TOO_FEW_PAGES and small["drops"] == []
    assert short_status(small) == "small"
    assert "19 parsed pages is too few" in describe(small, cov(pages=19))
    # the only earlier run parsed 10 pages: nothing to compare with
    first = judge(cov(byline=0.0), [(1, cov(pages=10, byline=0.9))])
    assert first["status"] == NO_BASELINE and short_status(first) == "first"
    # a larger minimum from the settings
    rule = CoverageRule(min_pages=50)
    assert judge(cov(pages=40, byline=0.0), [(1, cov(pages=60))], rule)["status"] == TOO_FEW_PAGES


def test_runs_of_another_scope_are_not_a_baseline():
    contracts_only = cov(scope="war:contracts", byline=0.0)
    check = judge(contracts_only, [(1, cov(byline=0.9))])
    assert check["status"] == NO_BASELINE
    check = judge(cov(byline=0.1), [(2, cov(scope="af", byline=0.9)), (1, cov(byline=0.2))])
    assert check["status"] == OK and check["baseline_runs"] == [1]


def test_photo_fields_are_judged_only_on_enough_photos():
    few = cov(images=5, caption=0.0)
    assert judge(few, [(1, cov(caption=1.0))])["status"] == OK
    many = cov(images=30, caption=0.0)
    assert run_drops({"coverage_check": judge(many, [(1, cov(caption=1.0))])}) == [
        {"field": "caption", "share": 0.0, "baseline": 1.0}
    ]
    # baseline runs with few photos give no caption baseline
    check = judge(many, [(1, cov(images=3, caption=1.0))])
    assert check["status"] == OK and "caption" not in check["baseline"]


def test_baseline_is_the_median_of_the_newest_runs_so_a_new_level_is_accepted_after_three():
    # newest first; the site's markup changed two runs ago (bylines at 0 since)
    history = [(n, cov(byline=0.0 if n > 7 else 0.85)) for n in range(9, 0, -1)]
    check = judge(cov(byline=0.0), history)
    assert check["baseline_runs"] == [9, 8, 7, 6, 5]
    assert check["status"] == DROPPED  # median of 0, 0, 0.85, 0.85, 0.85
    history = [(10, cov(byline=0.0)), *history]
    assert judge(cov(byline=0.0), history)["status"] == OK  # 0, 0, 0, 0.85, 0.85
    assert judge(cov(byline=0.0), history, CoverageRule(runs=7))["status"] == DROPPED


def test_min_runs_waits_for_enough_baseline_runs():
    rule = CoverageRule(min_runs=2)
    assert judge(cov(byline=0.0), [(1, cov())], rule)["status"] == NO_BASELINE
    assert judge(cov(byline=0.0), [(2, cov()), (1, cov())], rule)["status"] == DROPPED


def test_runs_not_measured_say_so():
    assert short_status(None) == "-"
    assert describe(None) == "extraction coverage not measured"
    assert run_drops({}) == [] and run_drops(None) == []
    ok = judge(cov(), [(1, cov())])
    assert ok["status"] == OK and run_drops({"coverage_check": ok}) == []


def test_latest_judged_run_per_spider_skips_runs_too_small_to_judge():
    dropped = {"coverage": cov(byline=0.1), "coverage_check": judge(cov(byline=0.1), [(1, cov())])}
    small = {"coverage": cov(pages=3), "coverage_check": judge(cov(pages=3), [(1, cov())])}
    fine = {"coverage": cov(), "coverage_check": judge(cov(), [(1, cov())])}
    latest = latest_judged(
        [(5, "news", dropped), (6, "news", small), (4, "recheck", fine), (7, "recheck", {})]
    )
    assert latest["news"][0] == 5 and "DROPPED" in latest["news"][1]
    assert latest["recheck"] == (4, "extraction coverage ok on 40 parsed pages")


def test_the_rule_comes_from_the_settings():
    settings = Settings(
        {
            "DODNEWS_COVERAGE_MIN_PAGES": "50",
            "DODNEWS_COVERAGE_DROP": "0.2",
            "DODNEWS_COVERAGE_RELATIVE_DROP": "0.25",
            "DODNEWS_COVERAGE_RUNS": "3",
        }
    )
    rule = coverage_rule(settings)
    assert rule == CoverageRule(min_pages=50, drop=0.2, relative_drop=0.25, runs=3)
    assert coverage_rule(Settings({})) == CoverageRule()
    assert coverage_rule(Settings({"DODNEWS_COVERAGE_CHECK": "0"})) is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DODNEWS_COVERAGE_DROP", "abc"),
        ("DODNEWS_COVERAGE_DROP", "1.5"),
        ("DODNEWS_COVERAGE_RELATIVE_DROP", "-0.1"),
        ("DODNEWS_COVERAGE_MIN_PAGES", "0"),
        ("DODNEWS_COVERAGE_RUNS", "2.5"),
        ("DODNEWS_COVERAGE_CHECK", "maybe"),
    ],
)
def test_bad_rule_settings_are_one_line_errors(name, value):
    with pytest.raises(UserError, match=f"^{name}: expected "):
        coverage_rule(Settings({name: value}))


def test_scrapy_crawl_refuses_a_bad_rule_setting_before_it_starts(tmp_path):
    archive = tmp_path / "archive.sqlite"
    done = subprocess.run(
        crawl_command("news", {"base_url": "http://127.0.0.1:9"}, {"DODNEWS_COVERAGE_DROP": "x"}),
        env=crawl_env(f"sqlite:///{archive}", str(tmp_path / "diffs")),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "scrapy crawl: error: DODNEWS_COVERAGE_DROP: expected a float from 0.0 to 1.0, got 'x'"
    )
    assert not archive.exists()
