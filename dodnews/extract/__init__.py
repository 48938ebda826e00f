"""Extraction: pure functions that turn the site's pages and feeds into typed records.

No Scrapy import: the spider, the CLI, the tests and the benchmarks share these functions.
"""

from dodnews.extract._dom import is_bot_wall
from dodnews.extract.article import EXTRACTOR_VERSION, extract_article
from dodnews.extract.dates import jss_to_iso, parse_ap_date, rfc822_to_iso
from dodnews.extract.errors import (
    BadFeed,
    BlockedPage,
    EmptyPage,
    ExtractionError,
    NotAnArticle,
    TruncatedPage,
)
from dodnews.extract.listing import extract_getlist, extract_listing
from dodnews.extract.related import extract_related, related_from_root
from dodnews.extract.rss import extract_rss

__all__ = [
    "EXTRACTOR_VERSION",
    "BadFeed",
    "BlockedPage",
    "EmptyPage",
    "ExtractionError",
    "NotAnArticle",
    "TruncatedPage",
    "extract_article",
    "extract_getlist",
    "extract_listing",
    "extract_related",
    "extract_rss",
    "is_bot_wall",
    "jss_to_iso",
    "parse_ap_date",
    "related_from_root",
    "rfc822_to_iso",
]
