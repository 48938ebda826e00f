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
from collections.abc import Iterator

from lxml import etree

from dodnews.extract._blocks import BLOCK_TAGS, SKIP_TAGS

# What a reader never sees as text, and the elements that end a line: the body walker's tables, with
# a few more form and drawing elements the region may hold.
_SKIP_TAGS = SKIP_TAGS | {"canvas", "map", "option", "datalist"}
_BLOCK_TAGS = BLOCK_TAGS
# Page chrome that may sit inside a fallback scope (no wrapper): dropped unless it holds the
# title or the body.
_CHROME_TAGS = frozenset({"header", "footer", "aside"})
_CHROME_ROLES = frozenset({"navigation", "search", "banner", "contentinfo"})
# In a lower-cased class attribute: share kits, and classes that hide an element.
_SKIP_CLASS_RE = re.compile(
    r"share|social|a2a|addthis"
    r"|(?:^|\s)(?:hidden|d-none|sr-only|visually-hidden|screen-reader-text|invisible)(?=\s|$)"
)
# Photo boxes end a line even when they are spans, so a caption never runs into a paragraph.
_IMAGE_CLASS_RE = re.compile(r"media-inline|inline-image|image-wrap|photo-wrap|caption")
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_TEMPLATE_RE = re.compile(r"\{\{[^{}]*\}\}")
_LETTER_RE = re.compile(r"[^\W_]")  # a letter or digit
_SHARE_WORDS = frozenset(
    ["email", "facebook", "x", "twitter", "linkedin", "whatsapp", "copy", "link", "share", "print"]
)
_SHARE_STARTS = tuple(sorted(_SHARE_WORDS))


def region_text(
    root: etree._Element,
    wrapper: etree._Element | None,
    title: etree._Element | None = None,
    body: etree._Element | None = None,
) -> list[str]:
    """The region's visible text blocks in document order (see the module docstring)."""
    scope = wrapper if wrapper is not None else _common_scope(root, title, body)
    return _Walker(title, body, chrome=wrapper is None).walk(scope)


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


_SKIP, _BLOCK, _INLINE, _BREAK = range(4)
_KIND_BY_TAG = {
    **dict.fromkeys(_SKIP_TAGS, _SKIP),
    **dict.fromkeys(_BLOCK_TAGS, _BLOCK),
    "br": _BREAK,
}


class _Walker:
    """Collects text blocks: block elements end the current block, inline ones join it.

    Iterative (an explicit stack), so that editor junk nested thousands deep cannot exhaust
    Python's recursion limit. This walk runs on every page, so an element without attributes
    costs one dict look-up; attributes are read only when the element has some.
    """

    def __init__(
        self, title: etree._Element | None, body: etree._Element | None, *, chrome: bool
    ) -> None:
        self.title = title
        self.body = body
        self.chrome = chrome

    def kind(self, el: etree._Element, tag: str, kind: int) -> int:
        """Skip, block, inline or line break, for an element that has attributes or is chrome."""
        keys = el.keys()
        if "hidden" in keys:
            return _SKIP
        if "style" in keys and _HIDDEN_STYLE_RE.search(el.get("style")):
            return _SKIP
        if "class" in keys:
            verdict = _class_verdict(el.get("class"))
            if verdict == _SKIP:
                return _SKIP
            if verdict == _BLOCK and kind == _INLINE:
                kind = _BLOCK
        chrome = (self.chrome and tag in _CHROME_TAGS) or (
            "role" in keys and el.get("role") in _CHROME_ROLES
        )
        if chrome and not (_holds(el, self.title) or _holds(el, self.body)):
            return _SKIP
        return kind

    def walk(self, scope: etree._Element) -> list[str]:
        """The text blocks under `scope` (itself a block)."""
        blocks: list[str] = []
        parts: list[str] = []

        def flush() -> None:
            text = "".join(parts)
            parts.clear()
            if not text.isspace() and (text := _clean(text)):
                blocks.append(text)

        kinds = _KIND_BY_TAG
        chrome = self.chrome
        if scope.text and not scope.text.isspace():
            parts.append(scope.text)
        # (children still to visit, whether the element ends a line, the element)
        stack: list[tuple[Iterator[etree._Element], bool, etree._Element | None]] = [
            (iter(scope), True, None)
        ]
        while stack:
            children, in_block, el = stack.pop()
            for child in children:
                tag = child.tag
                if type(tag) is str:
                    kind = kinds.get(tag, _INLINE)
                    if kind != _SKIP and (child.keys() or (chrome and tag in _CHROME_TAGS)):
                        kind = self.kind(child, tag, kind)
                    if kind == _BREAK:
                        parts.append(" ")
                    elif kind != _SKIP:
                        # Inside an inline element everything joins the line, blocks included.
                        ends_line = kind == _BLOCK and in_block
                        if ends_line and parts:
                            flush()
                        text = child.text
                        if text and (parts or not text.isspace()):
                            parts.append(text)
                        if len(child):  # go down; this level resumes after it
                            stack.append((children, in_block, el))
                            stack.append((iter(child), ends_line, child))
                            break
                        if ends_line and parts:
                            flush()
                text = child.tail
                if text and (parts or not text.isspace()):
                    parts.append(text)
            else:  # every child seen: the element ends
                if el is not None:
                    if in_block and parts:
                        flush()
                    text = el.tail
                    if text and (parts or not text.isspace()):
                        parts.append(text)
        if parts:
            flush()
        return blocks


# Class attribute values repeat across elements and pages: each is judged once.
_CLASS_VERDICTS: dict[str, int] = {}
_MAX_VERDICTS = 4096


def _class_verdict(value: str) -> int:
    """_SKIP (share kit, hidden), _BLOCK (photo box) or _INLINE (nothing to say) for a class."""
    verdict = _CLASS_VERDICTS.get(value)
    if verdict is None:
        low = value.lower()
        if _SKIP_CLASS_RE.search(low):
            verdict = _SKIP
        elif _IMAGE_CLASS_RE.search(low):
            verdict = _BLOCK
        else:
            verdict = _INLINE
        if len(_CLASS_VERDICTS) >= _MAX_VERDICTS:
            _CLASS_VERDICTS.clear()
        _CLASS_VERDICTS[value] = verdict
    return verdict


def _is_share_line(text: str) -> bool:
    words = [w for w in text.lower().split() if _LETTER_RE.search(w)]
    return all(w in _SHARE_WORDS for w in words)


def _is_tidy(text: str) -> bool:
    """An ASCII text that is one line of words with single spaces (nothing to collapse)."""
    return bool(text) and not (
        text[0] == " "
        or text[-1] == " "
        or "  " in text
        or "\n" in text
        or "\t" in text
        or "\r" in text
        or "\f" in text
        or "\v" in text
        or "\x1c" in text  # the ASCII separators str.split() also splits on
        or "\x1d" in text
        or "\x1e" in text
        or "\x1f" in text
    )


def _clean(text: str) -> str:
    """A block with whitespace collapsed and templates dropped; "" when no text is left to see."""
    plain = text.isascii()
    # Most paragraphs are one tidy ASCII line already: splitting them would only copy them.
    if not (plain and _is_tidy(text)):
        text = " ".join(text.split())
        if not text:
            return ""
    if "{{" in text:
        text = " ".join(_TEMPLATE_RE.sub(" ", text).split())
    if not _LETTER_RE.search(text):
        return ""  # separators ("|"), leftover template punctuation
    if len(text) <= 80 and text[:8].lower().startswith(_SHARE_STARTS) and _is_share_line(text):
        return ""  # "Email Facebook X LinkedIn WhatsApp Copy Link" outside a share-classed box
    if not plain:
        text = unicodedata.normalize("NFC", text)
    return text
