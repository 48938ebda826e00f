"""Sibling sites of the platform (af.mil, navy.mil): the replica serves the same content under a
site profile, `-a site=` (or DODNEWS_SITE) crawls it, and bad site input is one line.

The crawls are real `scrapy crawl` processes against the replica on 127.0.0.1. What the replica
serves is known from the same data and seed; URLs are expected from the profile JSON itself.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from dodnews.archive import Archive
from dodnews.archive.schema import articles, captures, changes, runs
from dodnews.cli.main import main
from dodnews.monitor.crawling import crawl_command, crawl_env, run_crawl
from dodnews.replica.content import EpochState, build_timeline, slug_of
from dodnews.replica.testing import ReplicaProcess
from dodnews.site import Site, profiles
from tests.crawl_support import CrawlWorkspace, expected_by_article
from tests.guarantees.test_bad_input import files_of, sql
from tests.guarantees.test_site_profile import site_state

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

GENERATED = 40
SEED = 1
AF = profiles.load_profile("af")
NAVY = profiles.load_profile("navy")
# news-stories is /News/ on af.mil, a prefix of the other two listing paths.
AF_SECTIONS = ("news-stories", "releases", "feature-stories")
PLAIN = {"render": "never", "related_depth": "0"}


@pytest.fixture(scope="module")
def timeline() -> Any:
    return build_timeline(articles=GENERATED, seed=SEED)


def listed(state: EpochState, sections: tuple[str, ...]) -> set[int]:
    return {i for s in sections for i in state.by_section[s]}


def prefix(profile: Site, section: str) -> str:
    return next(s.article_prefix for s in profile.sections if s.key == section)


def canonical(profile: Site, article: dict[str, Any]) -> str:
    """The canonical URL the profile's JSON implies (independent of dodnews.site)."""
    return f"{article_base(profile, article)}{slug_of(article)}/"


def article_base(profile: Site, article: dict[str, Any]) -> str:
    """The canonical URL up to the id (the slug a crawl stores can be a stale link's)."""
    return f"{profile.origin}{prefix(profile, article['section'])}{article['id']}/"


def run_rows(archive_url: str, run_id: int) -> list[Any]:
    with Archive.open(archive_url) as archive, archive.engine.connect() as conn:
        return conn.execute(
            select(captures).where(captures.c.run_id == run_id).order_by(captures.c.id)
        ).all()


def last_run(archive_url: str) -> int:
    with Archive.open(archive_url) as archive, archive.engine.connect() as conn:
        return conn.execute(select(runs.c.id).order_by(runs.c.id.desc()).limit(1)).scalar_one()


def stat(log: str, key: str) -> int:
    match = re.search(rf"'{re.escape(key)}': (\d+)", log)
    return int(match.group(1)) if match else 0


# -- the replica in-process: route tables from the profile ------------------------------------


@pytest.fixture
def af_site() -> Any:
    """A Replica object serving af (its timeline is af's)."""
    from dodnews.replica.server import Replica

    return Replica(build_timeline(articles=GENERATED, seed=SEED, site=AF), 0)


def _get(replica: Any, url: str) -> tuple[int, str, dict[str, str]]:
    path, _, query = url.partition("?")
    args = dict(kv.lower().split("=", 1) for kv in query.split("&") if kv)
    response = replica.route(path, args, {"host": "127.0.0.1:8800"})
    return response.status, response.body.decode("utf-8"), response.headers


def test_the_replica_serves_af_paths_ids_and_hosts(af_site: Any) -> None:
    state = af_site.state
    assert af_site.state_json()["site"] == "af"
    for section in AF.sections:
        status, html, _ = _get(af_site, section.listing_path)
        assert status == 200, section.listing_path
        urls = re.findall(r'article-url="([^"]+)"', html)
        ids = [int(i) for i in re.findall(r'article-id="(\d+)"', html)]
        assert ids == state.by_section[section.key][:10]
        for url in urls:
            parts = urlsplit(url)
            assert parts.hostname in AF.hosts
            assert parts.path.lower().startswith(section.article_prefix.lower()), url
        assert f'content-type-val="{section.content_type_val}"' in html
        # GetList answers the section under its content-type id
        status, body, _ = _get(
            af_site, f"/API/ArticleCS/Public/GetList?moduleID={section.content_type_val}&dpage=1"
        )
        assert status == 200 and f"article-id=&quot;{ids[0]}&quot;" in body
    hosts = set(re.findall(r'https?://([^/"]+)/', _get(af_site, "/News/?Page=1")[1]))
    assert hosts == {"www.af.mil", "af.mil", "media.defense.gov"}  # old links use the bare host
    assert _get(af_site, "/News/Releases/")[0] == 404  # war.gov's listing path is not af's
    # RSS: af's site id only
    rss = "/DesktopModules/ArticleCS/RSS.ashx?ContentType=9&max=3&Site="
    status, body, _ = _get(af_site, rss + str(AF.rss_site_id))
    assert status == 200 and body.count("<item>") == 3
    assert "<link>https://www.af.mil/News/Press-Releases/</link>" in body
    assert _get(af_site, rss + "945")[0] == 404
    # An article: canonical and og:url on www.af.mil, af's content-type id, no war.gov anywhere
    features = [state.articles[i] for i in state.by_section["feature-stories"]]
    article = next(a for a in features if a.get("og", True))
    status, html, _ = _get(af_site, prefix(AF, "feature-stories") + f"{article['id']}/x/")
    assert status == 200
    assert f'<meta property="og:url" content="{canonical(AF, article)}">' in html
    assert "content-type-800" in html and "war.gov" not in html.lower()
    # The same id under another section's prefix is redirected to its af path
    status, _, headers = _get(af_site, prefix(AF, "releases") + f"{article['id']}/x/")
    assert status == 301
    assert headers["Location"] == (
        f"http://127.0.0.1:8800{prefix(AF, 'feature-stories')}{article['id']}/{slug_of(article)}/"
    )


# -- crawling a sibling site --------------------------------------------------------------------


def test_af_crawl_finds_every_article_once_and_recheck_follows_the_edits(
    tmp_path: Path, timeline: Any
) -> None:
    state0, state1 = timeline.state(0), timeline.state(1)
    want = listed(state0, AF_SECTIONS)
    with ReplicaProcess(site="af", articles=GENERATED, seed=SEED) as replica:
        work = CrawlWorkspace(tmp_path, replica.url)
        code = work.crawl("news", site="af", sections=",".join(AF_SECTIONS), **PLAIN)
        assert code == 0, work.logs[-1][-3000:]
        first = run_rows(work.archive, last_run(work.archive))
        replica.set_epoch(1)
        code = work.crawl("recheck", site="af", all="1", listings="0")
        assert code == 0, work.logs[-1][-3000:]
        second = run_rows(work.archive, last_run(work.archive))

    per_id = Counter(r.article_id for r in first)
    assert set(per_id) == want and set(per_id.values()) == {1}
    assert {r.outcome for r in first} == {"ok"}
    # Listings link on both af hosts; every fetch went to the replica, mapped back to af.mil
    assert {urlsplit(r.requested_url).hostname for r in first} == {"www.af.mil", "af.mil"}
    with work.open() as archive, archive.engine.connect() as conn:
        stored = {row.article_id: row for row in conn.execute(select(articles))}
        found = conn.execute(select(changes.c.article_id, changes.c.kinds)).all()
    for article_id in want:
        article = state1.known[article_id]
        assert stored[article_id].url.startswith(article_base(AF, article)), article_id
        assert stored[article_id].section == article["section"]

    # The recheck at epoch 1: each archived article once, with conditional requests on af paths
    outcomes = {r.article_id: r.outcome for r in second}
    assert sorted(outcomes) == sorted(want) and len(second) == len(want)
    assert {i for i, o in outcomes.items() if o == "gone"} == state1.removed & want
    assert "not-modified" in outcomes.values()
    assert set(outcomes.values()) <= {"ok", "not-modified", "gone"}
    moved = set(state1.moved) & want
    assert moved  # one article moves from /News/ to /News/Features/: followed through its 301
    for article_id in moved:
        row = next(r for r in second if r.article_id == article_id)
        assert row.outcome == "ok" and len(row.redirects or []) == 1, row
        assert stored[article_id].section == "feature-stories"
    kinds: dict[int, set[str]] = {}
    for article_id, found_kinds in found:
        kinds.setdefault(article_id, set()).update(found_kinds)
    expected = {
        article_id: entry["kinds"]
        for article_id, entry in expected_by_article(timeline.manifest(1)).items()
        if article_id in want and entry["kinds"]
    }
    assert expected, "epoch 1 edits none of the crawled sections"
    assert {i: kinds.get(i, set()) for i in expected} == expected


def test_navy_smoke_with_dodnews_site_and_rss(tmp_path: Path, timeline: Any) -> None:
    state = timeline.state(0)
    sections = ("contracts", "speeches")  # titles-only and story-card listing pages
    with ReplicaProcess(site="navy", articles=GENERATED, seed=SEED) as replica:
        done = run_crawl(
            "news",
            {"base_url": replica.url, "sections": ",".join(sections), "rss": "1", "rss_max": "5"}
            | PLAIN,
            settings={
                "DODNEWS_SITE": "navy",
                "DODNEWS_WARC_DIR": str(tmp_path / "warc"),
                "DODNEWS_PROGRESS_INTERVAL": 0,
            },
            archive=f"sqlite:///{tmp_path / 'archive.sqlite'}",
            diffs_dir=str(tmp_path / "diffs"),
            timeout=120,
        )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-3000:]
    assert stat(log, "dodnews/rss/ok") == len(NAVY.rss_content_types)  # Site=2 feeds exist
    by_type = {s.content_type_val: s.key for s in NAVY.sections}
    from_rss = {i for t in NAVY.rss_content_types for i in state.by_section[by_type[t]][:5]}
    rows = run_rows(f"sqlite:///{tmp_path / 'archive.sqlite'}", 1)
    per_id = Counter(r.article_id for r in rows)
    assert set(per_id) == listed(state, sections) | from_rss
    assert set(per_id.values()) == {1} and {r.outcome for r in rows} == {"ok"}
    with Archive.open(f"sqlite:///{tmp_path / 'archive.sqlite'}") as archive:
        for record in archive.known_articles():
            assert record.url.startswith(article_base(NAVY, state.articles[record.article_id]))
            assert record.url.startswith("https://www.navy.mil/Press-Office/")


# -- bad site input: one line, exit 2, nothing written ----------------------------------------


CRAWL_ERRORS = [
    ("news", {"site": "xx"}, {}, {}, "unknown site 'xx'; known sites: af, navy, war"),
    ("news", {}, {"DODNEWS_SITE": "xx"}, {}, "DODNEWS_SITE: unknown site 'xx'"),
    ("recheck", {}, {}, {"DODNEWS_SITE": "../war"}, "DODNEWS_SITE: unknown site '../war'"),
    (
        "recheck",
        {"site": "navy"},
        {},
        {"DODNEWS_SITE": "war"},
        "-a site=navy and DODNEWS_SITE=war name different sites",
    ),
    (
        "news",
        {},
        {"DODNEWS_REDIS_URL": "redis://127.0.0.1:1/0"},
        {},
        "cannot reach Redis at redis://127.0.0.1:1/0: ",
    ),
]


def test_bad_site_or_redis_is_one_line_exit_2_and_the_archive_is_untouched(
    tmp_path: Path,
) -> None:
    path = tmp_path / "archive.sqlite"
    with Archive.open(str(path)):
        pass
    sql(path)
    before = files_of(path)
    procs = []
    for spider, args, settings, env, _ in CRAWL_ERRORS:
        procs.append(
            subprocess.Popen(
                crawl_command(spider, {"base_url": "http://127.0.0.1:9", **args}, settings),
                env=crawl_env(f"sqlite:///{path}", str(tmp_path / "diffs"), env),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            )
        )
    for proc, (spider, args, settings, env, message) in zip(procs, CRAWL_ERRORS, strict=True):
        out, err = proc.communicate(timeout=120)
        case = (spider, args, settings, env, err[-2000:])
        assert proc.returncode == 2, case
        assert err.count("\n") == 1 and err.startswith("scrapy crawl: error: "), case
        assert message in err and out == "", case
    assert files_of(path) == before
    assert not (tmp_path / "diffs").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["replica", "serve", "--port", "0", "--site", "marines"],
        ["replica", "manifest", "--epoch", "1", "--site", "x/y"],
        ["replica", "epochs", "ENV"],
        ["monitor", "--once", "ENV"],
        ["monitor", "--once", "--site", "marines"],
        ["demo", "--workdir", "DEMO", "ENV"],
        ["extract", "PAGE", "ENV"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_dodnews_commands_refuse_an_unknown_site(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    if "ENV" in argv:
        monkeypatch.setenv("DODNEWS_SITE", "marines")
    monkeypatch.setenv("DODNEWS_ARCHIVE", str(tmp_path / "never.sqlite"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "page.html").write_text("<html><body><h1>x</h1></body></html>")
    names = {"DEMO": str(tmp_path / "demo"), "PAGE": str(tmp_path / "page.html")}
    argv = [names.get(a, a) for a in argv if a != "ENV"]
    before = site_state()
    try:
        status = main(argv)
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert status == 2 and out == "", err
    assert err.count("\n") == 1 and err.startswith("dodnews: error: ") and "Traceback" not in err
    assert "unknown site" in err and "known sites: af, navy, war" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]  # nothing made
    assert site_state() == before  # no site rule was switched


def test_monitor_site_contradicting_dodnews_site_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DODNEWS_SITE", "navy")
    monkeypatch.chdir(tmp_path)
    try:
        status = main(
            ["monitor", "--once", "--site", "af", "--archive", str(tmp_path / "a.sqlite")]
        )
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert status == 2 and out == "" and err.count("\n") == 1
    assert "--site af and DODNEWS_SITE=navy name different sites" in err
    assert list(tmp_path.iterdir()) == []


def test_monitor_watches_a_sibling_site(tmp_path: Path, timeline: Any) -> None:
    state = timeline.state(0)
    archive_url = f"sqlite:///{tmp_path / 'archive.sqlite'}"
    with ReplicaProcess(site="af", articles=GENERATED, seed=SEED) as replica:
        done = subprocess.run(
            [
                *(sys.executable, "-m", "dodnews", "monitor", "--once", "--spiders", "news"),
                *("--site", "af", "--base-url", replica.url, "--max-pages", "1"),
                *("--archive", archive_url, "--data-dir", str(tmp_path / "data")),
                *("--diffs-dir", str(tmp_path / "diffs")),
            ],
            env={k: v for k, v in os.environ.items() if k != "DODNEWS_SITE"},
            capture_output=True,
            text=True,
            timeout=180,
            cwd=tmp_path,
        )
    assert done.returncode == 0, (done.stderr + (tmp_path / "data/logs/news.log").read_text())[
        -3000:
    ]
    with Archive.open(archive_url) as archive:
        records = archive.known_articles()
    assert len(records) >= 10
    for record in records:
        assert record.url.startswith(article_base(AF, state.articles[record.article_id]))
