"""An extractor upgrade is never reported as an edit; a real edit made meanwhile still is.

One news crawl of the replica fills an archive; then every stored version is made to look as if an
older extractor (version OLD) had read it, a few of them reading a field differently (a byline it
missed, a caption that swallowed the download line). Crawls with the running extractor must then
compare like with like: the archived page is read again from its WARC record.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from dodnews.archive import Archive
from dodnews.archive.schema import captures, versions
from dodnews.cli.main import main
from dodnews.diffing.normalize import content_hash
from dodnews.extract import EXTRACTOR_VERSION
from dodnews.model import Article
from dodnews.replica.testing import ReplicaProcess
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

OLD = "0"  # an extractor older than the running one
assert OLD != EXTRACTOR_VERSION
MISSING_RECORD = "<urn:uuid:00000000-0000-0000-0000-000000000000>"
Tweak = Callable[[dict[str, Any]], None]


def drop_byline(data: dict[str, Any]) -> None:
    """The old extractor missed the byline."""
    data["byline"] = None


def swallow_download(data: dict[str, Any]) -> None:
    """The old extractor let the first caption swallow the download line under the photo."""
    data["images"][0]["caption"] = (data["images"][0]["caption"] or "") + " Download: Full Size"


def pretend_old_extractor(archive_url: str, tweaks: dict[int, list[Tweak]]) -> None:
    """Every stored version marked as read by extractor OLD; the tweaked ones read differently."""
    with Archive.open(archive_url) as archive, archive.engine.begin() as conn:
        for row in conn.execute(select(versions)).all():
            data = json.loads(json.dumps(row.article))
            data["extractor_version"] = OLD
            for tweak in tweaks.get(row.article_id, []):
                tweak(data)
            conn.execute(
                update(versions)
                .where(versions.c.id == row.id)
                .values(
                    article=data,
                    extractor_version=OLD,
                    content_hash=content_hash(Article.from_dict(data)),
                )
            )


def lose_evidence(archive_url: str, article_id: int) -> None:
    """The WARC records of an article's captures are gone (a WARC folder pruned by hand)."""
    with Archive.open(archive_url) as archive, archive.engine.begin() as conn:
        conn.execute(
            update(captures)
            .where(captures.c.article_id == article_id)
            .values(warc_record_id=MISSING_RECORD)
        )


def copy_workspace(work: CrawlWorkspace, root: Path) -> CrawlWorkspace:
    """A second archive and WARC folder with the same content (SQLite backup API)."""
    root.mkdir()
    copy = CrawlWorkspace(root, work.url)
    source = sqlite3.connect(work.archive.removeprefix("sqlite:///"))
    target = sqlite3.connect(copy.archive.removeprefix("sqlite:///"))
    with target:
        source.backup(target)
    source.close()
    target.close()
    shutil.copytree(work.warc, copy.warc)
    return copy


def chosen_articles(manifest: dict[str, Any], stored: dict[int, Article]) -> dict[str, int]:
    """Articles of the replica picked by what epoch 1 does to them and what they hold."""
    edits = {e["id"]: e for e in manifest["edits"]}

    def pick(test: Callable[[int, Article], bool], taken: set[int]) -> int:
        return next(i for i, a in sorted(stored.items()) if i not in taken and test(i, a))

    def noise(i: int, a: Article) -> bool:
        edit = edits.get(i)
        return bool(edit and edit["op"] == "noise" and edit.get("what") != "viewstate")

    taken: set[int] = set()
    names = {}
    # an unchanged page (only noise in its bytes) with a byline and a photo: parsed again
    names["same"] = pick(lambda i, a: noise(i, a) and a.byline and a.images, taken)
    taken.add(names["same"])
    # a paragraph really rewritten in epoch 1, byline untouched
    names["edited"] = pick(
        lambda i, a: (
            a.byline is not None
            and i in edits
            and {x["kind"] for x in edits[i]["expect"]} == {"paragraph_edited"}
        ),
        taken,
    )
    taken.add(names["edited"])
    # unchanged, not even noise: only a refetch parses it again
    names["quiet"] = pick(lambda i, a: i not in edits and bool(a.images), taken)
    taken.add(names["quiet"])
    # unchanged page, with a byline, whose WARC evidence is lost
    names["lost"] = pick(lambda i, a: noise(i, a) and a.byline is not None, taken)
    return names


@pytest.fixture(scope="module")
def upgrade(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("upgrade")
    out: dict[str, Any] = {}
    with ReplicaProcess(epoch=0) as replica:
        work = CrawlWorkspace(root / "crawl", replica.url)
        work.root.mkdir()
        assert work.crawl("news", max_pages="1") == 0, work.logs[-1][-3000:]
        with work.open() as archive:
            stored = {
                a.article_id: archive.latest_version(a.article_id).article  # type: ignore[union-attr]
                for a in archive.known_articles()
            }
            out["before"] = archive.stats()
        ids = chosen_articles(replica.manifest(1), stored)
        out["ids"] = ids
        out["stored"] = stored
        out["cli"] = copy_workspace(work, root / "cli")  # for the reextract command's tests

        pretend_old_extractor(
            work.archive,
            {
                ids["same"]: [drop_byline, swallow_download],
                ids["edited"]: [drop_byline],
                ids["quiet"]: [swallow_download],
                ids["lost"]: [drop_byline],
            },
        )
        lose_evidence(work.archive, ids["lost"])
        replica.set_epoch(1)
        out["news"] = work.crawl("news", max_pages="1")
        with work.open() as archive:
            out["after_news"] = {
                i: (archive.changes(article_id=i), archive.versions(i)) for i in ids.values()
            }
        out["recheck"] = work.crawl("recheck", all="1", refetch="1", listings="0")
        with work.open() as archive:
            out["changes"] = archive.changes()
            out["versions"] = {i: archive.versions(i) for i in stored}
            out["current"] = {i: archive.latest_version(i) for i in stored}
            out["gone"] = {i for i in stored if archive.article(i).gone}  # type: ignore[union-attr]
            out["after"] = archive.stats()
    out["work"] = work
    return out


def changes_of(upgrade: dict[str, Any], name: str) -> list[Any]:
    article_id = upgrade["ids"][name]
    return [c for c in upgrade["changes"] if c.article_id == article_id]


def test_crawls_after_the_upgrade_succeed(upgrade: dict[str, Any]) -> None:
    work = upgrade["work"]
    assert upgrade["news"] == 0, work.logs[1][-3000:]
    assert upgrade["recheck"] == 0, work.logs[2][-3000:]


def test_unchanged_page_read_differently_records_no_change(upgrade: dict[str, Any]) -> None:
    assert changes_of(upgrade, "same") == []
    assert changes_of(upgrade, "quiet") == []


def test_real_edit_at_the_upgrade_is_reported_alone(upgrade: dict[str, Any]) -> None:
    (change,) = changes_of(upgrade, "edited")
    assert change.kinds == ["paragraph_edited"]
    assert not change.report.extractor_changed
    # both sides read by the running extractor: the report does not say "OLD -> new"
    assert change.report.provenance.extractor_version == EXTRACTOR_VERSION
    # the news crawl already found it (the page changed, so it was parsed)
    news_changes, _ = upgrade["after_news"][upgrade["ids"]["edited"]]
    assert [c.kinds for c in news_changes] == [["paragraph_edited"]]


def test_reextraction_is_a_marked_version_without_a_change(upgrade: dict[str, Any]) -> None:
    for name in ("same", "edited", "quiet"):
        article_id = upgrade["ids"][name]
        history = upgrade["versions"][article_id]
        assert history[0].extractor_version == OLD
        second = history[1]
        assert second.reextraction is not None, name
        assert second.reextraction["extractor_version"] == EXTRACTOR_VERSION
        assert second.reextraction["from_extractor_version"] == OLD
        assert second.reextraction["from_seq"] == 1
        assert second.extractor_version == EXTRACTOR_VERSION
        # the re-extraction is what the running extractor reads in the archived page
        original = upgrade["stored"][article_id]
        assert second.article.byline == original.byline
        assert [i.caption for i in second.article.images] == [i.caption for i in original.images]
    edited = upgrade["versions"][upgrade["ids"]["edited"]]
    (change,) = changes_of(upgrade, "edited")
    assert (change.from_version, change.to_version) == (2, 3) and len(edited) == 3
    assert edited[2].reextraction is None


def test_unaffected_articles_are_confirmed_without_new_versions(upgrade: dict[str, Any]) -> None:
    ids = set(upgrade["ids"].values())
    for article_id, history in upgrade["versions"].items():
        if article_id in ids:
            continue
        if article_id in upgrade["gone"]:  # removed from the site in epoch 1: never parsed
            continue
        current = upgrade["current"][article_id]
        assert current.extractor_version == EXTRACTOR_VERSION, article_id
        assert all(v.reextraction is None for v in history)
    tweaked = {upgrade["ids"][n] for n in ("same", "edited", "quiet")}
    assert all(upgrade["current"][i].extractor_version == EXTRACTOR_VERSION for i in tweaked)


def test_lost_evidence_change_is_flagged_as_extractor_changed(upgrade: dict[str, Any]) -> None:
    (change,) = changes_of(upgrade, "lost")
    assert change.kinds == ["byline_changed"]
    assert change.report.extractor_changed
    assert change.report.provenance.extractor_version == f"{OLD} -> {EXTRACTOR_VERSION}"
    work = upgrade["work"]
    assert "could not be re-extracted" in work.logs[1]


def test_reports_and_feed_show_no_invented_edit(upgrade: dict[str, Any]) -> None:
    diffs = upgrade["work"].diffs
    ids = upgrade["ids"]
    atom = (diffs / "atom.xml").read_text()
    assert f"article/{ids['edited']}/" in atom
    assert f"article/{ids['same']}/" not in atom and f"article/{ids['quiet']}/" not in atom
    # a difference across an extractor change is not an edit in the feed
    assert f"article/{ids['lost']}/" not in atom
    (lost,) = changes_of(upgrade, "lost")
    stem = f"{ids['lost']}-{lost.from_version}-{lost.to_version}"
    data = json.loads((diffs / f"{stem}.json").read_text())
    assert data["extractor_changed"] is True
    assert "different extractor versions" in (diffs / f"{stem}.md").read_text()
    assert "different extractor versions" in (diffs / f"{stem}.html").read_text()
    index = (diffs / "index.html").read_text()
    assert "Extractor changed" in index


# -- dodnews archive reextract -------------------------------------------------------------------


def cli(*argv: str) -> tuple[int, str, str]:
    """Run the dodnews command in this process: exit status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(argv))
    return status, out.getvalue(), err.getvalue()


def extractor_versions(archive_url: str) -> dict[int, str | None]:
    """The extractor version of every article's current version."""
    with Archive.open(archive_url) as archive:
        return {
            a.article_id: archive.latest_version(a.article_id).extractor_version  # type: ignore[union-attr]
            for a in archive.known_articles()
        }


@pytest.fixture(scope="module")
def reextract(upgrade: dict[str, Any]) -> dict[str, Any]:
    import dodnews.cli.run.archive as archive_command

    work: CrawlWorkspace = upgrade["cli"]
    ids = upgrade["ids"]
    url, warc = work.archive, str(work.warc)
    out: dict[str, Any] = {"ids": ids, "url": url}
    pretend_old_extractor(
        url, {ids["same"]: [drop_byline, swallow_download], ids["edited"]: [drop_byline]}
    )
    with Archive.open(url) as archive:
        out["before"] = archive.stats()
    out["dry"] = cli("archive", "reextract", "--archive", url, "--warc-dir", warc, "--dry-run")
    out["after_dry"] = extractor_versions(url)
    with Archive.open(url) as archive:
        out["stats_dry"] = archive.stats()

    lose_evidence(url, ids["lost"])
    with Archive.open(url) as archive, archive.engine.begin() as conn:
        # a record that no longer matches what its capture received
        conn.execute(
            update(captures)
            .where(captures.c.article_id == ids["quiet"])
            .values(body_digest="sha256:" + "0" * 64)
        )
    seconds = archive_command.PROGRESS_SECONDS
    archive_command.PROGRESS_SECONDS = 0.0  # a progress line after every chunk
    try:
        out["apply"] = cli("archive", "reextract", "--archive", url, "--warc-dir", warc)
    finally:
        archive_command.PROGRESS_SECONDS = seconds
    with Archive.open(url) as archive:
        out["stats"] = archive.stats()
        out["versions"] = {i: archive.versions(i) for i in ids.values()}
    out["current"] = extractor_versions(url)
    out["again"] = cli("archive", "reextract", "--archive", url, "--warc-dir", warc)
    out["history"] = cli("history", str(ids["same"]), "--archive", url)
    return out


def test_reextract_dry_run_counts_and_changes_nothing(reextract: dict[str, Any]) -> None:
    status, out, _ = reextract["dry"]
    total = reextract["before"]["articles"]
    assert status == 0, out
    assert out.splitlines()[-1] == (
        f"{total} current versions read by an older extractor: 2 would get a re-extracted "
        f"version (extractor {EXTRACTOR_VERSION}), {total - 2} read the same, 0 could not be "
        "read (dry run: nothing written)"
    )
    assert reextract["stats_dry"] == reextract["before"]
    assert set(reextract["after_dry"].values()) == {OLD}


def test_reextract_stores_marked_versions_and_no_changes(reextract: dict[str, Any]) -> None:
    status, out, err = reextract["apply"]
    ids = reextract["ids"]
    total = reextract["before"]["articles"]
    assert status == 1  # two articles could not be read
    assert out.splitlines()[-1] == (
        f"{total} current versions read by an older extractor: 2 got a re-extracted version "
        f"(extractor {EXTRACTOR_VERSION}), {total - 4} read the same, 2 could not be read"
    )
    assert reextract["stats"]["versions"] == reextract["before"]["versions"] + 2
    assert reextract["stats"]["changes"] == 0
    for name in ("same", "edited"):
        history = reextract["versions"][ids[name]]
        assert len(history) == 2 and history[1].reextraction["from_seq"] == 1  # type: ignore[index]
        assert history[1].article.byline is not None and history[0].article.byline is None
    unread = {ids["lost"], ids["quiet"]}
    assert {i for i, v in reextract["current"].items() if v != EXTRACTOR_VERSION} == unread
    assert "articles read" in err  # progress on stderr


def test_reextract_reports_each_unreadable_article_on_one_line(reextract: dict[str, Any]) -> None:
    _, out, _ = reextract["apply"]
    ids = reextract["ids"]
    problems = [line for line in out.splitlines() if "cannot be re-extracted" in line]
    assert len(problems) == 2
    (lost,) = [p for p in problems if p.startswith(f"article {ids['lost']}: ")]
    assert f"WARC record {MISSING_RECORD} not in " in lost
    (quiet,) = [p for p in problems if p.startswith(f"article {ids['quiet']}: ")]
    assert "the capture recorded sha256:0000" in quiet
    # what could not be read stays outdated: the next run tries it again
    status, again, _ = reextract["again"]
    assert status == 1
    assert again.splitlines()[-1].startswith("2 current versions read by an older extractor: 0 got")


def test_history_shows_the_reextraction(reextract: dict[str, Any]) -> None:
    status, out, _ = reextract["history"]
    assert status == 0
    assert f"[re-extracted with extractor {EXTRACTOR_VERSION} from v1]" in out
    assert "0 changes" in out


def test_reextract_bad_input_is_one_line_and_status_2(
    tmp_path: Path, reextract: dict[str, Any]
) -> None:
    status, out, err = cli(
        "archive", "reextract", "--archive", reextract["url"], "--warc-dir", str(tmp_path / "none")
    )
    assert status == 2 and out == ""
    assert err.strip().count("\n") == 0 and "WARC folder" in err and "does not exist" in err
    status, _, err = cli(
        "archive",
        "reextract",
        "--archive",
        str(tmp_path / "none.sqlite"),
        "--warc-dir",
        str(tmp_path),
    )
    assert status == 2 and err.strip().count("\n") == 0 and err.startswith("dodnews: error:")
