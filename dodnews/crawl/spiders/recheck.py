"""`scrapy crawl recheck`: re-capture the archived articles that are due, politely and cheaply.

Which articles: by default the budgeted policy (dodnews/monitor/policy.py, docs/scheduling.md)
values every archived article and spends `-a budget=N` requests (no limit when not given) on the
most valuable ones worth a request; what did not fit is the run's backlog. `-a policy=age` is the
age table of dodnews/monitor/due.py instead.

Each request carries the stored ETag / Last-Modified, so an unchanged article costs a 304 and no
parsing. When the site ignores conditional requests, an unchanged body is recognized by its digest
before extraction. The first listing page of each section is fetched too, to find new articles.
`-a refetch=1` does neither: every page is downloaded and parsed again (after an extractor
upgrade, or to check a site whose 304s are not trusted).
"""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import scrapy

from dodnews import words
from dodnews.crawl.archive_handle import shared_archive
from dodnews.crawl.distributed.plan import SharedPlan, spend
from dodnews.crawl.revalidation import validators_of
from dodnews.crawl.spider_settings import open_up_for_loopback
from dodnews.crawl.spiders.base import CaptureSpider
from dodnews.crawl.spiders.options import (
    parse_base_url,
    parse_bool,
    parse_int,
    parse_sections,
    parse_site,
)
from dodnews.errors import UserError
from dodnews.extract import extract_listing
from dodnews.monitor.due import parse_policy, parse_time
from dodnews.monitor.policy_inputs import policy_from_settings, read_schedule
from dodnews.site import canonical_url, listing_url, to_real_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response

LISTING_STATUSES = [403, 404, 429, 500, 502, 503, 504]
KNOWN_ARGS = {
    "ids",
    "all",
    "limit",
    "base_url",
    "sections",
    "listings",
    "site",
    "refetch",
    "budget",
    "policy",
}
POLICIES = ("budgeted", "age")


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
        "sections": parse_sections(args.get("sections"), site),
        "listings": parse_bool("listings", args.get("listings", "1")),
        "refetch": parse_bool("refetch", args.get("refetch", "0")),
        "site": site,
        "budget": parse_budget(args.get("budget")),
        "policy": parse_policy_name(args.get("policy"), settings),
    }


def parse_budget(value: Any) -> int | None:
    """`-a budget=N`: requests the run may spend (listing pages included); none: no limit."""
    if value in (None, "", "none"):
        return None
    return parse_int("budget", value, minimum=0)


def parse_policy_name(value: Any, settings: Any = None) -> str:
    """`-a policy=budgeted|age` (default: DODNEWS_RECHECK_SCHEDULER, else budgeted)."""
    if value in (None, "") and settings is not None:
        value = settings.get("DODNEWS_RECHECK_SCHEDULER")
    name = str(value or "budgeted").strip().lower()
    if name not in POLICIES:
        raise UserError(f"-a policy: expected {' or '.join(POLICIES)}, got {value!r}")
    return name


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
        open_up_for_loopback(crawler.settings, opts["base_url"])
        spider = super().from_crawler(crawler, *args)
        spider.opts = opts
        spider.site = opts["site"]
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
    _titles: dict[int, str]
    _records: dict[int, Any] | None = None
    _shared_plan: SharedPlan | None = None

    def due_articles(self) -> list[Any]:
        """The archived articles to re-capture now, in the order to fetch them."""
        budgeted = not (self.opts["ids"] or self.opts["all"])
        # In a shared crawl, what an earlier planner of the same crawl queued already
        # (it died while queuing: this worker took the seeding over).
        self._shared_plan = self._open_shared_plan() if budgeted else None
        taken = self._shared_plan.taken() if self._shared_plan is not None else set()
        archive = shared_archive(self.crawler).open()
        known = archive.known_articles()
        self._remember(known)
        self._titles = {}
        now = datetime.now(UTC)
        budget = self._article_budget()
        stats = self.crawler.stats
        if self.opts["ids"]:
            wanted = set(self.opts["ids"])
            chosen = [a for a in known if a.article_id in wanted]
            missing = wanted - {a.article_id for a in chosen}
            if missing:
                self.logger.warning("Not in the archive, skipped: %s", sorted(missing))
        elif self.opts["all"]:
            chosen = list(known)
        elif self.opts["policy"] == "age":
            chosen = self._age_due(known, now)
            stats.set_value("dodnews/monitor/policy/due", len(chosen))
        else:
            room = None if budget is None else budget + len(taken)
            chosen = self._planned(archive, now, room)
            self._titles = archive.current_titles() if self.opts["listings"] else {}
        if not budgeted or self.opts["policy"] == "age":
            chosen.sort(
                key=lambda a: parse_time(a.last_captured) or datetime.min.replace(tzinfo=UTC)
            )
        if budgeted:
            if taken:
                self.logger.info("%d articles of this run were queued already", len(taken))
            chosen = spend(chosen, taken, budget)
        if self.opts["limit"]:
            chosen = chosen[: self.opts["limit"]]
        self.crawler.stats.set_value("dodnews/recheck/known", len(known))
        self.crawler.stats.set_value("dodnews/recheck/due", len(chosen))
        if budgeted:
            due = stats.get_value("dodnews/monitor/policy/due", len(chosen))
            stats.set_value("dodnews/monitor/policy/policy", self.opts["policy"])
            stats.set_value("dodnews/monitor/policy/budget", self.opts["budget"])
            stats.set_value("dodnews/monitor/policy/scheduled", len(chosen))
            stats.set_value("dodnews/monitor/policy/backlog", max(0, due - len(chosen)))
        return chosen

    def _open_shared_plan(self) -> SharedPlan | None:
        """The shared crawl's record of queued articles (None when the crawl is not shared)."""
        if not self.crawler.settings.get("DODNEWS_REDIS_URL"):
            return None
        return SharedPlan.from_crawler(self.crawler)

    def _remember(self, known: list[Any]) -> None:
        """What the listing pages are checked against: the archived articles."""
        self._known_ids = {a.article_id for a in known}
        self._records = {a.article_id: a for a in known}

    def _read_archive_for_listings(self) -> None:
        """The archive as the listing pages need it, in a worker of a shared crawl that did not
        plan the run (another worker's start requests sent it a listing page)."""
        archive = shared_archive(self.crawler).open()
        self._remember(archive.known_articles())
        budgeted = self.opts["policy"] == "budgeted" and not (self.opts["ids"] or self.opts["all"])
        self._titles = archive.current_titles() if budgeted else {}

    def _article_budget(self) -> int | None:
        """The budget left for articles once the listing pages are paid for."""
        budget = self.opts["budget"]
        if budget is None:
            return None
        pages = len(self.opts["sections"]) if self.opts["listings"] else 0
        return max(0, budget - pages)

    def _age_due(self, known: list[Any], now: datetime) -> list[Any]:
        """dodnews/monitor/due.py's test: the articles whose age-table interval has passed."""
        return [
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

    def _planned(self, archive: Any, now: datetime, budget: int | None) -> list[Any]:
        """The budgeted policy's plan: the most valuable articles worth a request."""
        schedule = read_schedule(archive, policy_from_settings(self.crawler.settings), now)
        plan = schedule.plan(budget)
        stats = self.crawler.stats
        stats.set_value("dodnews/monitor/policy/due", plan.worth)
        stats.set_value("dodnews/monitor/policy/held", plan.held)
        reasons: dict[str, int] = {}
        for state in plan.chosen:
            reason = plan.valuations[state.article_id].reason
            reasons[reason] = reasons.get(reason, 0) + 1
        for reason, count in sorted(reasons.items()):
            stats.set_value(f"dodnews/monitor/policy/for/{reason}", count)
        self.logger.info(
            "Schedule: %s due, %d fit the budget (%s), backlog %d",
            words.count(plan.worth, "article"),
            len(plan.chosen),
            "no limit" if budget is None else budget,
            plan.backlog,
        )
        return [schedule.records[state.article_id] for state in plan.chosen]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        chosen = self.due_articles()
        if not self.opts["refetch"]:
            self.revalidation.use(validators_of(chosen))
        self.logger.info("Re-capturing %d archived articles", len(chosen))
        for record in chosen:
            url = record.url or canonical_url(
                record.article_id, record.section or "news-stories", "", self.site
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
                if self._shared_plan is not None:
                    # queued by now (the engine queues each start request before the next)
                    self._shared_plan.add(record.article_id)
        if self.opts["listings"]:
            for section in self.opts["sections"]:
                yield scrapy.Request(
                    self.site_url(listing_url(section, self.site)),
                    callback=self.parse_listing,
                    errback=self.listing_failed,
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
        if self._records is None:
            self._read_archive_for_listings()
        page_url = to_real_url(response.url, self.base_url, self.site)
        for entry in extract_listing(response.body, page_url, self.site):
            if entry.article_id in self._known_ids:
                # Known articles come when due, unless the listing shows a changed title or
                # date: then now, the listing having paid for the news.
                if not self._listing_changed(entry):
                    continue
                request = self.article_request(
                    entry.url, 0, source="listing-changed", article_id=entry.article_id
                )
                if request is not None:
                    self.crawler.stats.inc_value("dodnews/monitor/policy/listing_changed")
                    yield request
                continue
            request = self.article_request(
                entry.url, 0, source="listing", article_id=entry.article_id, id_hint=entry.id_hint
            )
            if request is not None:
                yield request

    def _listing_changed(self, entry: Any) -> bool:
        """Whether a listing entry's title or date differs from the archived article's."""
        title = self._titles.get(entry.article_id)
        if title and entry.title and _plain(entry.title) != _plain(title):
            return True
        record = self._records.get(entry.article_id) if self._titles and self._records else None
        published = getattr(record, "published", None)
        return bool(published and entry.published and entry.published[:10] != published[:10])


def _plain(text: str) -> str:
    """Text compared case-, space- and Unicode-form-blind (listing and page agree on those)."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
