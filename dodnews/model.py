"""The records that flow through dodnews: articles, their parts, listing entries and captures.

Plain dataclasses (ItemAdapter-friendly) with no Scrapy import, so extraction, diffing, the CLI and
the tests share them. Field names are the snake_case JSON names documented in README.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class Image:
    """A photo in an article: `src` is its address as the page gives it; keyed by VIRIN."""

    src: str
    virin: str | None = None
    title: str | None = None
    alt: str | None = None
    caption: str | None = None
    credit: str | None = None


@dataclass
class RelatedLink:
    """One "Related Stories" entry, keyed by article id."""

    article_id: int
    title: str
    url: str
    section: str | None = None
    published: str | None = None


@dataclass
class Article:
    """One article as a reader sees it, without page chrome.

    `paragraphs` holds body text in order; `headings` holds the indexes into `paragraphs` that are
    headings (contract agency names such as "NAVY"), so the order is kept and the heading is marked.
    """

    article_id: int
    url: str
    section: str
    title: str
    content_type: str | None = None
    published: str | None = None
    byline: str | None = None
    summary: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    related: list[RelatedLink] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    banner: str | None = None
    corrections: list[str] = field(default_factory=list)
    extractor_version: str = ""
    # True when the page named its own canonical URL (og:url); False when the slug in `url` is
    # only the one it was fetched at, which says nothing about the article (slug variants).
    canonical_known: bool = True
    # The visible text of the article region, block by block (dodnews.extract.region): what the
    # diff's safety net compares. Empty for versions archived before it was kept.
    region: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        # what dataclasses.asdict gives, built directly (asdict's generic deep copy is ~20x slower)
        data = {name: getattr(self, name) for name in _ARTICLE_FIELDS}
        for name in ("paragraphs", "headings", "tags", "corrections", "region"):
            data[name] = list(data[name])
        data["images"] = [{k: getattr(i, k) for k in _IMAGE_FIELDS} for i in self.images]
        data["related"] = [{k: getattr(r, k) for k in _RELATED_FIELDS} for r in self.related]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["images"] = [
            Image(**i) if isinstance(i, dict) else i for i in data.get("images", [])
        ]
        values["related"] = [
            RelatedLink(**r) if isinstance(r, dict) else r for r in data.get("related", [])
        ]
        return cls(**values)


_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_IMAGE_FIELDS = tuple(f.name for f in fields(Image))
_RELATED_FIELDS = tuple(f.name for f in fields(RelatedLink))


@dataclass
class ListingEntry:
    """An article as a listing page, RSS feed or GetList response announces it."""

    article_id: int
    url: str
    title: str | None = None
    summary: str | None = None
    section: str | None = None
    content_type: str | None = None
    published: str | None = None
    image_url: str | None = None
    source: str = "listing"
    # The id the entry's markup claimed (an `article-id` attribute, an `item-N` class, an RSS
    # guid) when it differs from the id in its link: only a hint, never the entry's identity.
    id_hint: int | None = None


# Outcomes of a capture (one fetch).
OUTCOME_OK = "ok"
OUTCOME_NOT_MODIFIED = "not-modified"
OUTCOME_BLOCKED = "blocked"
OUTCOME_ERROR = "error"
OUTCOME_GONE = "gone"
OUTCOMES = (OUTCOME_OK, OUTCOME_NOT_MODIFIED, OUTCOME_BLOCKED, OUTCOME_ERROR, OUTCOME_GONE)


@dataclass
class Capture:
    """One fetch of one article URL and what came of it; `article` is set only for outcome ok.

    `headers` are the response headers the server sent. A page read in the browser
    (docs/browser.md) also carries its evidence: why it was rendered (`rendered`: botwall,
    javascript, always or screenshot), the WARC record of the rendered DOM it was read from
    (`rendered_warc`, "file#record-id") and the SHA-256 of its screenshot (`screenshot`).
    """

    article_id: int
    requested_url: str
    fetched_at: str
    outcome: str
    status: int | None = None
    final_url: str | None = None
    redirects: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body_digest: str | None = None
    error: str | None = None
    warc_file: str | None = None
    warc_record_id: str | None = None
    article: Article | None = None
    rendered: str | None = None
    rendered_warc: str | None = None
    screenshot: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
