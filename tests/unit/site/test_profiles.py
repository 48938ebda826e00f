"""Site profiles: war.gov equals dodnews.site, siblings load and switch the URL rules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from dodnews import site
from dodnews.errors import UserError
from dodnews.site import profiles


@pytest.fixture
def restore_war() -> Iterator[None]:
    yield
    profiles.activate_named("war")


def test_the_war_profile_is_what_site_py_says() -> None:
    war = profiles.load_profile()
    assert war.name == "war" and war.origin == site.CURRENT_ORIGIN
    assert frozenset(war.hosts) == site.SITE_HOSTS and war.rss_site_id == site.RSS_SITE_ID
    assert war.rss_content_types == site.RSS_CONTENT_TYPES
    assert [
        (s.key, s.listing_path, s.article_prefix, s.content_type_val, s.content_type_name)
        for s in war.sections
    ] == [
        (s.key, s.listing_path, s.article_prefix, s.content_type_val, s.content_type_name)
        for s in site.SECTIONS.values()
    ]
    assert war.old_prefixes == site._OLD_PREFIXES
    assert [s.key for s in war.sections if s.inferred] == ["speeches"]


def test_packaged_siblings_load_and_mark_what_is_inferred() -> None:
    assert set(profiles.available_profiles()) >= {"war", "af", "navy"}
    for name in ("af", "navy"):
        profile = profiles.load_profile(name)
        assert profile.current_host == f"www.{name}.mil"
        assert "rss_site_id" in profile.inferred
        assert all(s.inferred for s in profile.sections)
        assert {s.key for s in profile.sections} <= set(site.SECTIONS) | {"news-stories"}


def test_activating_af_moves_every_url_rule(restore_war: None) -> None:
    profiles.activate_named("af")
    assert site.listing_url("news-stories") == "https://www.af.mil/News/"
    assert site.listing_url("releases", 2) == "https://www.af.mil/News/Press-Releases/?Page=2"
    url = site.canonical_url(3900001, "news-stories", "Airmen-Train")
    assert url == "https://www.af.mil/News/Article-Display/Article/3900001/Airmen-Train/"
    assert site.article_id_from_url(url) == 3900001
    features = "/News/Features/Article-Display/Article/3900002/x/"
    assert site.section_from_path(features).key == "feature-stories"
    assert site.section_from_path("/News/Article-Display/Article/3/x/").key == "news-stories"
    assert site.is_site_host("af.mil") and not site.is_site_host("www.war.gov")
    assert "&Site=1&" in site.rss_url(1) and site.rss_url(1).startswith("https://www.af.mil/")
    assert site.map_to_base(url, "http://127.0.0.1:8000").startswith("http://127.0.0.1:8000/News/")
    assert site.to_real_url("http://127.0.0.1:8000/News/", "http://127.0.0.1:8000") == (
        "https://www.af.mil/News/"
    )
    profiles.activate_named("war")
    assert site.listing_url("news-stories") == "https://www.war.gov/News/News-Stories/"
    assert site.is_site_host("www.defense.gov") and "&Site=945&" in site.rss_url(1)


def test_unknown_and_broken_profiles_are_one_line_errors(tmp_path) -> None:
    with pytest.raises(UserError, match="unknown site 'marines'; known sites: af, navy, war"):
        profiles.load_profile("marines")
    data = json.loads((profiles.PROFILES_DIR / "navy.json").read_text())
    data["current_host"] = "www.example.org"
    with pytest.raises(UserError, match="current_host is not one of its hosts"):
        profiles.profile_from_dict(data)
    del data["sections"]
    with pytest.raises(UserError, match="bad or missing field"):
        profiles.profile_from_dict(data)


def test_a_site_argument_and_dodnews_site_choose_one_profile(
    restore_war: None, monkeypatch: pytest.MonkeyPatch
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


def test_the_site_argument_activates_its_profile_before_the_sections(
    restore_war: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dodnews.crawl.spiders.options import CrawlOptions
    from dodnews.crawl.spiders.recheck import parse_recheck_args

    monkeypatch.delenv("DODNEWS_SITE", raising=False)
    opts = CrawlOptions.parse({"site": "af"})
    assert opts.site == "af" and site.CURRENT_HOST == "www.af.mil"
    # every section, in af's order (news-stories, whose /News/ prefixes the others, comes last)
    assert opts.sections == [s.key for s in profiles.load_profile("af").sections]
    assert opts.sections[-1] == "news-stories"
    assert CrawlOptions.parse({}).site is None and site.CURRENT_HOST == "www.af.mil"
    args = parse_recheck_args({"site": "navy", "sections": "contracts"})
    assert args["site"] == "navy" and args["sections"] == ["contracts"]
    assert site.listing_url("contracts") == "https://www.navy.mil/Press-Office/Contracts/"
    with pytest.raises(UserError, match="different sites"):
        CrawlOptions.parse({"site": "war"}, {"DODNEWS_SITE": "navy"})
