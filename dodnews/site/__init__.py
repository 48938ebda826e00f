"""The site's URL rules: hosts, sections, article ids, canonical URLs and slugs.

No Scrapy import. Identity is the numeric article id (`/Article/(\\d+)`), never the URL.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

CURRENT_HOST = "www.war.gov"
OLD_HOST = "www.defense.gov"
CURRENT_ORIGIN = f"https://{CURRENT_HOST}"
MEDIA_HOST = "media.defense.gov"
SITE_HOSTS = frozenset({"www.war.gov", "war.gov", "www.defense.gov", "defense.gov"})
RSS_SITE_ID = 945
# The newsroom's owner as its pages name it, and the active profile (site.profiles.activate).
SITE_NAME = "U.S. Department of War"
ACTIVE_PROFILE = "war"


@dataclass(frozen=True)
class Section:
    """One news section: its CLI key, listing path, article path prefix and content type."""

    key: str
    listing_path: str
    article_prefix: str
    content_type_val: int
    content_type_name: str


SECTIONS: dict[str, Section] = {
    s.key: s
    for s in (
        Section(
            "news-stories", "/News/News-Stories/", "/News/News-Stories/Article/Article/", 1, "News"
        ),
        Section("releases", "/News/Releases/", "/News/Releases/Release/Article/", 9, "Release"),
        Section(
            "transcripts",
            "/News/Transcripts/",
            "/News/Transcripts/Transcript/Article/",
            13,
            "Transcript",
        ),
        # The speeches content-type value is inferred (no source shows it).
        Section("speeches", "/News/Speeches/", "/News/Speeches/Speech/Article/", 2, "Speech"),
        Section(
            "feature-stories",
            "/News/Feature-Stories/",
            "/News/Feature-Stories/Story/Article/",
            800,
            "Feature Story",
        ),
        Section(
            "contracts", "/News/Contracts/", "/News/Contracts/Contract/Article/", 400, "Contracts"
        ),
    )
}
SECTION_BY_CONTENT_TYPE: dict[int, Section] = {s.content_type_val: s for s in SECTIONS.values()}
# RSS ContentType values the site serves (confirmed): news, releases, transcripts, contracts.
RSS_CONTENT_TYPES = (1, 9, 13, 400)

# Older paths that still lead to the same ids.
_OLD_PREFIXES = {
    "/explore/news/article/article/": "news-stories",
    "/newsroom/releases/release/article/": "releases",
    "/newsroom/transcripts/transcript/article/": "transcripts",
    "/newsroom/speeches/speech/article/": "speeches",
    "/explore/feature-story/story/article/": "feature-stories",
    "/newsroom/contracts/contract/article/": "contracts",
}

ARTICLE_ID_RE = re.compile(r"/Article/(\d+)", re.IGNORECASE)
SLUG_MAX = 80
# The largest id (article, version, run...) every archive back end stores: a signed 64-bit integer.
MAX_ID = 2**63 - 1


def article_id_from_url(url: str) -> int | None:
    """The numeric article id in a URL, or None when the URL is not an article."""
    match = ARTICLE_ID_RE.search(urlsplit(url).path)
    return int(match.group(1)) if match else None


def is_site_host(host: str | None) -> bool:
    return (host or "").lower().rstrip(".") in SITE_HOSTS


def offsite_host(url: str, base_url: str | None = None) -> str | None:
    """`url`'s host (with its port, if any) when it is on none of the site's hosts and not on
    `base_url`'s host and port; None when it is on the site."""
    parts = urlsplit(url)
    if is_site_host(parts.hostname):
        return None
    if base_url and _host_and_port(parts) == _host_and_port(urlsplit(base_url)):
        return None
    return parts.netloc.rpartition("@")[2].lower() or "(no host)"


def _host_and_port(parts: SplitResult) -> tuple[str, int | None]:
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:  # a port that is not a number is no port of the site's
        port = -1
    return (parts.hostname or "", port)


def section_from_path(path: str) -> Section | None:
    """The section an article or listing path belongs to, current or old path shapes."""
    low = path.lower()
    for section in SECTIONS.values():
        if low.startswith(section.article_prefix.lower()) or low.startswith(
            section.listing_path.lower()
        ):
            return section
    for prefix, key in _OLD_PREFIXES.items():
        if low.startswith(prefix):
            return SECTIONS[key]
    if low.startswith("/news/archive/"):
        return None
    return None


def slugify(title: str) -> str:
    """The slug the site makes from a title: apostrophes and periods dropped, cut at ~80 chars."""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"['’‘.]", "", text)
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")
    if len(text) > SLUG_MAX:
        text = text[:SLUG_MAX].rstrip("-")
    return text


def article_path(article_id: int, section: str, slug: str) -> str:
    return f"{SECTIONS[section].article_prefix}{article_id}/{slug}/"


def canonical_url(article_id: int, section: str, slug: str, origin: str = CURRENT_ORIGIN) -> str:
    """The canonical article URL: current host, current section path, id, current slug."""
    return origin.rstrip("/") + article_path(article_id, section, slug)


def slug_from_url(url: str) -> str:
    """The slug segment after the id ('' for an empty contract slug or none at all)."""
    path = urlsplit(url).path
    match = re.search(r"/Article/\d+/([^/]*)", path, re.IGNORECASE)
    if not match:
        return ""
    slug = match.group(1)
    return "" if slug.lower() == "source" else slug


def map_to_base(url: str, base_url: str | None) -> str:
    """Map a URL on any of the site's hosts (any case, http or https) onto `base_url`.

    Without a base URL, defense.gov URLs are moved to the current host and scheme. URLs on other
    hosts are returned unchanged.
    """
    parts = urlsplit(url)
    if not is_site_host(parts.hostname):
        return url
    if base_url:
        base = urlsplit(base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    return urlunsplit(("https", CURRENT_HOST, parts.path, parts.query, ""))


def to_real_url(url: str, base_url: str | None) -> str:
    """Undo `map_to_base`: a URL on the replica's address back on the real current host."""
    if not base_url:
        return url
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if parts.netloc.lower() != base.netloc.lower():
        return url
    return urlunsplit(("https", CURRENT_HOST, parts.path, parts.query, ""))


def listing_url(
    section: str,
    page: int = 1,
    origin: str = CURRENT_ORIGIN,
    start_date: str | None = None,
    end_date: str | None = None,
) -> str:
    """A section listing URL: `?Page=N` paging and the StartDate/EndDate path filter."""
    path = SECTIONS[section].listing_path
    if start_date and end_date:
        path += f"StartDate/{start_date}/EndDate/{end_date}/"
    query = f"?Page={page}" if page > 1 else ""
    return origin.rstrip("/") + path + query


def rss_url(content_type: int, max_items: int = 100, origin: str = CURRENT_ORIGIN) -> str:
    return (
        f"{origin.rstrip('/')}/DesktopModules/ArticleCS/RSS.ashx"
        f"?ContentType={content_type}&Site={RSS_SITE_ID}&max={max_items}"
    )


_SIZE_VARIANT_RE = re.compile(r"^(/\d{4}/[A-Za-z]{3}/\d{1,2}/\d+/)(-?\d+/-?\d+/-?\d+/)(.+)$")


def full_size_image_url(url: str) -> str:
    """media.defense.gov image URL without its size variant or query: `/-1/-1/0/` is full size."""
    parts = urlsplit(url)
    path = parts.path
    match = _SIZE_VARIANT_RE.match(path)
    if match:
        path = match.group(1) + "-1/-1/0/" + match.group(3)
    host = (parts.hostname or MEDIA_HOST).lower()
    return urlunsplit(("https", host, path, "", ""))


def is_loopback_url(url: str | None) -> bool:
    """True for a URL on this machine (localhost, 127.0.0.0/8, ::1): the offline replica."""
    if not url:
        return False
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
