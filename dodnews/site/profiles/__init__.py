"""Site profiles: the URL rules of one ArticleCS newsroom (war.gov, af.mil, navy.mil) as JSON.

`load_profile("af")` reads `dodnews/site/profiles/af.json` into a `dodnews.site.Site` value, which
the caller hands to the functions that need it (a crawl picks one from `-a site=` or DODNEWS_SITE).
The war profile equals `dodnews.site.WAR`, the default.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path
from typing import Any

from dodnews.errors import UserError
from dodnews.site import SECTION_KEYS, Section, Site

PROFILES_DIR = Path(__file__).resolve().parent
DEFAULT = "war"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def available_profiles() -> list[str]:
    """Names of the packaged profiles."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.json"))


def profile_from_dict(data: dict[str, Any]) -> Site:
    """A Site from its JSON form; UserError naming the first problem."""
    name = data.get("name", "?")
    try:
        sections = tuple(Section(**s) for s in data["sections"])
        profile = Site(
            name=str(data["name"]),
            title=str(data["title"]),
            current_host=str(data["current_host"]).lower(),
            old_host=str(data["old_host"]).lower(),
            hosts=frozenset(str(h).lower() for h in data["hosts"]),
            media_host=str(data["media_host"]).lower(),
            rss_site_id=int(data["rss_site_id"]),
            rss_content_types=tuple(int(c) for c in data["rss_content_types"]),
            sections=sections,
            old_prefixes=tuple(
                (str(k).lower(), str(v)) for k, v in data.get("old_prefixes", {}).items()
            ),
            inferred=tuple(data.get("inferred", ())),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UserError(f"site profile {name}: bad or missing field ({exc})") from None
    keys = [s.key for s in sections]
    if not sections or len(set(keys)) != len(keys):
        raise UserError(f"site profile {name}: sections must be non-empty with unique keys")
    if not set(keys) <= set(SECTION_KEYS):
        raise UserError(
            f"site profile {name}: section keys must be among {', '.join(SECTION_KEYS)}"
        )
    if profile.current_host not in profile.hosts:
        raise UserError(f"site profile {name}: current_host is not one of its hosts")
    types = {s.content_type_val for s in sections}
    if len(types) != len(sections) or not set(profile.rss_content_types) <= types:
        raise UserError(f"site profile {name}: content-type ids must be unique and known")
    for prefix, key in profile.old_prefixes:
        if key not in keys:
            raise UserError(f"site profile {name}: old prefix {prefix} names no section")
    return profile


def profile_to_dict(site: Site) -> dict[str, Any]:
    """The JSON form of a profile: `profile_from_dict(profile_to_dict(site)) == site`."""
    return {
        "name": site.name,
        "title": site.title,
        "current_host": site.current_host,
        "old_host": site.old_host,
        "hosts": sorted(site.hosts),
        "media_host": site.media_host,
        "rss_site_id": site.rss_site_id,
        "rss_content_types": list(site.rss_content_types),
        "sections": [dataclasses.asdict(section) for section in site.sections],
        "old_prefixes": dict(site.old_prefixes),
        "inferred": list(site.inferred),
    }


def load_profile(name: str | None = None) -> Site:
    """The packaged profile `name` (default: war)."""
    name = (name or DEFAULT).strip().lower()
    path = PROFILES_DIR / f"{name}.json"
    if not _NAME_RE.match(name) or not path.is_file():
        raise UserError(f"unknown site {name!r}; known sites: {', '.join(available_profiles())}")
    return profile_from_dict(json.loads(path.read_text(encoding="utf-8")))


def _name(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text or None


def configured_site(settings: Any = None) -> str | None:
    """DODNEWS_SITE from Scrapy settings (`-s`), else from the environment; None when unset."""
    value = settings.get("DODNEWS_SITE") if settings is not None else None
    return _name(value) or _name(os.environ.get("DODNEWS_SITE"))


def load_configured(settings: Any = None) -> Site | None:
    """The profile DODNEWS_SITE names (None when unset); a UserError naming it when unknown."""
    name = configured_site(settings)
    if name is None:
        return None
    try:
        return load_profile(name)
    except UserError as exc:
        raise UserError(f"DODNEWS_SITE: {exc}") from None


def choose_site(argument: Any, settings: Any = None, option: str = "-a site=") -> Site | None:
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
