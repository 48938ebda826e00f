"""Article pages: HTML in, `Article` out, with page chrome, widgets and photo furniture left behind.

The page is parsed once; a handful of XPath look-ups find the landmarks (head metas, the
`div.adetail` wrapper, title, date, body, tags, notice, related block) and one walk over `div.body`
collects paragraphs, headings, photos and correction lines. docs/markup.md is the contract.
"""

from __future__ import annotations

import itertools
import re
from urllib.parse import urlsplit

from lxml import etree

from dodnews import site
from dodnews.extract._dom import absolute, classes, parse_document
from dodnews.extract._sections import (
    section_from_type_name,
    section_from_type_val,
    section_from_url,
)
from dodnews.extract.dates import local_iso, parse_ap_date, parse_clock
from dodnews.extract.errors import NotAnArticle
from dodnews.extract.listing import LISTING_TAGS, entry_from_attrs, related_link
from dodnews.extract.text import clean_or_none, clean_text
from dodnews.items import Article, Image, RelatedLink

# Bump when a change to extraction changes its output for the same page.
EXTRACTOR_VERSION = "1"

_DEFAULT_SECTION = "news-stories"


_HEAD_META_XPATH = etree.XPath("/html/head/meta")
_ANY_META_XPATH = etree.XPath("//meta")
_HEAD_TITLE_XPATH = etree.XPath("/html/head/title | //title")
_NOTICE_PHRASES = ("historical collection", "collection of archived material")
# Run only when the raw text holds one of the phrases: a text scan costs as much as a parse.
_NOTICE_XPATH = etree.XPath(
    ".//text()[contains(., 'historical collection')"
    " or contains(., 'collection of archived material')]"
)
# Class tokens of the header parts, looked up in one pass over the article wrapper.
_MARK_TOKENS = frozenset({"body", "date", "time", "byline", "atags"})
_RELATED_HEADING = "related stories"
# How far above a related-story element its block (and the block's heading) may sit.
_RELATED_DEPTH = 6

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
_FURNITURE_RE = re.compile(r"^(?:photo\s+by|virin|download)\s*:", re.IGNORECASE)
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
_VIRIN_RE = re.compile(r"\b(\d{6}-[A-Z]-[A-Z0-9]{2,6}-\d{2,5}[A-Z]?)\b")
_VIRIN_LINE_RE = re.compile(r"VIRIN:\s*(\S+)", re.IGNORECASE)
_CREDIT_RE = re.compile(r"Photo\s+By:\s*(.+)", re.IGNORECASE)

_SKIP_TAGS = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "video",
        "audio",
        "svg",
        "button",
        "input",
        "select",
        "textarea",
        "nav",
        "head",
        "title",
        "meta",
        "link",
    ]
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that end the current line of text: each one's content is a paragraph (or holds them).
_BLOCK_TAGS = (
    frozenset(
        [
            "p",
            "div",
            "section",
            "article",
            "main",
            "aside",
            "blockquote",
            "ul",
            "ol",
            "li",
            "dl",
            "dt",
            "dd",
            "table",
            "thead",
            "tbody",
            "tfoot",
            "tr",
            "td",
            "th",
            "caption",
            "center",
            "header",
            "footer",
            "pre",
            "address",
            "details",
            "summary",
            "hr",
            "form",
            "fieldset",
        ]
    )
    | _HEADING_TAGS
)
_STRONG_TAGS = frozenset({"strong", "b"})
# Class fragments of share widgets, related-story blocks and hidden slideshow templates.
_SKIP_CLASS_WORDS = ("share", "addthis", "social", "related", "slideshow-template")
_IMAGE_CLASS_HINTS = ("media-inline", "inline-image", "image-wrap", "photo-wrap")


def _text_of(el: etree._Element) -> str:
    return clean_text("".join(el.itertext()))


def _skip_element(el: etree._Element) -> bool:
    """Widgets and hidden templates that are never article text."""
    if el.tag in _SKIP_TAGS:
        return True
    cls = el.get("class")
    if cls:
        low = cls.lower()
        if any(word in low for word in _SKIP_CLASS_WORDS):
            return True
        if "atags" in low.split():
            return True
    style = el.get("style")
    return bool(style and "display" in style and re.search(r"display\s*:\s*none", style, re.I))


def _is_image_block(el: etree._Element) -> bool:
    """A photo with its caption furniture (`.media-inline-image`, a figure, or the text anchors)."""
    if el.tag == "figure":
        return True
    cls = el.get("class")
    if cls and any(hint in cls.lower() for hint in _IMAGE_CLASS_HINTS):
        return True
    if el.tag not in ("div", "span", "section"):
        return False
    imgs = list(el.iter("img"))
    if len(imgs) != 1:
        return False
    # The variant without classes: found by its "Photo By:" / "VIRIN:" lines, kept short so that
    # a wrapper around the whole story never passes for one photo.
    text = "".join(el.itertext())
    return len(text) < 1500 and ("VIRIN:" in text or "Photo By:" in text)


def _looks_like_share_line(text: str) -> bool:
    if len(text) > 60:  # "Email Facebook X LinkedIn WhatsApp Copy Link" is the longest
        return False
    words = text.lower().split()
    return bool(words) and all(w in _SHARE_WORDS for w in words)


class _BodyWalker:
    """One walk over `div.body`: paragraphs, heading indexes, photos and correction lines."""

    def __init__(self, page_url: str) -> None:
        self.page_url = page_url
        self.paragraphs: list[str] = []
        self.headings: list[int] = []
        self.corrections: list[str] = []
        self.images: list[Image] = []

    # -- paragraphs -------------------------------------------------------------------------
    def walk(self, container: etree._Element, centered: bool = False) -> None:
        """Split `container` into paragraphs at block elements; inline runs become paragraphs."""
        centered = centered or _is_centered(container)
        forced_heading = container.tag in _HEADING_TAGS
        parts: list[str] = []
        inline: list[etree._Element] = []
        loose = False
        if container.text:
            parts.append(container.text)
            loose = not container.text.isspace()
        for child in container:
            tag = child.tag
            if not isinstance(tag, str) or _skip_element(child):
                pass
            elif tag in _BLOCK_TAGS or tag == "figure":
                if _is_image_block(child):
                    self._flush(parts, inline, loose, centered, forced_heading)
                    parts, inline, loose = [], [], False
                    self._add_image_block(child)
                elif tag != "hr":
                    self._flush(parts, inline, loose, centered, forced_heading)
                    parts, inline, loose = [], [], False
                    self.walk(child, centered)
            elif tag == "br":
                parts.append(" ")
            elif tag == "img":
                self._add_bare_image(child)
            elif _is_image_block(child):
                self._add_image_block(child)
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
            if isinstance(tag, str) and not _skip_element(child):
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
        text = clean_text("".join(parts))
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
        src = _img_src(img, self.page_url)
        if src:
            self.images.append(
                Image(
                    src=src,
                    virin=_virin_from_src(src),
                    title=clean_or_none(img.get("title")),
                    alt=clean_or_none(img.get("alt")),
                )
            )

    def _add_image_block(self, block: etree._Element) -> None:
        nested = [
            el
            for el in block.iterdescendants()
            if isinstance(el.tag, str) and "media-inline-image" in (el.get("class") or "")
        ]
        if nested:  # a gallery of photo blocks
            for el in nested:
                self._add_one_image(el)
        else:
            self._add_one_image(block)

    def _add_one_image(self, block: etree._Element) -> None:
        img = next(block.iter("img"), None)
        src = _img_src(img, self.page_url) if img is not None else None
        if img is None or not src:
            return
        title = caption = credit = virin = None
        caption_box = None
        for el in block.iter(etree.Element):
            value = el.get("class")
            if not value:
                if el.tag == "figcaption" and caption_box is None:
                    caption_box = el
                continue
            cls = value.lower().split()
            if "caption-content" in cls or el.tag == "figcaption":
                caption_box = caption_box if caption_box is not None else el
            elif "title" in cls and title is None:
                title = clean_or_none(_text_of(el))
            elif "caption" in cls and caption is None:
                caption = clean_or_none(_text_of(el))
            elif "photo-by" in cls and credit is None:
                credit = _after_label(_text_of(el), "Photo By:")
            elif "virin" in cls and virin is None:
                virin = _after_label(_text_of(el), "VIRIN:")
        virin = block.get("data-virin") or img.get("data-virin") or virin
        alt = clean_or_none(img.get("alt"))
        title = title or clean_or_none(img.get("title"))
        if credit is None or virin is None or caption is None:
            # The variant without classes: read the labelled lines of the caption text.
            lines = _lines(caption_box if caption_box is not None else block)
            if credit is None:
                credit = next((m[1].strip() for ln in lines if (m := _CREDIT_RE.match(ln))), None)
            if virin is None:
                virin = next((m[1] for ln in lines if (m := _VIRIN_LINE_RE.match(ln))), None)
            if caption is None:
                # What remains once the title, Photo By, VIRIN and Download lines are set aside.
                rest = [ln for ln in lines if ln not in (title, alt) and not _is_furniture(ln)]
                caption = clean_or_none(" ".join(rest))
        self.images.append(
            Image(
                src=src,
                virin=clean_or_none(virin) or _virin_from_src(src),
                title=title,
                alt=alt,
                caption=caption,
                credit=credit,
            )
        )


def _lines(el: etree._Element) -> list[str]:
    """The non-blank text pieces under `el`, each cleaned."""
    return [clean_text(t) for t in el.itertext() if not t.isspace()]


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
    if loose or len(inline) != 1 or inline[0].tag not in _STRONG_TAGS:
        return False
    return any(c.isalpha() for c in text) and text == text.upper()


def _is_correction(text: str, inline: list[etree._Element], loose: bool) -> bool:
    if _CORRECTION_RE.match(text):
        return True
    # "<strong>Correction</strong> An earlier version ..." with no colon.
    if inline and inline[0].tag in _STRONG_TAGS | {"em", "i"}:
        lead = clean_text("".join(inline[0].itertext())).rstrip(":.").lower()
        return lead in _CORRECTION_LEADS and text.lower().startswith(lead)
    return False


def _after_label(text: str, label: str) -> str | None:
    if text.lower().startswith(label.lower()):
        text = text[len(label) :]
    return clean_or_none(text)


def _img_src(img: etree._Element, page_url: str) -> str | None:
    raw = img.get("src") or img.get("data-src") or (img.get("srcset") or "").split(" ")[0]
    raw = (raw or "").strip()
    if not raw or raw.startswith("data:"):
        return None
    return site.full_size_image_url(absolute(page_url, raw) or raw)


def _virin_from_src(src: str) -> str | None:
    name = urlsplit(src).path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = _VIRIN_RE.fullmatch(name)
    return match.group(1) if match else None


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
    text = clean_text("".join(titles[0].itertext()))
    return clean_or_none(text.split(" > ")[0])


def _marks(scope: etree._Element) -> dict[str, etree._Element]:
    """The first element of each header class (body, date, time, byline, atags) under `scope`."""
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
    if body is not None:  # a date or byline that only occurs inside the story is not the header's
        for token in ("date", "time", "byline"):
            if token in found and _is_inside(found[token], body):
                del found[token]
    return found


def _published(marks: dict[str, etree._Element]) -> str | None:
    date_el = marks.get("date")
    if date_el is None:
        return None
    day = parse_ap_date(date_el.get("data-date") or _text_of(date_el))
    if day is None:
        return None
    time_el = marks.get("time")
    clock = None
    if time_el is not None:
        clock = parse_clock(time_el.get("data-time")) or parse_clock(_text_of(time_el))
    return local_iso(day, clock)


def _content_type(adetail: etree._Element | None) -> tuple[str | None, str | None]:
    """(section from the wrapper, content-type name) from `content-type-N` / data-content-type."""
    if adetail is None:
        return None, None
    section = None
    for cls in classes(adetail):
        match = _CONTENT_TYPE_CLASS_RE.match(cls)
        if match and (section := section_from_type_val(match.group(1))):
            break
    name = clean_or_none(adetail.get("data-content-type"))
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
    if not any(phrase in raw for phrase in _NOTICE_PHRASES):
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
            block = next((a for a in chain if a.tag in _BLOCK_TAGS), holder)
            return clean_or_none("".join(block.itertext()))
    return None


def _tags(atags: etree._Element | None) -> list[str]:
    if atags is None:
        return []
    return sorted({text for a in atags.iter("a") if (text := _text_of(a))})


def _in_related_block(el: etree._Element) -> bool:
    """Inside a `.related-stories` block, or a block whose heading reads "Related Stories"."""
    for depth, ancestor in enumerate(el.iterancestors()):
        if depth >= _RELATED_DEPTH or ancestor.tag in ("body", "form"):
            return False
        value = ancestor.get("class")
        if value and "related" in value.lower():
            return True
        for child in ancestor:
            text = child.text if isinstance(child.tag, str) else None
            if text and text.strip().lower() == _RELATED_HEADING:
                return True
    return False


def _related(candidates: list[etree._Element], url: str) -> list[RelatedLink]:
    links: list[RelatedLink] = []
    seen: set[int] = set()
    for el in candidates:
        if not _in_related_block(el):
            continue
        entry = entry_from_attrs(el, url, source="related")
        if entry is not None and entry.article_id not in seen:
            seen.add(entry.article_id)
            links.append(related_link(entry))
    return links


def related_from_root(root: etree._Element, url: str) -> list[RelatedLink]:
    """The "Related Stories" links: entries in `.related-stories` or under that heading."""
    return _related(list(root.iter(*LISTING_TAGS)), url)


def extract_article(html: str | bytes, url: str) -> Article:
    """The article on a page; raises EmptyPage, BlockedPage or NotAnArticle when there is none."""
    root, raw = parse_document(html)
    # One C-level pass finds the title candidates and the related-story elements.
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
    marks = _marks(adetail if adetail is not None else root)
    body = marks.get("body")
    if body is None:
        raise NotAnArticle("the page has no article body (div.body)")

    metas = _metas(root)
    og_url = (metas.get("og:url") or "").strip() or None
    article_id = site.article_id_from_url(url) if url else None
    if article_id is None and og_url:
        article_id = site.article_id_from_url(og_url)
    if article_id is None:
        raise NotAnArticle("no article id in the URL or og:url")

    wrapper_section, content_type = _content_type(adetail)
    og_same = og_url if og_url and site.article_id_from_url(og_url) == article_id else None
    section = (
        wrapper_section or section_from_url(url) or section_from_url(og_same) or _DEFAULT_SECTION
    )
    slug = site.slug_from_url(og_same or url)
    content_type = site.SECTIONS[section].content_type_name if wrapper_section else content_type
    content_type = content_type or site.SECTIONS[section].content_type_name

    title = (
        (_text_of(maintitle) if maintitle is not None else "")
        or clean_text(metas.get("og:title"))
        or _title_from_head(root)
        or ""
    )
    byline_el = marks.get("byline")
    page_url = url or og_url or ""
    walker = _BodyWalker(page_url)
    walker.walk(body)

    return Article(
        article_id=article_id,
        url=site.canonical_url(article_id, section, slug),
        section=section,
        title=title,
        content_type=content_type,
        published=_published(marks),
        byline=clean_or_none(_text_of(byline_el)) if byline_el is not None else None,
        summary=clean_or_none(metas.get("og:description")),
        paragraphs=walker.paragraphs,
        headings=walker.headings,
        images=walker.images,
        related=_related(listed, page_url),
        tags=_tags(marks.get("atags")),
        banner=_banner(root, raw, adetail, body, maintitle),
        corrections=walker.corrections,
        extractor_version=EXTRACTOR_VERSION,
        canonical_known=og_same is not None,
    )
