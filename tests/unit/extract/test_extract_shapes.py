"""Bylines, photo furniture, related blocks and dates in many markup shapes: one reading each.

No real capture shows how the site marks up bylines, photos or related stories (SITE.md), so each
part is written here in several plausible shapes (elements, classes, nesting, position) and the
extractor must read the same thing from all of them, as a reader would.
"""

from __future__ import annotations

import pytest

from dodnews.extract import TruncatedPage, extract_article, extract_related

URL = "https://www.war.gov/News/News-Stories/Article/Article/4400100/harbor-cranes-arrive/"
BODY = (
    "<p>Two new harbor cranes reached the depot on Tuesday after a 19-day voyage.</p>"
    "<p>Crews will test each crane for three weeks before cargo work begins.</p>"
)


def page(header: str = "", body: str = BODY, after: str = "", *, wrapper: str = "") -> str:
    """An article page with `header` after the title, `body` in div.body and `after` below."""
    wrapper = wrapper or '<div class="adetail content-type-1">'
    return (
        "<html><head><title>Harbor Cranes Arrive &gt; U.S. Department of War &gt; News</title>"
        '<meta property="og:url" content="https://www.war.gov/News/News-Stories/Article/Article/'
        '4400100/harbor-cranes-arrive/"></head><body><form id="Form">'
        '<nav class="navbar"><a href="/News/">News</a></nav>'
        f'{wrapper}<h1 class="maintitle">Harbor Cranes Arrive</h1>{header}'
        f'<div class="body">{body}</div>{after}</div>'
        "<footer>Choose which War.gov products you want delivered to your inbox.</footer>"
        "</form></body></html>"
    )


# -- bylines ---------------------------------------------------------------------------------------
BYLINE_SHAPES = {
    "span-byline": '<div class="ainfo"><span class="date">Oct. 6, 2026</span>'
    '<span class="byline">By Rosa Quint, DOD News</span></div>',
    "p-author": '<span class="date">Oct. 6, 2026</span>'
    '<p class="author">By Rosa Quint, DOD News</p>',
    "div-no-class": '<div>By Rosa Quint, DOD News</div><span class="date">Oct. 6, 2026</span>',
    "span-in-date-line": '<div class="date-line"><span class="date">Oct. 6, 2026</span> | '
    "<span>By Rosa Quint, DOD News</span></div>",
    "strong-label-link": '<span class="date">Oct. 6, 2026</span><div class="byline-wrap">'
    '<strong>By</strong> <a href="/About/Rosa-Quint/">Rosa Quint</a>, DOD News</div>',
    "before-date": '<p>By Rosa Quint, DOD News</p><p class="published"><span class="date">'
    "Oct. 6, 2026</span></p>",
    "one-line-with-date": '<p>By Rosa Quint, DOD News | <span class="date">Oct. 6, 2026</span></p>',
    "author-class-no-by": '<span class="date">Oct. 6, 2026</span>'
    '<div class="article-author">Rosa Quint, DOD News</div>',
}


@pytest.mark.parametrize("shape", sorted(BYLINE_SHAPES))
def test_byline_in_any_header_shape(shape: str) -> None:
    art = extract_article(page(BYLINE_SHAPES[shape]), URL)
    expected = (
        "Rosa Quint, DOD News" if shape == "author-class-no-by" else "By Rosa Quint, DOD News"
    )
    assert art.byline == expected
    assert art.published == "2026-10-06"
    assert all("Rosa Quint" not in p for p in art.paragraphs)


def test_immediate_release_flag_is_not_a_byline() -> None:
    header = (
        '<header class="content-wrap"><div class="cont-type"><a class="content-type-text">'
        '<span>Release</span></a></div><div class="presenterinfoType immediate-flag">'
        "Immediate Release</div></header>"
    )
    art = extract_article(page(wrapper='<div class="adetail content-type-9">' + header), URL)
    assert art.byline is None


def test_a_body_sentence_starting_with_by_is_not_a_byline() -> None:
    body = "<p>By the end of the month the depot expects a third crane.</p>" + BODY
    art = extract_article(page('<span class="date">Oct. 6, 2026</span>', body), URL)
    assert art.byline is None
    assert art.paragraphs[0].startswith("By the end of the month")


def test_a_class_merely_containing_author_is_not_a_byline() -> None:
    header = '<span class="date">Oct. 6, 2026</span><div class="authority-note">Port Board</div>'
    assert extract_article(page(header), URL).byline is None


def test_a_title_starting_with_by_is_not_a_byline() -> None:
    html = page('<span class="date">Oct. 6, 2026</span>').replace(
        "Harbor Cranes Arrive</h1>", "By Sea and Rail, Cranes Arrive</h1>"
    )
    assert extract_article(html, URL).byline is None


# -- photos ---------------------------------------------------------------------------------------
IMG = "https://media.defense.gov/2026/Oct/06/2003900001/825/780/0/261004-N-QZ101-1002.JPG"
PHOTO_SHAPES = {
    "classed-spans": f'<div class="media-inline-image"><img src="{IMG}" alt="A crane.">'
    '<div class="caption-content"><span class="title">Crane Unloading</span>'
    '<p class="caption">A crane lifts a container off a cargo ship.</p>'
    '<span class="photo-by">Photo By: Navy Petty Officer 2nd Class Lee Park</span>'
    '<span class="virin">VIRIN: 261004-N-QZ101-1002</span>'
    '<a class="download" href="#">Download: Full Size (1.2 MB)</a></div></div>',
    "figure-plain-paragraphs": f'<figure><img src="{IMG}" alt="A crane."><figcaption>'
    "<p>Crane Unloading</p><p>A crane lifts a container off a cargo ship.</p>"
    "<p>Photo By: Navy Petty Officer 2nd Class Lee Park</p><p>VIRIN: 261004-N-QZ101-1002</p>"
    "<p>Download: Full Size (1.2 MB)</p></figcaption></figure>",
    "other-class-names": f'<div class="photo-embed"><img src="{IMG}" alt="A crane.">'
    '<div class="photo-title">Crane Unloading</div>'
    '<div class="photo-caption">A crane lifts a container off a cargo ship.</div>'
    '<div class="credit">Photo By: Navy Petty Officer 2nd Class Lee Park</div>'
    '<div class="id-line">VIRIN: 261004-N-QZ101-1002</div>'
    '<p class="dl"><a href="#">Download: Full Size (1.2 MB)</a></p></div>',
    "strong-labels": f'<div><img src="{IMG}" alt="A crane."><h4>Crane Unloading</h4>'
    "<p>A crane lifts a container off a cargo ship.</p>"
    "<p><strong>Photo By:</strong> Navy Petty Officer 2nd Class Lee Park</p>"
    "<p><strong>VIRIN:</strong> 261004-N-QZ101-1002</p>"
    '<p><strong>Download:</strong> <a href="#">Full Size (1.2 MB)</a></p></div>',
    "one-run-with-breaks": f'<figure><img src="{IMG}" alt="A crane."><figcaption>'
    "<strong>Crane Unloading</strong> A crane lifts a container off a cargo ship.<br>"
    "Photo By: Navy Petty Officer 2nd Class Lee Park<br>VIRIN: 261004-N-QZ101-1002<br>"
    "Download: Full Size (1.2 MB)</figcaption></figure>",
    "label-and-value-spans": f'<figure class="media"><img src="{IMG}" title="Crane Unloading">'
    '<figcaption><span class="t">Crane Unloading</span>'
    "<span>A crane lifts a container off a cargo ship.</span>"
    "<span><b>Photo By:</b></span><span>Navy Petty Officer 2nd Class Lee Park</span>"
    "<span>VIRIN:</span><span>261004-N-QZ101-1002</span>"
    "<span>Download:</span><span>Full Size (1.2 MB)</span></figcaption></figure>",
}


@pytest.mark.parametrize("shape", sorted(PHOTO_SHAPES))
def test_photo_furniture_in_any_shape(shape: str) -> None:
    art = extract_article(page(body=BODY + PHOTO_SHAPES[shape]), URL)
    assert len(art.images) == 1
    image = art.images[0]
    assert image.title == "Crane Unloading"
    assert image.caption == "A crane lifts a container off a cargo ship."
    assert image.credit == "Navy Petty Officer 2nd Class Lee Park"
    assert image.virin == "261004-N-QZ101-1002"
    assert image.src == IMG
    assert len(art.paragraphs) == 2, art.paragraphs  # no furniture leaks into the body text


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        (f'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-src="{IMG}"', IMG),
        (f'src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" data-lazy-src="{IMG}"', IMG),
        (f'src="data:image/gif;base64,R0lGOD==" srcset="{IMG} 825w, {IMG}?w=2 1650w"', IMG),
        (f'data-src="{IMG}"', IMG),
    ],
)
def test_lazy_image_gives_the_real_address(attrs: str, expected: str) -> None:
    body = f"<figure><img {attrs}><figcaption>Photo By: Kim Vo</figcaption></figure>" + BODY
    art = extract_article(page(body=body), URL)
    assert [i.src for i in art.images] == [expected]
    assert art.images[0].virin == "261004-N-QZ101-1002"


def test_noscript_twin_of_a_lazy_image_is_not_a_second_photo() -> None:
    body = (
        '<div class="photo"><img src="data:image/gif;base64,AAAA" class="lazy">'
        f'<noscript><img src="{IMG}"></noscript><p>Photo By: Kim Vo</p></div>' + BODY
    )
    art = extract_article(page(body=body), URL)
    assert [(i.src, i.credit) for i in art.images] == [(IMG, "Kim Vo")]


def test_image_address_is_never_rewritten() -> None:
    body = (
        f'<p><img src="{IMG}?ver=2026-10-06"></p>'
        '<p><img src="javascript:alert(1)" alt="odd"></p>'
        '<p><img src="/Portals/1/Images/map.png?w=400"></p>' + BODY
    )
    art = extract_article(page(body=body), URL)
    assert [i.src for i in art.images] == [
        f"{IMG}?ver=2026-10-06",
        "javascript:alert(1)",
        "https://www.war.gov/Portals/1/Images/map.png?w=400",
    ]
    assert art.images[0].virin == "261004-N-QZ101-1002"


# -- related stories ------------------------------------------------------------------------------
def _preview(article_id: int, title: str) -> str:
    url = f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/x/"
    return (
        f'<listing-with-preview article-id="{article_id}" article-title="{title}" '
        f'article-url="{url}" content-type-val="1" publish-date-jss="2026-09-30T10:00:00">'
        "</listing-with-preview>"
    )


def _link(article_id: int, title: str) -> str:
    return (
        f'<li><span class="type">News</span> <span>Sept. 30, 2026</span> '
        f'<a href="/News/News-Stories/Article/Article/{article_id}/slug-here/">{title}</a></li>'
    )


RELATED_SHAPES = {
    "classed-block-after": (
        "",
        '<div class="related-stories"><h2>Related Stories</h2>'
        + _preview(4400001, "Depot Orders Cranes")
        + _preview(4400002, "Port Upgrade Begins")
        + "</div>",
    ),
    "heading-only-h3-links": (
        "",
        "<div><h3>Related Stories</h3><ul>"
        + _link(4400001, "Depot Orders Cranes")
        + _link(4400002, "Port Upgrade Begins")
        + "</ul></div>",
    ),
    "aside-strong-heading": (
        "",
        "<aside><p><strong>RELATED STORIES</strong></p><div class='list'>"
        + _link(4400001, "Depot Orders Cranes")
        + _link(4400002, "Port Upgrade Begins")
        + "</div></aside>",
    ),
    "heading-wrapped-in-divs": (
        "",
        '<section><div class="hd"><span>Related Stories:</span></div><div class="items">'
        + _preview(4400001, "Depot Orders Cranes")
        + _preview(4400002, "Port Upgrade Begins")
        + "</div></section>",
    ),
    "inside-the-body": (
        "<h4>Related Stories</h4><ul>"
        + _link(4400001, "Depot Orders Cranes")
        + _link(4400002, "Port Upgrade Begins")
        + "</ul>",
        "",
    ),
    "text-directly-in-block": (
        "",
        "<div>Related Stories<ul>"
        + _link(4400001, "Depot Orders Cranes")
        + _link(4400002, "Port Upgrade Begins")
        + "</ul></div>",
    ),
}


@pytest.mark.parametrize("shape", sorted(RELATED_SHAPES))
def test_related_block_in_any_shape(shape: str) -> None:
    in_body, after = RELATED_SHAPES[shape]
    html = page(body=BODY + in_body, after=after)
    art = extract_article(html, URL)
    assert [(r.article_id, r.title) for r in art.related] == [
        (4400001, "Depot Orders Cranes"),
        (4400002, "Port Upgrade Begins"),
    ]
    assert art.paragraphs == [
        "Two new harbor cranes reached the depot on Tuesday after a 19-day voyage.",
        "Crews will test each crane for three weeks before cargo work begins.",
    ]
    assert extract_related(html, URL) == art.related


# Between the heading's words: every space a reader sees as one, written as a character or an
# entity; in capitals or not.
HEADING_SPELLINGS = [
    "Related Stories",
    "RELATED\u00a0STORIES",
    "related&nbsp;Stories",
    "Related&#160;Stories",
    "Related\u2009Stories",
    "Related\u3000Stories",
    "related\n   stories",
]


@pytest.mark.parametrize(
    ("spelling", "encoding"),
    [
        (spelling, encoding)
        for spelling in HEADING_SPELLINGS
        for encoding in ("text", "utf-8", "cp1252")
        if encoding != "cp1252" or all(ord(c) < 256 for c in spelling)  # it has no U+2009
    ],
)
def test_the_heading_is_found_in_any_spacing_case_and_encoding(spelling: str, encoding: str):
    """The heading is looked for in the page source (bytes when the page arrives as bytes): every
    spelling, as text, UTF-8 or Windows-1252 bytes, with curly quotes in the text (the page is
    not ASCII), leads to the same block."""
    after = (
        f"<aside><p>\u2019</p><h3>{spelling}</h3><ul>"
        + _link(4400001, "Depot Orders Cranes")
        + _link(4400002, "Port Upgrade Begins")
        + "</ul></aside>"
    )
    html = page(after=after).replace("Tuesday", "Tuesday\u2019s")
    data = html if encoding == "text" else html.encode(encoding)
    assert [r.article_id for r in extract_article(data, URL).related] == [4400001, 4400002]
    assert [r.article_id for r in extract_related(data, URL)] == [4400001, 4400002]


def test_related_link_dates_are_read_from_the_entry() -> None:
    after = (
        "<div><h3>Related Stories</h3><ul>" + _link(4400001, "Depot Orders Cranes") + "</ul></div>"
    )
    art = extract_article(page(after=after), URL)
    assert art.related[0].published == "2026-09-30"
    assert art.related[0].section == "news-stories"


def test_links_in_the_body_are_not_related_stories() -> None:
    body = BODY + '<p>See <a href="/News/News-Stories/Article/Article/4400009/x/">the plan</a>.</p>'
    assert extract_article(page(body=body), URL).related == []


def test_related_entries_off_site_are_left_out() -> None:
    after = (
        "<div><h3>Related Stories</h3><ul><li>"
        '<a href="https://elsewhere.example/News/Article/Article/4400003/x/">Elsewhere</a></li>'
        + _link(4400001, "Depot Orders Cranes")
        + "</ul></div>"
    )
    art = extract_article(page(after=after), URL)
    assert [r.article_id for r in art.related] == [4400001]


# -- contracts, as real captures show them -------------------------------------------------------
CONTRACT_URL = "https://www.war.gov/News/Contracts/Contract/Article/4319114/"


def _contract_page(og_title: str = "Contracts for September 30, 2025", h1: str = "") -> str:
    return (
        "<html><head><title>\n  &gt; U.S. Department of War &gt; Contract | U.S. Department "
        "of War\n</title>"
        f'<meta property="og:title" content="{og_title}">'
        '<meta property="og:url" content="https://www.war.gov/News/Contracts/Contract/Article/'
        '4319114//"></head><body><form id="Form">'
        '<div class="adetail abanner no-abanner-mobile aframe content-type-400" itemscope '
        'itemtype="http://schema.org/NewsArticle"><header class="content-wrap">'
        '<div class="cont-type"><a class="content-type-text"><span>Contracts</span></a></div>'
        f'<h1 class="maintitle">\n   {h1}\n  </h1><div class="date-line">'
        '<span class="social-block"><a class="a2a_button_x">X</a> <a>Copy Link</a>'
        "<script>var copied = 1;</script></span></div></header>"
        '<div class="content content-wrap"><div class="inside ntext"><div class="body">'
        '<p style="text-align: center;"><strong>ARMY</strong></p>'
        "<p>Delta Rigging Co., Mobile, Alabama, was awarded a $12,400,000 contract for crane "
        "repair.</p><p>*Small business</p></div></div></div></div></form></body></html>"
    )


@pytest.mark.parametrize(
    ("h1", "og_title"),
    [
        ("Contracts For Sept. 30, 2025", "Contracts for September 30, 2025"),
        ("", "Contracts for September 30, 2025"),
        ("Contracts For Sept. 30, 2025", ""),
    ],
)
def test_contracts_page_is_dated_from_its_title(h1: str, og_title: str) -> None:
    art = extract_article(_contract_page(og_title, h1), CONTRACT_URL)
    assert art.published == "2025-09-30"
    assert art.section == "contracts"
    assert art.url == "https://www.war.gov/News/Contracts/Contract/Article/4319114//"  # empty slug
    assert art.title in ("Contracts For Sept. 30, 2025", "Contracts for September 30, 2025")
    assert art.byline is None
    assert art.headings == [0] and art.paragraphs[0] == "ARMY"
    assert all("Copy Link" not in p for p in art.paragraphs)


def test_empty_title_part_in_head_is_no_title() -> None:
    html = _contract_page("", "").replace('<h1 class="maintitle">', '<h1 class="maintitle">')
    assert extract_article(html, CONTRACT_URL).title == ""


def test_a_news_title_with_a_date_does_not_date_the_article() -> None:
    html = page().replace(
        "Harbor Cranes Arrive</h1>", "Contracting Rules Set for Oct. 1, 2026</h1>"
    )
    assert extract_article(html, URL).published is None


# -- text a reader sees, exactly ------------------------------------------------------------------
def test_zero_width_and_format_characters_are_kept() -> None:
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # a ZWNJ inside a word
    family = "\U0001f469\u200d\U0001f467"  # an emoji ZWJ sequence
    body = f"<p>Word\u200bjoin{persian} {family} and\u2060more\ufeff.</p>" + BODY
    art = extract_article(page(body=body), URL)
    assert art.paragraphs[0] == f"Word\u200bjoin{persian} {family} and\u2060more\ufeff."


# -- pages past libxml2's default limits ---------------------------------------------------------
def test_deep_editor_junk_keeps_every_paragraph() -> None:
    junk = "<span>" * 600  # unclosed: libxml2 stops at 256 levels without huge_tree
    body = "<p>First paragraph stays.</p>" + junk + "<p>Second stays too.</p><p>Third as well.</p>"
    art = extract_article(page(body=body), URL)
    assert art.paragraphs == ["First paragraph stays.", "Second stays too.", "Third as well."]


def test_huge_inline_image_keeps_what_follows() -> None:
    data = "A" * 11_000_000
    body = f'<p>Before the map.</p><p><img src="data:image/png;base64,{data}"></p><p>After it.</p>'
    art = extract_article(page(body=body), URL)
    assert art.paragraphs == ["Before the map.", "After it."]


def test_huge_inline_script_keeps_what_follows() -> None:
    body = "<p>Before.</p><script>var x='" + "y" * 11_000_000 + "';</script><p>After.</p>"
    assert extract_article(page(body=body), URL).paragraphs == ["Before.", "After."]


def test_a_parse_cut_short_anyway_is_an_error_not_a_short_article() -> None:
    junk = "<span>" * 5000  # past even huge_tree's 2048 levels
    body = "<p>First.</p>" + junk + "<p>Lost without notice before.</p>"
    with pytest.raises(TruncatedPage, match="stopped early"):
        extract_article(page(body=body), URL)
