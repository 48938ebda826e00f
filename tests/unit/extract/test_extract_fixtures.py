"""Fixture pages beside their expected records (web-poet style): page in, JSON out."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from dodnews.extract import extract_article, extract_getlist, extract_listing, extract_rss
from tests.paths import FIXTURES

PAGES = FIXTURES / "pages"
EXPECTED = sorted(PAGES.glob("*.expected.json"))
_INPUT_SUFFIX = {"rss": ".xml", "getlist": ".json"}


def _run(kind: str, data: bytes, url: str) -> object:
    if kind == "article":
        record = extract_article(data, url).to_dict()
        del record["region"]  # pinned in regions.json (tests/unit/diffing/test_diff_safety_net.py)
        return record
    if kind == "listing":
        return [dataclasses.asdict(e) for e in extract_listing(data, url)]
    if kind == "rss":
        return [dataclasses.asdict(e) for e in extract_rss(data, url)]
    entries, done = extract_getlist(data, url)
    return {"entries": [dataclasses.asdict(e) for e in entries], "done": done}


def test_every_fixture_has_expected_json() -> None:
    names = {p.name.removesuffix(".expected.json") for p in EXPECTED}
    assert {"news-story", "release", "transcript", "contract", "feature-story", "speech"} <= names
    assert {
        "listing-preview",
        "listing-titles-only",
        "listing-story-card",
        "listing-items",
    } <= names
    assert {"listing-empty", "rss", "getlist"} <= names


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_fixture_matches_expected(expected_path: Path) -> None:
    spec = json.loads(expected_path.read_text())
    name = expected_path.name.removesuffix(".expected.json")
    page = PAGES / (name + _INPUT_SUFFIX.get(spec["kind"], ".html"))
    assert _run(spec["kind"], page.read_bytes(), spec["url"]) == spec["expected"]


@pytest.mark.parametrize("expected_path", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_str_and_bytes_input_agree(expected_path: Path) -> None:
    spec = json.loads(expected_path.read_text())
    name = expected_path.name.removesuffix(".expected.json")
    page = PAGES / (name + _INPUT_SUFFIX.get(spec["kind"], ".html"))
    assert _run(spec["kind"], page.read_text(encoding="utf-8"), spec["url"]) == spec["expected"]
