"""Settings a crawl derives before it starts: the User-Agent from DODNEWS_CONTACT_URL, and the
throughput opened up when the spider's `-a base_url=` is the replica on loopback.

Values given explicitly (`-s`, or at a higher priority than the project's) always win.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.settings import SETTINGS_PRIORITIES

from dodnews import __version__
from dodnews.site import is_loopback_url

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

# Settings opened up when the site is the replica on loopback (documented in docs/crawling.md).
LOOPBACK_SETTINGS = {
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "DODNEWS_BASE_BACKOFF": 0.2,
    "DODNEWS_MAX_BACKOFF": 5.0,
    "DOWNLOAD_TIMEOUT": 20,
    # parse article pages in a worker process, beside the crawl (dodnews.crawl.extraction_pool)
    "DODNEWS_EXTRACT_WORKERS": 1,
    # no shared politeness limit between the workers of a distributed crawl
    "DODNEWS_RATE_LIMIT": 0,
}


def user_agent(contact_url: str) -> str:
    """The User-Agent dodnews sends: name, version, purpose and where to reach its operator."""
    return f"dodnews/{__version__} (archival crawler; +{contact_url})"


def _unset(settings: BaseSettings, name: str) -> bool:
    """True when `name` has no value above the project's own (none given with -s)."""
    return (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["project"]


def follow_contact_url(settings: BaseSettings) -> None:
    """USER_AGENT follows DODNEWS_CONTACT_URL (`-s` or env), unless it is set explicitly."""
    contact = settings.get("DODNEWS_CONTACT_URL")
    if contact and _unset(settings, "USER_AGENT"):
        settings.set("USER_AGENT", user_agent(contact), priority="spider")


def open_up_for_loopback(settings: BaseSettings, base_url: str | None) -> None:
    """LOOPBACK_SETTINGS when `base_url` is on loopback; values given with -s win."""
    if not is_loopback_url(base_url):
        return
    for name, value in LOOPBACK_SETTINGS.items():
        if _unset(settings, name):
            settings.set(name, value, priority="spider")
