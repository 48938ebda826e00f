"""Text clean-up shared by the extractors: whitespace, no-break spaces, tags, Unicode form."""

from __future__ import annotations

import html
import re
import unicodedata

_TAG_RE = re.compile(r"<[^>]*>")
# Tags that break a line become a space; inline tags (<b>, <i>, <a>) vanish without one.
_BREAK_TAG_RE = re.compile(
    r"<(?:br|/?(?:p|div|li|ul|ol|h[1-6]|tr|td|table|blockquote))\b[^>]*>", re.I
)


def collapse_whitespace(text: str | None) -> str:
    """Collapse whitespace (no-break spaces included), NFC.

    Zero-width and other format characters (U+200B/C/D, U+2060, U+FEFF) are kept exactly: a
    Persian ZWNJ or an emoji ZWJ sequence is part of the text. Only the diff's comparison form
    (diffing.normalize.comparison_form) folds them.
    """
    if not text:
        return ""
    # str.split() treats U+00A0 and the other Unicode spaces as whitespace.
    if text.isascii():
        return " ".join(text.split())
    text = " ".join(text.split())
    return unicodedata.normalize("NFC", text)


def collapse_whitespace_or_none(text: str | None) -> str | None:
    """`collapse_whitespace`, with an empty result as None."""
    return collapse_whitespace(text) or None


def strip_tags(text: str | None) -> str:
    """Plain text of an attribute value that may hold raw or escaped HTML."""
    if not text:
        return ""
    if "<" in text or "&" in text:
        # Values are rendered as HTML by the page's scripts, so entities are decoded once more.
        if "&lt;" in text:
            text = html.unescape(text)
        text = html.unescape(_TAG_RE.sub("", _BREAK_TAG_RE.sub(" ", text)))
    return collapse_whitespace(text)
