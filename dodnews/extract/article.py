"""Article pages: HTML in, `Article` out, with page chrome, widgets and photo furniture left behind.

The page is parsed once; a handful of XPath look-ups find the landmarks (head metas, the
`div.adetail` wrapper, title, date, body, tags, notice, related block) and one walk over `div.body`
collects paragraphs, headings, photos and correction lines. docs/markup.md is the contract.
"""

from __future__ import annotations

import itertools
import re

from lxml import etree

from dodnews.extract._blocks import BLOCK_TAGS, HEADING_TAGS, STRONG_TAGS, skip_element
from dodnews.extract._dom import classes, parse_document
from dodnews.extract._sections import (
    section_from_type_name,
    section_from_type_val,
    section_from_url,
)
from dodnews.extract.byline import find_byline
from dodnews.extract.dates import local_iso, parse_ap_date, parse_clock
from dodnews.extract.errors import NotAnArticle
from dodnews.extract.listing import LISTING_TAGS
from dodnews.extract.photos import bare_image, is_photo_block, photo
from dodnews.extract.region import region_text
from dodnews.extract.related import RelatedBlocks, find_related
from dodnews.extract.text import collapse_whitespace, collapse_whitespace_or_none
from dodnews.model import Article, Image
from dodnews.site import WAR, Site, article_id_from_url, canonical_url, slug_from_url

# Bump when a change to extraction changes its output for the same page.
EXTRACTOR_VERSION = "2"

_DEFAULT_SECTION = "news-stories"


_HEAD_META_XPATH = etree.XPath("/html/head/meta")
_ANY_META_XPATH = etree.XPath("//meta")
_HEAD_TITLE_XPATH = etree.XPath("/html/head/title | //title")
_NOTICE_PHRASES = ("historical collection", "collection of archived material")
_NOTICE_WORD = "collection"  # in every phrase: one scan rules them all out
# Run only when the raw text holds one of the phrases: a text scan costs as much as a parse.
_NOTICE_XPATH = etree.XPath(
    ".//text()[contains(., 'historical collection')"
    " or contains(., 'collection of archived material')]"
)
# Class tokens of the header parts, looked up in one pass over the article wrapper.
_MARK_TOKENS = frozenset({"body", "date", "time", "atags"})
# The only date of a contracts page is in its title: "Contracts For Sept. 30, 2025".
_CONTRACTS_TITLE_RE = re.compile(r"^contracts?\s+for\s+(.+)$", re.IGNORECASE)
_TIME_XPATH = etree.XPath(".//time[@datetime]")

_CONTENT_TYPE_CLASS_RE = re.compile(r"^content-type-(\d+)$")
_CORRECTION_RE = re.compile(
    r"^\W{0,3}(?:editor[’'`]?s[\s\u00a0]+note\b"
    r"|(?:correction|update|updated|clarification)(?:\s*\([^)]{0,60}\))?\s*(?:[:\-–—]|$))",
    re.IGNORECASE,
)
_CORRECTION_LEADS = {
    "correction",
    "update",
    "updated",
    "clarification",
    "editor's note",
    "editor’s note",
}
_FURNITURE_RE = re.compile(
    r"^(?:(?:photo|image|video)\s+(?:by|credit)|virin|download)\s*:", re.IGNORECASE
)
_TEMPLATE_RE = re.compile(r"\{\{[^{}]*\}\}")
_SHARE_WORDS = frozenset(
    [
        "email",
        "facebook",
        "x",
        "twitter",
        "linkedin",
        "whatsapp",
        "copy",
        "link",
        "share",
        "print",
        "|",
    ]
)


def _text_of(el: etree._Element) -> str:
    return collapse_whitespace("".join(el.itertext()))


def _looks_like_share_line(text: str) -> bool:
    if len(text) > 60:  # "Email Facebook X LinkedIn WhatsApp Copy Link" is the longest
        return False
    words = text.lower().split()
    return bool(words) and all(w in _SHARE_WORDS for w in words)


class _BodyWalker:
    """One walk over `div.body`: paragraphs, heading indexes, photos and correction lines."""

    def __init__(self, page_url: str, related: RelatedBlocks) -> None:
        self.page_url = page_url
        self.related = related
        self.paragraphs: list[str] = []
        self.headings: list[int] = []
        self.corrections: list[str] = []
        self.images: list[Image] = []

    def _skipped(self, el: etree._Element) -> bool:
        return skip_element(el) or el in self.related.elements

    # -- paragraphs -------------------------------------------------------------------------
    def walk(self, container: etree._Element, centered: bool = False) -> None:
        """Split `container` into paragraphs at block elements; inline runs become paragraphs."""
        centered = centered or _is_centered(container)
        forced_heading = container.tag in HEADING_TAGS
        parts: list[str] = []
        inline: list[etree._Element] = []
        loose = False
        if container.text:
            parts.append(container.text)
            loose = not container.text.isspace()
        for child in container:
            tag = child.tag
            if not isinstance(tag, str) or self._skipped(child):
                pass
            elif tag in BLOCK_TAGS:
                if is_photo_block(child):
                    self._flush(parts, inline, loose, centered, forced_heading)
                    parts, inline, loose = [], [], False
                    self._add_photo(child)
                elif tag != "hr":
                    self._flush(parts, inline, loose, centered, forced_heading)
                    parts, inline, loose = [], [], False
                    self.walk(child, centered)
            elif tag == "br":
                parts.append(" ")
            elif tag == "img":
                self._add_bare_image(child)
            elif is_photo_block(child):
                self._add_photo(child)
            elif _holds_blocks(child):  # <span> around paragraphs: a reader sees the blocks
                self._flush(parts, inline, loose, centered, forced_heading)
                parts, inline, loose = [], [], False
                self.walk(child, centered)
            else:
                self._collect_inline(child, parts)
                inline.append(child)
            if child.tail:
                parts.append(child.tail)
                loose = loose or not child.tail.isspace()
        self._flush(parts, inline, loose, centered, forced_heading)

    def _collect_inline(self, el: etree._Element, parts: list[str]) -> None:
        if el.text:
            parts.append(el.text)
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and not self._skipped(child):
                if tag == "br":
                    parts.append(" ")
                elif tag == "img":
                    self._add_bare_image(child)
                else:
                    self._collect_inline(child, parts)
            if child.tail:
                parts.append(child.tail)

    def _flush(
        self,
        parts: list[str],
        inline: list[etree._Element],
        loose: bool,
        centered: bool,
        forced_heading: bool,
    ) -> None:
        if not parts or (not loose and not inline):  # whitespace between blocks
            return
        text = collapse_whitespace("".join(parts))
        if not text or _is_furniture(text):
            return
        if _is_correction(text, inline, loose):
            self.corrections.append(text)
            return
        if forced_heading or _is_heading(text, inline, loose, centered):
            self.headings.append(len(self.paragraphs))
        self.paragraphs.append(text)

    # -- photos -----------------------------------------------------------------------------
    def _add_bare_image(self, img: etree._Element) -> None:
        image = bare_image(img, self.page_url)
        if image is not None:
            self.images.append(image)

    def _add_photo(self, block: etree._Element) -> None:
        image = photo(block, self.page_url)
        if image is not None:
            self.images.append(image)


def _holds_blocks(el: etree._Element) -> bool:
    return len(el) > 0 and any(d.tag in BLOCK_TAGS for d in el.iterdescendants())


def _is_centered(el: etree._Element) -> bool:
    if el.tag == "center" or (el.get("align") or "").lower() == "center":
        return True
    style = el.get("style")
    return bool(style and "center" in style and re.search(r"text-align\s*:\s*center", style, re.I))


def _is_furniture(text: str) -> bool:
    """Photo furniture, slideshow templates and share widgets that leak into body text."""
    if _FURNITURE_RE.match(text):
        return True
    if "{{" in text and not _TEMPLATE_RE.sub("", text).strip(" -/|"):
        return True
    return _looks_like_share_line(text)


def _is_heading(text: str, inline: list[etree._Element], loose: bool, centered: bool) -> bool:
    """A contract agency heading: one capitalised <strong> paragraph, or a short centred line."""
    if text.endswith(":"):
        return False  # a transcript speaker label on its own
    if centered and len(text) <= 100:
        return True
    if loose or len(inline) != 1 or inline[0].tag not in STRONG_TAGS:
        return False
    return any(c.isalpha() for c in text) and text == text.upper()


def _is_correction(text: str, inline: list[etree._Element], loose: bool) -> bool:
    if _CORRECTION_RE.match(text):
        return True
    # "<strong>Correction</strong> An earlier version ..." with no colon.
    if inline and inline[0].tag in STRONG_TAGS | {"em", "i"}:
        lead = collapse_whitespace("".join(inline[0].itertext())).rstrip(":.").lower()
        return lead in _CORRECTION_LEADS and text.lower().startswith(lead)
    return False


# -- landmarks ------------------------------------------------------------------------------------
def _metas(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in _HEAD_META_XPATH(root) or _ANY_META_XPATH(root):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        content = meta.get("content")
        if key and content is not None and key not in found:
            found[key] = content
    return found


def _is_inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _title_from_head(root: etree._Element) -> str | None:
    titles = _HEAD_TITLE_XPATH(root)
    if not titles:
        return None
    text = collapse_whitespace("".join(titles[0].itertext()))
    if text.startswith(">"):  # " > U.S. Department of War > Contract | ...": no title part
        return None
    return collapse_whitespace_or_none(text.split(" > ")[0])


def _marks(scope: etree._Element) -> dict[str, etree._Element]:
    """The first element of each header class (body, date, time, atags) under `scope`."""
    found: dict[str, etree._Element] = {}
    for el in scope.iter(etree.Element):
        value = el.get("class")
        if not value:
            continue
        for token in value.lower().split():
            if token in _MARK_TOKENS and token not in found:
                if token == "body" and el.tag != "div":
                    continue
                found[token] = el
    body = found.get("body")
    if body is not None:  # a date that only occurs inside the story is not the header's
        for token in ("date", "time"):
            if token in found and _is_inside(found[token], body):
                del found[token]
    return found


def _published(
    marks: dict[str, etree._Element],
    scope: etree._Element,
    body: etree._Element,
    titles: tuple[str, str],
) -> str | None:
    """The date line (`span.date`, else a `time[datetime]` outside the body), else the date in a
    contracts page's title, the only place such a page gives it."""
    date_el = marks.get("date")
    day = None
    if date_el is not None:
        day = parse_ap_date(date_el.get("data-date") or _text_of(date_el))
    if day is None:
        for el in _TIME_XPATH(scope):
            if not _is_inside(el, body):
                day = parse_ap_date(el.get("datetime"))
                break
    if day is None:
        for title in titles:
            match = _CONTRACTS_TITLE_RE.match(title)
            if match and (day := parse_ap_date(match[1])):
                return local_iso(day, None)
        return None
    time_el = marks.get("time")
    clock = None
    if time_el is not None:
        clock = parse_clock(time_el.get("data-time")) or parse_clock(_text_of(time_el))
    return local_iso(day, clock)


def _content_type(adetail: etree._Element | None, site: Site) -> tuple[str | None, str | None]:
    """(section from the wrapper, content-type name) from `content-type-N` / data-content-type."""
    if adetail is None:
        return None, None
    section = None
    for cls in classes(adetail):
        match = _CONTENT_TYPE_CLASS_RE.match(cls)
        if match and (section := section_from_type_val(match.group(1), site)):
            break
    name = collapse_whitespace_or_none(adetail.get("data-content-type"))
    return section or section_from_type_name(name), name


def _notice_places(adetail: etree._Element | None) -> list[etree._Element]:
    """Where the notice usually sits: just above the wrapper, in it, or above its parents."""
    if adetail is None:
        return []
    places = list(itertools.islice(adetail.itersiblings(preceding=True), 4))
    places.append(adetail)
    level = adetail.getparent()
    for _ in range(2):
        if level is None or level.tag in ("body", "html"):
            break
        places.extend(itertools.islice(level.itersiblings(preceding=True), 4))
        level = level.getparent()
    return places


def _banner(
    root: etree._Element,
    raw: str,
    adetail: etree._Element | None,
    body: etree._Element,
    title: etree._Element | None,
) -> str | None:
    # One scan for the word both phrases share, then the phrases only on the pages that have it.
    if _NOTICE_WORD not in raw or not any(phrase in raw for phrase in _NOTICE_PHRASES):
        return None
    # A scan of every text node costs as much as the parse: look near the wrapper first.
    for place in [*_notice_places(adetail), root]:
        if not isinstance(place.tag, str):
            continue
        for hit in _NOTICE_XPATH(place):
            holder = hit.getparent()
            if holder is None:
                continue
            if hit.is_tail:
                holder = holder.getparent()
            chain = [holder, *holder.iterancestors()]
            if any(a is body or a is title or a.tag in ("head", "script", "style") for a in chain):
                continue
            block = next((a for a in chain if a.tag in BLOCK_TAGS), holder)
            return collapse_whitespace_or_none("".join(block.itertext()))
    return None


def _tags(atags: etree._Element | None) -> list[str]:
    if atags is None:
        return []
    return sorted({text for a in atags.iter("a") if (text := _text_of(a))})


def extract_article(html: str | bytes, url: str, site: Site = WAR) -> Article:
    """The article on a page, its URLs read with `site`'s rules; raises EmptyPage, BlockedPage
    or NotAnArticle when there is none."""
    root, raw = parse_document(html)
    # One C-level pass finds the title candidates and the listing elements related stories use.
    h1s: list[etree._Element] = []
    listed: list[etree._Element] = []
    for el in root.iter("h1", *LISTING_TAGS):
        (h1s if el.tag == "h1" else listed).append(el)
    maintitle = next((h for h in h1s if "maintitle" in classes(h)), None)
    adetail = None
    if maintitle is not None:
        adetail = next((a for a in maintitle.iterancestors("div") if "adetail" in classes(a)), None)
    elif "adetail" in raw:  # a wrapper without its h1: the slow way, for odd pages only
        adetail = next((d for d in root.iter("div") if "adetail" in classes(d)), None)
    if maintitle is None and adetail is None:
        raise NotAnArticle("the page has no article title and body (h1.maintitle, div.body)")
    scope = adetail if adetail is not None else root
    marks = _marks(scope)
    body = marks.get("body")
    if body is None:
        raise NotAnArticle("the page has no article body (div.body)")

    metas = _metas(root)
    og_url = (metas.get("og:url") or "").strip() or None
    article_id = article_id_from_url(url) if url else None
    if article_id is None and og_url:
        article_id = article_id_from_url(og_url)
    if article_id is None:
        raise NotAnArticle("no article id in the URL or og:url")

    wrapper_section, content_type = _content_type(adetail, site)
    og_same = og_url if og_url and article_id_from_url(og_url) == article_id else None
    section = (
        wrapper_section
        or section_from_url(url, site)
        or section_from_url(og_same, site)
        or _DEFAULT_SECTION
    )
    slug = slug_from_url(og_same or url)
    content_type = site.section(section).content_type_name if wrapper_section else content_type
    content_type = content_type or site.section(section).content_type_name

    og_title = collapse_whitespace(metas.get("og:title"))
    title = (
        (_text_of(maintitle) if maintitle is not None else "")
        or og_title
        or _title_from_head(root)
        or ""
    )
    page_url = url or og_url or ""
    related = find_related(root, html, page_url, adetail, site, listed)
    walker = _BodyWalker(page_url, related)
    walker.walk(body)
    date_el = marks.get("date")

    return Article(
        article_id=article_id,
        url=canonical_url(article_id, section, slug, site),
        section=section,
        title=title,
        content_type=content_type,
        published=_published(marks, scope, body, (title, og_title)),
        byline=find_byline(scope, maintitle, {body, *related.elements}, date_el),
        summary=collapse_whitespace_or_none(metas.get("og:description")),
        paragraphs=walker.paragraphs,
        headings=walker.headings,
        images=walker.images,
        related=related.links,
        tags=_tags(marks.get("atags")),
        banner=_banner(root, raw, adetail, body, maintitle),
        corrections=walker.corrections,
        extractor_version=EXTRACTOR_VERSION,
        canonical_known=og_same is not None,
        region=region_text(root, adetail, maintitle, body),
    )
