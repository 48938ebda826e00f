"""What a reader sees of an element: which tags break lines, which are never text, and its text."""

from __future__ import annotations

import re
from collections.abc import Collection

from lxml import etree

from dodnews.extract.text import collapse_whitespace

SKIP_TAGS = frozenset(
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
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements that end the current line of text: each one's content is a paragraph (or holds them).
BLOCK_TAGS = (
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
            "figure",
            "figcaption",
        ]
    )
    | HEADING_TAGS
)
STRONG_TAGS = frozenset({"strong", "b"})
# Class fragments of share widgets, related-story blocks and hidden slideshow templates.
_SKIP_CLASS_WORDS = ("share", "addthis", "social", "related", "slideshow-template", "a2a")
_HIDDEN_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_hidden(el: etree._Element) -> bool:
    """Hidden from every reader: the `hidden` attribute or display:none / visibility:hidden."""
    if el.get("hidden") is not None or el.get("aria-hidden") == "true":
        return True
    style = el.get("style")
    return bool(style and ("none" in style or "hidden" in style) and _HIDDEN_RE.search(style))


def skip_element(el: etree._Element) -> bool:
    """Widgets, scripts and hidden templates that are never article text."""
    if el.tag in SKIP_TAGS:
        return True
    cls = el.get("class")
    if cls:
        low = cls.lower()
        if any(word in low for word in _SKIP_CLASS_WORDS):
            return True
        if "atags" in low.split():
            return True
    style = el.get("style")
    return bool(style and "display" in style and _HIDDEN_RE.search(style))


def visible_text(el: etree._Element, exclude: Collection[etree._Element] = ()) -> str:
    """The element's text as a reader sees it: skipped widgets and `exclude` left out, cleaned."""
    parts: list[str] = []
    _collect(el, parts, exclude)
    return collapse_whitespace("".join(parts))


def _collect(el: etree._Element, parts: list[str], exclude: Collection[etree._Element]) -> None:
    if el.text:
        parts.append(el.text)
    for child in el:
        if isinstance(child.tag, str) and child not in exclude and not skip_element(child):
            if child.tag == "br" or child.tag in BLOCK_TAGS:
                parts.append(" ")
            _collect(child, parts, exclude)
            if child.tag in BLOCK_TAGS:
                parts.append(" ")
        if child.tail:
            parts.append(child.tail)
