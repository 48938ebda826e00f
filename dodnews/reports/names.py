"""The names of the article and rollout pages in diffs/: built from integers and hex only."""

from __future__ import annotations

import re

_ARTICLE_RE = re.compile(r"article-([0-9]+)\.html")
_ROLLOUT_KEY_RE = re.compile(r"rollout-[0-9a-f]{16}")
_ROLLOUT_RE = re.compile(r"rollout-[0-9a-f]{16}\.html")


def article_name(article_id: int) -> str:
    """The page of one article: article-<id>.html (from an integer only)."""
    if type(article_id) is not int or article_id < 0:
        raise ValueError(f"not an article id: {article_id!r}")
    return f"article-{article_id}.html"


def rollout_name(key: str) -> str:
    """The page of one rollout: its event key ("rollout-" and 16 hex digits) + ".html"."""
    if not _ROLLOUT_KEY_RE.fullmatch(key):
        raise ValueError(f"not a rollout key: {key!r}")
    return f"{key}.html"


def is_article_file(name: str) -> bool:
    return _ARTICLE_RE.fullmatch(name) is not None


def is_rollout_file(name: str) -> bool:
    return _ROLLOUT_RE.fullmatch(name) is not None
