"""Photos in an article body and their furniture, read by what a reader sees.

A photo block is an element holding one picture and the lines under it: a title, the caption, a
"Photo By:" credit, a "VIRIN:" line and a "Download: Full Size (1.2 MB)" line. Which element and
class carries each line is not known for the real site (SITE.md), so the lines are told apart by
their labels and their position, whatever the markup: spans, divs, paragraphs, a figcaption, a
strong label. The image address is kept as the page gives it (lazy-loading placeholders resolved).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from dodnews.extract._blocks import BLOCK_TAGS, HEADING_TAGS, STRONG_TAGS, is_hidden
from dodnews.extract._dom import absolute
from dodnews.extract.text import collapse_whitespace, collapse_whitespace_or_none
from dodnews.model import Image

_IMAGE_CLASS_HINTS = ("media-inline", "inline-image", "image-wrap", "photo-wrap", "photo-embed")
# Labels a reader sees in photo furniture; a line is split at each one.
_LABEL_RE = re.compile(
    r"(?:photo|image|video)\s+(?:by|credit)\s*:|virin\s*:|download\s*:", re.IGNORECASE
)
_CREDIT_RE = re.compile(r"^(?:photo|image|video)\s+(?:by|credit)\s*:\s*(.*)$", re.IGNORECASE | re.S)
_VIRIN_LINE_RE = re.compile(r"^virin\s*:\s*(\S*)", re.IGNORECASE)
_DOWNLOAD_RE = re.compile(
    r"^(?:download\b|full[\s-]+size\b|\(?\s*\d[\d.,]*\s*[kmg]i?b\s*\)?$)", re.IGNORECASE
)
_VIRIN_RE = re.compile(r"\b(\d{6}-[A-Z]-[A-Z0-9]{2,6}-\d{2,5}[A-Z]?)\b")
_SENTENCE_END = (".", "!", "?", '"', "”", "’", "'", ")")
_LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-srcset", "srcset")
_WEB_SCHEMES = ("http://", "https://")
_BLOCK_CANDIDATES = frozenset({"figure", "div", "span", "section", "p", "aside", "article"})
_NOT_LINES = frozenset({"img", "noscript", "script", "style", "svg", "button", "template"})


def pictures(block: etree._Element) -> list[etree._Element]:
    """The `img` elements a reader sees in `block` (not a lazy image's `<noscript>` copy)."""
    return [
        img for img in block.iter("img") if not any(a.tag == "noscript" for a in _up(img, block))
    ]


def _up(el: etree._Element, stop: etree._Element) -> list[etree._Element]:
    chain = []
    for ancestor in el.iterancestors():
        if ancestor is stop:
            break
        chain.append(ancestor)
    return chain


def is_photo_block(el: etree._Element) -> bool:
    """One picture with its furniture: a figure, a photo-classed box or a box with photo labels."""
    tag = el.tag
    if tag not in _BLOCK_CANDIDATES or next(el.iter("img"), None) is None:
        return False
    if tag != "figure":
        cls = el.get("class")
        if not (cls and any(hint in cls.lower() for hint in _IMAGE_CLASS_HINTS)):
            # Found by its labels, kept short so that a wrapper around the story never passes.
            text = "".join(el.itertext())
            if len(text) >= 1500 or not _LABEL_RE.search(text):
                return False
    return len(pictures(el)) == 1


def image_src(img: etree._Element, page_url: str) -> str | None:
    """The picture's address as the page gives it, made absolute; lazy placeholders resolved."""
    raw = (img.get("src") or "").strip()
    if not raw or raw.startswith("data:") or raw == "#" or raw.lower() == "about:blank":
        raw = ""
        for attr in _LAZY_ATTRS:
            value = (img.get(attr) or "").strip()
            if value:
                raw = value.split(",")[0].split()[0] if "srcset" in attr else value
                break
    if not raw or raw.startswith("data:"):
        return None
    if raw.startswith(_WEB_SCHEMES):
        return raw
    if ":" in raw.split("/", 1)[0]:  # javascript:, vbscript:, mailto:... kept as written
        return raw
    return absolute(page_url, raw)


def virin_from_src(src: str) -> str | None:
    """The VIRIN that names a media.defense.gov file (`.../220213-A-GB659-1056.JPG`), if any."""
    name = urlsplit(src).path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    match = _VIRIN_RE.fullmatch(name)
    return match.group(1) if match else None


def bare_image(img: etree._Element, page_url: str) -> Image | None:
    """A picture with no furniture around it."""
    src = image_src(img, page_url)
    if src is None:
        return None
    return Image(
        src=src,
        virin=virin_from_src(src),
        title=collapse_whitespace_or_none(img.get("title")),
        alt=collapse_whitespace_or_none(img.get("alt")),
    )


def photo(block: etree._Element, page_url: str) -> Image | None:
    """The photo of a photo block with its title, caption, credit and VIRIN told apart."""
    imgs = pictures(block)
    if not imgs:
        return None
    img = imgs[0]
    src = image_src(img, page_url)
    if src is None:
        for fallback in block.iter("img"):  # a lazy image's <noscript> twin
            if fallback is not img and (src := image_src(fallback, page_url)):
                break
    if src is None:
        return None
    img_title = collapse_whitespace_or_none(img.get("title"))
    alt = collapse_whitespace_or_none(img.get("alt"))
    title = credit = virin = None
    rest: list[str] = []
    expecting: str | None = None
    for text, role in _lines(block):
        if expecting and not _LABEL_RE.match(text):
            if expecting == "credit":
                credit = text
            elif expecting == "virin":
                virin = text.split()[0]
            expecting = None  # a value after "Download:" is dropped with its label
            continue
        expecting = None
        if match := _CREDIT_RE.match(text):
            credit = credit or collapse_whitespace_or_none(match[1])
            expecting = None if match[1].strip() else "credit"
        elif match := _VIRIN_LINE_RE.match(text):
            virin = virin or match[1] or None
            expecting = None if match[1] else "virin"
        elif _DOWNLOAD_RE.match(text):
            expecting = "download" if text.rstrip().endswith(":") else None
        elif title is None and not rest and (role == "title" or (img_title and text == img_title)):
            title = text
        else:
            rest.append(text)
    if title is None and len(rest) >= 2 and _headline_like(rest[0], rest[1]):
        title = rest.pop(0)
    virin = block.get("data-virin") or img.get("data-virin") or virin
    return Image(
        src=src,
        virin=collapse_whitespace_or_none(virin) or virin_from_src(src),
        title=title or img_title,
        alt=alt,
        caption=collapse_whitespace_or_none(" ".join(rest)),
        credit=credit,
    )


def _headline_like(first: str, second: str) -> bool:
    """A short line without a sentence's end above a longer one reads as the photo's title."""
    return len(first) <= 120 and not first.endswith(_SENTENCE_END) and len(first) < len(second)


def _lines(block: etree._Element) -> list[tuple[str, str]]:
    """The block's lines as a reader sees them, each with a role hint ("title" or "")."""
    lines: list[tuple[str, str]] = []
    buffer: list[str] = []
    role = [""]

    def flush() -> None:
        text = collapse_whitespace("".join(buffer))
        buffer.clear()
        if text:
            for piece in _split_labels(text):
                lines.append((piece, role[0]))
        role[0] = ""

    def visit(node: etree._Element) -> None:
        if node.text:
            buffer.append(node.text)
        # An element whose own text is only whitespace lays its children out line by line.
        loose = bool(node.text and not node.text.isspace()) or any(
            c.tail and not c.tail.isspace() for c in node
        )
        first = True
        for child in node:
            tag = child.tag
            if not isinstance(tag, str) or tag in _NOT_LINES or is_hidden(child):
                pass
            elif tag == "br":
                flush()
            elif tag in BLOCK_TAGS or not loose or (first and _leading_title(node, child)):
                flush()
                role[0] = "title" if _titled(child) else ""
                visit(child)
                flush()
            else:
                visit(child)
            first = False
            if child.tail:
                buffer.append(child.tail)

    visit(block)
    flush()
    return lines


def _titled(el: etree._Element) -> bool:
    if el.tag in HEADING_TAGS:
        return True
    cls = (el.get("class") or "").lower()
    return "title" in cls or "headline" in cls


def _leading_title(parent: etree._Element, child: etree._Element) -> bool:
    """`<strong>Title</strong> Caption text...`: a bold lead that is not a label."""
    if child.tag not in STRONG_TAGS or (parent.text and not parent.text.isspace()):
        return False
    text = collapse_whitespace("".join(child.itertext()))
    return bool(text) and not text.endswith(":") and not _LABEL_RE.match(text)


def _split_labels(text: str) -> list[str]:
    """ "Caption. Photo By: Jane Doe VIRIN: 2201..." -> the caption and one line per label."""
    cuts = [m.start() for m in _LABEL_RE.finditer(text) if m.start() > 0]
    if not cuts:
        return [text]
    pieces = []
    start = 0
    for cut in cuts:
        pieces.append(text[start:cut].strip())
        start = cut
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]
