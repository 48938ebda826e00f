"""Article pages: HTML in, `Article` out, with page chrome, widgets and photo furniture left behind.

The page is parsed once; a handful of XPath look-ups find the landmarks (head metas, the
`div.adetail` wrapper, title, date, body, tags, notice, related block) and one walk over `div.body`
collects paragraphs, headings, photos and correction lines. docs/markup.md is the contract.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from lxml import etree

from dodnews import site
from dodnews.extract._dom import classes, parse_html
from dodnews.extract._sections import (
    section_from_type_name,
    section_from_type_val,
    section_from_url,
)
from dodnews.extract.dates import local_iso, parse_ap_date, parse_clock
from dodnews.extract.errors import NotAnArticle
from dodnews.extract.listing import entries_from_root, related_link
from dodnews.extract.text import clean_or_none, clean_text
from dodnews.items import Article, Image, RelatedLink

# Bump when a change to extraction changes its output for the same page.
EXTRACTOR_VERSION = "1"

_DEFAULT_SECTION = "news-stories"


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_META_XPATH = etree.XPath("//meta[@property or @name]")
_TITLE_XPATH = etree.XPath("//title")
_ADETAIL_XPATH = etree.XPath(f"//div[{_has_class('adetail')}]")
_MAINTITLE_XPATH = etree.XPath(f".//h1[{_has_class('maintitle')}]")
_BODY_XPATH = etree.XPath(f".//div[{_has_class('body')}]")
_DATE_XPATH = etree.XPath(f".//*[{_has_class('date')}]")
_TIME_XPATH = etree.XPath(f".//*[{_has_class('time')}]")
_BYLINE_XPATH = etree.XPath(f".//*[{_has_class('byline')}]")
_TAGS_XPATH = etree.XPath(f"//*[{_has_class('atags')}]//a")
_NOTICE_XPATH = etree.XPath(
    "//text()[contains(., 'historical collection')"
    " or contains(., 'collection of archived material')]"
)
_RELATED_BLOCK_XPATH = etree.XPath(f"//*[{_has_class('related-stories')}]")
_RELATED_HEADING_XPATH = etree.XPath("//text()[normalize-space(.) = 'Related Stories']")

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
        if not parts:
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
        img = next(iter(block.iter("img")), None)
        src = _img_src(img, self.page_url) if img is not None else None
        if not src:
            return
        title = caption = credit = virin = None
        caption_box = None
        for el in block.iterdescendants():
            if not isinstance(el.tag, str):
                continue
            cls = classes(el)
            if not cls and el.tag != "figcaption":
                continue
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
        lines = [clean_text(t) for t in block.itertext()]
        lines = [line for line in lines if line]
        if credit is None:
            credit = next((m.group(1).strip() for ln in lines if (m := _CREDIT_RE.match(ln))), None)
        virin = (
            block.get("data-virin")
            or (img.get("data-virin") if img is not None else None)
            or virin
            or next((m.group(1) for ln in lines if (m := _VIRIN_LINE_RE.match(ln))), None)
            or _virin_from_src(src)
        )
        alt = clean_or_none(img.get("alt")) if img is not None else None
        title = title or (clean_or_none(img.get("title")) if img is not None else None)
        if caption is None:
            # No p.caption: the caption is what remains of the caption box once the labelled
            # lines (title, Photo By, VIRIN, Download) are set aside.
            source = caption_box if caption_box is not None else block
            rest = [
                ln
                for ln in (clean_text(t) for t in source.itertext())
                if ln and ln != title and not _is_furniture(ln) and ln != alt
            ]
            caption = clean_or_none(" ".join(rest))
        self.images.append(
            Image(
                src=src,
                virin=clean_or_none(virin),
                title=title,
                alt=alt,
                caption=caption,
                credit=credit,
            )
        )


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
    return site.full_size_image_url(urljoin(page_url, raw))


def _virin_from_src(src: str) -> str | None:
    name = urlsplit(src).path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = _VIRIN_RE.fullmatch(name)
    return match.group(1) if match else None


# -- landmarks ------------------------------------------------------------------------------------
def _metas(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in _META_XPATH(root):
        key = (meta.get("property") or meta.get("name") or "").strip().lower()
        content = meta.get("content")
        if key and content is not None and key not in found:
            found[key] = content
    return found


def _first(
    items: list[etree._Element], outside: etree._Element | None = None
) -> etree._Element | None:
    """The first element not inside `outside` (the body), or None."""
    for el in items:
        if outside is None or not _is_inside(el, outside):
            return el
    return None


def _is_inside(el: etree._Element, ancestor: etree._Element) -> bool:
    return any(a is ancestor for a in el.iterancestors())


def _title_from_head(root: etree._Element) -> str | None:
    titles = _TITLE_XPATH(root)
    if not titles:
        return None
    text = clean_text("".join(titles[0].itertext()))
    return clean_or_none(text.split(" > ")[0])


def _published(scope: etree._Element, body: etree._Element) -> str | None:
    date_el = _first(_DATE_XPATH(scope), body)
    if date_el is None:
        return None
    day = parse_ap_date(date_el.get("data-date") or _text_of(date_el))
    if day is None:
        return None
    time_el = _first(_TIME_XPATH(scope), body)
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


def _banner(root: etree._Element, body: etree._Element, title: etree._Element | None) -> str | None:
    for hit in _NOTICE_XPATH(root):
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


def _tags(root: etree._Element) -> list[str]:
    return sorted({text for a in _TAGS_XPATH(root) if (text := _text_of(a))})


def related_from_root(root: etree._Element, url: str) -> list[RelatedLink]:
    """The "Related Stories" links: `.related-stories`, else the block under that heading."""
    blocks = list(_RELATED_BLOCK_XPATH(root))
    if not blocks:
        for hit in _RELATED_HEADING_XPATH(root):
            heading = hit.getparent()
            if heading is not None and hit.is_tail:
                heading = heading.getparent()
            if heading is not None and heading.getparent() is not None:
                blocks.append(heading.getparent())
                break
    links: list[RelatedLink] = []
    seen: set[int] = set()
    for block in blocks:
        for entry in entries_from_root(block, url, source="related"):
            if entry.article_id not in seen:
                seen.add(entry.article_id)
                links.append(related_link(entry))
    return links


def extract_article(html: str | bytes, url: str) -> Article:
    """The article on a page; raises EmptyPage, BlockedPage or NotAnArticle when there is none."""
    root = parse_html(html)
    adetails = _ADETAIL_XPATH(root)
    adetail = adetails[0] if adetails else None
    scope = adetail if adetail is not None else root
    maintitles = _MAINTITLE_XPATH(scope) or (_MAINTITLE_XPATH(root) if adetail is not None else [])
    maintitle = maintitles[0] if maintitles else None
    bodies = _BODY_XPATH(scope)
    body = bodies[0] if bodies else None
    if body is None or (maintitle is None and adetail is None):
        raise NotAnArticle("the page has no article title and body (h1.maintitle, div.body)")

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
    byline_el = _first(_BYLINE_XPATH(scope), body)

    walker = _BodyWalker(url or og_url or "")
    walker.walk(body)

    return Article(
        article_id=article_id,
        url=site.canonical_url(article_id, section, slug),
        section=section,
        title=title,
        content_type=content_type,
        published=_published(scope, body),
        byline=clean_or_none(_text_of(byline_el)) if byline_el is not None else None,
        summary=clean_or_none(metas.get("og:description")),
        paragraphs=walker.paragraphs,
        headings=walker.headings,
        images=walker.images,
        related=related_from_root(root, url or og_url or ""),
        tags=_tags(root),
        banner=_banner(root, body, maintitle),
        corrections=walker.corrections,
        extractor_version=EXTRACTOR_VERSION,
    )
