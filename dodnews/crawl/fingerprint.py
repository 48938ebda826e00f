"""Request fingerprints keyed by article id, so every URL variant of one article is one request."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from scrapy.utils.request import RequestFingerprinter

from dodnews.site import article_id_from_url

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler


class ArticleIdFingerprinter:
    """Article requests are identified by their numeric id; everything else as Scrapy does.

    A redirected request keeps the id of the request it came from, so the hop count is part of the
    fingerprint: the dupe filter must let the 301 target through once, and only once.
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self._default = RequestFingerprinter(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleIdFingerprinter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        article_id = request.meta.get("article_id") or article_id_from_url(request.url)
        if article_id is None or request.meta.get("dodnews_kind", "article") != "article":
            return self._default.fingerprint(request)
        hops = len(request.meta.get("redirect_urls", ()))
        key = f"article:{article_id}:{request.method}:{hops}"
        if request.meta.get("playwright"):
            key += ":rendered"
        return hashlib.sha1(key.encode()).digest()
