"""AP-style dates, zone-less listing dates and RSS pubDates, all in America/New_York."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dodnews.extract import jss_to_iso, parse_ap_date, rfc822_to_iso
from dodnews.extract.text import collapse_whitespace, strip_tags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sept. 15, 2026", date(2026, 9, 15)),
        ("Sep. 15, 2026", date(2026, 9, 15)),
        ("Jul. 4, 2025", date(2025, 7, 4)),
        ("July 4, 2025", date(2025, 7, 4)),
        ("Dec. 24, 2024", date(2024, 12, 24)),
        ("March 3, 2026", date(2026, 3, 3)),
        ("Mar. 3, 2026", date(2026, 3, 3)),
        ("  Feb. 1,2024 ", date(2024, 2, 1)),
        ("May 31, 2023", date(2023, 5, 31)),
        ("June 1 2023", date(2023, 6, 1)),
        ("2026-09-15", date(2026, 9, 15)),
        ("9/15/2026", date(2026, 9, 15)),
        ("Updated: Nov. 10, 2020", date(2020, 11, 10)),
    ],
)
def test_parse_ap_date(text: str, expected: date) -> None:
    assert parse_ap_date(text) == expected


@pytest.mark.parametrize(
    "text", ["", None, "Sept. 15", "Jul.", "Feb. 30, 2024", "yesterday", "17 min ago"]
)
def test_parse_ap_date_without_a_full_date(text: str | None) -> None:
    assert parse_ap_date(text) is None


def test_parse_ap_date_default_year() -> None:
    assert parse_ap_date("Sep. 15", default_year=2026) == date(2026, 9, 15)


@pytest.mark.parametrize(
    ("jss", "iso"),
    [
        ("2024-12-24T14:57:00", "2024-12-24T14:57:00-05:00"),  # EST
        ("2024-07-04T09:00:00", "2024-07-04T09:00:00-04:00"),  # EDT
        ("2026-03-08T03:30:00", "2026-03-08T03:30:00-04:00"),  # just after the spring change
        ("2020-11-12T07:39:14", "2020-11-12T07:39:14-05:00"),
        ("2024-12-24T19:57:00Z", "2024-12-24T14:57:00-05:00"),
        ("2024-12-24", "2024-12-24"),
        ("", None),
        ("not a date", None),
    ],
)
def test_jss_to_iso(jss: str, iso: str | None) -> None:
    assert jss_to_iso(jss) == iso


@pytest.mark.parametrize(
    ("pub", "iso"),
    [
        ("Tue, 24 Dec 2024 19:57:00 GMT", "2024-12-24T14:57:00-05:00"),
        ("Tue, 24 Dec 2024 14:57:00 -0500", "2024-12-24T14:57:00-05:00"),
        ("Thu, 04 Jul 2024 13:00:00 +0000", "2024-07-04T09:00:00-04:00"),
        ("garbage", None),
        (None, None),
    ],
)
def test_rfc822_to_iso(pub: str | None, iso: str | None) -> None:
    assert rfc822_to_iso(pub) == iso


@given(st.text())
def test_clean_text_is_idempotent_and_collapsed(text: str) -> None:
    once = collapse_whitespace(text)
    assert collapse_whitespace(once) == once
    assert "  " not in once and "\u00a0" not in once and once == once.strip()


def test_strip_tags_keeps_words_apart_only_at_breaks() -> None:
    assert strip_tags("<b>Bold</b>face and&nbsp;<i>x</i>") == "Boldface and x"
    assert strip_tags("one<br>two<p>three</p>") == "one two three"
    assert strip_tags("&lt;em&gt;Escaped&lt;/em&gt; title") == "Escaped title"
