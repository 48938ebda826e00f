"""Site profiles: war.gov is `dodnews.site.WAR`, siblings load as values, and every URL rule reads
the profile it is given (nothing is activated, nothing needs restoring)."""

from __future__ import annotations

import json

import pytest

from dodnews import site
from dodnews.errors import UserError
from dodnews.extract import extract_article
from dodnews.site import profiles
from dodnews.site.profiles import (
    available_profiles,
    load_profile,
    profile_from_dict,
    profile_to_dict,
)
from tests.paths import FIXTURES

AF = profiles.load_profile("af")
NAVY = profiles.load_profile("navy")
RELEASE = FIXTURES / "pages" / "release.html"
RELEASE_URL = (
    "https://www.war.gov/News/Releases/Release/Article/4300455/"
    "statement-on-the-return-of-remains-from-the-korean-war/"
)


def test_the_war_profile_is_what_site_py_says() -> None:
    war = profiles.load_profile()
    assert war == site.WAR  # every field: hosts, sections, ids, old paths, what is inferred
    assert war.name == "war" and war.origin == "https://www.war.gov"
    assert war.hosts == {"www.war.gov", "war.gov", "www.defense.gov", "defense.gov"}
    assert war.rss_site_id == 945 and war.rss_content_types == (1, 9, 13, 400)
    assert war.section_keys == site.SECTION_KEYS
    assert [s.key for s in war.sections if s.inferred] == ["speeches"]


def test_packaged_siblings_load_and_mark_what_is_inferred() -> None:
    assert set(profiles.available_profiles()) >= {"war", "af", "navy"}
    for name in ("af", "navy"):
        profile = profiles.load_profile(name)
        assert profile.current_host == f"www.{name}.mil"
        assert "rss_site_id" in profile.inferred
        assert all(s.inferred for s in profile.sections)
        assert set(profile.section_keys) <= set(site.SECTION_KEYS)


def test_the_af_profile_moves_every_url_rule() -> None:
    assert site.listing_url("news-stories", AF) == "https://www.af.mil/News/"
    assert site.listing_url("releases", AF, 2) == "https://www.af.mil/News/Press-Releases/?Page=2"
    url = site.canonical_url(3900001, "news-stories", "Airmen-Train", AF)
    assert url == "https://www.af.mil/News/Article-Display/Article/3900001/Airmen-Train/"
    assert site.article_id_from_url(url) == 3900001
    features = "/News/Features/Article-Display/Article/3900002/x/"
    assert site.section_from_path(features, AF).key == "feature-stories"
    assert site.section_from_path("/News/Article-Display/Article/3/x/", AF).key == "news-stories"
    assert site.is_site_host("af.mil", AF) and not site.is_site_host("www.war.gov", AF)
    assert "&Site=1&" in site.rss_url(1, AF) and site.rss_url(1, AF).startswith(
        "https://www.af.mil/"
    )
    base = "http://127.0.0.1:8000"
    assert site.map_to_base(url, base, AF).startswith("http://127.0.0.1:8000/News/")
    assert site.to_real_url(f"{base}/News/", base, AF) == "https://www.af.mil/News/"
    # the same calls with war.gov's profile: its own rules, whatever was asked before
    assert site.listing_url("news-stories", site.WAR) == "https://www.war.gov/News/News-Stories/"
    assert site.is_site_host("www.defense.gov", site.WAR) and "&Site=945&" in site.rss_url(
        1, site.WAR
    )
    assert site.map_to_base(url, base, site.WAR) == url  # af.mil is no host of war.gov's
    assert site.to_real_url(f"{base}/News/", base, site.WAR) == "https://www.war.gov/News/"


def test_two_profiles_used_alternately_keep_their_own_urls() -> None:
    """One process, one page, read as af.mil's and as war.gov's in turn: each reading has its own
    canonical URL, section name and related links, with no activation and nothing restored."""
    html = RELEASE.read_bytes()
    af_url = "https://www.af.mil/News/Press-Releases/Article-Display/Article/4300455/"
    war_url = "https://www.war.gov/News/Releases/Release/Article/4300455/"
    readings = []
    for profile in (AF, site.WAR, NAVY, AF, site.WAR):
        article = extract_article(html, RELEASE_URL, profile)
        readings.append(article)
        assert article.section == "releases"
        assert article.url.startswith(profile.origin + profile.section("releases").article_prefix)
        assert article.content_type == profile.section("releases").content_type_name
        assert article.related and all(
            r.url.startswith(profile.section("releases").article_prefix, len(profile.origin))
            for r in article.related
        )
    assert readings[0] == readings[3] and readings[1] == readings[4]
    assert readings[0].url.startswith(af_url) and readings[1].url.startswith(war_url)
    assert readings[0].content_type == "Press Release" and readings[1].content_type == "Release"
    assert readings[2].url.startswith("https://www.navy.mil/")
    # the default (no profile given) is war.gov, after af was used and without a reset
    assert extract_article(html, RELEASE_URL) == readings[1]
    assert site.canonical_url(1, "releases", "x", AF) != site.canonical_url(
        1, "releases", "x", site.WAR
    )


def test_profiles_are_frozen_values_that_survive_pickling() -> None:
    import dataclasses
    import pickle

    with pytest.raises(dataclasses.FrozenInstanceError):
        AF.current_host = "www.war.gov"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(AF)) == AF
    assert hash(AF) == hash(profiles.load_profile("af"))
    assert AF != site.WAR


def test_unknown_and_broken_profiles_are_one_line_errors(tmp_path) -> None:
    with pytest.raises(UserError, match="unknown site 'marines'; known sites: af, navy, war"):
        profiles.load_profile("marines")
    data = json.loads((profiles.PROFILES_DIR / "navy.json").read_text())
    data["current_host"] = "www.example.org"
    with pytest.raises(UserError, match="current_host is not one of its hosts"):
        profiles.profile_from_dict(data)
    data = json.loads((profiles.PROFILES_DIR / "navy.json").read_text())
    data["sections"][0]["key"] = "podcasts"
    with pytest.raises(UserError, match="section keys must be among news-stories, releases"):
        profiles.profile_from_dict(data)
    del data["sections"]
    with pytest.raises(UserError, match="bad or missing field"):
        profiles.profile_from_dict(data)


def test_a_site_argument_and_dodnews_site_choose_one_profile(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DODNEWS_SITE", raising=False)
    assert profiles.choose_site(None) is None and profiles.choose_site("") is None
    assert profiles.choose_site(" AF ").name == "af"
    navy = {"DODNEWS_SITE": "navy"}  # Scrapy settings (only .get is used)
    assert profiles.choose_site(None, navy).name == "navy"
    assert profiles.choose_site("Navy", navy).name == "navy"
    with pytest.raises(UserError, match=r"^-a site=af and DODNEWS_SITE=navy name different sites"):
        profiles.choose_site("af", navy)
    monkeypatch.setenv("DODNEWS_SITE", "af")
    assert profiles.choose_site(None).name == "af"
    assert profiles.choose_site(None, navy).name == "navy"  # -s wins over the environment
    with pytest.raises(UserError, match=r"^DODNEWS_SITE: unknown site 'xx'; known sites: af, navy"):
        profiles.choose_site(None, {"DODNEWS_SITE": "xx"})
    with pytest.raises(UserError, match=r"^unknown site 'xx'; known sites: af, navy, war$"):
        profiles.choose_site("xx", {"DODNEWS_SITE": "xx"})


def test_the_site_argument_chooses_its_profile_before_the_sections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dodnews.crawl.spiders.options import CrawlOptions
    from dodnews.crawl.spiders.recheck import parse_recheck_args

    monkeypatch.delenv("DODNEWS_SITE", raising=False)
    opts = CrawlOptions.parse({"site": "af"})
    assert opts.site == AF and opts.site.current_host == "www.af.mil"
    # every section, in af's order (news-stories, whose /News/ prefixes the others, comes last)
    assert opts.sections == list(AF.section_keys)
    assert opts.sections[-1] == "news-stories"
    assert CrawlOptions.parse({}).site == site.WAR  # the next crawl is war.gov's again
    args = parse_recheck_args({"site": "navy", "sections": "contracts"})
    assert args["site"] == NAVY and args["sections"] == ["contracts"]
    assert site.listing_url("contracts", args["site"]) == (
        "https://www.navy.mil/Press-Office/Contracts/"
    )
    with pytest.raises(UserError, match="different sites"):
        CrawlOptions.parse({"site": "war"}, {"DODNEWS_SITE": "navy"})


def test_every_profiles_content_type_names_are_labels_the_safety_net_ignores() -> None:
    """A block that is only a section's content-type name ("Press Release" on af.mil) is no
    unexplained text, whatever the site: the diff reads labels from no profile."""
    from dodnews.diffing.normalize import Explained, region_residue

    nothing = Explained(frozenset(), (frozenset(), frozenset()))
    for name in profiles.available_profiles():
        for section in profiles.load_profile(name).sections:
            assert region_residue([section.content_type_name], nothing) == [], (name, section)
    assert region_residue(["Press Office hours"], nothing) == [(0, "Press Office hours")]


@pytest.mark.parametrize("name", available_profiles())
def test_a_profile_survives_its_json_form(name: str) -> None:
    """The extraction pool sends the crawl's profile to its workers as JSON: nothing is lost."""
    site = load_profile(name)
    sent = json.loads(json.dumps(profile_to_dict(site)))
    assert profile_from_dict(sent) == site
