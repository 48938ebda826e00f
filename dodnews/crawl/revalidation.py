"""Re-captures of archived articles: what the archive holds to revalidate them with.

A request for an article the archive knows carries its stored ETag / Last-Modified, and the
capture the body digest of the page the archive holds, so that an unchanged page costs a 304, or
at least no parsing (see dodnews.crawl.page_reader). A page that answered "not modified" was not
parsed: its related stories are those of the version the archive holds.

304s are trusted for DODNEWS_TRUST_304_DAYS (default 30) after the page was last received whole:
past that, the request carries no validators and the whole page comes again, so that a server or
cache answering 304 for a page that did change cannot hide the edit for longer. The body digest is
still checked first: an unchanged page is still not parsed.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from dodnews.archive.schema import HEADER_VALUE_LIMIT
from dodnews.crawl.archive_handle import ArchiveHandle, shared_archive
from dodnews.errors import UserError
from dodnews.utc import parse_utc

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

    from dodnews.archive import Archive
    from dodnews.archive.records import ArticleRecord
    from dodnews.model import RelatedLink

logger = logging.getLogger(__name__)

# What a field value may hold (RFC 9110 section 5.5): visible ASCII, space, tab and obs-text.
_FIELD_VALUE_RE = re.compile(r"[\t\x20-\x7e\x80-\xff]+")


def sendable(value: str | None) -> str | None:
    """A stored validator as it may be sent back, or None: whole (the archive keeps the first
    HEADER_VALUE_LIMIT characters of a header) and made of what a header may carry. A NUL or a cut
    value would ask the server about a validator it never gave."""
    if not value or len(value) >= HEADER_VALUE_LIMIT or not _FIELD_VALUE_RE.fullmatch(value):
        return None
    return value


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional re-capture of one article is checked against."""

    etag: str | None
    last_modified: str | None
    body_digest: str | None
    downloaded_at: str | None = None  # the page last received whole (ISO, UTC)

    def trusted(self, since: datetime | None) -> bool:
        """True when a 304 may stand for the page: it was received whole after `since` (None:
        always)."""
        if since is None:
            return True
        return self.downloaded_at is not None and parse_utc(self.downloaded_at) >= since

    def headers(self, conditional: bool = True) -> dict[str, str]:
        """The conditional request headers (and no cached copy from anyone on the way)."""
        headers = {"Cache-Control": "max-age=0"}
        if not conditional:
            return headers
        if etag := sendable(self.etag):
            headers["If-None-Match"] = etag
        if last_modified := sendable(self.last_modified):
            headers["If-Modified-Since"] = last_modified
        return headers


def trust_cutoff(days: float, now: datetime | None = None) -> datetime | None:
    """Pages last received whole before this time no longer vouch for a 304 (None: 0 days, 304s
    are always trusted)."""
    if days <= 0:
        return None
    return (now or datetime.now(UTC)) - timedelta(days=days)


def validators_of(records: Iterable[ArticleRecord]) -> dict[int, Validators]:
    """Validators by article id, for the archived articles that have any."""
    return {
        record.article_id: Validators(
            record.etag, record.last_modified, record.body_digest, record.last_downloaded
        )
        for record in records
        if record.etag or record.last_modified or record.body_digest
    }


class ArchiveView:
    """A crawl's read-only look at the archive: validators when it opens, the stored related
    stories of pages that answered "not modified" as it goes.

    Given the crawl's ArchiveHandle it reads through it (and leaves closing it to the crawl);
    given a URL it opens and closes an archive of its own.
    """

    def __init__(self, archive: ArchiveHandle | str | None) -> None:
        self._owned = not isinstance(archive, ArchiveHandle)
        self.handle = ArchiveHandle(archive) if self._owned else archive  # type: ignore[arg-type]
        self._unavailable = False

    def _open(self) -> Archive | None:
        """The archive, or None when there is none to read (never created here: a crawl without
        the archive pipeline simply downloads everything)."""
        if self._unavailable:
            return None
        try:
            return self.handle.open(create=False)
        except UserError as exc:
            logger.warning("No conditional requests: %s", exc)
            self._unavailable = True
            return None

    def validators(self) -> dict[int, Validators]:
        """Every archived article's validators, by id."""
        archive = self._open()
        if archive is None:
            return {}
        return {key: Validators(*value) for key, value in archive.validators().items()}

    def related(self, article_id: int) -> list[RelatedLink]:
        """The related stories of the article's current version ([] when it has none)."""
        archive = self._open()
        version = archive.latest_version(article_id) if archive is not None else None
        return list(version.article.related) if version is not None else []

    def close(self) -> None:
        """Close the archive this view opened itself (the crawl's handle closes with the crawl)."""
        if self._owned:
            self.handle.close()


class Revalidation:
    """Conditional requests for the articles the archive holds.

    `known` maps an article id to what its re-capture is checked against: every archived
    article (`load_known`, the news spider unless -a refetch=1) or the due ones (`use`, the
    recheck). A 304 stands for a page received whole after `trust_since` (None: always). Without
    a view (a spider not crawling yet), nothing is known and nothing is revalidated.
    """

    def __init__(
        self,
        view: ArchiveView | None = None,
        trust_since: datetime | None = None,
        stats: StatsCollector | None = None,
    ) -> None:
        self.view = view
        self.trust_since = trust_since
        self.stats = stats
        self.known: dict[int, Validators] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Revalidation:
        """Through the crawl's archive, trusting 304s for DODNEWS_TRUST_304_DAYS (from now)."""
        days = crawler.settings.getfloat("DODNEWS_TRUST_304_DAYS", 30.0)
        return cls(ArchiveView(shared_archive(crawler)), trust_cutoff(days), crawler.stats)

    def load_known(self) -> None:
        """The validators of every article the archive holds (stat dodnews/revalidate/known)."""
        self.known = self.view.validators() if self.view is not None else {}
        if self.stats is not None:
            self.stats.set_value("dodnews/revalidate/known", len(self.known))

    def use(self, known: dict[int, Validators]) -> None:
        """Revalidate these articles (and no others)."""
        self.known = known

    def conditional(
        self, article_id: int, headers: dict[str, str] | None = None
    ) -> tuple[dict[str, str] | None, str | None]:
        """The request headers for an article (`headers` win over the validators') and the body
        digest of the archived page, None for an article not known.

        An article received whole too long ago gets the whole page again, no validators: its
        digest is still checked before parsing (stat dodnews/revalidate/untrusted).
        """
        validators = self.known.get(article_id)
        if validators is None:
            return headers, None
        trusted = validators.trusted(self.trust_since)
        if not trusted and self.stats is not None:
            self.stats.inc_value("dodnews/revalidate/untrusted")
        headers = {**validators.headers(conditional=trusted), **(headers or {})}
        return headers, validators.body_digest

    def stored_related(self, article_id: int) -> list[RelatedLink]:
        """The related stories of the version the archive holds (for a not-modified page)."""
        if self.view is None:
            return []
        return self.view.related(article_id)
