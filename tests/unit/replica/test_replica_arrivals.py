"""The replica's request counts (`/__replica__/requests`), which the politeness tests read."""

from __future__ import annotations

from dodnews.replica.server import Arrivals


def test_counts_per_second_and_the_busiest_second_between_whole_seconds() -> None:
    arrivals = Arrivals()
    # 3 requests late in second 100 and 3 early in second 101: no whole second holds more than
    # 3, but the second from 100.7 to 101.7 holds all 6
    for now in (100.7, 100.8, 100.9, 101.0, 101.1, 101.2, 105.5):
        arrivals.add(now)
    counts = arrivals.to_json()
    assert counts["total"] == 7
    assert counts["per_second"] == {"100": 3, "101": 3, "105": 1}
    assert counts["max_in_any_second"] == 6
    assert (counts["first"], counts["last"]) == (100.7, 105.5)


def test_no_requests_yet() -> None:
    assert Arrivals().to_json() == {
        "total": 0,
        "first": None,
        "last": None,
        "per_second": {},
        "max_in_any_second": 0,
    }
