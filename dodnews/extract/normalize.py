"""Normalization of extracted articles: Unicode NFC, whitespace, URLs. Pure, no Scrapy."""

from __future__ import annotations

from dataclasses import replace

from dodnews.extract.text import collapse_whitespace
from dodnews.model import Article, Image, RelatedLink
from dodnews.site import MAX_ID, SECTION_KEYS


def collapse_whitespace_keep_none(text: str | None) -> str | None:
    """`collapse_whitespace` (NFC, one space for every run, nbsp included), with None kept."""
    return None if text is None else collapse_whitespace(text)


def normalize_article(article: Article) -> Article:
    """The article with every text field cleaned and lists de-duplicated; image URLs as given."""
    paragraphs: list[str] = []
    headings: list[int] = []
    heading_set = set(article.headings)
    for index, text in enumerate(article.paragraphs):
        cleaned = collapse_whitespace_keep_none(text)
        if not cleaned:
            continue
        if index in heading_set:
            headings.append(len(paragraphs))
        paragraphs.append(cleaned)
    images = [
        Image(
            src=i.src,  # as the page gave it: size variants are matched by VIRIN, not rewritten
            virin=collapse_whitespace_keep_none(i.virin),
            title=collapse_whitespace_keep_none(i.title),
            alt=collapse_whitespace_keep_none(i.alt),
            caption=collapse_whitespace_keep_none(i.caption),
            credit=collapse_whitespace_keep_none(i.credit),
        )
        for i in article.images
    ]
    seen: set[int] = set()
    related: list[RelatedLink] = []
    for link in article.related:
        if link.article_id in seen or link.article_id == article.article_id:
            continue
        seen.add(link.article_id)
        related.append(replace(link, title=collapse_whitespace_keep_none(link.title) or ""))
    return replace(
        article,
        title=collapse_whitespace_keep_none(article.title) or "",
        byline=collapse_whitespace_keep_none(article.byline) or None,
        summary=collapse_whitespace_keep_none(article.summary) or None,
        paragraphs=paragraphs,
        headings=headings,
        images=images,
        related=related,
        tags=sorted({t for t in (collapse_whitespace_keep_none(t) for t in article.tags) if t}),
        banner=collapse_whitespace_keep_none(article.banner) or None,
        corrections=[
            c for c in (collapse_whitespace_keep_none(c) for c in article.corrections) if c
        ],
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
