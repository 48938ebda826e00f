"""When a run counts as failed: most fetches blocked or errors, or nothing fetched at all."""

from dodnews.monitor.runs import run_verdict


def test_mostly_blocked_run_fails_and_a_healthy_one_does_not():
    blocked = {
        "dodnews/captures/total": 10,
        "dodnews/captures/blocked": 8,
        "dodnews/captures/ok": 2,
        "dodnews/listing/ok": 1,
    }
    assert "8 blocked" in run_verdict(blocked)
    healthy = {**blocked, "dodnews/captures/blocked": 1, "dodnews/captures/ok": 9}
    assert run_verdict(healthy) is None


def test_nothing_fetched_fails_except_for_a_worker_of_a_shared_crawl():
    assert run_verdict({}).startswith("nothing was fetched")
    assert run_verdict({"dodnews/crawl/distributed/worker": "host-1"}) is None
    assert run_verdict({"finish_reason": "shutdown"}) == "the crawl stopped early (shutdown)"


def test_requests_that_got_no_answer_are_one_line_naming_the_reason_and_host():
    from dodnews.monitor.runs import network_line, summary_line

    refused = {"dodnews/listing/error": 14, "dodnews/network/refused/127.0.0.1:1": 14}
    assert network_line(refused) == "failed: 14 requests, connection refused by 127.0.0.1:1"
    assert summary_line(refused).endswith(
        "; failed: 14 requests, connection refused by 127.0.0.1:1"
    )
    assert run_verdict(refused) == (
        "14 of 14 fetches failed: connection refused by 127.0.0.1:1 "
        "(0 blocked by the bot wall, 14 errors)"
    )
    mixed = {
        "dodnews/captures/total": 1,
        "dodnews/captures/error": 1,
        "dodnews/network/timeout/www.war.gov": 1,
        "dodnews/network/dns/media.defense.gov": 2,
    }
    assert network_line(mixed) == (
        "failed: 3 requests, no DNS answer for media.defense.gov (2), "
        "timed out waiting for www.war.gov (1)"
    )
    assert network_line({"dodnews/captures/total": 3}) is None


def test_the_summary_counts_in_words():
    from dodnews.monitor.runs import summary_line

    one = {
        "dodnews/captures/total": 1,
        "dodnews/captures/ok": 1,
        "dodnews/versions/new": 1,
        "dodnews/changes": 1,
        "dodnews/listing/ok": 1,
        "dodnews/captures/error": 1,
    }
    line = summary_line(one)
    assert line.startswith("1 capture: 1 ok (0 unchanged, 1 new version)")
    assert "1 error; 1 change; 1 listing page" in line
