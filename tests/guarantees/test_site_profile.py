"""A site profile is a value handed to the code that needs it, never state a run rewrites.

Reading, diffing and serving af.mil's pages leaves every module-level name of `dodnews.site` (and
its profiles module) as it was, and no function anywhere in the pure stages gets new defaults: so
a crawl of one site can never leave another site's rules behind for the next reader (the bug of
an af crawl that archived war.gov URLs), and no test has anything to restore.
"""

from __future__ import annotations
import __future__

import copy
import importlib
import pkgutil
import types
from typing import Any

import dodnews.diffing
import dodnews.extract
import dodnews.replica
import dodnews.site
import dodnews.site.profiles
from dodnews.crawl.spiders.options import CrawlOptions
from dodnews.diffing.detect import detect_changes
from dodnews.diffing.normalize import content_hash
from dodnews.extract import extract_article, extract_getlist, extract_listing, extract_rss
from dodnews.replica.content import build_timeline
from dodnews.replica.server import Replica
from dodnews.site.profiles import load_profile
from tests.paths import FIXTURES

PAGES = FIXTURES / "pages"
RELEASE_URL = "https://www.war.gov/News/Releases/Release/Article/4300455/x/"


def _modules(*packages: types.ModuleType) -> list[types.ModuleType]:
    found = []
    for package in packages:
        found.append(package)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            found.append(importlib.import_module(info.name))
    return found


# Imported before the first snapshot: importing a submodule adds a name to its package.
PURE = _modules(dodnews.site, dodnews.extract, dodnews.diffing, dodnews.replica)


def site_state() -> dict[tuple[str, str], Any]:
    """Every module-level name of dodnews.site and dodnews.site.profiles (identity and value),
    and the defaults of every function of the site, extract, diffing and replica packages."""
    state: dict[tuple[str, str], Any] = {}
    for module in PURE:
        whole = module in (dodnews.site, dodnews.site.profiles)
        for name, value in vars(module).items():
            if name.startswith("__"):
                continue
            key = (module.__name__, name)
            if isinstance(value, types.FunctionType):
                state[key] = (id(value), value.__defaults__, value.__kwdefaults__)
            elif isinstance(value, type):
                for attr, member in vars(value).items():
                    if isinstance(member, types.FunctionType):
                        state[(*key, attr)] = (member.__defaults__, member.__kwdefaults__)
                if whole:
                    state[key] = id(value)
            elif whole and not isinstance(value, (types.ModuleType, __future__._Feature)):
                state[key] = (id(value), copy.deepcopy(value))
    return state


def test_reading_another_sites_pages_changes_no_module_state() -> None:
    af = load_profile("af")
    before = site_state()
    article = extract_article((PAGES / "release.html").read_bytes(), RELEASE_URL, af)
    assert article.url.startswith("https://www.af.mil/News/Press-Releases/")
    entries = extract_listing((PAGES / "listing-preview.html").read_bytes(), af.origin + "/", af)
    assert entries and all(e.url.startswith(("https://www.af.mil/", "http")) for e in entries)
    extract_rss((PAGES / "rss.xml").read_bytes(), af.origin + "/RSS.ashx?ContentType=1", af)
    extract_getlist((PAGES / "getlist.json").read_bytes(), af.origin + "/", af)
    edited = article.__class__.from_dict({**article.to_dict(), "title": article.title + " (2)"})
    report = detect_changes(article, edited, site=af)
    assert [c.kind for c in report.changes] == ["title_changed"]
    assert content_hash(article, site=af) == report.provenance.old_hash
    replica = Replica(build_timeline(articles=5, seed=1, site=af))
    assert replica.route("/robots.txt", {}, {}).status == 200
    assert b"www.af.mil" in replica.route("/News/", {}, {}).body
    assert CrawlOptions.parse({"site": "af"}).site == af
    assert site_state() == before
    # and the default reader is still war.gov's, with nothing restored
    again = extract_article((PAGES / "release.html").read_bytes(), RELEASE_URL)
    assert again.url.startswith("https://www.war.gov/News/Releases/Release/Article/4300455/")


def test_the_snapshot_sees_a_rewritten_global_or_default() -> None:
    """The check above can fail: the snapshot notices what `activate()` used to do."""
    before = site_state()
    original = dodnews.site.canonical_url.__defaults__
    dodnews.site.canonical_url.__defaults__ = ("https://www.af.mil",)
    try:
        assert site_state() != before
    finally:
        dodnews.site.canonical_url.__defaults__ = original
    dodnews.site.SLUG_MAX = 81  # type: ignore[misc]
    try:
        assert site_state() != before
    finally:
        dodnews.site.SLUG_MAX = 80  # type: ignore[misc]
    assert site_state() == before
