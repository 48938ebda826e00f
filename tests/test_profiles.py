"""Site profiles: war.gov equals dodnews.site, siblings load and switch the URL rules."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from dodnews import profiles, site
from dodnews.errors import UserError


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
