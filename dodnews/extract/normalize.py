"""Normalization of extracted articles: Unicode NFC, whitespace, URLs. Pure, no Scrapy."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from dodnews.model import Article, Image, RelatedLink
from dodnews.site import MAX_ID, SECTION_KEYS

_SPACE_RE = re.compile(r"\s+")


def clean_text(text: str | None) -> str | None:
    """NFC and collapsed whitespace (nbsp included); quotes are left as published."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = _SPACE_RE.sub(" ", text).strip()
    return text


def normalize_article(article: Article) -> Article:
    """The article with every text field cleaned and lists de-duplicated; image URLs as given."""
    paragraphs: list[str] = []
    headings: list[int] = []
    heading_set = set(article.headings)
    for index, text in enumerate(article.paragraphs):
        cleaned = clean_text(text)
        if not cleaned:
            continue
        if index in heading_set:
            headings.append(len(paragraphs))
        paragraphs.append(cleaned)
    images = [
        Image(
            src=i.src,  # as the page gave it: size variants are matched by VIRIN, not rewritten
            virin=clean_text(i.virin),
            title=clean_text(i.title),
            alt=clean_text(i.alt),
            caption=clean_text(i.caption),
            credit=clean_text(i.credit),
        )
        for i in article.images
    ]
    seen: set[int] = set()
    related: list[RelatedLink] = []
    for link in article.related:
        if link.article_id in seen or link.article_id == article.article_id:
            continue
        seen.add(link.article_id)
        related.append(replace(link, title=clean_text(link.title) or ""))
    return replace(
        article,
        title=clean_text(article.title) or "",
        byline=clean_text(article.byline) or None,
        summary=clean_text(article.summary) or None,
        paragraphs=paragraphs,
        headings=headings,
        images=images,
        related=related,
        tags=sorted({t for t in (clean_text(t) for t in article.tags) if t}),
        banner=clean_text(article.banner) or None,
        corrections=[c for c in (clean_text(c) for c in article.corrections) if c],
    )


def validation_problem(article: Article) -> str | None:
    """Why an article cannot be archived (a short reason), or None when it is valid."""
    if not isinstance(article.article_id, int) or not 0 < article.article_id <= MAX_ID:
        return "bad_article_id"  # past MAX_ID no archive back end can store it
    if not article.url:
        return "missing_url"
    if not article.title:
        return "missing_title"
    if article.section not in SECTION_KEYS:
        return "unknown_section"
    if not article.paragraphs and not article.images:
        return "empty_body"
    return None
