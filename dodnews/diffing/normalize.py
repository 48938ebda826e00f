"""Text, date and URL normalization for comparison, and the content hash of an article.

Two levels of normalization:

* `norm_text` removes what is never an edit: Unicode composition (NFC vs NFD, nbsp and other
  compatibility forms, via NFKC), zero-width characters, soft hyphens, leftover HTML entities and
  runs of whitespace. Two texts with equal `norm_text` are the same text; quotes stay as written.
* `match_text` additionally unifies curly/straight quotes and dash variants and folds case. It is
  used only to decide which paragraphs correspond, never to decide that nothing changed.

`content_hash` hashes the `norm_text` view of the fields a change report looks at, so equal hashes
guarantee an empty report (the detector's fast path) and noise never makes a new version.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from dodnews.items import Article, Image
from dodnews.site import article_id_from_url, full_size_image_url, section_from_path, slug_from_url

SITE_TZ = ZoneInfo("America/New_York")
HASH_VERSION = "1"  # bump when the hashed view changes, so stored hashes can be recomputed

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_QUOTES_DASHES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)


def norm_text(text: str | None) -> str:
    """Text with noise removed (NFKC, no invisibles, entities decoded, whitespace collapsed)."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return " ".join(text.split())


def norm_opt(text: str | None) -> str | None:
    """`norm_text`, but None (or a text that normalizes to nothing) stays None."""
    value = norm_text(text)
    return value or None


def match_text(text: str) -> str:
    """A normalized text with quotes and dashes unified and case folded, for pairing only."""
    return text.translate(_QUOTES_DASHES).casefold()


def image_key(image: Image) -> str:
    """The identity of a photo: its VIRIN, else its full-size URL (no size variant, no query)."""
    virin = norm_text(image.virin).upper()
    if virin:
        return virin
    return "src:" + full_size_image_url(norm_text(image.src))


def image_keys(images: list[Image]) -> list[str]:
    """`image_key` for each image, made unique ("#2") when one photo appears twice."""
    seen: dict[str, int] = {}
    keys = []
    for image in images:
        key = image_key(image)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def url_key(article: Article) -> str:
    """Section, id and slug of the article URL: host, scheme, query and case are not edits.

    The slug counts only when the page named its canonical URL itself: otherwise it is the one
    the page happened to be fetched at (a listing's, a related link's), a variant, not an edit.
    """
    path = urlsplit(norm_text(article.url)).path
    section = section_from_path(path)
    section_key = section.key if section else norm_text(article.section)
    article_id = article_id_from_url(article.url) or article.article_id
    slug = slug_from_url(article.url).lower() if article.canonical_known else ""
    return f"{section_key}/{article_id}/{slug}"


def parse_published(value: str | None) -> date | datetime | None:
    """An ISO date or datetime (naive datetimes are America/New_York), or None if unparseable."""
    text = norm_text(value)
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SITE_TZ)


def same_published(old: str | None, new: str | None) -> bool:
    """Whether two publication dates are the same moment (or day, when one has no time)."""
    if norm_text(old) == norm_text(new):
        return True
    a, b = parse_published(old), parse_published(new)
    if a is None or b is None:
        return False
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    day_a = a.date() if isinstance(a, datetime) else a
    day_b = b.date() if isinstance(b, datetime) else b
    return day_a == day_b


def hash_view(article: Article) -> dict[str, Any]:
    """The fields that matter for change detection, normalized, in a canonical order."""
    keys = image_keys(article.images)
    images = sorted(
        [k, norm_opt(i.caption), norm_opt(i.credit)]
        for k, i in zip(keys, article.images, strict=True)
    )
    return {
        "v": HASH_VERSION,
        "article_id": article.article_id,
        "url": url_key(article),
        "title": norm_text(article.title),
        "published": norm_opt(article.published),
        "byline": norm_opt(article.byline),
        "summary": norm_opt(article.summary),
        "paragraphs": [norm_text(p) for p in article.paragraphs],
        "headings": sorted(set(article.headings)),
        "images": images,
        "related": sorted({r.article_id for r in article.related}),
        "tags": sorted({norm_text(t) for t in article.tags} - {""}),
        "banner": norm_opt(article.banner),
        "corrections": [norm_text(c) for c in article.corrections],
    }


def content_hash(article: Article) -> str:
    """sha256 (hex) of the canonical JSON of `hash_view`: extractor version and noise excluded."""
    data = json.dumps(hash_view(article), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Whitespace-separated words of a normalized text, with their character spans."""
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]
