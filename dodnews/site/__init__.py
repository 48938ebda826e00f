"""The site's URL rules: hosts, sections, article ids, canonical URLs and slugs.

No Scrapy import. Identity is the numeric article id (`/Article/(\\d+)`), never the URL.

A `Site` is a value: the hosts, sections and ids of one ArticleCS newsroom (war.gov, af.mil,
navy.mil). Every rule that depends on the site takes one as an argument; `WAR` is the default
for callers that never choose another, and `dodnews.site.profiles` loads the others from JSON.
Nothing in this module changes at run time.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit, urlunsplit

# Photos of every DoD newsroom are served from this host.
DOD_MEDIA_HOST = "media.defense.gov"
ARTICLE_ID_RE = re.compile(r"/Article/(\d+)", re.IGNORECASE)
SLUG_MAX = 80
# The largest id (article, version, run...) every archive back end stores: a signed 64-bit integer.
MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class Section:
    """One news section: its CLI key, listing path, article path prefix and content type."""

    key: str
    listing_path: str
    article_prefix: str
    content_type_val: int
    content_type_name: str
    inferred: bool = False  # the site's values are inferred, not confirmed (profile JSON)


@dataclass(frozen=True)
class Site:
    """Hosts, sections, content-type ids and the RSS site id of one newsroom (a site profile).

    Frozen and picklable: a crawl hands it to its extraction workers as it is.
    """

    name: str
    title: str
    current_host: str
    old_host: str
    hosts: frozenset[str]
    media_host: str
    rss_site_id: int
    rss_content_types: tuple[int, ...]
    sections: tuple[Section, ...]
    # Older article paths (lower case) that still lead to the same ids -> section key.
    old_prefixes: tuple[tuple[str, str], ...] = ()
    inferred: tuple[str, ...] = ()  # which values are inferred, not confirmed

    @property
    def origin(self) -> str:
        return f"https://{self.current_host}"

    @property
    def org_name(self) -> str:
        """The newsroom's owner as pages name it: the title without its "(host)" remark."""
        return self.title.split(" (", 1)[0].strip()

    @property
    def section_keys(self) -> tuple[str, ...]:
        """The keys of the site's sections, in the site's order."""
        return tuple(s.key for s in self.sections)

    def section(self, key: str) -> Section:
        """The section `key`; KeyError when the site has none."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    def section_by_content_type(self, value: int) -> Section | None:
        for section in self.sections:
            if section.content_type_val == value:
                return section
        return None


WAR = Site(
    name="war",
    title="U.S. Department of War (war.gov, formerly defense.gov)",
    current_host="www.war.gov",
    old_host="www.defense.gov",
    hosts=frozenset({"www.war.gov", "war.gov", "www.defense.gov", "defense.gov"}),
    media_host=DOD_MEDIA_HOST,
    rss_site_id=945,
    # RSS ContentType values the site serves (confirmed): news, releases, transcripts, contracts.
    rss_content_types=(1, 9, 13, 400),
    sections=(
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
        Section("speeches", "/News/Speeches/", "/News/Speeches/Speech/Article/", 2, "Speech", True),
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
    ),
    old_prefixes=(
        ("/explore/news/article/article/", "news-stories"),
        ("/newsroom/releases/release/article/", "releases"),
        ("/newsroom/transcripts/transcript/article/", "transcripts"),
        ("/newsroom/speeches/speech/article/", "speeches"),
        ("/explore/feature-story/story/article/", "feature-stories"),
        ("/newsroom/contracts/contract/article/", "contracts"),
    ),
    inferred=("sections.speeches.content_type_val",),
)
# The section keys every site profile draws from (the CLI's `-a sections=` words, the `section`
# of an Article): war.gov's six.
SECTION_KEYS = WAR.section_keys


def article_id_from_url(url: str) -> int | None:
    """The numeric article id in a URL, or None when the URL is not an article."""
    match = ARTICLE_ID_RE.search(urlsplit(url).path)
    return int(match.group(1)) if match else None


def is_site_host(host: str | None, site: Site) -> bool:
    return (host or "").lower().rstrip(".") in site.hosts


def offsite_host(url: str, base_url: str | None, site: Site) -> str | None:
    """`url`'s host (with its port, if any) when it is on none of the site's hosts and not on
    `base_url`'s host and port; None when it is on the site."""
    parts = urlsplit(url)
    if is_site_host(parts.hostname, site):
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


def section_from_path(path: str, site: Site) -> Section | None:
    """The section an article or listing path belongs to, current or old path shapes."""
    low = path.lower()
    for section in site.sections:
        if low.startswith(section.article_prefix.lower()) or low.startswith(
            section.listing_path.lower()
        ):
            return section
    for prefix, key in site.old_prefixes:
        if low.startswith(prefix):
            return site.section(key)
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


def article_path(article_id: int, section: str, slug: str, site: Site) -> str:
    return f"{site.section(section).article_prefix}{article_id}/{slug}/"


def canonical_url(
    article_id: int, section: str, slug: str, site: Site, origin: str | None = None
) -> str:
    """The canonical article URL: current host (or `origin`), current section path, id, slug."""
    base = origin or site.origin
    return base.rstrip("/") + article_path(article_id, section, slug, site)


def slug_from_url(url: str) -> str:
    """The slug segment after the id ('' for an empty contract slug or none at all)."""
    path = urlsplit(url).path
    match = re.search(r"/Article/\d+/([^/]*)", path, re.IGNORECASE)
    if not match:
        return ""
    slug = match.group(1)
    return "" if slug.lower() == "source" else slug


def map_to_base(url: str, base_url: str | None, site: Site) -> str:
    """Map a URL on any of the site's hosts (any case, http or https) onto `base_url`.

    Without a base URL, URLs on the site's other hosts (defense.gov) are moved to its current
    host and https. URLs on other hosts are returned unchanged.
    """
    parts = urlsplit(url)
    if not is_site_host(parts.hostname, site):
        return url
    if base_url:
        base = urlsplit(base_url)
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))
    return urlunsplit(("https", site.current_host, parts.path, parts.query, ""))


def to_real_url(url: str, base_url: str | None, site: Site) -> str:
    """Undo `map_to_base`: a URL on the replica's address back on the site's current host."""
    if not base_url:
        return url
    parts = urlsplit(url)
    base = urlsplit(base_url)
    if parts.netloc.lower() != base.netloc.lower():
        return url
    return urlunsplit(("https", site.current_host, parts.path, parts.query, ""))


def listing_url(
    section: str,
    site: Site,
    page: int = 1,
    origin: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
) -> str:
    """A section listing URL: `?Page=N` paging and the StartDate/EndDate path filter."""
    path = site.section(section).listing_path
    if start_date and end_date:
        path += f"StartDate/{start_date}/EndDate/{end_date}/"
    query = f"?Page={page}" if page > 1 else ""
    return (origin or site.origin).rstrip("/") + path + query


def rss_url(content_type: int, site: Site, max_items: int = 100, origin: str | None = None) -> str:
    return (
        f"{(origin or site.origin).rstrip('/')}/DesktopModules/ArticleCS/RSS.ashx"
        f"?ContentType={content_type}&Site={site.rss_site_id}&max={max_items}"
    )


_SIZE_VARIANT_RE = re.compile(r"^(/\d{4}/[A-Za-z]{3}/\d{1,2}/\d+/)(-?\d+/-?\d+/-?\d+/)(.+)$")


def full_size_image_url(url: str) -> str:
    """media.defense.gov image URL without its size variant or query: `/-1/-1/0/` is full size."""
    parts = urlsplit(url)
    path = parts.path
    match = _SIZE_VARIANT_RE.match(path)
    if match:
        path = match.group(1) + "-1/-1/0/" + match.group(3)
    host = (parts.hostname or DOD_MEDIA_HOST).lower()
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
