"""The re-capture policy: new articles often, old ones rarely, recently changed ones more often."""

from datetime import UTC, datetime, timedelta

import pytest

from dodnews.errors import UserError
from dodnews.monitor.due import DuePolicy, parse_policy, parse_time

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "since_capture", "due"),
    [
        (timedelta(hours=5), timedelta(minutes=30), False),
        (timedelta(hours=5), timedelta(hours=2), True),
        (timedelta(days=10), timedelta(hours=5), False),
        (timedelta(days=10), timedelta(hours=7), True),
        (timedelta(days=400), timedelta(days=20), False),
        (timedelta(days=400), timedelta(days=31), True),
    ],
)
def test_age_sets_the_interval(age, since_capture, due):
    policy = DuePolicy()
    assert policy.is_due(published=NOW - age, last_captured=NOW - since_capture, now=NOW) is due


def test_recent_change_shortens_the_interval_and_never_captured_is_due():
    policy = DuePolicy()
    old = NOW - timedelta(days=800)
    assert not policy.is_due(published=old, last_captured=NOW - timedelta(hours=7), now=NOW)
    assert policy.is_due(
        published=old,
        last_captured=NOW - timedelta(hours=7),
        last_changed=NOW - timedelta(days=2),
        now=NOW,
    )
    assert policy.is_due(published=old, last_captured=None, now=NOW)
    assert not policy.is_due(
        published=old, last_captured=NOW - timedelta(days=3), gone=True, now=NOW
    )


def test_policy_setting_parses_and_rejects_bad_values():
    policy = parse_policy("[[1, 2], [10, 48]]")
    assert policy.interval(NOW - timedelta(hours=1), None, False, NOW) == timedelta(hours=2)
    assert policy.interval(NOW - timedelta(days=100), None, False, NOW) == timedelta(hours=48)
    with pytest.raises(UserError):
        parse_policy("[[1, 0]]")
    with pytest.raises(UserError):
        parse_policy('[["x"]]')
    assert parse_time("2026-11-27") == datetime(2026, 11, 27, tzinfo=UTC)
    assert parse_time("2026-11-27T10:00:00-05:00").utcoffset() == timedelta(hours=-5)
    assert parse_time("junk") is None
