"""Which site section a URL, content-type value or content-type name belongs to."""

from __future__ import annotations

from urllib.parse import urlsplit

from dodnews.site import Site, section_from_path

# Content-type labels seen on listings and article wrappers, lower-cased, to section keys.
_NAME_TO_SECTION = {
    "news": "news-stories",
    "news story": "news-stories",
    "news stories": "news-stories",
    "article": "news-stories",
    "release": "releases",
    "releases": "releases",
    "news release": "releases",
    "transcript": "transcripts",
    "transcripts": "transcripts",
    "speech": "speeches",
    "speeches": "speeches",
    "feature": "feature-stories",
    "feature story": "feature-stories",
    "feature stories": "feature-stories",
    "story": "feature-stories",
    "contract": "contracts",
    "contracts": "contracts",
}
# Old paths that dodnews.site.section_from_path does not know (the 2020 home page links to them).
_EXTRA_OLD_PREFIXES = {"/explore/features/story/article/": "feature-stories"}


def section_from_url(url: str | None, site: Site) -> str | None:
    """The section key of an article or listing URL (current or old path shapes), or None."""
    if not url:
        return None
    path = urlsplit(url).path
    found = section_from_path(path, site)
    if found:
        return found.key
    low = path.lower()
    for prefix, key in _EXTRA_OLD_PREFIXES.items():
        if low.startswith(prefix):
            return key
    return None


def section_from_type_val(value: str | int | None, site: Site) -> str | None:
    """The section key of a `content-type-val` / `content-type-N` number, or None."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    found = site.section_by_content_type(number)
    return found.key if found else None


def section_from_type_name(name: str | None) -> str | None:
    """The section key of a content-type label ("News Release", "Transcript"), or None."""
    if not name:
        return None
    return _NAME_TO_SECTION.get(" ".join(name.lower().split()))


def resolve_section(
    site: Site,
    type_val: str | int | None = None,
    url: str | None = None,
    type_name: str | None = None,
) -> str | None:
    """First answer of: content-type number, URL path, content-type label."""
    return (
        section_from_type_val(type_val, site)
        or section_from_url(url, site)
        or section_from_type_name(type_name)
    )
