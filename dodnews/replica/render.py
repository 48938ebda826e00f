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

from dodnews import site
from dodnews.replica.content import EpochState, slug_of
from dodnews.replica.weight import heavy_chrome

NEW_YORK = ZoneInfo("America/New_York")
PAGE_SIZE = 10
RSS_MAX = 500
REV_BASE = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
_VS = "\x00VIEWSTATE\x00"
_EV = "\x00EVENTVALIDATION\x00"
_AP_MONTHS = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)
# The real site also writes three-letter forms for some months on some pages.
_AP_SHORT = {6: "Jun.", 7: "Jul.", 9: "Sep."}
_TYPE_NAMES = {"releases": "News Release"}
_IMAGE_SIZES = ((825, 780), (1000, 563), (770, 513), (1200, 800))
# The replica serves the active site profile (dodnews.site); `links.host` of an article says
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


def _origin() -> str:
    """The served site's current origin (https://www.war.gov, https://www.af.mil, ...)."""
    return site.CURRENT_ORIGIN


def _old_host() -> str:
    """The host old links use: the former host (www.defense.gov), else another of the site's
    hosts (af.mil beside www.af.mil), so a crawl meets every host name a site has."""
    if site.OLD_HOST != site.CURRENT_HOST:
        return site.OLD_HOST
    others = sorted(h for h in site.SITE_HOSTS if h != site.CURRENT_HOST)
    return others[0] if others else site.CURRENT_HOST


def _old_origin() -> str:
    return f"https://{_old_host()}"


def _short_host(host: str) -> str:
    """`www.war.gov` -> `war.gov`, as the site writes its own name in text."""
    return host.removeprefix("www.")


def _json_ld() -> str:
    return json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "Organization",
            "name": site.SITE_NAME,
            "url": f"{_origin()}/",
            "logo": f"{_origin()}/Portals/1/logo.png",
        }
    )


def _old_link_path() -> str | None:
    """An older article path the site still redirects (title-cased), or None if it has none."""
    for prefix in site._OLD_PREFIXES:
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


def link_url(article: dict[str, Any]) -> str:
    """How other pages link to the article: its real host and its link variant."""
    links = article.get("links") or {}
    origin = _old_origin() if links.get("host") == _OLD_LINK_HOST else _origin()
    variant = links.get("variant", "plain")
    article_id, section, slug = article["id"], article["section"], slug_of(article)
    old_path = _old_link_path() if variant == "oldpath" else None
    if old_path:
        return f"{origin}{old_path}{article_id}/{slug}/"
    if variant == "oldslug":
        slug = _stale_slug(article)
    path = site.article_path(article_id, section, slug)
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


def image_url(image: dict[str, Any], size: tuple[int, int], ver: int | None = None) -> str:
    """A media.defense.gov URL for `image` at a size variant (-1/-1 is full size)."""
    url = (
        f"https://{site.MEDIA_HOST}/{image['date']}/{image['asset']}/{size[0]}/{size[1]}/0/"
        f"{image['virin']}.JPG"
    )
    return f"{url}?ver={ver}" if ver is not None else url


def _noise(article: dict[str, Any], what: str) -> int:
    return (article.get("_noise") or {}).get(what, 0)


def listing_attrs(article: dict[str, Any]) -> str:
    """The attributes shared by listing-with-preview and listing-titles-only elements."""
    section = site.SECTIONS[article["section"]]
    url = esc(link_url(article))
    images = _images(article)
    image = images[0] if images else None
    return (
        f'article-id="{article["id"]}" article-title="{esc(article["title"])}" '
        f'article-url="{url}" article-url-or-link-absolute="{url}" '
        f'article-summary="{esc(article.get("summary"))}" '
        f'content-type-name="{_TYPE_NAMES.get(section.key, section.content_type_name)}" '
        f'content-type-val="{section.content_type_val}" '
        f'image-url="{esc(image_url(image, (825, 780)) if image else "")}" '
        f'image-caption="{esc(image["caption"] if image else "")}" '
        f'publish-date-ap="{ap_date(article)}" publish-date-jss="{article["published"]}" '
        f'term-name="" term-url="" category=""'
    )


def listing_with_preview(article: dict[str, Any]) -> str:
    return f"<listing-with-preview {listing_attrs(article)}></listing-with-preview>"


def listing_titles_only(article: dict[str, Any]) -> str:
    """The 2021-2023 contracts shape: sometimes no title, an http URL without slug."""
    attrs = listing_attrs(article)
    if article["id"] % 2 == 0:
        attrs = attrs.replace(f'article-title="{esc(article["title"])}"', 'article-title=""', 1)
        url = f"http://{_old_host()}" + site.article_path(article["id"], article["section"], "")
        url = url[:-1]  # ".../Article/<id>/" without the empty slug segment
        attrs = attrs.replace(f'article-url="{esc(link_url(article))}"', f'article-url="{url}"', 1)
    return f"<listing-titles-only {attrs}></listing-titles-only>"


def story_card(article: dict[str, Any]) -> str:
    images = _images(article)
    image = image_url(images[0], (825, 780)) if images else ""
    return (
        f'<story-card article-title="{esc(article["title"])}" '
        f'article-url="{esc(link_url(article))}" publish-date-jss="{article["published"]}" '
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


def div_item(article: dict[str, Any], now: datetime) -> str:
    """The 2020-and-before server-rendered entry with a relative date text."""
    section = site.SECTIONS[article["section"]]
    images = _images(article)
    img = ""
    if images:
        src = esc(image_url(images[0], (825, 780)))
        img = (
            f'<div class="image-wrap"><a href="{esc(link_url(article))}">'
            f'<img alt="{esc(images[0]["alt"])}" src="{src}"></a></div>'
        )
    return (
        f'<div class="dgov-col-sm-4"><div class="item item-{article["id"]}"><figure>{img}'
        f'<figcaption><span class="category"><a class="content-type-text" '
        f'href="{_old_origin()}{section.listing_path}"><span>'
        f"{esc(section.content_type_name)}</span></a>"
        f'<span class="separator">|</span> <time data-dateago="{article["published"]}" '
        f'data-dateap="{ap_date(article)}">{relative_age(published_dt(article), now)}</time></span>'
        f'<h3 class="title"><a href="{esc(link_url(article))}">{esc(article["title"])}</a></h3>'
        f'<p class="summary">{esc(article.get("summary"))}</p></figcaption></figure></div></div>'
    )


# --- page chrome -------------------------------------------------------------------------------

# Kilobytes of extra site chrome per HTML page (`replica serve --page-kb`; 0 = the lean pages).
PAGE_KB = 0


def _head(title: str, section_name: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="utf-8">\n'
        f"<title>\n\t{esc(title)} &gt; {esc(site.SITE_NAME)} &gt; {esc(section_name)} | "
        f"{esc(site.SITE_NAME)}\n</title>\n"
        '<meta name="host" content="DMA Public Web">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"{extra}"
        f'<script type="application/ld+json">{_json_ld()}</script>\n'
        '<link rel="stylesheet" href="/Portals/_default/skins/dgov/dist/css/main.css?cdv=2026">\n'
        "</head>\n"
    )


def _form_open(action: str, chrome: int, state_variant: int = 0) -> str:
    origin = _origin()
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


def _footer(chrome: int) -> str:
    origin, name = _origin(), _short_host(site.CURRENT_HOST).capitalize()
    return (
        f'<footer class="footer"><div class="subscribe"><p>Choose which {name} products you want '
        f'delivered to your inbox.</p><a class="btn" href="{origin}/Subscribe/">'
        f'Subscribe</a></div><p class="promo">{_PROMOS[chrome % len(_PROMOS)]}</p>'
        f'<ul class="footer-links"><li><a href="{origin}/Resources/Privacy/">Privacy '
        f'Policy</a></li><li><a href="{origin}/Resources/FOIA/">FOIA</a></li>'
        f'<li><a href="{origin}/Contact/">Contact</a></li></ul>'
        f"<p>{esc(site.SITE_NAME)}</p></footer>\n"
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
    """A rendered article at one epoch: cached parts plus its HTTP validators."""

    __slots__ = ("etag", "last_modified", "parts")

    def __init__(self, parts: tuple[str, str, str], etag: str, last_modified: datetime) -> None:
        self.parts = parts
        self.etag = etag
        self.last_modified = last_modified


def article_page(state: EpochState, article: dict[str, Any]) -> ArticlePage:
    """Render one article with the epoch's chrome; the ETag hashes everything but view state."""
    section = site.SECTIONS[article["section"]]
    slug = slug_of(article)
    canonical = site.canonical_url(article["id"], article["section"], slug)
    chrome = state.chrome_rev + _noise(article, "chrome")
    images = _images(article)
    size = _IMAGE_SIZES[_noise(article, "image_size") % len(_IMAGE_SIZES)]
    ver = 1 + _noise(article, "cache_bust")
    meta = ""
    if article.get("og", True):
        title, summary = esc(article["title"]), esc(article.get("summary"))
        og_image = (
            f'<meta property="og:image" content="{esc(image_url(images[0], (1200, 675)))}">\n'
            if images
            else ""
        )
        meta = (
            f'<meta property="og:title" content="{title}">\n'
            f'<meta property="og:description" content="{summary}">\n{og_image}'
            f'<meta property="og:url" content="{esc(canonical)}">\n'
            '<meta property="og:type" content="article">\n'
            '<meta name="twitter:card" content="summary_large_image">\n'
            f'<meta name="twitter:title" content="{title}">\n'
            f'<meta name="twitter:description" content="{summary}">\n'
        )
    out = [
        _head(article["title"], section.content_type_name, meta),
        _form_open(
            site.article_path(article["id"], article["section"], slug),
            chrome,
            _noise(article, "viewstate"),
        ),
        _banner(article),
        '<div class="adetail abanner no-abanner-mobile aframe '
        f'content-type-{section.content_type_val}"'
        f' data-content-type="{esc(section.content_type_name)}">\n'
        f'<div class="adetail-header">\n<h1 class="maintitle">\n          {esc(article["title"])}\n'
        '    </h1>\n<div class="ainfo">\n'
        f'<span class="date">{ap_date(article)}</span>\n',
    ]
    if article.get("show_time", True):
        out.append(f'<span class="time" data-time="{article["published"][11:16]}">|</span>\n')
    if article.get("byline"):
        out.append(f'<span class="byline">{esc(article["byline"])}</span>\n')
    out.append(
        "</div>\n</div>\n"
        '<div class="ashare"><span>Email</span> <span>Facebook</span> <span>X</span> '
        '<span>LinkedIn</span> <span>WhatsApp</span> <a class="copy-link">Copy Link</a></div>\n'
        '<div class="body">\n'
    )
    slideshow = False
    for block in article.get("body", []):
        if "image" in block:
            out.append(_image_block(block["image"], size, ver))
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
    out.append("</div>\n")
    if article.get("tags"):
        tags = " ".join(
            f'<a class="tag" href="{_origin()}/Spotlights/{esc(site.slugify(t))}/">{esc(t)}</a>'
            for t in article["tags"]
        )
        out.append(f'<div class="atags">Tags: {tags}</div>\n')
    out.append("</div>\n")
    out.append(_related(state, article))
    out.append(_footer(chrome))
    html = "".join(out)
    parts = split_parts(html)
    digest = hashlib.sha1("".join(parts).encode("utf-8")).hexdigest()
    return ArticlePage(parts, f'"{digest}"', _last_modified(state, article))


def _last_modified(state: EpochState, article: dict[str, Any]) -> datetime:
    """Moves forward a day per epoch in which the page (article, related, chrome) last changed."""
    rev = max(article.get("_rev", 0), state.chrome_rev)
    for rid in article.get("related", []):
        other = state.known.get(rid)
        if other is not None:
            rev = max(rev, other.get("_rev", 0))
    return max(REV_BASE, published_dt(article).astimezone(REV_BASE.tzinfo)) + timedelta(days=rev)


def _banner(article: dict[str, Any]) -> str:
    kind = article.get("banner")
    if not kind:
        return ""
    text = _ARCHIVE
    if kind == "historical":
        old = _old_origin()
        text = _HISTORICAL.format(old=old, old_name=_short_host(_old_host()), origin=_origin())
    # VARIANT (docs/markup.md): some pages carry the notice without the historical-notice class.
    cls = "alert" if article["id"] % 4 == 1 else "historical-notice alert alert-info"
    return f'<div class="{cls}" role="alert">\n  <p>{text}</p>\n</div>\n'


def _note(text: str) -> str:
    for label in ("Correction:", "Update:", "Clarification:"):
        if text.startswith(label):
            return f"<p><strong>{label}</strong> {esc(text[len(label) :].strip())}</p>\n"
    return f"<p><em>{esc(text)}</em></p>\n"


def _image_block(image: dict[str, Any], size: tuple[int, int], ver: int) -> str:
    virin = esc(image["virin"])
    full = esc(image_url(image, (-1, -1)))
    return (
        f'<div class="media-inline-image" data-virin="{virin}">\n'
        f'<img src="{esc(image_url(image, size, ver))}" alt="{esc(image.get("alt"))}" '
        f'title="{esc(image.get("title"))}">\n<div class="caption-content">\n'
        f'<span class="title">{esc(image.get("title"))}</span>\n'
        f'<p class="caption">{esc(image.get("caption"))}</p>\n'
        f'<span class="photo-by">Photo By: {esc(image.get("credit"))}</span>\n'
        f'<span class="virin">VIRIN: {virin}</span>\n'
        f'<a class="download" href="{full}">'
        f"Download: Full Size ({image.get('size_kb', 500)} KB)</a>\n"
        "</div>\n</div>\n"
    )


def _related(state: EpochState, article: dict[str, Any]) -> str:
    entries = [state.known[r] for r in article.get("related", []) if r in state.known]
    if not entries:
        return ""
    inner = "\n".join(listing_with_preview(e) for e in entries)
    # VARIANT (docs/markup.md): the block without its class, found by its heading.
    cls = "" if article["id"] % 5 == 3 else ' class="related-stories"'
    return (
        f'<div{cls}>\n<h2>Related Stories</h2>\n<div class="alist-inner">\n'
        f"<feature-template>\n{inner}\n</feature-template>\n</div>\n</div>\n"
    )


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
    shape = listing_shape(section, page)
    chosen = [state.articles[i] for i in ids[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    if loader:
        block = (
            f'<div class="alist-inner alist-more-here" data-getlist="{esc(loader)}"></div>\n'
            f"<script>{_GETLIST_LOADER}</script>\n"
        )
    elif shape == "item":
        now = now or datetime.now(NEW_YORK)
        inner = "\n".join(div_item(a, now) for a in chosen)
        block = (
            f'<div id="explore-bar" class="explore-list listView">\n<div class="alist-inner">'
            f'\n<div class="dgov-grid">\n{inner}\n</div>\n</div>\n</div>\n'
        )
    else:
        render = {
            "preview": listing_with_preview,
            "titles-only": listing_titles_only,
            "story-card": story_card,
        }[shape]
        inner = "\n".join(render(a) for a in chosen)
        if shape == "preview":
            inner = f"<feature-template>\n{inner}\n</feature-template>"
        block = f'<div class="alist-inner alist-more-here">\n{inner}\n</div>\n'
    pages = max(1, -(-len(ids) // PAGE_SIZE))
    pager = ""
    if section is not None:
        links = []
        if page > 1:
            links.append(
                f'<a class="prev" href="{_origin()}{base_path}?Page={page - 1}">Previous</a>'
            )
        if page < pages:
            links.append(f'<a class="next" href="{_origin()}{base_path}?Page={page + 1}">Next</a>')
        pager = f'<div class="pagination" data-pages="{pages}">{" ".join(links)}</div>\n'
    name = site.SECTIONS[section].content_type_name if section else "Home"
    title = section.replace("-", " ").title() if section else "Home"
    html = (
        _head(title, name)
        + _form_open(base_path, state.chrome_rev)
        + f'<main class="listing"><h1 class="section-title">{esc(title)}</h1>\n'
        + block
        + pager
        + "</main>\n"
        + _footer(state.chrome_rev)
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
    "document.querySelectorAll('p.caption[data-slide]').forEach(function(p){"
    "p.innerHTML=caps[+p.getAttribute('data-slide')]||'';p.removeAttribute('data-slide');});})();"
)
_CAPTION_RE = re.compile(r'<p class="caption">(.*?)</p>', re.DOTALL)


def js_article_parts(parts: tuple[str, str, str]) -> tuple[str, str, str]:
    """An article page whose image captions are empty in the HTML and filled in by script."""
    captions: list[str] = []

    def hide(match: re.Match[str]) -> str:
        captions.append(match.group(1))
        return f'<p class="caption" data-slide="{len(captions) - 1}"></p>'

    body = _CAPTION_RE.sub(hide, parts[2])
    if not captions:
        return parts
    data = base64.b64encode(json.dumps(captions).encode("utf-8")).decode("ascii")
    script = (
        f'<div class="slideshow-data" data-slides="{data}" hidden></div>\n'
        f"<script>{_CAPTION_FILLER}</script>\n"
    )
    return parts[0], parts[1], body.replace("</form>", script + "</form>", 1)


# --- feeds and small pages ---------------------------------------------------------------------


def rss(state: EpochState, section: str, max_items: int) -> str:
    """RSS 2.0 for one section, newest first, at most RSS_MAX items."""
    items = []
    for article_id in state.by_section[section][: min(max_items, RSS_MAX)]:
        art = state.articles[article_id]
        link = esc(link_url(art))
        images = _images(art)
        img = ""
        enclosure = ""
        if images:
            src = image_url(images[0], (825, 780))
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
    info = site.SECTIONS[section]
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{esc(site.SITE_NAME)} - {esc(info.content_type_name)}</title>"
        f"<link>{_origin()}{info.listing_path}</link>"
        f"<description>The latest from the {esc(site.SITE_NAME)}.</description>"
        "<language>en-us</language>" + "".join(items) + "</channel></rss>\n"
    )


def getlist(state: EpochState, section: str | None, dpage: int) -> str:
    """The ArticleCS GetList JSON: escaped listing elements and whether this is the last page."""
    ids = state.by_section.get(section, []) if section else []
    chosen = ids[(dpage - 1) * PAGE_SIZE : dpage * PAGE_SIZE] if dpage >= 1 else []
    data = "".join(listing_with_preview(state.articles[i]) for i in chosen)
    done = dpage * PAGE_SIZE >= len(ids)
    return json.dumps({"done": done, "data": escape(data, quote=True)})


def robots_txt() -> str:
    # The top folders of the site's listings (/News/ on war.gov and af.mil, /Press-Office/ ...).
    tops = dict.fromkeys(
        "/" + s.listing_path.strip("/").split("/")[0] + "/" for s in site.SECTIONS.values()
    )
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
        _head("Page Not Found", "Error")
        + _form_open("/404-Error-Page/", state.chrome_rev)
        + '<main class="error"><h1>Page Not Found</h1><p>The page you requested could not be '
        "found. It may have been moved or removed.</p></main>\n" + _footer(state.chrome_rev)
    )
    return fill(split_parts(html))
