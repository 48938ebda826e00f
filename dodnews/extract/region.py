"""The visible text of an article's region, block by block: what the diff's safety net compares.

The region is the article wrapper (`div.adetail`), or, on a page without one, the smallest element
holding both the title and the body. Its text is split into blocks where a reader sees line
breaks (block elements), in document order, and keeps what a reader sees: no scripts, styles,
templates (`<template>`, unrendered `{{...}}` slideshow strings), hidden elements (`hidden`,
`display:none`, `visibility:hidden`, screen-reader-only classes), form controls, navigation or
share kits (share/social/a2a/addthis widgets, an "Email Facebook X ... Copy Link" line). Each
block has its whitespace collapsed; format characters (zero-width joiners and the like) are kept,
as in the archived fields: only the diff's comparison form folds them.

Pure lxml: no Scrapy, no database.
"""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

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
        "canvas",
        "map",
        "button",
        "input",
        "select",
        "option",
        "datalist",
        "textarea",
        "nav",
        "head",
        "title",
        "meta",
        "link",
    ]
)
# Elements that end a line of text (as the body walker in article.py splits paragraphs).
_BLOCK_TAGS = frozenset(
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
        "figure",
        "figcaption",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    ]
)
# Page chrome that may sit inside a fallback scope (no wrapper): dropped unless it holds the
# title or the body.
_CHROME_TAGS = frozenset({"header", "footer", "aside"})
_CHROME_ROLES = frozenset({"navigation", "search", "banner", "contentinfo"})
_SHARE_CLASS_WORDS = ("share", "social", "a2a", "addthis")
_HIDDEN_CLASSES = frozenset(
    {"hidden", "d-none", "sr-only", "visually-hidden", "screen-reader-text", "invisible"}
)
# Photo boxes end a line even when they are spans, so a caption never runs into a paragraph.
_IMAGE_CLASS_HINTS = ("media-inline", "inline-image", "image-wrap", "photo-wrap", "caption")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_TEMPLATE_RE = re.compile(r"\{\{[^{}]*\}\}")
_SHARE_WORDS = frozenset(
    ["email", "facebook", "x", "twitter", "linkedin", "whatsapp", "copy", "link", "share", "print"]
)


def region_text(
    root: etree._Element,
    wrapper: etree._Element | None,
    title: etree._Element | None = None,
    body: etree._Element | None = None,
) -> list[str]:
    """The region's visible text blocks in document order (see the module docstring)."""
    scope = wrapper if wrapper is not None else _common_scope(root, title, body)
    walker = _Walker(title, body, chrome=wrapper is None)
    walker.block(scope)
    walker.flush()
    return walker.blocks


def _common_scope(
    root: etree._Element, title: etree._Element | None, body: etree._Element | None
) -> etree._Element:
    """The smallest element holding both title and body (one of them alone, else the page)."""
    if title is None or body is None:
        return body if body is not None else title if title is not None else root
    chain = [title, *title.iterancestors()]
    for ancestor in (body, *body.iterancestors()):
        if any(ancestor is el for el in chain):
            return ancestor
    return root


def _holds(el: etree._Element, inner: etree._Element | None) -> bool:
    return inner is not None and (inner is el or any(a is el for a in inner.iterancestors()))


class _Walker:
    """Collects text blocks: block elements end the current block, inline ones join it."""

    def __init__(
        self, title: etree._Element | None, body: etree._Element | None, *, chrome: bool
    ) -> None:
        self.title = title
        self.body = body
        self.chrome = chrome
        self.blocks: list[str] = []
        self.parts: list[str] = []

    def flush(self) -> None:
        if self.parts:
            text = _clean("".join(self.parts))
            self.parts = []
            if text:
                self.blocks.append(text)

    def skipped(self, el: etree._Element) -> bool:
        tag = el.tag
        if tag in _SKIP_TAGS or el.get("hidden") is not None:
            return True
        style = el.get("style")
        if style and _HIDDEN_STYLE_RE.search(style):
            return True
        cls = el.get("class")
        if cls:
            low = cls.lower()
            if any(word in low for word in _SHARE_CLASS_WORDS):
                return True
            if not _HIDDEN_CLASSES.isdisjoint(low.split()):
                return True
        if el.get("role") in _CHROME_ROLES and not (
            _holds(el, self.title) or _holds(el, self.body)
        ):
            return True
        return (
            self.chrome
            and tag in _CHROME_TAGS
            and not (_holds(el, self.title) or _holds(el, self.body))
        )

    def block(self, el: etree._Element) -> None:
        """Walk the content of a block element (its children may end lines)."""
        parts = self.parts
        if el.text:
            parts.append(el.text)
        for child in el:
            tag = child.tag
            if isinstance(tag, str) and not self.skipped(child):
                if tag in _BLOCK_TAGS or _is_image_box(child):
                    self.flush()
                    self.block(child)
                    self.flush()
                    parts = self.parts
                elif tag == "br":
                    parts.append(" ")
                else:
                    self.inline(child)
            if child.tail:
                parts.append(child.tail)

    def inline(self, el: etree._Element) -> None:
        """Walk an inline element: everything in it joins the current line."""
        parts = self.parts
        if el.text:
            parts.append(el.text)
        for child in el:
            if isinstance(child.tag, str) and not self.skipped(child):
                if child.tag == "br":
                    parts.append(" ")
                else:
                    self.inline(child)
            if child.tail:
                parts.append(child.tail)


def _is_image_box(el: etree._Element) -> bool:
    cls = el.get("class")
    return bool(cls) and any(hint in cls.lower() for hint in _IMAGE_CLASS_HINTS)


def _is_share_line(text: str) -> bool:
    words = [w for w in text.lower().split() if any(c.isalnum() for c in w)]
    return all(w in _SHARE_WORDS for w in words)


def _clean(text: str) -> str:
    """A block with whitespace collapsed and templates dropped; "" when no text is left to see."""
    text = " ".join(text.split())
    if not text:
        return ""
    if "{{" in text:
        text = " ".join(_TEMPLATE_RE.sub(" ", text).split())
    if not any(c.isalnum() for c in text):
        return ""  # separators ("|"), leftover template punctuation
    if len(text) <= 80 and _is_share_line(text):
        return ""  # "Email Facebook X LinkedIn WhatsApp Copy Link" outside a share-classed box
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return text
