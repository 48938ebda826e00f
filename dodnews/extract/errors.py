"""Why a page could not be turned into a record."""

from __future__ import annotations


class ExtractionError(ValueError):
    """A page (or feed) that extraction cannot turn into records."""


class EmptyPage(ExtractionError):
    """The page has no content at all: empty or whitespace-only body, or no elements."""


class BlockedPage(ExtractionError):
    """The page is the Akamai bot wall (a tiny "Access Denied" page), not the site's content."""


class NotAnArticle(ExtractionError):
    """The page is real HTML but not an article: no title/body block, or no article id."""


class BadFeed(ExtractionError):
    """An RSS feed or GetList response that cannot be parsed as one."""


class TruncatedPage(ExtractionError):
    """The parser stopped short of the page's end (past even lxml's huge-tree limits): text lost."""
