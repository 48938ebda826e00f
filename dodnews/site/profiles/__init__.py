"""Site profiles: the URL rules of one ArticleCS newsroom (war.gov, af.mil, navy.mil) as JSON.

`load_profile("af")` reads `dodnews/site/profiles/af.json`; `activate(profile)` makes `dodnews.site`
follow it for the rest of the process (a crawl or replica process serves one site). The war
profile equals the constants in `dodnews.site`, which stay the defaults.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dodnews.errors import UserError

PROFILES_DIR = Path(__file__).resolve().parent
DEFAULT = "war"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class SectionRule:
    """One section of a profile (the same fields as `dodnews.site.Section`)."""

    key: str
    listing_path: str
    article_prefix: str
    content_type_val: int
    content_type_name: str
    inferred: bool = False


@dataclass(frozen=True)
class Profile:
    """Hosts, sections, content-type ids and the RSS site id of one newsroom."""

    name: str
    title: str
    current_host: str
    old_host: str
    hosts: tuple[str, ...]
    media_host: str
    rss_site_id: int
    rss_content_types: tuple[int, ...]
    sections: tuple[SectionRule, ...]
    old_prefixes: dict[str, str] = field(default_factory=dict)
    inferred: tuple[str, ...] = ()

    @property
    def origin(self) -> str:
        return f"https://{self.current_host}"

    @property
    def org_name(self) -> str:
        """The newsroom's owner as pages name it: the title without its "(host)" remark."""
        return self.title.split(" (", 1)[0].strip()


def available_profiles() -> list[str]:
    """Names of the packaged profiles."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.json"))


def profile_from_dict(data: dict[str, Any]) -> Profile:
    """A Profile from its JSON form; UserError naming the first problem."""
    name = data.get("name", "?")
    try:
        sections = tuple(SectionRule(**s) for s in data["sections"])
        profile = Profile(
            name=str(data["name"]),
            title=str(data["title"]),
            current_host=str(data["current_host"]).lower(),
            old_host=str(data["old_host"]).lower(),
            hosts=tuple(str(h).lower() for h in data["hosts"]),
            media_host=str(data["media_host"]).lower(),
            rss_site_id=int(data["rss_site_id"]),
            rss_content_types=tuple(int(c) for c in data["rss_content_types"]),
            sections=sections,
            old_prefixes={str(k).lower(): str(v) for k, v in data.get("old_prefixes", {}).items()},
            inferred=tuple(data.get("inferred", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"site profile {name}: bad or missing field ({exc})") from None
    keys = [s.key for s in sections]
    if not sections or len(set(keys)) != len(keys):
        raise UserError(f"site profile {name}: sections must be non-empty with unique keys")
    if profile.current_host not in profile.hosts:
        raise UserError(f"site profile {name}: current_host is not one of its hosts")
    types = {s.content_type_val for s in sections}
    if len(types) != len(sections) or not set(profile.rss_content_types) <= types:
        raise UserError(f"site profile {name}: content-type ids must be unique and known")
    for prefix, key in profile.old_prefixes.items():
        if key not in keys:
            raise UserError(f"site profile {name}: old prefix {prefix} names no section")
    return profile


def load_profile(name: str | None = None) -> Profile:
    """The packaged profile `name` (default: war)."""
    name = (name or DEFAULT).strip().lower()
    path = PROFILES_DIR / f"{name}.json"
    if not _NAME_RE.match(name) or not path.is_file():
        raise UserError(f"unknown site {name!r}; known sites: {', '.join(available_profiles())}")
    return profile_from_dict(json.loads(path.read_text(encoding="utf-8")))


def activate(profile: Profile) -> None:
    """Make `dodnews.site` (and the modules that imported its tables) follow `profile`."""
    from dodnews import site

    site.CURRENT_HOST = profile.current_host
    site.OLD_HOST = profile.old_host
    site.CURRENT_ORIGIN = profile.origin
    site.MEDIA_HOST = profile.media_host
    site.SITE_HOSTS = frozenset(profile.hosts)
    site.RSS_SITE_ID = profile.rss_site_id
    # Dicts are changed in place: other modules hold references to them.
    site.SECTIONS.clear()
    site.SECTIONS.update(
        {
            s.key: site.Section(
                s.key, s.listing_path, s.article_prefix, s.content_type_val, s.content_type_name
            )
            for s in profile.sections
        }
    )
    site.SECTION_BY_CONTENT_TYPE.clear()
    site.SECTION_BY_CONTENT_TYPE.update({s.content_type_val: s for s in site.SECTIONS.values()})
    site.RSS_CONTENT_TYPES = profile.rss_content_types
    site._OLD_PREFIXES.clear()
    site._OLD_PREFIXES.update(profile.old_prefixes)
    # Functions whose `origin=` default was bound to the war.gov origin at import.
    for function in (site.canonical_url, site.listing_url, site.rss_url):
        defaults = function.__defaults__ or ()
        function.__defaults__ = tuple(
            profile.origin if isinstance(d, str) and d.startswith("https://") else d
            for d in defaults
        )
    site.SITE_NAME = profile.org_name
    site.ACTIVE_PROFILE = profile.name


def activate_named(name: str | None) -> Profile:
    """Load and activate `name`; the default war profile changes nothing."""
    profile = load_profile(name)
    activate(profile)
    return profile


def _name(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text or None


def configured_site(settings: Any = None) -> str | None:
    """DODNEWS_SITE from Scrapy settings (`-s`), else from the environment; None when unset."""
    value = settings.get("DODNEWS_SITE") if settings is not None else None
    return _name(value) or _name(os.environ.get("DODNEWS_SITE"))


def load_configured(settings: Any = None) -> Profile | None:
    """The profile DODNEWS_SITE names (None when unset); a UserError naming it when unknown."""
    name = configured_site(settings)
    if name is None:
        return None
    try:
        return load_profile(name)
    except UserError as exc:
        raise UserError(f"DODNEWS_SITE: {exc}") from None


def choose_site(argument: Any, settings: Any = None, option: str = "-a site=") -> Profile | None:
    """The profile of a crawl: `-a site=NAME` and/or DODNEWS_SITE (None when neither is given).

    Both given and different is a UserError (naming the argument as `option`), as is an unknown
    name.
    """
    name = _name(argument)
    if name is None:
        return load_configured(settings)
    configured = configured_site(settings)
    if configured is not None and configured != name:
        raise UserError(
            f"{option}{name} and DODNEWS_SITE={configured} name different sites; give one"
        )
    return load_profile(name)


def activate_site(argument: Any = None, settings: Any = None) -> Profile | None:
    """Activate the profile `choose_site` picks (nothing changes when none is given)."""
    profile = choose_site(argument, settings)
    if profile is not None:
        activate(profile)
    return profile


class SiteProfileAddon:
    """Scrapy add-on: `-s DODNEWS_SITE=af` (or env DODNEWS_SITE) crawls that profile's site."""

    def update_settings(self, settings: Any) -> None:
        profile = load_configured(settings)
        if profile is not None:
            activate(profile)
