"""The "Related Stories" block of an article page, found by what a reader sees.

The block is found by its heading ("Related Stories", any element, anywhere on the page: after the
body, in an aside, on transcripts and speeches) or by a class naming it; its entries are listing
elements (`listing-with-preview` and kin) or plain links, and each entry's id comes from its link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from dodnews.extract._blocks import HEADING_TAGS, skip_element, visible_text
from dodnews.extract._dom import absolute, parse_document
from dodnews.extract._sections import section_from_url
from dodnews.extract.dates import ap_to_iso
from dodnews.extract.listing import LISTING_TAGS, entry_from_attrs, related_link
from dodnews.extract.text import collapse_whitespace
from dodnews.model import ListingEntry, RelatedLink
from dodnews.site import WAR, Site, article_id_from_url, is_site_host

_HEADING_RE = re.compile(r"^related\s+(?:stories|articles|news|content)\s*:?$", re.IGNORECASE)
# Text nodes that may be the heading: short, and mentioning "related" in any case.
_HEADING_XPATH = etree.XPath(
    ".//text()[contains(., 'elated') or contains(., 'ELATED')][string-length(.) < 80]"
)
# The heading in the page source, ASCII letters lowered: found in bytes, since str.lower() of a
# page with a single character past ASCII (a curly quote) takes Python's slow path, 0.8 ms on a
# real page. Between the words, what str's \s matches, encoded: ASCII spaces, U+0085, U+00A0,
# U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 in UTF-8, lone 0x85 and 0xA0 in
# Windows-1252; and the entities.
_HEADING_SOURCE_RE = re.compile(
    rb"related(?:[ \t\n\r\f\v\x1c-\x1f]|\xc2[\x85\xa0]|\xe1\x9a\x80|\xe2\x80[\x80-\x8a\xa8\xa9\xaf]"
    rb"|\xe2\x81\x9f|\xe3\x80\x80|[\x85\xa0]|&nbsp;|&#160;)+(?:stories|articles|news|content)"
)
_CHROME_TAGS = frozenset({"nav", "footer", "script", "style", "noscript", "template", "input"})
# How many wrappers of the heading alone are climbed to reach the entries that follow it.
_CLIMB = 4
_ENTRY_HOLDERS = ("li", "article", "div", "p", "tr", "dd")


class RelatedBlocks:
    """The related-story blocks of a page: their links and the elements body text must skip."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.links: list[RelatedLink] = []
        self.elements: set[etree._Element] = set()
        self._index: dict[int, int] = {}

    def add(self, entry: ListingEntry | None) -> None:
        if entry is None:
            return
        at = self._index.get(entry.article_id)
        if at is None:
            self._index[entry.article_id] = len(self.links)
            self.links.append(related_link(entry, self.site))
        elif not self.links[at].title and entry.title:  # a picture link came before the title's
            self.links[at].title = entry.title

    def holds(self, el: etree._Element) -> bool:
        return el in self.elements or any(a in self.elements for a in el.iterancestors())


def find_related(
    root: etree._Element,
    source: str | bytes | None,
    page_url: str,
    near: etree._Element | None,
    site: Site,
    listed: list[etree._Element] | None = None,
) -> RelatedBlocks:
    """Every "Related Stories" block on a page of `site`.

    `source`, the page as received (bytes, cheapest) or decoded, lets a page without the heading
    skip the search; `near`, the article's wrapper, is where the block is looked for first (a
    whole-page scan costs as much as a parse); `listed`, the page's listing elements in document
    order when the caller has them already (each tree walk over a real-sized page costs as much as
    the rest of this search).
    """
    found = RelatedBlocks(site)
    regions: list[list[etree._Element]] = []
    headings = _headings(root) if source is None else _located_headings(root, source, near)
    for heading, is_holder in headings:
        region = _region_of(heading, is_holder)
        if region is not None:
            holder, members = region
            found.elements.add(holder)
            found.elements.update(members)
            regions.append(members)
    if listed is None:
        listed = list(root.iter(*LISTING_TAGS))
    for el in listed:  # listing elements in a block classed as related
        if not found.holds(el) and _under_related_class(el):
            regions.append([el])
    for members in regions:
        for member in members:
            for entry in _entries(member, page_url, site):
                found.add(entry)
    return found


def _located_headings(
    root: etree._Element, source: str | bytes, near: etree._Element | None
) -> list[tuple[etree._Element, bool]]:
    """The headings, found from where the page text says they are: the source line of each
    mention leads down the tree to its element in a few steps; beside the wrapper, then the whole
    page, when the lines do not lead there (a page on one line)."""
    lines = _mention_lines(source)
    if not lines:
        return []
    found: list[tuple[etree._Element, bool]] = []
    for line in lines:
        el = _element_at_line(root, line)
        if el is None:
            continue
        hits = _headings(el)
        parent = el.getparent()
        if not hits and parent is not None:
            hits = _headings(parent)
        found.extend(h for h in hits if all(h[0] is not f[0] for f in found))
    if not found and near is not None:
        found = [h for place in _places(near) for h in _headings(place)]
    return found or _headings(root)


def _mention_lines(source: str | bytes) -> list[int]:
    """Source lines (1-based) where the page reads "Related Stories" or kin, any case.

    `source` is the page as received (bytes) or as decoded (str); the lines are the same, since
    "\n" is one byte in UTF-8 and Windows-1252 alike."""
    data = source if isinstance(source, bytes) else source.encode("utf-8", "surrogatepass")
    low = data.lower()  # ASCII letters only: all the heading has
    lines = []
    at = low.find(b"related")
    while at >= 0:
        if _HEADING_SOURCE_RE.match(low, at):
            lines.append(low.count(b"\n", 0, at) + 1)
        at = low.find(b"related", at + 7)
    return lines


def _element_at_line(root: etree._Element, line: int) -> etree._Element | None:
    """The deepest element that starts at or before `line` and holds it, by source lines."""
    node = root
    while True:
        best = None
        for child in node:
            start = child.sourceline if isinstance(child.tag, str) else None
            if start is None:
                continue
            if start > line:
                break
            best = child
        if best is None:
            return node if node is not root else None
        node = best


def _places(near: etree._Element) -> list[etree._Element]:
    """The wrapper and what sits beside it and its parents, site chrome left out."""
    places = [near]
    level = near
    for _ in range(3):
        parent = level.getparent()
        if parent is None or parent.tag == "html":
            break
        for sibling in (*level.itersiblings(preceding=True), *level.itersiblings()):
            if isinstance(sibling.tag, str) and sibling.tag not in _CHROME_TAGS:
                places.append(sibling)
        level = parent
    return places


def _under_related_class(el: etree._Element) -> bool:
    for depth, ancestor in enumerate(el.iterancestors()):
        if depth >= 6 or ancestor.tag in ("body", "form"):
            return False
        value = ancestor.get("class")
        if value and "related" in value.lower():
            return True
    return False


def related_from_root(root: etree._Element, url: str, site: Site = WAR) -> list[RelatedLink]:
    """The "Related Stories" links of a parsed page."""
    return find_related(root, None, url, None, site).links


def extract_related(html: str | bytes, url: str, site: Site = WAR) -> list[RelatedLink]:
    """The "Related Stories" links of an article page."""
    root, _text = parse_document(html)
    return find_related(root, html, url, None, site).links


def _headings(root: etree._Element) -> list[tuple[etree._Element, bool]]:
    """Elements reading "Related Stories", each with whether it holds its entries itself."""
    headings = []
    for hit in _HEADING_XPATH(root):
        if not _HEADING_RE.match(collapse_whitespace(hit)):
            continue
        holder = hit.getparent()
        if holder is None:
            continue
        if hit.is_tail:  # "<i></i>Related Stories": the text belongs to the parent's line
            holder = holder.getparent()
            if holder is None:
                continue
        if holder.tag in ("a", "title", "script", "style", "option") or any(
            a.tag in ("head", "nav", "script") for a in holder.iterancestors()
        ):
            continue
        if _HEADING_RE.match(visible_text(holder)):
            headings.append((holder, False))
        elif not hit.is_tail:  # <div>Related Stories<ul>...</ul></div>
            headings.append((holder, True))
    return headings


def _region_of(
    heading: etree._Element, is_holder: bool
) -> tuple[etree._Element, list[etree._Element]] | None:
    """The heading's wrapper and the siblings that follow it up to the next heading."""
    if is_holder:
        members = [c for c in heading if isinstance(c.tag, str)]
        return (heading, members) if any(_has_entries(m) for m in members) else None
    node = heading
    for _ in range(_CLIMB):
        members = []
        for sibling in node.itersiblings():
            if not isinstance(sibling.tag, str):
                continue
            if sibling.tag in HEADING_TAGS:
                break
            members.append(sibling)
        if any(_has_entries(m) for m in members):
            return node, members
        parent = node.getparent()
        # Climb only through wrappers that hold nothing but the heading.
        if parent is None or parent.tag in ("body", "form", "html"):
            return None
        if not _HEADING_RE.match(visible_text(parent)):
            return None
        node = parent
    return None


def _has_entries(el: etree._Element) -> bool:
    if el.tag in LISTING_TAGS or el.get("article-url") is not None:
        return True
    if next(el.iter(*LISTING_TAGS), None) is not None:
        return True
    return any(_article_id(a.get("href")) or a.get("article-url") for a in el.iter(etree.Element))


def _article_id(href: str | None) -> int | None:
    if not href or "rticle/" not in href:
        return None
    return article_id_from_url(href)


def _entries(member: etree._Element, page_url: str, site: Site) -> list[ListingEntry | None]:
    """Entries under one element of a block: listing elements first, else article links."""
    if member.tag in LISTING_TAGS or member.get("article-url") is not None:
        return [entry_from_attrs(member, page_url, site, source="related")]
    listed = [
        el
        for el in member.iter(etree.Element)
        if el.tag in LISTING_TAGS or el.get("article-url") is not None
    ]
    if listed:
        return [entry_from_attrs(el, page_url, site, source="related") for el in listed]
    entries: list[ListingEntry | None] = []
    for link in member.iter("a"):
        if skip_element(link) and "related" not in (link.get("class") or "").lower():
            continue
        entries.append(_link_entry(link, member, page_url, site))
    return entries


def _link_entry(
    link: etree._Element, member: etree._Element, page_url: str, site: Site
) -> ListingEntry | None:
    """An entry from a plain link: id and section from its URL, title from its text."""
    url = absolute(page_url, link.get("href"))
    if url is None:
        return None
    host = urlsplit(url).hostname
    if not (is_site_host(host, site) or host == urlsplit(page_url).hostname):
        return None
    article_id = article_id_from_url(url)
    if article_id is None:
        return None
    title = collapse_whitespace(link.get("title")) or visible_text(link)
    holder = next(
        (a for a in [link, *link.iterancestors()] if a.tag in _ENTRY_HOLDERS or a is member),
        member,
    )
    return ListingEntry(
        article_id=article_id,
        url=url,
        title=title or None,
        section=section_from_url(url, site),
        published=ap_to_iso(visible_text(holder)),
        source="related",
    )
