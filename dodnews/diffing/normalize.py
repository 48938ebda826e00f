"""Text, date and URL normalization for comparison, and the content hash of an article.

Two levels of normalization:

* `comparison_form` removes what is never an edit: Unicode composition (NFC vs NFD, nbsp and other
  compatibility forms, via NFKC), zero-width characters, soft hyphens, leftover HTML entities and
  runs of whitespace. Two texts with equal `comparison_form` are the same text; quotes stay as
  written.
* `match_text` additionally unifies curly/straight quotes and dash variants and folds case. It is
  used only to decide which paragraphs correspond, never to decide that nothing changed.

`content_hash` hashes the `comparison_form` view of the fields a change report looks at, so equal
hashes guarantee an empty report (the detector's fast path) and noise never makes a new version.

The article region's text (`Article.region`, the safety net's input) enters the hash only as its
*residue*: each block in `region_form` (comparison_form plus the folds of region noise: relative
dates, download sizes, the defense.gov -> war.gov rename) with every text the article's typed
fields hold cut out, and its dates, photo labels and content-type labels dropped. Text a typed
field explains is hashed once, through that field. An article without a region (archived before
the region was kept) hashes exactly as before (HASH_VERSION "1"); one with a region hashes as
REGION_HASH_VERSION.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import unicodedata
from bisect import bisect_left
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from dodnews.extract.dates import MONTH_NUMBERS
from dodnews.model import Article, Image
from dodnews.site import (
    WAR,
    Site,
    article_id_from_url,
    full_size_image_url,
    section_from_path,
    slug_from_url,
)

SITE_TZ = ZoneInfo("America/New_York")
HASH_VERSION = "1"  # bump when the hashed view changes, so stored hashes can be recomputed
# The view of an article with a region; region-less articles keep HASH_VERSION (and their hashes).
REGION_HASH_VERSION = "2"

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_QUOTES_DASHES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)


def comparison_form(text: str | None) -> str:
    """Text with noise removed (NFKC, no invisibles, entities decoded, whitespace collapsed)."""
    if not text:
        return ""
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    return " ".join(text.split())


def comparison_form_or_none(text: str | None) -> str | None:
    """`comparison_form`, but None (or a text that normalizes to nothing) stays None."""
    value = comparison_form(text)
    return value or None


def match_text(text: str) -> str:
    """A normalized text with quotes and dashes unified and case folded, for pairing only."""
    return text.translate(_QUOTES_DASHES).casefold()


def image_key(image: Image) -> str:
    """The identity of a photo: its VIRIN, else its full-size URL (no size variant, no query)."""
    virin = comparison_form(image.virin).upper()
    if virin:
        return virin
    return "src:" + full_size_image_url(comparison_form(image.src))


def image_keys(images: list[Image]) -> list[str]:
    """`image_key` for each image, made unique ("#2") when one photo appears twice."""
    seen: dict[str, int] = {}
    keys = []
    for image in images:
        key = image_key(image)
        seen[key] = seen.get(key, 0) + 1
        keys.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return keys


def url_key(article: Article, site: Site = WAR) -> str:
    """Section, id and slug of the article URL (read with `site`'s paths): host, scheme, query
    and case are not edits.

    The slug counts only when the page named its canonical URL itself: otherwise it is the one
    the page happened to be fetched at (a listing's, a related link's), a variant, not an edit.
    """
    path = urlsplit(comparison_form(article.url)).path
    section = section_from_path(path, site)
    section_key = section.key if section else comparison_form(article.section)
    article_id = article_id_from_url(article.url) or article.article_id
    slug = slug_from_url(article.url).lower() if article.canonical_known else ""
    return f"{section_key}/{article_id}/{slug}"


def parse_published(value: str | None) -> date | datetime | None:
    """An ISO date or datetime (naive datetimes are America/New_York), or None if unparseable."""
    text = comparison_form(value)
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SITE_TZ)


def same_published(old: str | None, new: str | None) -> bool:
    """Whether two publication dates are the same moment (or day, when one has no time)."""
    if comparison_form(old) == comparison_form(new):
        return True
    a, b = parse_published(old), parse_published(new)
    if a is None or b is None:
        return False
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a == b
    day_a = a.date() if isinstance(a, datetime) else a
    day_b = b.date() if isinstance(b, datetime) else b
    return day_a == day_b


def hash_view(
    article: Article, explained: Explained | None = None, site: Site = WAR
) -> dict[str, Any]:
    """The fields that matter for change detection, normalized, in a canonical order.

    `explained` is `Explained.of(article)` when the caller has it already; `site` reads the URL.
    """
    keys = image_keys(article.images)
    images = sorted(
        [k, comparison_form_or_none(i.caption), comparison_form_or_none(i.credit)]
        for k, i in zip(keys, article.images, strict=True)
    )
    view: dict[str, Any] = {
        "v": HASH_VERSION,
        "article_id": article.article_id,
        "url": url_key(article, site),
        "title": comparison_form(article.title),
        "published": comparison_form_or_none(article.published),
        "byline": comparison_form_or_none(article.byline),
        "summary": comparison_form_or_none(article.summary),
        "paragraphs": [comparison_form(p) for p in article.paragraphs],
        "headings": sorted(set(article.headings)),
        "images": images,
        "related": sorted({r.article_id for r in article.related}),
        "tags": sorted({comparison_form(t) for t in article.tags} - {""}),
        "banner": comparison_form_or_none(article.banner),
        "corrections": [comparison_form(c) for c in article.corrections],
    }
    if article.region:
        view["v"] = REGION_HASH_VERSION
        view["region"] = [text for _, text in (explained or Explained.of(article)).rest]
    return view


def content_hash(article: Article, explained: Explained | None = None, site: Site = WAR) -> str:
    """sha256 (hex) of the canonical JSON of `hash_view`: extractor version and noise excluded."""
    view = hash_view(article, explained, site)
    data = json.dumps(view, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def tokens(text: str) -> list[tuple[str, int, int]]:
    """Whitespace-separated words of a normalized text, with their character spans."""
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", text)]


# -- the article region: comparison form and residue ---------------------------------------------

# "17 min ago", "2 hours ago", "just now", "yesterday": browser scripts rewrite them on every view.
_AGO_RE = re.compile(
    r"\b(?:\d+\s*(?:s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|"
    r"d|day|days|wk|wks|week|weeks|mo|month|months|yr|yrs|year|years)\.?\s+ago|just\s+now|"
    r"yesterday)\b",
    re.IGNORECASE,
)
# "Download: Full Size (1.2 MB)": the size of another size variant or encoding of one photo.
_SIZE_RE = re.compile(r"\(\s*\d[\d.,]*\s*(?:[KMGT]i?B|bytes?)\s*\)", re.IGNORECASE)
# The site rename (September 2025): host names and the department's name in page furniture.
_HOST_RE = re.compile(r"\b(?:www\.)?(?:defense|war)\.gov\b", re.IGNORECASE)
_DEPT_RE = re.compile(r"\bof (?:defense|war)\b", re.IGNORECASE)
# Photo furniture, block headings and share words that never carry an edit on their own.
_LABEL_RE = re.compile(
    r"\b(?:photo\s+by|virin|download|tags?|credit)\s*:|\bfull\s+size\b|\(size\)"
    r"|\brelated\s+(?:stories|articles|links|content)\b|\bcopy\s+link\b",
    re.IGNORECASE,
)
_DATE_RE = re.compile(
    r"\b(?P<month>[A-Za-z]{3,9})\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b"
    r"|\b(?P<iy>\d{4})-(?P<im>\d{2})-(?P<id>\d{2})\b"
    r"|\b(?P<nm>\d{1,2})/(?P<nd>\d{1,2})/(?P<ny>\d{4})\b"
)
_DIGIT_RE = re.compile(r"\d")
_CLOCK_RE = re.compile(r"\b(\d{1,2}):(\d{2})\s*([AaPp])\.?\s*[Mm]\b\.?")
# Content-type labels a header or a related entry shows beside its title and date.
_TYPE_LABELS = frozenset(
    [
        "news",
        "news story",
        "news stories",
        "article",
        "release",
        "releases",
        "news release",
        "immediate release",
        "transcript",
        "transcripts",
        "speech",
        "speeches",
        "feature",
        "feature story",
        "feature stories",
        "story",
        "contract",
        "contracts",
        "advisory",
        "media advisory",
        "press release",  # af.mil and navy.mil name their releases so
    ]
)
_EDGE_PUNCT = " |•·/\\–—-,;:"


def region_form(text: str | None) -> str:
    """A region block as the safety net compares it: `comparison_form` plus region noise folds."""
    if not text:
        return ""
    # A tidy ASCII line (most paragraphs) is its own comparison_form: skip the split and join.
    if not (text.isascii() and "&" not in text and _is_tidy(text)):
        text = comparison_form(text)
    return _fold(text)


def _is_tidy(text: str) -> bool:
    """One line of words with single spaces and no space at either end (ASCII text)."""
    return not (
        text[0] == " "
        or text[-1] == " "
        or "  " in text
        or "\n" in text
        or "\t" in text
        or "\r" in text
        or "\f" in text
        or "\v" in text
        or "\x1c" in text
        or "\x1d" in text
        or "\x1e" in text
        or "\x1f" in text
    )


def _fold(text: str) -> str:
    # Plain substring tests first (C speed): most blocks need none of the regexes.
    if "ago" in text or "AGO" in text or "ust now" in text or "esterday" in text:
        text = _AGO_RE.sub("<ago>", text)
    if "B)" in text or "b)" in text or "byte" in text:
        text = _SIZE_RE.sub("(size)", text)
    if ".gov" in text:
        text = _HOST_RE.sub("<site>", text)
    if "efense" in text or "EFENSE" in text or " War" in text or " war" in text or " WAR" in text:
        text = _DEPT_RE.sub("of <dept>", text)
    return text


Moments = tuple[frozenset[date], frozenset[tuple[int, int]]]


class Explained:
    """What typed fields account for in a region: their texts (as extracted) and the days and
    clock times of their dates. `Explained.of(article)` for one version; `a | b` for the texts of
    two. The `region_form` of each text is worked out once, when a block needs it."""

    __slots__ = ("_memo", "_rest", "raw", "region", "when")

    def __init__(
        self,
        raw: frozenset[str],
        when: Moments,
        region: list[str] | None = None,
        memo: dict[str, str] | None = None,
    ) -> None:
        self.raw = raw
        self.when = when
        self.region = region  # the version's own region (None for the texts of two versions)
        self._memo: dict[str, str] = memo if memo is not None else {}
        self._rest: list[tuple[int, str]] | None = None

    @classmethod
    def of(cls, article: Article) -> Explained:
        texts = [
            article.title,
            article.byline,
            article.summary,
            article.banner,
            *article.paragraphs,
            *article.corrections,
            *article.tags,
        ]
        for image in article.images:
            texts += [image.title, image.alt, image.caption, image.credit, image.virin]
        texts += [link.title for link in article.related]
        return cls(frozenset(t for t in texts if t), moments(article), article.region)

    def __or__(self, other: Explained) -> Explained:
        when = (self.when[0] | other.when[0], self.when[1] | other.when[1])
        return Explained(self.raw | other.raw, when, memo={**self._memo, **other._memo})

    def form(self, text: str) -> str:
        """`region_form(text)`, remembered."""
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = region_form(text)
        return found

    @property
    def rest(self) -> list[tuple[int, str]]:
        """`region_residue` of the version's own region (computed once)."""
        if self._rest is None:
            self._rest = region_residue(self.region or [], self)
        return self._rest


def moments(article: Article) -> Moments:
    """The days and clock times (hour, minute) of the article's and its related stories' dates."""
    days: set[date] = set()
    clocks: set[tuple[int, int]] = set()
    for value in [article.published, *(link.published for link in article.related)]:
        parsed = parse_published(value)
        if isinstance(parsed, datetime):
            local = parsed.astimezone(SITE_TZ)
            days.add(local.date())
            clocks.add((local.hour, local.minute))
        elif parsed is not None:
            days.add(parsed)
    return frozenset(days), frozenset(clocks)


def region_residue(region: list[str], explained: Explained) -> list[tuple[int, str]]:
    """(block index, unexplained text) of each region block with text no typed field explains.

    A block that is a typed text as extracted goes (the usual case: a paragraph), and that text
    is used up by it. From the other blocks, in `region_form`, the remaining typed texts are cut
    (longest first, on word boundaries), then the dates and clock times of `explained.when`,
    photo and block labels; a block left with no letter or digit, or only a content-type label,
    goes.
    """
    raw = explained.raw
    pending = [(index, block) for index, block in enumerate(region) if block not in raw]
    if not pending:
        return []
    shown = raw.intersection(region)
    # A text far longer than every pending block cannot sit in one (normalizing only shortens a
    # text as extracted, bar rare compatibility characters).
    limit = 2 * max(len(block) for _, block in pending) + 32
    forms = {explained.form(text) for text in raw if len(text) <= limit and text not in shown}
    forms.discard("")
    longest = sorted(forms, key=len, reverse=True)
    sizes = [-len(text) for text in longest]
    out: list[tuple[int, str]] = []
    for index, block in pending:
        form = region_form(block)
        if not form or form in forms:
            continue
        # Only texts no longer than the block can sit in it.
        for text in longest[bisect_left(sizes, -len(form)) :]:
            if text in form:
                form = _cut(form, text)
        if explained.when[0] or explained.when[1]:
            form = _cut_moments(form, explained.when)
        if "by" in form or "By" in form or ":" in form or "(" in form or "elated" in form:
            form = _LABEL_RE.sub(" ", form)
        # Separators left between cut texts ("|") and relative dates carry no edit.
        words = [w for w in form.split() if w != "<ago>" and w.strip(_EDGE_PUNCT)]
        form = " ".join(words).strip(_EDGE_PUNCT)
        if not form or not any(c.isalnum() for c in form):
            continue
        if _is_type_label(form):
            continue
        out.append((index, form))
    return out


def _is_type_label(text: str) -> bool:
    # Every site profile's content-type names are among the labels (a guarantee test checks it).
    return text.casefold() in _TYPE_LABELS


def _cut(form: str, text: str) -> str:
    """`form` without the occurrences of `text` that start and end on word boundaries."""
    start = 0
    size = len(text)
    while (at := form.find(text, start)) >= 0:
        end = at + size
        clean_start = at == 0 or not (form[at - 1].isalnum() and text[0].isalnum())
        clean_end = end == len(form) or not (form[end].isalnum() and text[-1].isalnum())
        if clean_start and clean_end:
            form = form[:at] + " " + form[end:]
            start = at + 1
        else:
            start = at + 1
    return form


def _cut_moments(form: str, when: Moments) -> str:
    days, clocks = when
    if days and _DIGIT_RE.search(form):
        form = _DATE_RE.sub(lambda m: " " if _match_day(m) in days else m.group(), form)
    if clocks and ":" in form:
        form = _CLOCK_RE.sub(lambda m: " " if _match_clock(m) in clocks else m.group(), form)
    return form


def _match_day(match: re.Match[str]) -> date | None:
    try:
        if match["month"]:
            month = MONTH_NUMBERS.get(match["month"].lower())
            if month is None:
                return None
            return date(int(match["year"]), month, int(match["day"]))
        if match["iy"]:
            return date(int(match["iy"]), int(match["im"]), int(match["id"]))
        return date(int(match["ny"]), int(match["nm"]), int(match["nd"]))
    except ValueError:
        return None


def _match_clock(match: re.Match[str]) -> tuple[int, int]:
    hour = int(match[1]) % 12 + (12 if match[3].lower() == "p" else 0)
    return hour, int(match[2])
