"""Listing pages and the GetList API: the articles a page announces, read from attributes.

Four shapes are read (SITE.md): `listing-with-preview` (2024 on), `listing-titles-only` (Contracts,
2021-2023), `story-card` (2019-2020) and the server-rendered `div.item` (2020 and before). Rendered
text such as "17 min ago" is never read; dates come from attributes.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from urllib.parse import urlsplit

from lxml import etree

from dodnews.extract._dom import absolute, classes, parse_document
from dodnews.extract._sections import resolve_section, section_from_type_name, section_from_url
from dodnews.extract.dates import ap_to_iso, jss_to_iso
from dodnews.extract.errors import BadFeed, EmptyPage
from dodnews.extract.text import collapse_whitespace, collapse_whitespace_or_none, strip_tags
from dodnews.model import ListingEntry, RelatedLink
from dodnews.site import (
    WAR,
    Site,
    article_id_from_url,
    canonical_url,
    is_site_host,
    map_to_base,
    slug_from_url,
)

# The custom elements of the 2019-2024 shapes, found by tag name (a cheap C-level filter).
LISTING_TAGS = ("listing-with-preview", "listing-titles-only", "story-card")
# Any other element carrying the same attributes (a renamed component), scanned only as a fallback.
_ANY_ENTRY_XPATH = etree.XPath(".//*[@article-url or @article-url-or-link-absolute]")
# A cheap test on the raw text before looking at every div for the 2020 `div.item` shape.
_ITEM_CLASS_RE = re.compile(r"class\s*=\s*[\"']?[^\"'>]*\bitem-\d")
_ITEM_ID_RE = re.compile(r"^item-(\d+)$")
_BG_URL_RE = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)")
# div.item classes also carry the position (item-1, item-2): real article ids are far larger.
_MIN_ARTICLE_ID = 1000


def _int(value: str | None) -> int | None:
    try:
        return int(value.strip()) if value else None
    except ValueError:
        return None


def _site_article_id(url: str, page_url: str, site: Site) -> int | None:
    """The id in an article URL on the site (or on the page's own host), not on a sibling site."""
    host = urlsplit(url).hostname
    if is_site_host(host, site) or host == urlsplit(page_url).hostname:
        return article_id_from_url(url)
    return None


def entry_from_attrs(
    el: etree._Element, page_url: str, site: Site = WAR, source: str = "listing"
) -> ListingEntry | None:
    """A listing entry from a custom element's attributes (`listing-with-preview` and kin)."""
    get = el.get
    url = absolute(page_url, get("article-url") or get("article-url-or-link-absolute"))
    if url is None:
        return None
    # The link says which article the entry leads to; the attribute is only a hint (a wrong one
    # would file one article's page under another's id).
    claimed = _int(get("article-id"))
    url_id = _site_article_id(url, page_url, site)
    article_id = url_id or claimed
    if article_id is None:
        return None
    content_type = collapse_whitespace_or_none(strip_tags(get("content-type-name")))
    return ListingEntry(
        article_id=article_id,
        url=url,
        title=strip_tags(get("article-title")) or None,
        summary=strip_tags(get("article-summary")) or None,
        section=resolve_section(site, get("content-type-val"), url, content_type),
        content_type=content_type,
        published=jss_to_iso(get("publish-date-jss")) or ap_to_iso(get("publish-date-ap")),
        image_url=absolute(page_url, get("image-url")),
        source=source,
        id_hint=_hint(claimed, article_id),
    )


def _hint(claimed: int | None, article_id: int) -> int | None:
    """The id the markup claimed, kept only when it disagrees with the entry's own."""
    return claimed if claimed is not None and claimed != article_id else None


def entry_from_item(
    el: etree._Element, page_url: str, site: Site = WAR, source: str = "listing"
) -> ListingEntry | None:
    """A listing entry from a server-rendered `div.item.item-<id>` block (2020 and before)."""
    link = None
    title_el = None
    time_el = None
    category = None
    summary = None
    image_url = None
    for node in el.iter(etree.Element):
        tag = node.tag
        if tag == "a":
            cls = classes(node)
            if "content-type-text" in cls:
                category = category or collapse_whitespace_or_none("".join(node.itertext()))
            elif link is None and node.get("href") and "hide" not in cls:
                link = node
        elif tag in ("h2", "h3", "h4") and title_el is None and "title" in classes(node):
            title_el = node
        elif tag == "time" and time_el is None:
            time_el = node
        elif tag == "p" and summary is None and "summary" in classes(node):
            summary = collapse_whitespace_or_none("".join(node.itertext()))
        elif image_url is None and tag == "div" and "background-image" in (node.get("style") or ""):
            match = _BG_URL_RE.search(node.get("style") or "")
            image_url = match.group(1) if match else None
    if title_el is not None:
        title_link = next(iter(title_el.iter("a")), None)
        if title_link is not None and title_link.get("href"):
            link = title_link
    url = absolute(page_url, link.get("href")) if link is not None else None
    url_id = _site_article_id(url, page_url, site) if url else None
    ids = [int(m.group(1)) for c in classes(el) if (m := _ITEM_ID_RE.match(c))]
    claimed = None if url_id in ids else max((i for i in ids if i >= _MIN_ARTICLE_ID), default=None)
    # As for the attributes: the link names the article, an `item-<id>` class is a hint.
    article_id = url_id or claimed
    if article_id is None or url is None:
        return None
    published = None
    if time_el is not None:
        published = (
            jss_to_iso(time_el.get("data-dateago"))
            or jss_to_iso(time_el.get("datetime"))
            or ap_to_iso(time_el.get("data-dateap"))
        )
    return ListingEntry(
        article_id=article_id,
        url=url,
        title=collapse_whitespace_or_none("".join(title_el.itertext()))
        if title_el is not None
        else None,
        summary=summary,
        # The label is the site's own statement; an old URL path (/Explore/News/...) may be stale.
        section=section_from_type_name(category) or section_from_url(url, site),
        content_type=category,
        published=published,
        image_url=absolute(page_url, image_url),
        source=source,
        id_hint=_hint(claimed, article_id),
    )


def _is_item(el: etree._Element) -> bool:
    value = el.get("class")
    return bool(value) and "item" in value.lower().split()


def entries_from_root(
    root: etree._Element,
    page_url: str,
    site: Site = WAR,
    source: str = "listing",
    raw: str | None = None,
) -> list[ListingEntry]:
    """Every listing entry under `root`, in page order, one per article id.

    `raw`, the page text, lets the walk skip the `div.item` shape when the page has none.
    """
    scan_items = raw is None or _ITEM_CLASS_RE.search(raw) is not None
    tags = ("div", *LISTING_TAGS) if scan_items else LISTING_TAGS
    found = [el for el in root.iter(*tags) if el.tag != "div" or _is_item(el)]
    if not found and (raw is None or "article-url" in raw):
        found = list(_ANY_ENTRY_XPATH(root))
    entries: list[ListingEntry] = []
    seen: set[int] = set()
    for el in found:
        if el.tag == "div" and el.get("article-url") is None and el.get("article-id") is None:
            entry = entry_from_item(el, page_url, site, source)
        else:
            entry = entry_from_attrs(el, page_url, site, source)
        if entry is not None and entry.article_id not in seen:
            seen.add(entry.article_id)
            entries.append(entry)
    return entries


def extract_listing(html: str | bytes, url: str, site: Site = WAR) -> list[ListingEntry]:
    """The articles a listing page of `site` announces (any of the four shapes); [] past the
    last page."""
    root, raw = parse_document(html)
    return entries_from_root(root, url, site, raw=raw)


def related_link(entry: ListingEntry, site: Site) -> RelatedLink:
    """A listing entry as a "Related Stories" link with a canonical URL."""
    if entry.section:
        url = canonical_url(entry.article_id, entry.section, slug_from_url(entry.url), site)
    else:
        url = map_to_base(entry.url, None, site)
    return RelatedLink(
        article_id=entry.article_id,
        title=entry.title or "",
        url=url,
        section=entry.section,
        published=entry.published,
    )


def extract_getlist(
    json_text: str | bytes, url: str, site: Site = WAR
) -> tuple[list[ListingEntry], bool]:
    """Entries of a GetList API response and whether it is the last page (`done`)."""
    if isinstance(json_text, bytes):
        json_text = json_text.decode("utf-8-sig", errors="replace")
    if not json_text.strip():
        raise EmptyPage("the GetList response is empty")
    try:
        payload = json.loads(json_text)
    except ValueError as exc:
        raise BadFeed(f"the GetList response is not JSON ({exc.args[0]})") from None
    if not isinstance(payload, dict):
        raise BadFeed("the GetList response is not a JSON object")
    lowered = {str(k).lower(): v for k, v in payload.items()}
    data = lowered.get("data") or ""
    done = bool(lowered.get("done"))
    if not isinstance(data, str):
        raise BadFeed("the GetList response's data is not a string")
    if "&lt;" in data and "<" not in data:
        data = html_lib.unescape(data)
    if not data.strip():
        return [], done
    root = etree.fromstring(f"<html><body>{data}</body></html>", etree.HTMLParser(no_network=True))
    return entries_from_root(root, url, site, "getlist", raw=data), done


__all__ = [
    "collapse_whitespace",
    "entries_from_root",
    "entry_from_attrs",
    "entry_from_item",
    "extract_getlist",
    "extract_listing",
    "related_link",
]
