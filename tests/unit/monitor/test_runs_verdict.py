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
