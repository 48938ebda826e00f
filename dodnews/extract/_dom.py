"""Parsing HTML once, safely, and the small DOM helpers the extractors share."""

from __future__ import annotations

import re
import threading
from html import unescape as html_unescape
from urllib.parse import urljoin

from lxml import etree

from dodnews.extract.errors import BlockedPage, EmptyPage, TruncatedPage

_local = threading.local()
# The Akamai wall is recognized by its shape (SITE.md), never by a phrase a real article may
# quote: a page of about 300 bytes (under 500 with its 2026 errors.edgesuite.net line) titled
# "Access Denied", without the site's article wrapper, tags in any case, text entity-escaped.
_WALL_MAX_BYTES = 4096
_WALL_TITLE_RE = re.compile(rb"<title\b[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
# The wall writes "Reference&#32;&#35;18&#46;..." with entities; a browser shows "Reference #18.".
_WALL_REF_RE = re.compile(rb"reference(?:\s|&#32;|&nbsp;)*(?:#|&#35;|&num;)", re.IGNORECASE)
_ARTICLE_WRAPPER_RE = re.compile(rb"class\s*=\s*[\"']?[^\"'>]*\b(?:adetail|maintitle)\b", re.I)


def _parser(encoding: str | None = None) -> etree.HTMLParser:
    """This thread's parser for decoded text, or for bytes in `encoding`."""
    # lxml parsers must not be shared between threads.
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    parser = parsers.get(encoding)
    if parser is None:
        # huge_tree lifts libxml2's limits (nesting of 256, text nodes and attributes of 10 MB)
        # that real pages pass: editor junk of unclosed spans, inline images and scripts.
        parser = parsers[encoding] = etree.HTMLParser(
            encoding=encoding,
            remove_comments=True,
            remove_pis=True,
            no_network=True,
            huge_tree=True,
        )
    return parser


def as_text(data: str | bytes) -> str:
    """Decode page bytes: UTF-8 (with or without BOM), else Windows-1252 as browsers do."""
    return _decoded(data)[0]


def _decoded(data: str | bytes) -> tuple[str, bool]:
    """The text of a page, and whether it came from UTF-8 bytes."""
    if isinstance(data, str):
        return data, False
    try:
        return data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), False


def is_bot_wall(html: str | bytes, status: int | None = None) -> bool:
    """True when a response has the shape of the Akamai bot wall: a tiny page titled "Access
    Denied", no article wrapper, and its "Reference #" line (or a 403 status)."""
    if len(html) > _WALL_MAX_BYTES:
        return False
    data = html.encode("utf-8", "replace") if isinstance(html, str) else html
    title = _WALL_TITLE_RE.search(data)
    if title is None:
        return False
    text = html_unescape(title.group(1).decode("utf-8", "replace"))
    if " ".join(text.split()).casefold() != "access denied":
        return False
    if _ARTICLE_WRAPPER_RE.search(data):
        return False
    return status == 403 or bool(_WALL_REF_RE.search(data))


def absolute(base: str, value: str | None) -> str | None:
    """`value` made absolute against `base` (urljoin only when needed: it is slow)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith(("https://", "http://")):
        return value
    return urljoin(base, value)


def parse_document(html: str | bytes) -> tuple[etree._Element, str]:
    """The document root and the decoded text (for cheap substring checks before XPath scans).

    Raises EmptyPage for no content and BlockedPage for the bot wall.
    """
    text, utf8 = _decoded(html)
    if not text or text.isspace():
        raise EmptyPage("the page is empty")
    if is_bot_wall(html):
        raise BlockedPage("the page is the Akamai bot wall (Access Denied)")
    source: str | bytes = text
    parser = _parser()
    if source.lstrip().startswith("<?xml"):
        # libxml2 refuses str input that declares an encoding; the text is already decoded.
        source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source, count=1)
    elif utf8:
        # The bytes themselves, read as the UTF-8 they proved to be: the same tree, and a fifth
        # less time on a real page than handing libxml2 the decoded text (bench_extract.py).
        source, parser = html, _parser("utf-8")
    try:
        root = etree.fromstring(source, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise EmptyPage(f"the page has no parsable HTML ({exc})") from None
    if root is None or not len(root):
        raise EmptyPage("the page has no elements")
    for error in parser.error_log:
        if error.type_name == "ERR_RESOURCE_LIMIT":  # libxml2 stopped reading: text was lost
            raise TruncatedPage(f"the parser stopped early, text would be lost ({error.message})")
    return root, text


def parse_html(html: str | bytes) -> etree._Element:
    """The document root; raises EmptyPage for no content and BlockedPage for the bot wall."""
    return parse_document(html)[0]


def classes(el: etree._Element) -> set[str]:
    """The element's class tokens, lower-cased."""
    value = el.get("class")
    return set(value.lower().split()) if value else set()


def class_has(el: etree._Element, *names: str) -> bool:
    """True when any of `names` is one of the element's class tokens."""
    value = el.get("class")
    if not value:
        return False
    tokens = value.lower().split()
    return any(name in tokens for name in names)
