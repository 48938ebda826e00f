"""Two crawls of the replica across an epoch switch, checked kind by kind against its manifest.

These run real `scrapy crawl` processes against `dodnews replica serve` on a free port.
"""

from __future__ import annotations

import json

import pytest

from dodnews.replica.testing import ReplicaProcess
from tests.crawl_support import CrawlWorkspace, expected_by_article

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses


@pytest.fixture(scope="module")
def epochs(tmp_path_factory):
    """Crawl epoch 0, epoch 1, epoch 1 again (unchanged), then epoch 2; keep what each found."""
    root = tmp_path_factory.mktemp("e2e")
    with ReplicaProcess(epoch=0) as replica:
        work = CrawlWorkspace(root, replica.url)
        results: dict[str, object] = {"work": work}
        assert work.crawl("news") == 0, work.logs[-1][-3000:]
        replica.set_epoch(1)
        assert work.crawl("news") == 0, work.logs[-1][-3000:]
        results["manifest1"] = replica.manifest(1)
        with work.open() as archive:
            results["stats_after_1"] = archive.stats()
        assert work.crawl("news") == 0, work.logs[-1][-3000:]
        with work.open() as archive:
            results["stats_after_1b"] = archive.stats()
        assert work.crawl("recheck", all="1") == 0, work.logs[-1][-3000:]
        replica.set_epoch(2)
        assert work.crawl("news") == 0, work.logs[-1][-3000:]
        results["manifest2"] = replica.manifest(2)
        with work.open() as archive:
            results["runs"] = archive.runs(limit=10)
            results["changes"] = archive.changes()
            results["known"] = {a.article_id: a for a in archive.known_articles()}
    return results


def _changes_in_run(results, run_index: int):
    runs = sorted(results["runs"], key=lambda r: r.id)
    run_id = runs[run_index].id
    return [c for c in results["changes"] if c.run_id == run_id]


def _compare(changes, manifest):
    expected = expected_by_article(manifest)
    found: dict[int, dict[str, set]] = {}
    for change in changes:
        entry = found.setdefault(change.article_id, {"kinds": set(), "figures": set()})
        entry["kinds"].update(change.kinds)
        for item in change.report.changes:
            if item.kind == "figure_changed":
                entry["figures"].add((item.before, item.after))
    problems = []
    for article_id, want in expected.items():
        got = found.get(article_id, {"kinds": set(), "figures": set()})
        if want["ops"] & {"remove_article"}:
            continue  # reported as a gone capture, not a change
        if got["kinds"] != want["kinds"]:
            problems.append(
                f"{article_id}: expected {sorted(want['kinds'])}, got {sorted(got['kinds'])}"
            )
        if got["figures"] != want["figures"]:
            problems.append(
                f"{article_id}: figures {sorted(want['figures'])} != {sorted(got['figures'])}"
            )
    for article_id in set(found) - set(expected):
        problems.append(f"{article_id}: unexpected change {sorted(found[article_id]['kinds'])}")
    return problems


def test_epoch1_changes_match_the_manifest_kind_by_kind(epochs):
    changes = _changes_in_run(epochs, 1)
    assert changes, "the second crawl recorded no changes"
    assert _compare(changes, epochs["manifest1"]) == []


def test_every_change_kind_of_the_vocabulary_was_found(epochs):
    from dodnews.diffing.model import KINDS

    seen = {kind for change in epochs["changes"] for kind in change.kinds}
    # Every replica edit is one a typed change explains: the safety net must add nothing.
    assert seen == set(KINDS) - {"other_text_changed"}
    assert all(
        item.kind != "other_text_changed"
        for change in epochs["changes"]
        for item in change.report.changes
    )


def test_unchanged_crawl_adds_no_versions_and_no_changes(epochs):
    before, after = epochs["stats_after_1"], epochs["stats_after_1b"]
    assert after["versions"] == before["versions"]
    assert after["changes"] == before["changes"]
    assert after["captures"] > before["captures"]
    assert _changes_in_run(epochs, 2) == []


def test_recheck_uses_304_and_reports_the_removed_article(epochs):
    log = epochs["work"].logs[3]
    assert "'downloader/response_status_count/304'" in log
    removed = [e["id"] for e in epochs["manifest1"]["edits"] if e["op"] == "remove_article"]
    assert removed and all(epochs["known"][i].gone for i in removed)
    assert _changes_in_run(epochs, 3) == []


def test_epoch2_changes_match_and_the_flip_back_is_a_revert(epochs):
    changes = _changes_in_run(epochs, 4)
    assert _compare(changes, epochs["manifest2"]) == []
    reverts = [c for c in changes if c.revert]
    assert reverts, "the reverted figure was not marked as a revert"


def test_reports_were_written_with_a_grouped_rollout(epochs):
    diffs = epochs["work"].diffs
    index = (diffs / "index.html").read_text()
    assert "Historical-collection banner added to" in index
    atom = (diffs / "atom.xml").read_text()
    assert atom.count("<entry>") >= 10
    one = json.loads(next(diffs.glob("[0-9]*-*-*.json")).read_text())
    assert one["provenance"]["article_id"] == one["article_id"]
