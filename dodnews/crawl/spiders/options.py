"""Spider arguments (`-a name=value`), parsed and checked before a crawl starts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from dodnews.errors import UserError
from dodnews.site import (
    MAX_ID,
    WAR,
    Site,
    is_loopback_url,  # noqa: F401 (re-exported)
)
from dodnews.site.profiles import choose_site

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(name: str, value: Any) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UserError(f"-a {name}: expected 1 or 0, got {value!r}")


def parse_int(name: str, value: Any, minimum: int = 0) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise UserError(f"-a {name}: expected a whole number, got {value!r}") from None
    if number < minimum:
        raise UserError(f"-a {name}: must be at least {minimum}, got {number}")
    if number > MAX_ID:  # no archive holds a larger integer (a 64-bit one)
        raise UserError(f"-a {name}: must be at most {MAX_ID}, got {number}")
    return number


def parse_date(name: str, value: Any) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(f"-a {name}: expected a date as YYYY-MM-DD, got {value!r}") from None


def parse_screenshots(value: Any) -> str:
    """`-a screenshots=`: 0 (off), 1 or new (content the archive does not hold yet), all."""
    text = str(value).strip().lower()
    if text in ("new", "all"):
        return text
    try:
        return "new" if parse_bool("screenshots", text) else "off"
    except UserError:
        raise UserError(
            f"-a screenshots: expected 0, 1 (= new), new or all, got {value!r}"
        ) from None


def parse_sections(value: Any, site: Site = WAR) -> list[str]:
    """`-a sections=`: keys of `site`'s sections (all of them, in the site's order, for none)."""
    known = site.section_keys
    if value in (None, "", "all"):
        return list(known)
    keys = [part.strip().lower() for part in str(value).split(",") if part.strip()]
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise UserError(
            f"-a sections: unknown section {unknown[0]!r}; choose from {', '.join(known)}"
        )
    return keys


def parse_site(value: Any, settings: Any = None) -> Site:
    """`-a site=NAME` (or DODNEWS_SITE): that site profile; war.gov's when neither is given."""
    return choose_site(value, settings) or WAR


def parse_base_url(value: Any) -> str | None:
    if value in (None, ""):
        return None
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"-a base_url: expected http://HOST:PORT, got {value!r}")
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise UserError(f"-a base_url: bad port in {value!r}") from None
    return text


@dataclass
class CrawlOptions:
    """The checked arguments of the news spider."""

    sections: list[str] = field(default_factory=lambda: list(WAR.section_keys))
    max_pages: int = 0  # 0 = follow `?Page=N` until an empty page
    since: date | None = None
    until: date | None = None
    rss: bool = False
    related_depth: int = 1
    base_url: str | None = None
    render: str = "auto"
    screenshots: str = "off"  # off | new (content the archive lacks) | all
    rss_max: int = 100
    site: Site = WAR  # the site profile (-a site= or DODNEWS_SITE)
    refetch: bool = False  # download and parse known articles again (no conditional requests)

    @property
    def revalidates_known(self) -> bool:
        """Conditional requests for the articles the archive holds, unless -a refetch=1 or
        -a screenshots=all (a screenshot of every capture needs every page: a 304 has none)."""
        return not (self.refetch or self.screenshots == "all")

    @classmethod
    def parse(cls, args: dict[str, Any], settings: Any = None) -> CrawlOptions:
        """Checked options; `settings` (Scrapy's) may carry DODNEWS_SITE."""
        known = {
            "sections",
            "max_pages",
            "since",
            "until",
            "rss",
            "related_depth",
            "base_url",
            "render",
            "rss_max",
            "screenshots",
            "site",
            "refetch",
        }
        unknown = sorted(set(args) - known - {"_job"})
        if unknown:
            raise UserError(
                f"unknown spider argument -a {unknown[0]}=...; known: {', '.join(sorted(known))}"
            )
        site = parse_site(args.get("site"), settings)  # before the sections: they are the site's
        opts = cls(
            site=site,
            sections=parse_sections(args.get("sections"), site),
            max_pages=parse_int("max_pages", args.get("max_pages", 0)),
            since=parse_date("since", args.get("since")),
            until=parse_date("until", args.get("until")),
            rss=parse_bool("rss", args.get("rss", "0")),
            related_depth=parse_int("related_depth", args.get("related_depth", 1)),
            base_url=parse_base_url(args.get("base_url")),
            render=str(args.get("render", "auto")).strip().lower(),
            screenshots=parse_screenshots(args.get("screenshots", "0")),
            rss_max=parse_int("rss_max", args.get("rss_max", 100), minimum=1),
            refetch=parse_bool("refetch", args.get("refetch", "0")),
        )
        if opts.render not in ("auto", "always", "never"):
            raise UserError(f"-a render: expected auto, always or never, got {opts.render!r}")
        if opts.since and opts.until and opts.since > opts.until:
            raise UserError("-a since is later than -a until")
        if opts.rss_max > 500:
            raise UserError("-a rss_max: the site serves at most 500 items")
        return opts
