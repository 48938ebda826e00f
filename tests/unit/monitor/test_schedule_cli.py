"""`dodnews due`, the schedule in `dodnews runs`, and the recheck's schedule arguments."""

from __future__ import annotations

import json

import pytest

from dodnews.archive import Archive
from dodnews.cli.main import main
from dodnews.crawl.spiders.recheck import parse_recheck_args
from dodnews.errors import UserError
from dodnews.monitor.cycles import cycle_seconds, recheck_budget
from dodnews.monitor.runs import run_counts
from tests.unit.archive.test_archive import ARTICLE_ID, core_scenario


@pytest.fixture(scope="module")
def archive_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('due') / 'archive.sqlite'}"
    archive = Archive.open(url)
    core_scenario(archive)  # six answered captures, two of them changes; last 2025-10-14 19:00
    run_id = archive.start_run("recheck")
    stats = {
        "dodnews/captures/total": 3,
        "dodnews/monitor/policy/policy": "budgeted",
        "dodnews/monitor/policy/budget": 3,
        "dodnews/monitor/policy/due": 10,
        "dodnews/monitor/policy/scheduled": 3,
        "dodnews/monitor/policy/backlog": 7,
    }
    archive.finish_run(run_id, "ok", run_counts(stats), 0, [])
    archive.close()
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_due_explains_an_article_not_due_yet(archive_url, capsys):
    argv = ("due", str(ARTICLE_ID), "--archive", archive_url, "--at", "2025-10-14T20:00:00Z")
    status, out, _ = run(capsys, *argv)
    assert status == 0
    assert "6 successful captures, 2 of them found a change" in out
    assert "last captured 60 min ago" in out
    assert "against a price of 0.003: not due" in out
    assert "due at 2025-" in out
    assert run(capsys, *argv)[1] == out  # the same archive and clock: the same answer


def test_due_explains_a_due_article_and_its_place_in_a_budget(archive_url, capsys):
    base = ("due", str(ARTICLE_ID), "--archive", archive_url, "--at", "2025-12-20T00:00:00Z")
    status, out, _ = run(capsys, *base)
    assert status == 0 and ": due" in out
    assert "a run now with no budget limit takes it: 1 of 1" in out
    status, out, _ = run(capsys, *base, "--budget", "0")
    assert "leaves it in the backlog: 1 article is due" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["due", "99"], "article 99 is not in the archive"),
        (["due", str(ARTICLE_ID), "--budget", "-1"], "--budget must be 0 or more"),
        (["due", str(ARTICLE_ID), "--at", "soon"], "--at: expected an ISO 8601 time"),
        (["due", str(ARTICLE_ID), "--price", "0"], "DODNEWS_SCHEDULE_PRICE must be above 0"),
    ],
)
def test_due_bad_input_is_one_line_exit_2(archive_url, capsys, argv, message):
    status, out, err = run(capsys, *argv, "--archive", archive_url)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"dodnews: error: {message}")


def test_runs_show_the_backlog(archive_url, capsys):
    status, out, _ = run(capsys, "runs", "--archive", archive_url)
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split()[6:8] == ["CHANGES", "BACKLOG"]
    assert lines[1].split()[1] == "recheck" and lines[1].split()[7] == "7"
    assert lines[2].split()[7] == "-"  # the news run recorded no schedule
    assert "run 2 (recheck): budgeted policy, budget 3: 10 due, 3 scheduled, backlog 7" in out
    status, out, _ = run(capsys, "runs", "--format", "json", "--archive", archive_url)
    assert json.loads(out)[0]["counts"]["schedule"]["backlog"] == 7


def test_recheck_schedule_arguments():
    assert parse_recheck_args({})["budget"] is None
    assert parse_recheck_args({})["policy"] == "budgeted"
    opts = parse_recheck_args({"budget": "120", "policy": "age"})
    assert (opts["budget"], opts["policy"]) == (120, "age")
    assert parse_recheck_args({}, {"DODNEWS_RECHECK_SCHEDULER": "age"})["policy"] == "age"
    with pytest.raises(UserError, match="-a budget: must be at least 0"):
        parse_recheck_args({"budget": "-5"})
    with pytest.raises(UserError, match="-a budget: expected a whole number"):
        parse_recheck_args({"budget": "lots"})
    with pytest.raises(UserError, match="-a policy: expected budgeted or age"):
        parse_recheck_args({"policy": "fifo"})


def test_monitor_budget_from_its_interval():
    assert cycle_seconds("15m", None) == 900
    assert cycle_seconds(None, "*/20 * * * *") == 1200
    assert cycle_seconds(None, None) is None
    assert recheck_budget(3600) == 2880  # DOWNLOAD_DELAY 1 s, 80% of the cycle
    assert recheck_budget(900) == 720
    assert recheck_budget(3600, "http://127.0.0.1:8080") is None  # the replica: no limit
    assert recheck_budget(None) is None
