"""HTML, RSS and JSON of the replica, in the shapes docs/markup.md pins. Plain string building.

Article pages come out as three parts around the two per-request view-state values, so the server
can cache them per epoch and only fill in fresh random tokens for each request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from dodnews.replica.content import EpochState, slug_of
from dodnews.replica.generator import AP_MONTHS as _AP_MONTHS
from dodnews.replica.markup import CONTRACT_FRAME
from dodnews.replica.weight import heavy_chrome
from dodnews.site import Site, article_path, canonical_url, slugify

NEW_YORK = ZoneInfo("America/New_York")
PAGE_SIZE = 10
RSS_MAX = 500
REV_BASE = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
_VS = "\x00VIEWSTATE\x00"
_EV = "\x00EVENTVALIDATION\x00"
# The real site also writes three-letter forms for some months on some pages.
_AP_SHORT = {6: "Jun.", 7: "Jul.", 9: "Sep."}
_TYPE_NAMES = {"releases": "News Release"}
_CORRECTION_START = re.compile(r"(?i)(editor.s note|correction|update|clarification)")
_IMAGE_SIZES = ((825, 780), (1000, 563), (770, 513), (1200, 800))
# The replica serves one site profile (`state.site`); `links.host` of an article says
# whether pages link to it on the site's old host ("defense.gov") or its current one ("war.gov").
_OLD_LINK_HOST = "defense.gov"
_HISTORICAL = (
    'You have accessed part of a historical collection on <a href="{old}/">'
    "{old_name}</a>. Some of the information contained within may be outdated and links may not "
    'function. Please contact the <a href="{origin}/Contact/">DOD Webmaster</a> with '
    "any questions."
)
_ARCHIVE = (
    "You have reached a collection of archived material. The content available is no longer "
    "being updated and may no longer be applicable as a result of changes in law, regulation "
    "and/or administration."
)
_NAV = (
    ("News", "/News/"),
    ("Spotlights", "/Spotlights/"),
    ("Multimedia", "/Multimedia/"),
    ("About", "/About/"),
    ("Resources", "/Resources/"),
    ("Contact", "/Contact/"),
)
# Chrome noise: each revision changes navigation and footer text, never the article.
_PROMOS = (
    "Follow the Department on social media for the latest updates.",
    "Explore the new multimedia gallery of service members at work.",
    "Read the latest stories from around the force.",
    "Find recruiting information for every military service.",
)


def _old_host(site: Site) -> str:
    """The host old links use: the former host (www.defense.gov), else another of the site's
    hosts (af.mil beside www.af.mil), so a crawl meets every host name a site has."""
    if site.old_host != site.current_host:
        return site.old_host
    others = sorted(h for h in site.hosts if h != site.current_host)
    return others[0] if others else site.current_host


def _old_origin(site: Site) -> str:
    return f"https://{_old_host(site)}"


def _short_host(host: str) -> str:
    """`www.war.gov` -> `war.gov`, as the site writes its own name in text."""
    return host.removeprefix("www.")


def _json_ld(site: Site) -> str:
    return json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": site.org_name,
            "url": f"{site.origin}/",
            "logo": f"{site.origin}/Portals/1/logo.png",
        }
    )


def _old_link_path(site: Site) -> str | None:
    """An older article path the site still redirects (title-cased), or None if it has none."""
    for prefix, _section in site.old_prefixes:
        return "/".join(part.capitalize() for part in prefix.split("/"))
    return None


def esc(text: str | None) -> str:
    """HTML-escaped text with non-breaking spaces written the way the site writes them."""
    return escape(text or "", quote=True).replace("\u00a0", "&nbsp;")


def published_dt(article: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(article["published"]).replace(tzinfo=NEW_YORK)


def ap_date(article: dict[str, Any]) -> str:
    """AP-style date; the month form (Sept./Sep., July/Jul.) is chosen per article id."""
    when = datetime.fromisoformat(article["published"])
    month = _AP_MONTHS[when.month - 1]
    if article["id"] % 3 == 0:
        month = _AP_SHORT.get(when.month, month)
    return f"{month} {when.day}, {when.year}"


def _stale_slug(article: dict[str, Any]) -> str:
    slug = slug_of(article)
    words = slug.split("-")
    return "-".join(words[:-1]) if len(words) > 2 else slug + "-1"


def link_url(article: dict[str, Any], site: Site) -> str:
    """How other pages of `site` link to the article: its real host and its link variant."""
    links = article.get("links") or {}
    origin = _old_origin(site) if links.get("host") == _OLD_LINK_HOST else site.origin
    variant = links.get("variant", "plain")
    article_id, section, slug = article["id"], article["section"], slug_of(article)
    old_path = _old_link_path(site) if variant == "oldpath" else None
    if old_path:
        return f"{origin}{old_path}{article_id}/{slug}/"
    if variant == "oldslug":
        slug = _stale_slug(article)
    path = article_path(article_id, section, slug, site)
    if variant == "govdelivery":
        return f"{origin}{path}source/GovDelivery/"
    if variant == "ref":
        return f"{origin}{path}?ref=newsletter"
    if variant == "noslash":
        return f"{origin}{path[:-1]}"
    if variant == "case":
        return f"{origin}{path.lower()}"
    return origin + path


def _images(article: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["image"] for b in article.get("body", []) if "image" in b]


def image_url(
    image: dict[str, Any], size: tuple[int, int], site: Site, ver: int | None = None
) -> str:
    """A URL on the site's media host for `image` at a size variant (-1/-1 is full size)."""
    url = (
        f"https://{site.media_host}/{image['date']}/{image['asset']}/{size[0]}/{size[1]}/0/"
        f"{image['virin']}.JPG"
    )
    return f"{url}?ver={ver}" if ver is not None else url


def _noise(article: dict[str, Any], what: str) -> int:
    return (article.get("_noise") or {}).get(what, 0)


def listing_attrs(article: dict[str, Any], site: Site) -> str:
    """The attributes shared by listing-with-preview and listing-titles-only elements."""
    section = site.section(article["section"])
    url = esc(link_url(article, site))
    images = _images(article)
    image = images[0] if images else None
    return (
        f'article-id="{article["id"]}" article-title="{esc(article["title"])}" '
        f'article-url="{url}" article-url-or-link-absolute="{url}" '
        f'article-summary="{esc(article.get("summary"))}" '
        f'content-type-name="{_TYPE_NAMES.get(section.key, section.content_type_name)}" '
        f'content-type-val="{section.content_type_val}" '
        f'image-url="{esc(image_url(image, (825, 780), site) if image else "")}" '
        f'image-caption="{esc(image["caption"] if image else "")}" '
        f'publish-date-ap="{ap_date(article)}" publish-date-jss="{article["published"]}" '
        f'term-name="" term-url="" category=""'
    )


def listing_with_preview(article: dict[str, Any], site: Site) -> str:
    return f"<listing-with-preview {listing_attrs(article, site)}></listing-with-preview>"


def listing_titles_only(article: dict[str, Any], site: Site) -> str:
    """The 2021-2023 contracts shape: sometimes no title, an http URL without slug."""
    attrs = listing_attrs(article, site)
    if article["id"] % 2 == 0:
        attrs = attrs.replace(f'article-title="{esc(article["title"])}"', 'article-title=""', 1)
        path = article_path(article["id"], article["section"], "", site)
        url = f"http://{_old_host(site)}{path[:-1]}"  # ".../Article/<id>" without the empty slug
        link = esc(link_url(article, site))
        attrs = attrs.replace(f'article-url="{link}"', f'article-url="{url}"', 1)
    return f"<listing-titles-only {attrs}></listing-titles-only>"


def story_card(article: dict[str, Any], site: Site) -> str:
    images = _images(article)
    image = image_url(images[0], (825, 780), site) if images else ""
    return (
        f'<story-card article-title="{esc(article["title"])}" '
        f'article-url="{esc(link_url(article, site))}" publish-date-jss="{article["published"]}" '
        f'article-summary="{esc(article.get("summary"))}" image-url="{esc(image)}"></story-card>'
    )


def relative_age(when: datetime, now: datetime) -> str:
    """What the browser script writes into a time element: "17 min ago", "yesterday"..."""
    seconds = (now - when).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} hours ago"
    if seconds < 2 * 86400:
        return "yesterday"
    return f"{int(seconds // 86400)} days ago"


def div_item(article: dict[str, Any], now: datetime, site: Site) -> str:
    """The 2020-and-before server-rendered entry with a relative date text."""
    section = site.section(article["section"])
    link = esc(link_url(article, site))
    images = _images(article)
    img = ""
    if images:
        src = esc(image_url(images[0], (825, 780), site))
        img = (
            f'<div class="image-wrap"><a href="{link}">'
            f'<img alt="{esc(images[0]["alt"])}" src="{src}"></a></div>'
        )
    return (
        f'<div class="dgov-col-sm-4"><div class="item item-{article["id"]}"><figure>{img}'
        f'<figcaption><span class="category"><a class="content-type-text" '
        f'href="{_old_origin(site)}{section.listing_path}"><span>'
        f"{esc(section.content_type_name)}</span></a>"
        f'<span class="separator">|</span> <time data-dateago="{article["published"]}" '
        f'data-dateap="{ap_date(article)}">{relative_age(published_dt(article), now)}</time></span>'
        f'<h3 class="title"><a href="{link}">{esc(article["title"])}</a></h3>'
        f'<p class="summary">{esc(article.get("summary"))}</p></figcaption></figure></div></div>'
    )


# --- page chrome -------------------------------------------------------------------------------

# Kilobytes of extra site chrome per HTML page (`replica serve --page-kb`; 0 = the lean pages).
PAGE_KB = 0


def _head(title: str, section_name: str, site: Site, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="utf-8">\n'
        f"<title>\n\t{esc(title)} &gt; {esc(site.org_name)} &gt; {esc(section_name)} | "
        f"{esc(site.org_name)}\n</title>\n"
        '<meta name="host" content="DMA Public Web">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{extra}"
        f'<script type="application/ld+json">{_json_ld(site)}</script>\n'
        '<link rel="stylesheet" href="/Portals/_default/skins/dgov/dist/css/main.css?cdv=2026">\n'
        "</head>\n"
    )


def _form_open(action: str, chrome: int, site: Site, state_variant: int = 0) -> str:
    origin = site.origin
    nav = "".join(f'<li><a href="{origin}{href}">{name}</a></li>' for name, href in _NAV)
    if chrome % 2:
        nav += f'<li><a href="{origin}/Spotlights/Americas-250th/">America 250</a></li>'
    return (
        '<body>\n<form method="post" action="' + esc(action) + '" id="Form" '
        'enctype="multipart/form-data">\n'
        f'<input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" value="{_VS}">\n'
        '<input type="hidden" name="__VIEWSTATEGENERATOR" id="__VIEWSTATEGENERATOR" '
        f'value="{0xCA0B3340 + chrome + 7 * state_variant:08X}">\n'
        f'<input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" value="{_EV}">\n'
        '<header class="gov-banner">An official website of the United States government. '
        "Here's how you know: official websites use .gov and secure .gov websites use HTTPS."
        "</header>\n"
        f'<nav class="navbar"><ul class="nav">{nav}</ul></nav>\n' + heavy_chrome(PAGE_KB, origin)
    )


def _footer(chrome: int, site: Site) -> str:
    origin, name = site.origin, _short_host(site.current_host).capitalize()
    return (
        f'<footer class="footer"><div class="subscribe"><p>Choose which {name} products you want '
        f'delivered to your inbox.</p><a class="btn" href="{origin}/Subscribe/">'
        f'Subscribe</a></div><p class="promo">{_PROMOS[chrome % len(_PROMOS)]}</p>'
        f'<ul class="footer-links"><li><a href="{origin}/Resources/Privacy/">Privacy '
        f'Policy</a></li><li><a href="{origin}/Resources/FOIA/">FOIA</a></li>'
        f'<li><a href="{origin}/Contact/">Contact</a></li></ul>'
        f"<p>{esc(site.org_name)}</p></footer>\n"
        "</form>\n</body>\n</html>\n"
    )


def view_state() -> tuple[str, str]:
    """Fresh per-request tokens, as a WebForms page carries them."""
    raw = os.urandom(120)
    return base64.b64encode(raw[:84]).decode(), base64.b64encode(raw[84:]).decode()


def split_parts(html: str) -> tuple[str, str, str]:
    first, rest = html.split(_VS, 1)
    middle, last = rest.split(_EV, 1)
    return first, middle, last


def fill(parts: tuple[str, str, str]) -> str:
    vs, ev = view_state()
    return parts[0] + vs + parts[1] + ev + parts[2]


# --- article page ------------------------------------------------------------------------------


class ArticlePage:
    """An article page built at one epoch: cached parts plus its HTTP validators."""

    __slots__ = ("etag", "last_modified", "parts")

    def __init__(self, parts: tuple[str, str, str], etag: str, last_modified: datetime) -> None:
        self.parts = parts
        self.etag = etag
        self.last_modified = last_modified


def article_page(state: EpochState, article: dict[str, Any], js: bool = False) -> ArticlePage:
    """Render one article with the epoch's chrome; the ETag hashes everything but view state.

    Each part takes the shape `state.markup` picks for the article (markup.py, docs/markup.md).
    `js`: the JavaScript-only variant, whose photo captions a script fills in.
    """
    view = _View(state, article, js)
    site, section = view.site, view.section
    images = _images(article)
    meta = ""
    if article.get("og", True) or view.contract:  # real contracts pages carry og tags
        title, summary = esc(view.og_title), esc(article.get("summary"))
        og_image = (
            f'<meta property="og:image" content="{esc(image_url(images[0], (1200, 675), site))}">\n'
            if images
            else ""
        )
        meta = (
            f'<meta property="og:title" content="{title}">\n'
            f'<meta property="og:description" content="{summary}">\n{og_image}'
            f'<meta property="og:url" content="{esc(view.canonical)}">\n'
            '<meta property="og:type" content="article">\n'
            '<meta name="twitter:card" content="summary_large_image">\n'
            f'<meta name="twitter:title" content="{title}">\n'
            f'<meta name="twitter:description" content="{summary}">\n'
        )
    head_title, head_section = article["title"], section.content_type_name
    if view.contract:
        # The real contracts page: an empty title part and the singular section name.
        head_title, head_section = "", section.content_type_name.removesuffix("s")
    out = [
        _head(head_title, head_section, site, meta),
        _form_open(
            article_path(article["id"], article["section"], slug_of(article), site),
            view.chrome,
            site,
            _noise(article, "viewstate"),
        ),
        _banner(article, view.shape("banner"), site),
        _classic_frame(view) if view.frame == "classic" else _frame_2025(view),
    ]
    if view.related_shape in _RELATED_OUTSIDE:
        out.append(_related(view))
    if view.captions:
        data = base64.b64encode(json.dumps(view.captions).encode("utf-8")).decode("ascii")
        out.append(
            f'<div class="slideshow-data" data-slides="{data}" hidden></div>\n'
            f"<script>{_CAPTION_FILLER}</script>\n"
        )
    out.append(_footer(view.chrome, site))
    html = "".join(out)
    parts = split_parts(html)
    digest = hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()
    return ArticlePage(parts, f'"{digest}"', _last_modified(state, article))


class _View:
    """One article page being built: its shapes at the epoch and values several parts share."""

    def __init__(self, state: EpochState, article: dict[str, Any], js: bool) -> None:
        self.state, self.article, self.js = state, article, js
        self.site = state.site
        self.section = state.site.section(article["section"])
        self.frame = self.shape("frame")
        self.contract = self.frame == CONTRACT_FRAME
        slug = "" if self.contract else slug_of(article)  # real contracts: og:url `.../<id>//`
        self.canonical = canonical_url(article["id"], article["section"], slug, state.site)
        self.og_title = contract_og_title(article) if self.contract else article["title"]
        self.chrome = state.chrome_rev + _noise(article, "chrome")
        self.related_shape = self.shape("related") if _related_entries(state, article) else ""
        self.captions: list[str] = []  # escaped captions the JavaScript variant fills in

    def shape(self, part: str) -> str:
        return self.state.markup.shape(part, self.article, self.state.epoch)


_LAZY_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
_FULL_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# "Related Stories" shapes placed after the article wrapper (the others sit beside the body).
_RELATED_OUTSIDE = ("block", "heading", "list")


def contract_og_title(article: dict[str, Any]) -> str:
    """og:title of a real contracts page: "Contracts for September 30, 2025" (not its h1 form)."""
    if not article["title"].startswith("Contracts For "):
        return article["title"]
    when = datetime.fromisoformat(article["published"])
    return f"Contracts for {_FULL_MONTHS[when.month - 1]} {when.day}, {when.year}"


def _title_block(article: dict[str, Any]) -> str:
    return f'<h1 class="maintitle">\n          {esc(article["title"])}\n    </h1>\n'


def _classic_frame(view: _View) -> str:
    """The first replica's wrapper: div.adetail-header with the date line div.ainfo."""
    article, section = view.article, view.section
    byline = _Byline(view)
    out = [
        '<div class="adetail abanner no-abanner-mobile aframe '
        f'content-type-{section.content_type_val}"'
        f' data-content-type="{esc(section.content_type_name)}">\n'
        f'<div class="adetail-header">\n{_title_block(article)}{byline.before_line}'
        f'<div class="ainfo">\n{byline.line_start}<span class="date">{ap_date(article)}</span>\n',
    ]
    if article.get("show_time", True):
        out.append(f'<span class="time" data-time="{article["published"][11:16]}">|</span>\n')
    out.append(
        f"{byline.line_end}</div>\n{byline.after_line}</div>\n"
        '<div class="ashare"><span>Email</span> <span>Facebook</span> <span>X</span> '
        '<span>LinkedIn</span> <span>WhatsApp</span> <a class="copy-link">Copy Link</a></div>\n'
    )
    if view.related_shape == "aside-before":
        out.append(_related(view))
    out.append(f'<div class="body">\n{_body(view)}</div>\n{byline.after_body}')
    if view.related_shape == "aside-after":
        out.append(_related(view))
    out.append(_tags(article, view.site))
    out.append("</div>\n")
    return "".join(out)


def _frame_2025(view: _View) -> str:
    """The wrapper of real 2025 pages (SITE.md, confirmed): header.content-wrap, div.date-line
    with span.date and the share kit; contracts pages have no date element at all."""
    article, section = view.article, view.section
    byline = _Byline(view)
    flag = ""
    if article["section"] == "releases":
        flag = (
            '<div class="presenterinfoType release-type immediate-flag">Immediate Release</div>\n'
        )
    date = "" if view.contract else f'<span class="date">{ap_date(article)}</span>\n'
    out = [
        f'<div class="adetail abanner no-abanner-mobile aframe content-type-'
        f'{section.content_type_val}" itemscope itemtype="http://schema.org/NewsArticle">\n'
        '<header class="content-wrap">\n'
        f'<div class="cont-type"><a class="content-type-text" href="{view.site.origin}'
        f'{section.listing_path}"><span>{esc(section.content_type_name)}</span></a></div>\n'
        f"{flag}{_title_block(article)}{byline.before_line}"
        f'<div class="date-line">\n{byline.line_start}{date}{byline.line_end}'
        f"{_social_block(view.canonical)}\n</div>\n{byline.after_line}</header>\n"
    ]
    if view.related_shape == "aside-before":
        out.append(_related(view))
    out.append(
        '<div class="content content-wrap">\n<div class="inside ntext">\n'
        f'<div class="body">\n{_body(view)}</div>\n</div>\n</div>\n{byline.after_body}'
    )
    if view.related_shape == "aside-after":
        out.append(_related(view))
    out.append(_tags(article, view.site))
    out.append("</div>\n")
    return "".join(out)


def _social_block(canonical: str) -> str:
    """The 2025 share kit inside the date line: a2a buttons, Copy Link and an inline script."""
    buttons = " ".join(
        f'<a class="a2a_button_{name.lower()}" href="#">{name}</a>'
        for name in ("Email", "Facebook", "X", "LinkedIn", "WhatsApp")
    )
    return (
        '<span class="social-block"><span class="a2a_kit a2a_kit_size_32 a2a_default_style">'
        f'{buttons}</span> <a class="copy-link" href="#">Copy Link</a>'
        "<script>var a2a_config = a2a_config || {}; a2a_config.linkurl = "
        f"{json.dumps(canonical)};</script></span>"
    )


class _Byline:
    """The byline's markup in its five possible places around the date line."""

    def __init__(self, view: _View) -> None:
        self.before_line = self.line_start = self.line_end = self.after_line = ""
        self.after_body = ""
        byline = view.article.get("byline")
        if not byline:
            return
        shape, before = view.shape("byline"), view.shape("byline-place") == "before"
        text = esc(byline)
        name, rest = _byline_name(byline)
        if shape == "span":
            if before:
                self.line_start = f'<span class="byline">{text}</span>\n'
            else:
                self.line_end = f'<span class="byline">{text}</span>\n'
        elif shape == "date-span":  # a plain span in the date line, set off by a bar
            if before:
                self.line_start = f'<span>{text}</span> <span class="separator">|</span>\n'
            else:
                self.line_end = f'<span class="separator">|</span> <span>{text}</span>\n'
        elif shape == "card":  # a redesign: name and office under the body, no "By"
            org = f' <span class="author-org">{esc(rest)}</span>' if rest else ""
            self.after_body = (
                f'<div class="author-card"><span class="author-name">{esc(name)}</span>'
                f"{org}</div>\n"
            )
        else:
            if shape == "p-author":
                block = f'<p class="author">{text}</p>\n'
            elif shape == "div":
                block = f"<div>{text}</div>\n"
            elif byline.startswith("By ") and name:  # byline-wrap
                link = f"{view.site.origin}/About/Biographies/Biography/{esc(slugify(name))}/"
                tail = f", {esc(rest)}" if rest else ""
                block = (
                    f'<div class="byline-wrap"><strong>By</strong> <a href="{link}">'
                    f"{esc(name)}</a>{tail}</div>\n"
                )
            else:
                block = f'<div class="byline-wrap">{text}</div>\n'
            if before:
                self.before_line = block
            else:
                self.after_line = block


def _byline_name(byline: str) -> tuple[str, str]:
    """ "By Jane Doe, DOD News" -> ("Jane Doe", "DOD News")."""
    name, _, rest = byline.removeprefix("By ").partition(", ")
    return name.strip(), rest.strip()


def _shown_size(article: dict[str, Any]) -> tuple[tuple[int, int], int]:
    """The size variant and ?ver= cache-buster the page shows its photos at (noise edits)."""
    size = _IMAGE_SIZES[_noise(article, "image_size") % len(_IMAGE_SIZES)]
    return size, 1 + _noise(article, "cache_bust")


def _body(view: _View) -> str:
    article = view.article
    size, ver = _shown_size(article)
    out = []
    slideshow = False
    for block in article.get("body", []):
        if "image" in block:
            out.append(_image_block(view, block["image"], size, ver))
            if not slideshow:
                out.append(
                    '<div class="slideshow-template" style="display:none">'
                    "{{slideNumber}}/{{numSlides}} - {{slideCaption}}</div>\n"
                )
                slideshow = True
        elif "heading" in block:
            out.append(
                f'<p style="text-align: center;"><strong>{esc(block["heading"])}</strong></p>\n'
            )
        elif "speaker" in block:
            out.append(f"<p><strong>{esc(block['speaker'])}:</strong> {esc(block.get('p'))}</p>\n")
        elif "note" in block:
            out.append(_note(block["note"]))
        else:
            out.append(f"<p>{esc(block.get('p'))}</p>\n")
    return "".join(out)


def _tags(article: dict[str, Any], site: Site) -> str:
    if not article.get("tags"):
        return ""
    tags = " ".join(
        f'<a class="tag" href="{site.origin}/Spotlights/{esc(slugify(t))}/">{esc(t)}</a>'
        for t in article["tags"]
    )
    return f'<div class="atags">Tags: {tags}</div>\n'


def _last_modified(state: EpochState, article: dict[str, Any]) -> datetime:
    """Moves forward a day per epoch in which the page (article, related, chrome, markup shifts)
    last changed."""
    rev = max(article.get("_rev", 0), state.chrome_rev)
    for rid in article.get("related", []):
        other = state.known.get(rid)
        if other is not None:
            rev = max(rev, other.get("_rev", 0))
    if state.markup.shifts:
        rev = max(rev, state.markup.last_change(article, _parts_shown(state, article), state.epoch))
    return max(REV_BASE, published_dt(article).astimezone(REV_BASE.tzinfo)) + timedelta(days=rev)


def _parts_shown(state: EpochState, article: dict[str, Any]) -> set[str]:
    """The markup parts (markup.PARTS) this article's page has."""
    parts = {"frame"}
    if article.get("byline"):
        parts |= {"byline", "byline-place"}
    if _images(article):
        parts |= {"photo", "photo-src", "download"}
    if _related_entries(state, article):
        parts |= {"related", "related-heading"}
    if article.get("banner"):
        parts.add("banner")
    return parts


def _banner_text(article: dict[str, Any], site: Site) -> str:
    if article.get("banner") == "historical":
        old = _old_origin(site)
        old_name = _short_host(_old_host(site))
        return _HISTORICAL.format(old=old, old_name=old_name, origin=site.origin)
    return _ARCHIVE


def _banner(article: dict[str, Any], shape: str, site: Site) -> str:
    if not article.get("banner"):
        return ""
    text = _banner_text(article, site)
    if shape == "section":
        return f'<section class="notice" role="note">\n<p>{text}</p>\n</section>\n'
    if shape == "strong":  # the first sentence in bold, in a plain div
        first, _, rest = text.partition(". ")
        return f'<div class="container">\n<div><strong>{first}.</strong> {rest}</div>\n</div>\n'
    cls = "alert" if shape == "alert" else "historical-notice alert alert-info"
    return f'<div class="{cls}" role="alert">\n  <p>{text}</p>\n</div>\n'


def _note(text: str) -> str:
    for label in ("Correction:", "Update:", "Clarification:"):
        if text.startswith(label):
            return f"<p><strong>{label}</strong> {esc(text[len(label) :].strip())}</p>\n"
    return f"<p><em>{esc(text)}</em></p>\n"


def _download_size(size_kb: int, shape: str) -> str:
    if shape.endswith("-mb") and size_kb >= 1024:
        return f"{size_kb / 1024:.1f} MB"
    return f"{size_kb} KB"


def _image_block(view: _View, image: dict[str, Any], size: tuple[int, int], ver: int) -> str:
    shape, src_shape = view.shape("photo"), view.shape("photo-src")
    download = view.shape("download")
    virin = esc(image["virin"])
    full = esc(image_url(image, (-1, -1), view.site))
    real = esc(image_url(image, size, view.site, ver))
    if src_shape == "src":
        src = f'src="{real}"'
    elif src_shape == "srcset":
        double = esc(image_url(image, (size[0] * 2, size[1] * 2), view.site, ver))
        src = f'src="{_LAZY_GIF}" srcset="{real} 1x, {double} 2x"'
    elif src_shape == "data-src":
        src = f'class="lazy" src="{_LAZY_GIF}" data-src="{real}"'
    else:
        src = f'src="{_LAZY_GIF}" data-lazy-src="{real}"'
    alt, title, credit = esc(image.get("alt")), esc(image.get("title")), esc(image.get("credit"))
    caption = esc(image.get("caption"))
    slide = ""
    if view.js:
        slide = f' data-slide="{len(view.captions)}"'
        view.captions.append(caption)
        caption = ""
    weight = _download_size(image.get("size_kb", 500), download)
    link = download.startswith("link")
    if shape == "figure":
        dl = (
            f'<p><a href="{full}">Download: Full Size ({weight})</a></p>'
            if link
            else f"<p>Download: Full Size ({weight})</p>"
        )
        title_line = f"<p>{title}</p>\n" if title else ""
        return (
            f'<figure class="photo">\n<img {src} alt="{alt}">\n<figcaption>\n{title_line}'
            f"<p{slide}>{caption}</p>\n<p>Photo By: {credit}</p>\n<p>VIRIN: {virin}</p>\n"
            f"{dl}\n</figcaption>\n</figure>\n"
        )
    if shape == "spans":
        dl = (
            f'<a class="dl-link" href="{full}">Download: Full Size ({weight})</a>'
            if link
            else f'<span class="dl">Download: Full Size ({weight})</span>'
        )
        return (
            f'<div class="photo-wrap">\n<img {src} alt="{alt}">\n<div class="photo-details">\n'
            f'<span class="photo-title">{title}</span>\n'
            f'<span class="photo-caption"{slide}>{caption}</span>\n'
            f'<span class="credit">Photo By: {credit}</span>\n'
            f'<span class="photo-id">VIRIN: {virin}</span>\n{dl}\n</div>\n</div>\n'
        )
    if shape == "strong":
        target = f'<a href="{full}">Full Size ({weight})</a>' if link else f"Full Size ({weight})"
        return (
            f'<div class="image-with-caption">\n<img {src} alt="{alt}">\n'
            f'<div class="image-text">\n<div class="image-title">{title}</div>\n'
            f"<p{slide}>{caption}</p>\n<p><strong>Photo By:</strong> {credit}</p>\n"
            f"<p><strong>VIRIN:</strong> {virin}</p>\n"
            f"<p><strong>Download:</strong> {target}</p>\n</div>\n</div>\n"
        )
    dl = (
        f'<a class="download" href="{full}">Download: Full Size ({weight})</a>'
        if link
        else f'<p class="download">Download: Full Size ({weight})</p>'
    )
    return (
        f'<div class="media-inline-image" data-virin="{virin}">\n'
        f'<img {src} alt="{alt}" title="{title}">\n<div class="caption-content">\n'
        f'<span class="title">{title}</span>\n'
        f'<p class="caption"{slide}>{caption}</p>\n'
        f'<span class="photo-by">Photo By: {credit}</span>\n'
        f'<span class="virin">VIRIN: {virin}</span>\n{dl}\n</div>\n</div>\n'
    )


def _related_entries(state: EpochState, article: dict[str, Any]) -> list[dict[str, Any]]:
    return [state.known[r] for r in article.get("related", []) if r in state.known]


def _related_item(entry: dict[str, Any], site: Site) -> str:
    """A plain list entry: content-type label, link, date text (the id only in the link)."""
    section = site.section(entry["section"])
    label = _TYPE_NAMES.get(section.key, section.content_type_name)
    return (
        f'<li><span class="type">{esc(label)}</span> <a href="{esc(link_url(entry, site))}">'
        f'{esc(entry["title"])}</a> <span class="rel-date">{ap_date(entry)}</span></li>'
    )


def _related(view: _View) -> str:
    entries = _related_entries(view.state, view.article)
    if not entries:
        return ""
    shape, tag = view.related_shape, view.shape("related-heading")
    heading = f"<{tag}>Related Stories</{tag}>"
    previews = "\n".join(listing_with_preview(e, view.site) for e in entries)
    items = "\n".join(_related_item(e, view.site) for e in entries)
    if shape == "aside-after":
        return f'<aside class="related-rail">\n{heading}\n<ul>\n{items}\n</ul>\n</aside>\n'
    if shape == "aside-before":
        return f'<aside>\n{heading}\n<div class="alist-inner">\n{previews}\n</div>\n</aside>\n'
    if shape == "list":
        return (
            f'<section class="more-stories">\n{heading}\n<ul class="story-list">\n{items}\n'
            "</ul>\n</section>\n"
        )
    cls = "" if shape == "heading" else ' class="related-stories"'
    return (
        f'<div{cls}>\n{heading}\n<div class="alist-inner">\n'
        f"<feature-template>\n{previews}\n</feature-template>\n</div>\n</div>\n"
    )


def ground_truth(state: EpochState, article: dict[str, Any]) -> dict[str, Any]:
    """What a reader sees of the article on its page at this epoch, whatever the markup shapes:
    the values extraction must return (tests compare `extract_article` with them)."""
    view = _View(state, article, False)
    paragraphs: list[str] = []
    headings: list[int] = []
    corrections: list[str] = []
    for block in article.get("body", []):
        if "image" in block:
            continue
        if "note" in block:
            corrections.append(block["note"])
        elif "heading" in block:
            headings.append(len(paragraphs))
            paragraphs.append(block["heading"])
        elif "speaker" in block:
            paragraphs.append(f"{block['speaker']}: {block['p']}")
        elif _CORRECTION_START.match(block["p"]):
            corrections.append(block["p"])  # a correction line written as a paragraph
        else:
            paragraphs.append(block["p"])
    published = article["published"][:10]
    if view.frame == "classic" and article.get("show_time", True):
        published = article["published"][:16]  # "YYYY-MM-DDTHH:MM", New York time
    banner = None
    if article.get("banner"):
        banner = " ".join(re.sub(r"<[^>]+>", "", _banner_text(article, state.site)).split())
    size, ver = _shown_size(article)
    return {
        "title": article["title"],
        "url": view.canonical,
        "published": published,  # a contracts page shows its date only in the title
        "byline": article.get("byline") or None,
        "paragraphs": paragraphs,
        "headings": headings,
        "corrections": corrections,
        "images": [
            {
                "src": image_url(image, size, state.site, ver),  # as shown (1x), not full size
                "virin": image["virin"],
                "title": image.get("title") or None,
                "alt": image.get("alt") or None,
                "caption": image.get("caption") or None,
                "credit": image.get("credit") or None,
            }
            for image in _images(article)
        ],
        "related": [e["id"] for e in _related_entries(state, article)],
        "banner": banner,
        "tags": sorted(set(article.get("tags", []))),
    }


def shapes_of(state: EpochState, article: dict[str, Any]) -> dict[str, str]:
    """The markup shape of each part the article's page shows (markup.PARTS keys)."""
    plan = state.markup
    return {p: plan.shape(p, article, state.epoch) for p in sorted(_parts_shown(state, article))}


# --- listing pages -----------------------------------------------------------------------------


def listing_shape(section: str | None, page: int) -> str:
    """Which markup generation a listing page uses (docs/markup.md)."""
    if section is None:
        return "item"
    if section == "contracts" and page >= 3:
        return "titles-only"
    if section == "speeches" and page >= 2:
        return "story-card"
    if section == "transcripts" and page >= 3:
        return "item"
    return "preview"


def listing_page(
    state: EpochState,
    section: str | None,
    ids: list[int],
    page: int,
    base_path: str,
    now: datetime | None = None,
    loader: str | None = None,
) -> str:
    """One listing page (`section` None = the home page) showing `ids` page `page`.

    With `loader` (a GetList URL) the entries are not in the HTML: a script fetches and inserts
    them, as a browser sees the page (the JavaScript-only variant).
    """
    site = state.site
    shape = listing_shape(section, page)
    chosen = [state.articles[i] for i in ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    if loader:
        block = (
            f'<div class="alist-inner alist-more-here" data-getlist="{esc(loader)}"></div>\n'
            f"<script>{_GETLIST_LOADER}</script>\n"
        )
    elif shape == "item":
        now = now or datetime.now(NEW_YORK)
        inner = "\n".join(div_item(a, now, site) for a in chosen)
        block = (
            f'<div id="explore-bar" class="explore-list listView">\n<div class="alist-inner">'
            f'\n<div class="dgov-grid">\n{inner}\n</div>\n</div>\n</div>\n'
        )
    else:
        entry_html = {
            "preview": listing_with_preview,
            "titles-only": listing_titles_only,
            "story-card": story_card,
        }[shape]
        inner = "\n".join(entry_html(a, site) for a in chosen)
        if shape == "preview":
            inner = f"<feature-template>\n{inner}\n</feature-template>"
        block = f'<div class="alist-inner alist-more-here">\n{inner}\n</div>\n'
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    pager = ""
    if section is not None:
        links = []
        if page > 1:
            links.append(
                f'<a class="prev" href="{site.origin}{base_path}?Page={page - 1}">Previous</a>'
            )
        if page < pages:
            links.append(
                f'<a class="next" href="{site.origin}{base_path}?Page={page + 1}">Next</a>'
            )
        pager = f'<div class="pagination" data-pages="{pages}">{" ".join(links)}</div>\n'
    name = site.section(section).content_type_name if section else "Home"
    title = section.replace("-", " ").title() if section else "Home"
    html = (
        _head(title, name, site)
        + _form_open(base_path, state.chrome_rev, site)
        + f'<main class="listing"><h1 class="section-title">{esc(title)}</h1>\n'
        + block
        + pager
        + "</main>\n"
        + _footer(state.chrome_rev, site)
    )
    return fill(split_parts(html))


# --- the JavaScript-only variant -------------------------------------------------------------

# Fetches the GetList JSON, unescapes its `data` and inserts the listing elements; marks the box
# done (data-loaded) even when the page has no entries.
_GETLIST_LOADER = (
    "(function(){var box=document.querySelector('[data-getlist]');"
    "fetch(box.getAttribute('data-getlist')).then(function(r){return r.json();})"
    ".then(function(d){var t=document.createElement('textarea');t.innerHTML=d.data;"
    "box.innerHTML='<feature-template>'+t.value+'</feature-template>';})"
    ".finally(function(){box.setAttribute('data-loaded','1');});})();"
)
# Fills the slideshow captions from the base64 JSON list in data-slides.
_CAPTION_FILLER = (
    "(function(){var el=document.querySelector('[data-slides]');if(!el)return;"
    "var bin=atob(el.getAttribute('data-slides'));var b=new Uint8Array(bin.length);"
    "for(var i=0;i<bin.length;i++)b[i]=bin.charCodeAt(i);"
    "var caps=JSON.parse(new TextDecoder().decode(b));"
    "document.querySelectorAll('[data-slide]').forEach(function(p){"
    "p.innerHTML=caps[+p.getAttribute('data-slide')]||'';p.removeAttribute('data-slide');});})();"
)


# --- feeds and small pages ---------------------------------------------------------------------


def rss(state: EpochState, section: str, max_items: int) -> str:
    """RSS 2.0 for one section, newest first, at most RSS_MAX items."""
    site = state.site
    items = []
    for article_id in state.by_section[section][: min(max_items, RSS_MAX)]:
        art = state.articles[article_id]
        link = esc(link_url(art, site))
        images = _images(art)
        img = ""
        enclosure = ""
        if images:
            src = image_url(images[0], (825, 780), site)
            img = f'<img src="{src}" alt="{escape(images[0].get("alt") or "")}" /><br />'
            enclosure = (
                f'<enclosure url="{esc(src)}" type="image/jpeg" '
                f'length="{images[0].get("size_kb", 500) * 1024}" />'
            )
        creator = ""
        if art.get("byline"):
            name = art["byline"].removeprefix("By ").split(",")[0]
            creator = f"<dc:creator>{esc(name)}</dc:creator>"
        description = esc(img + escape(art.get("summary") or ""))
        items.append(
            f"<item><title>{esc(art['title'])}</title><link>{link}</link>"
            f"<pubDate>{format_datetime(published_dt(art))}</pubDate>"
            f'<guid isPermaLink="false">{art["id"]}</guid>{creator}'
            f"<description>{description}</description>{enclosure}</item>"
        )
    info = site.section(section)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{esc(site.org_name)} - {esc(info.content_type_name)}</title>"
        f"<link>{site.origin}{info.listing_path}</link>"
        f"<description>The latest from the {esc(site.org_name)}.</description>"
        "<language>en-us</language>" + "".join(items) + "</channel></rss>\n"
    )


def getlist(state: EpochState, section: str | None, dpage: int) -> str:
    """The ArticleCS GetList JSON: escaped listing elements and whether this is the last page."""
    ids = state.by_section.get(section, []) if section else []
    chosen = ids[(dpage - 1) * PAGE_SIZE : dpage * PAGE_SIZE] if dpage >= 1 else []
    data = "".join(listing_with_preview(state.articles[i], state.site) for i in chosen)
    done = dpage * PAGE_SIZE >= len(ids)
    return json.dumps({"done": done, "data": escape(data, quote=True)})


def robots_txt(site: Site) -> str:
    # The top folders of the site's listings (/News/ on war.gov and af.mil, /Press-Office/ ...).
    tops = dict.fromkeys("/" + s.listing_path.strip("/").split("/")[0] + "/" for s in site.sections)
    return (
        "User-agent: *\n"
        + "".join(f"Allow: {top}\n" for top in tops)
        + "Allow: /DesktopModules/ArticleCS/RSS.ashx\n"
        "Disallow: /DesktopModules/Admin/\n"
        "Disallow: /Admin/\n"
        "Disallow: /App_Browsers/\n"
        "Disallow: /App_Code/\n"
        "Disallow: /App_Data/\n"
        "Disallow: /App_GlobalResources/\n"
        "Disallow: /bin/\n"
        "Disallow: /Components/\n"
        "Disallow: /Config/\n"
        "Disallow: /Install/\n"
        "Disallow: /Providers/\n"
        "Disallow: /*Print.aspx\n"
        "Disallow: /__replica__/\n"
    )


def _entity_url(url: str) -> str:
    return "".join(c if c.isalnum() else f"&#{ord(c)};" for c in url)


def bot_wall(url: str) -> str:
    """Akamai's short 403 page (docs/markup.md)."""
    ref = f"18.{os.urandom(4).hex()}.{int.from_bytes(os.urandom(4), 'big')}.{os.urandom(3).hex()}"
    return (
        "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
        f'You don\'t have permission to access "{_entity_url(url)}" on this server.<P>\n'
        f"Reference&#32;&#35;{_entity_url(ref)}\n</BODY>\n</HTML>\n"
    )


def not_found_page(state: EpochState) -> str:
    html = (
        _head("Page Not Found", "Error", state.site)
        + _form_open("/404-Error-Page/", state.chrome_rev, state.site)
        + '<main class="error"><h1>Page Not Found</h1><p>The page you requested could not be '
        "found. It may have been moved or removed.</p></main>\n"
        + _footer(state.chrome_rev, state.site)
    )
    return fill(split_parts(html))
