"""Text clean-up shared by the extractors: whitespace, no-break spaces, tags, Unicode form."""

from __future__ import annotations

import html
import re
import unicodedata

# Zero-width characters that editors paste in and readers never see.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_TAG_RE = re.compile(r"<[^>]*>")
# Tags that break a line become a space; inline tags (<b>, <i>, <a>) vanish without one.
_BREAK_TAG_RE = re.compile(
    r"<(?:br|/?(?:p|div|li|ul|ol|h[1-6]|tr|td|table|blockquote))\b[^>]*>", re.I
)


def clean_text(text: str | None) -> str:
    """Collapse whitespace (no-break spaces included), drop zero-width characters, NFC."""
    if not text:
        return ""
    # str.split() treats U+00A0 and the other Unicode spaces as whitespace.
    if text.isascii():
        return " ".join(text.split())
    text = " ".join(_INVISIBLE_RE.sub("", text).split())
    return unicodedata.normalize("NFC", text)


def clean_or_none(text: str | None) -> str | None:
    """`clean_text`, with an empty result as None."""
    return clean_text(text) or None


def strip_tags(text: str | None) -> str:
    """Plain text of an attribute value that may hold raw or escaped HTML."""
    if not text:
        return ""
    if "<" in text or "&" in text:
        # Values are rendered as HTML by the page's scripts, so entities are decoded once more.
        if "&lt;" in text:
            text = html.unescape(text)
        text = html.unescape(_TAG_RE.sub("", _BREAK_TAG_RE.sub(" ", text)))
    return clean_text(text)
