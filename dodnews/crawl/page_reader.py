"""Reading an article page for its capture: extraction, digests, and the WARC writer told.

The page is extracted and its digests worked out in the extraction pool (in a worker when there
are any). Its content digest goes to the WARC writer (the `page_content` signal), which keeps it
for the next capture of the article. A re-capture whose page is the archived one (the site
ignored the conditional request; byte for byte, or per-request tokens aside) is recorded
not-modified without parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dodnews.crawl import signals as dodnews_signals
from dodnews.crawl.capturing import apply_read
from dodnews.crawl.extraction_pool import ExtractionPool
from dodnews.model import OUTCOME_NOT_MODIFIED
from dodnews.site import WAR, Site
from dodnews.warc.writer import page_digests

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

    from dodnews.model import Capture

# (article id, WARC record id of the page's response, (content digest, body digest)) -> the body
# digest of the last page archived for the article with the same content, or None.
NoteContent = Callable[[int, str, tuple[str, str]], str | None]


class PageReader:
    """Fills in an ok capture from its page (see the module docstring)."""

    def __init__(
        self,
        pool: ExtractionPool,
        note_content: NoteContent | None = None,
        stats: StatsCollector | None = None,
        same_digest_stat: str = "dodnews/same_digest",
        site: Site = WAR,
    ) -> None:
        self.pool = pool
        self.site = site
        self.note_content = note_content
        self.stats = stats
        self.same_digest_stat = same_digest_stat

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageReader:
        """With the crawl's extraction pool (DODNEWS_EXTRACT_WORKERS) and WARC writer; a page
        recognized by its digest counts in dodnews/<spider>/same_digest (built once the crawler
        has its spider)."""

        def note_content(article_id: int, record_id: str, content: tuple[str, str]) -> str | None:
            answers = crawler.signals.send_catch_log(
                dodnews_signals.page_content,
                article_id=article_id,
                record_id=record_id,
                content=content,
            )
            return next((answer for _, answer in answers if isinstance(answer, str)), None)

        return cls(
            ExtractionPool.from_crawler(crawler),
            note_content,
            crawler.stats,
            f"dodnews/{crawler.spider.name}/same_digest",
            getattr(crawler.spider, "site", None) or WAR,
        )

    async def read(self, response: Response, capture: Capture) -> None:
        """Extract the page into `capture` (or mark it not-modified: see the module docstring).

        `response.meta["dodnews_digest"]` is the body digest of the archived page, if any.
        """
        known = response.meta.get("dodnews_digest")
        if not known:
            read = await self.pool.read(response.body, capture.final_url or "", self.site)
            self.tell_warc(response, capture.article_id, read.content)
            apply_read(capture, read)
            return
        content = await self.pool.run(page_digests, response.body)
        same_as = self.tell_warc(response, capture.article_id, content)
        if known in (same_as, content[1]):
            capture.body_digest = content[1]
            capture.outcome = OUTCOME_NOT_MODIFIED
            if self.stats is not None:
                self.stats.inc_value(self.same_digest_stat)
            return
        page = await self.pool.read(response.body, capture.final_url or "", self.site, content)
        apply_read(capture, page)

    def tell_warc(
        self, response: Response, article_id: int, content: tuple[str, str]
    ) -> str | None:
        """Hand a page's digests to the WARC writer; returns the body digest of the last page
        archived for the article with the same content (tokens aside), or None."""
        warc = response.meta.get("warc")
        # the index follows what the server sent, not DOMs the browser made of it
        if self.note_content is None or not warc or "playwright" in response.flags:
            return None
        return self.note_content(article_id, warc["record_id"], content)
