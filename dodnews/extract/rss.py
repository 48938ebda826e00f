"""The site's RSS 2.0 feeds (`RSS.ashx`): one listing entry per item, parsed without entities."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

from dodnews.extract._dom import as_text, is_bot_wall
from dodnews.extract._sections import resolve_section
from dodnews.extract.dates import rfc822_to_iso
from dodnews.extract.errors import BadFeed, BlockedPage, EmptyPage
from dodnews.extract.text import collapse_whitespace_or_none, strip_tags
from dodnews.model import ListingEntry
from dodnews.site import WAR, Site, article_id_from_url, map_to_base

_IMG_SRC_RE = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*['\"]([^'\"]+)['\"]", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network: a feed cannot make the parser fetch or blow up.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=True,
        remove_comments=True,
        remove_pis=True,
    )


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _feed_content_type(url: str) -> int | None:
    values = {k.lower(): v for k, v in parse_qs(urlsplit(url).query).items()}
    try:
        return int(values["contenttype"][0])
    except (KeyError, IndexError, ValueError):
        return None


def _section_name(section: str | None, site: Site) -> str | None:
    return site.section(section).content_type_name if section else None


def extract_rss(xml: str | bytes, url: str, site: Site = WAR) -> list[ListingEntry]:
    """Entries of a feed of `site`, in feed order; the feed URL's ContentType gives the section."""
    if not xml.strip():
        raise EmptyPage("the feed is empty")
    if is_bot_wall(xml):
        raise BlockedPage("the feed is the Akamai bot wall (Access Denied)")
    data = xml if isinstance(xml, bytes) else _XML_DECL_RE.sub("", xml, count=1).encode("utf-8")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise BadFeed(f"the feed is not XML ({exc})") from None
    if root is None or _local(root.tag) not in ("rss", "rdf", "feed"):
        raise BadFeed("the document is not an RSS feed")
    feed_type = _feed_content_type(url)
    entries: list[ListingEntry] = []
    seen: set[int] = set()
    for item in root.iter("{*}item"):
        fields: dict[str, str] = {}
        enclosure = None
        for child in item:
            name = _local(child.tag)
            if name == "enclosure":
                enclosure = enclosure or child.get("url")
            elif name and name not in fields:
                fields[name] = "".join(child.itertext())
        link = (fields.get("link") or "").strip()
        link = urljoin(url, link) if link else ""
        guid = (fields.get("guid") or "").strip()
        # The link names the article; a numeric guid is only a hint when the link has an id.
        claimed = int(guid) if guid.isdigit() else None
        link_id = article_id_from_url(link) if link else None
        article_id = link_id or claimed or article_id_from_url(guid)
        if article_id is None or article_id in seen:
            continue
        seen.add(article_id)
        description = as_text(fields.get("description") or "")
        image = _IMG_SRC_RE.search(description)
        image_url = enclosure or (image.group(1) if image else None)
        category = collapse_whitespace_or_none(fields.get("category"))
        section = resolve_section(site, feed_type, link, category)
        entries.append(
            ListingEntry(
                article_id=article_id,
                url=link or map_to_base(guid, None, site),
                title=strip_tags(fields.get("title")) or None,
                summary=strip_tags(description) or None,
                section=section,
                content_type=category or _section_name(section, site),
                published=rfc822_to_iso(fields.get("pubdate")),
                image_url=urljoin(url, image_url.strip()) if image_url else None,
                source="rss",
                id_hint=claimed if claimed is not None and claimed != article_id else None,
            )
        )
    return entries
