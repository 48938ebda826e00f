"""`scrapy crawl recheck`: re-capture the archived articles that are due, politely and cheaply.

Each request carries the stored ETag / Last-Modified, so an unchanged article costs a 304 and no
parsing. When the site ignores conditional requests, an unchanged body is recognized by its digest
before extraction. The first listing page of each section is fetched too, to find new articles.
`-a refetch=1` does neither: every page is downloaded and parsed again (after an extractor
upgrade, or to check a site whose 304s are not trusted).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import scrapy

from dodnews.due import parse_policy, parse_time
from dodnews.errors import UserError
from dodnews.extract import extract_listing
from dodnews.site import canonical_url, listing_url, to_real_url
from dodnews.spiders.base import CaptureSpider
from dodnews.spiders.options import (
    parse_base_url,
    parse_bool,
    parse_int,
    parse_sections,
    parse_site,
)
from dodnews.spiders.revalidation import validators_of

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

LISTING_STATUSES = [403, 404, 429, 500, 502, 503, 504]
KNOWN_ARGS = {"ids", "all", "limit", "base_url", "sections", "listings", "site", "refetch"}


def parse_recheck_args(args: dict[str, Any], settings: Any = None) -> dict[str, Any]:
    """Checked `-a` values; `settings` (Scrapy's) may carry DODNEWS_SITE."""
    unknown = sorted(set(args) - KNOWN_ARGS)
    if unknown:
        raise UserError(
            f"unknown spider argument -a {unknown[0]}=...; known: {', '.join(sorted(KNOWN_ARGS))}"
        )
    site = parse_site(args.get("site"), settings)  # before the sections: they are the site's
    ids: list[int] = []
    for part in str(args.get("ids", "") or "").split(","):
        if part.strip():
            ids.append(parse_int("ids", part, minimum=1))
    return {
        "ids": ids,
        "all": parse_bool("all", args.get("all", "0")),
        "limit": parse_int("limit", args.get("limit", 0)),
        "base_url": parse_base_url(args.get("base_url")),
        "sections": parse_sections(args.get("sections")),
        "listings": parse_bool("listings", args.get("listings", "1")),
        "refetch": parse_bool("refetch", args.get("refetch", "0")),
        "site": site,
    }


class RecheckSpider(CaptureSpider):
    """Due articles from the archive (or `-a ids=`, `-a all=1`), with conditional requests."""

    name = "recheck"
    related_depth = 0

    @staticmethod
    def check_arguments(args: dict[str, Any], settings: Any = None) -> None:
        parse_recheck_args(args, settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> RecheckSpider:
        opts = parse_recheck_args(kwargs, crawler.settings)
        cls.open_up_for_loopback(crawler, opts["base_url"])
        spider = super().from_crawler(crawler, *args)
        spider.opts = opts
        spider.base_url = opts["base_url"]
        policy = parse_policy(crawler.settings.get("DODNEWS_RECHECK_POLICY"))
        spider.policy = replace(
            policy,
            changed_days=crawler.settings.getfloat(
                "DODNEWS_RECHECK_CHANGED_DAYS", policy.changed_days
            ),
            changed_hours=crawler.settings.getfloat(
                "DODNEWS_RECHECK_CHANGED_HOURS", policy.changed_hours
            ),
        )
        return spider

    opts: dict[str, Any]
    _known_ids: frozenset[int] | set[int] = frozenset()

    def due_articles(self) -> list[Any]:
        """The archived articles to re-capture now, most overdue first."""
        from dodnews.archive import Archive

        archive = Archive.open(self.crawler.settings.get("DODNEWS_ARCHIVE") or None)
        try:
            known = archive.known_articles()
        finally:
            archive.close()
        self._known_ids = {a.article_id for a in known}
        now = datetime.now(UTC)
        if self.opts["ids"]:
            wanted = set(self.opts["ids"])
            chosen = [a for a in known if a.article_id in wanted]
            missing = wanted - {a.article_id for a in chosen}
            if missing:
                self.logger.warning("Not in the archive, skipped: %s", sorted(missing))
        elif self.opts["all"]:
            chosen = list(known)
        else:
            chosen = [
                a
                for a in known
                if self.policy.is_due(
                    published=parse_time(a.published),
                    last_captured=parse_time(a.last_captured),
                    last_changed=parse_time(a.last_changed),
                    gone=bool(a.gone),
                    now=now,
                )
            ]
        chosen.sort(key=lambda a: parse_time(a.last_captured) or datetime.min.replace(tzinfo=UTC))
        if self.opts["limit"]:
            chosen = chosen[: self.opts["limit"]]
        self.crawler.stats.set_value("dodnews/recheck/known", len(known))
        self.crawler.stats.set_value("dodnews/recheck/due", len(chosen))
        return chosen

    async def start(self) -> AsyncIterator[scrapy.Request]:
        chosen = self.due_articles()
        if not self.opts["refetch"]:
            self.revalidate = validators_of(chosen)
        self.logger.info("Re-capturing %d archived articles", len(chosen))
        for record in chosen:
            url = record.url or canonical_url(
                record.article_id, record.section or "news-stories", ""
            )
            request = self.article_request(
                url,
                0,
                source="recheck",
                article_id=record.article_id,
                headers={"Cache-Control": "max-age=0"},
            )
            if request is not None:
                yield request
        if self.opts["listings"]:
            for section in self.opts["sections"]:
                yield scrapy.Request(
                    self.site_url(listing_url(section, 1)),
                    callback=self.parse_listing,
                    meta={
                        "dodnews_kind": "listing",
                        "section": section,
                        "handle_httpstatus_list": LISTING_STATUSES,
                    },
                )

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request]:
        if response.status >= 400:
            self.crawler.stats.inc_value("dodnews/listing/error")
            return
        self.crawler.stats.inc_value("dodnews/listing/ok")
        for entry in extract_listing(response.body, to_real_url(response.url, self.base_url)):
            if entry.article_id in self._known_ids:
                continue  # known articles are re-captured when due, not because they are listed
            request = self.article_request(
                entry.url, 0, source="listing", article_id=entry.article_id, id_hint=entry.id_hint
            )
            if request is not None:
                yield request
