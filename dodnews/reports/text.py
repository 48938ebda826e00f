"""Making archived text safe to display: visible control characters, HTML/Markdown escaping, URLs.

Everything shown in a report comes from pages we do not control, so every formatter goes through
these helpers: `clean` first (so a bidi override cannot reorder what an archivist reads, and a
lone surrogate cannot break UTF-8 or XML), then the escaper for the output format.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

# Categories never printed as-is: controls, format characters (bidi overrides, zero-width),
# line/paragraph separators, private use and surrogates.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})
_KEEP = frozenset("\n\t")
_SAFE_URL_RE = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
# Characters that make markup anywhere in a line. "<", ">" and "&" are not here: they become
# entities (and "\&gt;" would show the entity's text). Others matter only at the start of a line.
_MD_INLINE_RE = re.compile(r"([\\`*_\[\]|~#])")
_MD_LINE_START_RE = re.compile(r"^(?:([-+=])|(\d+)([.)])(?=\s|$))")
_DATA_IMAGE_RE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}")


def _hidden(char: str) -> bool:
    code = ord(char)
    if char in _KEEP:
        return False
    # Noncharacters are legal in Python strings but not in XML 1.0.
    if 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return True
    return unicodedata.category(char) in _HIDDEN_CATEGORIES


def clean(value: Any) -> str:
    """Text for display: invisible/control characters shown as "[U+202E]", never left live."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text
    return _replace_hidden(text, lambda ch: f"[U+{ord(ch):04X}]")


def _replace_hidden(text: str, show: Callable[[str], str]) -> str:
    # Checking each distinct character once keeps this at C speed for long texts.
    table = {ord(ch): show(ch) for ch in set(text) if _hidden(ch)}
    return text.translate(table) if table else text


def one_line(value: Any) -> str:
    """`clean` with runs of whitespace (newlines included) collapsed to one space."""
    return " ".join(clean(value).split())


def esc(value: Any) -> str:
    """Cleaned, HTML-escaped text (quotes included), safe in element content and attributes."""
    return html.escape(clean(value), quote=True)


def md(value: Any) -> str:
    """Cleaned text for Markdown on one line: specials backslash-escaped, then < > & as entities."""
    text = _MD_INLINE_RE.sub(r"\\\1", one_line(value))
    # A line starting "- ", "+ ", "1. " or "1) " would become a list (or "=" a heading underline).
    text = _MD_LINE_START_RE.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return html.escape(text, quote=False)


def safe_url(value: Any) -> str | None:
    """The URL if it is a plain http(s) URL with a host and no whitespace or controls, else None."""
    if not isinstance(value, str) or not value.isprintable():
        return None
    if not _SAFE_URL_RE.fullmatch(value):
        return None
    return value


def md_link(value: Any, text: Any = None) -> str:
    """A Markdown link for an http(s) URL, else the URL (or text) as escaped text."""
    url = safe_url(value)
    label = md(value if text is None else text)
    if url is None:
        return label
    # Percent-encode whatever could close the destination or start markup.
    target = quote(url, safe="!#$%&*+,-./:;=?@[]^_|~")
    return f"[{label}]({target})"


def data_image(value: Any) -> str | None:
    """The value if it is a base64 PNG/JPEG/GIF/WebP data URI (safe as an img src), else None."""
    if isinstance(value, str) and _DATA_IMAGE_RE.fullmatch(value):
        return value
    return None


def json_text(data: Any) -> str:
    """Stable JSON (sorted keys, 2-space indent) with invisible characters as \\u escapes."""
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False)
    return _replace_hidden(text, _json_escape) + "\n"


def _json_escape(char: str) -> str:
    code = ord(char)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"
