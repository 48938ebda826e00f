"""Article extraction: what goes into paragraphs, what stays out, and pages that are not ones."""

from __future__ import annotations

import pytest

from dodnews.extract import (
    EXTRACTOR_VERSION,
    BlockedPage,
    EmptyPage,
    ExtractionError,
    NotAnArticle,
    extract_article,
    extract_related,
    is_bot_wall,
)
from tests.paths import FIXTURES

PAGES = FIXTURES / "pages"
NEWS_URL = "https://www.war.gov/News/News-Stories/Article/Article/4300123/old-slug/"


def page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def article_page(body: str, *, header: str = "", after: str = "", wrapper: str = "") -> str:
    """A minimal article page around `body` (the inside of div.body)."""
    return (
        "<html><head><title>T &gt; U.S. Department of War</title></head><body>"
        f"{header}<div class='adetail content-type-1' {wrapper}><div class='adetail-header'>"
        "<h1 class='maintitle'> Test Title </h1>"
        "<div class='ainfo'><span class='date'>Jul. 4, 2026</span></div></div>"
        f"<div class='body'>{body}</div></div>{after}</body></html>"
    )


# -- the news story fixture: everything that must stay out of paragraphs ---------------------------
def test_news_story_paragraphs_hold_only_body_text() -> None:
    art = extract_article(page("news-story.html"), NEWS_URL)
    text = "\n".join(art.paragraphs)
    for furniture in ("Photo By", "VIRIN", "Download", "{{", "Facebook", "Copy Link", "Related"):
        assert furniture not in text
    assert "Pile Driving" not in text and "Seabees guide a steel pile" not in text
    assert "historical collection" not in text
    assert all(p and p == " ".join(p.split()) for p in art.paragraphs)
    assert len(art.paragraphs) == 5
    # <br> inside a paragraph is a space, &nbsp; is a space.
    assert "steel piles, poured a new deck" in art.paragraphs[1]
    assert (
        art.paragraphs[0].startswith("Sailors at Naval Base Guam")
        and "11 weeks" in art.paragraphs[0]
    )
    assert "\u00a0" not in text


def test_news_story_fields() -> None:
    art = extract_article(page("news-story.html"), NEWS_URL)
    assert art.article_id == 4300123
    # Canonical URL: current host and section prefix, slug from og:url (not the page URL's).
    assert art.url == (
        "https://www.war.gov/News/News-Stories/Article/Article/4300123/"
        "engineers-restore-storm-damaged-pier-at-guam-naval-base-ahead-of-schedule/"
    )
    assert art.title == "Engineers Restore Storm-Damaged Pier at Guam Naval Base Ahead of Schedule"
    assert art.published == "2026-09-15T14:30:00-04:00"
    assert art.byline == "By Maria Castellanos, DOD News"
    assert art.summary and art.summary.startswith("A joint Navy and Army")
    assert art.section == "news-stories" and art.content_type == "News"
    assert art.tags == ["Army", "Indo-Pacific", "Navy"]
    assert art.banner and art.banner.startswith("You have accessed part of a historical collection")
    assert art.banner.endswith("with any questions.")
    assert art.extractor_version == EXTRACTOR_VERSION


def test_news_story_images_carry_their_furniture() -> None:
    art = extract_article(page("news-story.html"), NEWS_URL)
    first, second = art.images
    assert first.src == (
        "https://media.defense.gov/2026/Sep/14/2003790011/825/780/0/260912-N-KT402-1044.JPG?ver=2"
    )
    assert first.virin == "260912-N-KT402-1044"
    assert first.title == "Pile Driving"
    assert first.alt == "Construction workers guide a steel pile into place beside a pier."
    assert first.caption and first.caption.startswith("Navy Seabees guide a steel pile")
    assert first.credit == "Navy Petty Officer 2nd Class Dana Whitfield"
    assert second.credit == "Army Spc. Lucas Brandt" and second.title == "Weld Check"


def test_news_story_related_links_are_canonical() -> None:
    art = extract_article(page("news-story.html"), NEWS_URL)
    assert [r.article_id for r in art.related] == [4299870, 4298012]
    first = art.related[0]
    assert first.url.startswith("https://www.war.gov/News/News-Stories/Article/Article/4299870/")
    assert first.published == "2026-08-28T09:15:00-04:00"
    assert art.related[1].section == "releases"
    assert extract_related(page("news-story.html"), NEWS_URL) == art.related


# -- other fixtures ------------------------------------------------------------------------------
def test_release_without_byline_photos_or_og_tags() -> None:
    url = "https://www.war.gov/News/Releases/Release/Article/4300455/statement/"
    art = extract_article(page("release.html"), url)
    assert art.byline is None and art.images == [] and art.summary is None
    assert art.published == "2025-09-03"  # no span.time: a date alone
    assert art.url.endswith("/Article/4300455/statement/")  # no og:url: the page URL's slug
    assert art.banner and art.banner.startswith(
        "You have reached a collection of archived material"
    )
    assert art.paragraphs[0].startswith("The Defense POW/MIA Accounting Agency")  # a div text block
    assert art.paragraphs[-1].endswith("visit www.dpaa.mil.")
    # The related block has no class: found by its heading; a relative URL made canonical.
    assert [(r.article_id, r.section) for r in art.related] == [(4297711, "releases")]


def test_transcript_speaker_lines_are_whole_paragraphs() -> None:
    art = extract_article(page("transcript.html"), "")  # URL from og:url
    assert art.article_id == 4300310 and art.section == "transcripts"
    assert art.paragraphs[1].startswith("DEPUTY SECRETARY OF WAR ALAN WHITMORE: Thanks.")
    assert "Q: How many of those positions are already filled?" in art.paragraphs
    assert art.headings == []  # a lone "STAFF:" label is not a heading
    assert art.published == "2026-07-08T09:05:00-04:00"


def test_contract_headings_awards_footnotes_and_empty_slug() -> None:
    url = "http://www.defense.gov/News/Contracts/Contract/Article/4301400/"
    art = extract_article(page("contract.html"), url)
    assert art.url == "https://www.war.gov/News/Contracts/Contract/Article/4301400//"
    assert [art.paragraphs[i] for i in art.headings] == ["NAVY", "ARMY", "DEFENSE LOGISTICS AGENCY"]
    assert art.headings == [0, 3, 5]
    assert art.paragraphs[-2:] == ["*Small business", "**Small-disadvantaged business"]
    assert sum("$" in p for p in art.paragraphs) == 4  # one per award
    assert len(art.corrections) == 1 and "$11,004,000" in art.corrections[0]
    assert not any(p.startswith("CORRECTION") for p in art.paragraphs)
    assert art.published == "2025-12-05T17:00:00-05:00"


def test_feature_story_corrections_and_figure_without_classes() -> None:
    url = "https://www.war.gov/News/Feature-Stories/Story/Article/4300777/x/"
    art = extract_article(page("feature-story.html"), url)
    assert [c.split()[0] for c in art.corrections] == ["Editor's", "Correction", "UPDATE"]
    assert not any("Editor's note" in p for p in art.paragraphs)
    # A paragraph that merely starts with "Updated" stays a paragraph.
    assert art.paragraphs[-1].startswith("Updated figures from the Department of Labor")
    assert art.headings == [2] and art.paragraphs[2] == "Learning to Weld at 50"
    (image,) = art.images
    assert image.virin == "260225-D-QX904-1007" and image.credit == "Terrence Obi"
    assert image.caption and image.caption.startswith("Rosa Delgado demonstrates")
    assert image.src.endswith("/2003701450/1280/1280/0/260225-D-QX904-1007.JPG")
    assert "’" in art.title  # quotes left as published


def test_speech_with_uppercase_tags_unclosed_paragraphs_and_stray_br() -> None:
    url = "https://www.war.gov/News/Speeches/Speech/Article/4300901/"
    art = extract_article(page("speech.html"), url)
    assert art.title == "Remarks at the Naval War College Graduation"
    assert art.section == "speeches" and art.content_type == "Speech"
    assert art.published == "2026-07-17"
    assert art.paragraphs == [
        "Thank you, Admiral. Good morning, graduates, families and friends.",
        "Newport has trained officers to think about war at sea since 1884."
        " That mission has not changed.",
        "You leave here knowing how to read a campaign, not only a map.",
        "Congratulations, and fair winds.",
    ]


# -- errors --------------------------------------------------------------------------------------
def test_error_classes_share_one_base() -> None:
    for cls in (NotAnArticle, BlockedPage, EmptyPage):
        assert issubclass(cls, ExtractionError) and issubclass(cls, ValueError)


def test_bot_wall_is_blocked_not_empty() -> None:
    wall = page("bot-wall.html")
    assert is_bot_wall(wall) and is_bot_wall(wall.encode(), 403)
    with pytest.raises(BlockedPage):
        extract_article(wall, NEWS_URL)


def test_is_bot_wall_ignores_articles_that_mention_the_words() -> None:
    body = (
        "<p>The sign said Access Denied. Reference # 5 was filed.</p>" + "<p>filler text</p>" * 2000
    )
    assert not is_bot_wall(article_page(body))
    assert not is_bot_wall(page("news-story.html"), 200)
    assert is_bot_wall("<html><title>Access Denied</title></html>", 403)


@pytest.mark.parametrize("content", ["", "   \n\t ", b"", b"\xef\xbb\xbf  "])
def test_empty_page(content: str | bytes) -> None:
    with pytest.raises(EmptyPage):
        extract_article(content, NEWS_URL)


def test_non_article_page() -> None:
    with pytest.raises(NotAnArticle):
        extract_article(page("not-article.html"), "https://www.war.gov/About/")


def test_truncated_page_that_lost_its_body_is_not_an_article() -> None:
    html = page("news-story.html")
    cut = html[: html.index('<div class="body">')]
    with pytest.raises(NotAnArticle):
        extract_article(cut, NEWS_URL)


def test_truncated_page_inside_the_body_keeps_what_arrived() -> None:
    html = page("news-story.html")
    cut = html[: html.index("The new deck sits")]
    art = extract_article(cut, NEWS_URL)
    assert len(art.paragraphs) == 3 and art.title.startswith("Engineers Restore")


def test_no_article_id_anywhere() -> None:
    html = article_page("<p>Text.</p>")
    with pytest.raises(NotAnArticle, match="article id"):
        extract_article(html, "https://www.war.gov/News/")


def test_article_id_falls_back_to_og_url() -> None:
    og = '<meta property="og:url" content="https://www.war.gov/News/News-Stories/Article/Article/77/og-slug/">'
    html = article_page("<p>Text.</p>").replace("</head>", og + "</head>")
    art = extract_article(html, "https://www.war.gov/some/other/page")
    assert art.article_id == 77 and art.url.endswith("/Article/77/og-slug/")


# -- robustness on small pages -------------------------------------------------------------------
def test_nbsp_br_and_empty_paragraphs() -> None:
    art = extract_article(
        article_page("<p>One&nbsp;two<br>three<br/><br>four</p><p>&nbsp;</p><p><br></p><p> </p>"),
        NEWS_URL,
    )
    assert art.paragraphs == ["One two three four"]


def test_nfc_normalization() -> None:
    art = extract_article(article_page("<p>Re\u0301sume\u0301 of the unit</p>"), NEWS_URL)
    assert art.paragraphs == ["R\u00e9sum\u00e9 of the unit"]


def test_title_fallbacks_og_then_head_title() -> None:
    no_h1 = article_page("<p>x</p>").replace("<h1 class='maintitle'> Test Title </h1>", "")
    og = '<meta property="og:title" content="  From OG  ">'
    assert extract_article(no_h1.replace("</head>", og + "</head>"), NEWS_URL).title == "From OG"
    assert extract_article(no_h1, NEWS_URL).title == "T"


def test_banner_variant_plain_div_is_found_and_body_mentions_are_not_banners() -> None:
    header = (
        "<div class='alert'><p>You have accessed part of a historical collection on "
        "<a href='/'>defense.gov</a>. Some of the information contained within may be outdated "
        "and links may not function. Please contact the DOD Webmaster with any questions.</p></div>"
    )
    art = extract_article(article_page("<p>Story.</p>", header=header), NEWS_URL)
    assert art.banner and "historical collection on defense.gov." in art.banner
    museum = "<p>The museum opened its historical collection of uniforms to visitors.</p>"
    art = extract_article(article_page(museum), NEWS_URL)
    assert art.banner is None and art.paragraphs == [clean(museum)]


def clean(html: str) -> str:
    return html.removeprefix("<p>").removesuffix("</p>")


def test_section_from_url_when_wrapper_has_no_content_type() -> None:
    html = article_page("<p>x</p>").replace("content-type-1", "")
    art = extract_article(html, "https://www.defense.gov/Newsroom/Releases/Release/Article/55/s/")
    assert art.section == "releases" and art.content_type == "Release"
    assert art.url == "https://www.war.gov/News/Releases/Release/Article/55/s/"


def test_wrapper_content_type_wins_over_an_old_url() -> None:
    html = article_page("<p>x</p>").replace("content-type-1", "content-type-13")
    art = extract_article(html, "https://www.defense.gov/News/News-Stories/Article/Article/56/s/")
    assert art.section == "transcripts"
    assert art.url == "https://www.war.gov/News/Transcripts/Transcript/Article/56/s/"


def test_share_widget_and_template_inside_the_body_are_dropped() -> None:
    body = (
        "<p>Real text.</p><div class='share-tools'><a>Email</a> <a>Facebook</a></div>"
        "<p>Email Facebook X LinkedIn WhatsApp</p><p>Copy Link</p>"
        "<div>{{slideNumber}}/{{numSlides}} - {{slideCaption}}</div><script>var a = 1;</script>"
        "<p>VIRIN: 260101-D-AB123-0001</p><p>Download: Full Size (1 MB)</p>"
    )
    assert extract_article(article_page(body), NEWS_URL).paragraphs == ["Real text."]


def test_related_block_inside_body_is_not_text() -> None:
    body = (
        "<p>Text.</p><div class='related-stories'><h2>Related Stories</h2>"
        "<listing-with-preview article-id='9' article-title='Other' "
        "article-url='/News/News-Stories/Article/Article/9/other/'></listing-with-preview></div>"
    )
    art = extract_article(article_page(body), NEWS_URL)
    assert art.paragraphs == ["Text."]
    assert [r.article_id for r in art.related] == [9]


def test_related_block_without_class_found_by_heading() -> None:
    after = (
        "<section><h3>Related Stories</h3>"
        "<story-card article-title='A &lt;b&gt;bold&lt;/b&gt; one' "
        "article-url='https://www.defense.gov/News/Feature-Stories/Story/Article/12/a/' "
        "publish-date-jss='2024-01-05T10:00:00'></story-card></section>"
    )
    art = extract_article(article_page("<p>x</p>", after=after), NEWS_URL)
    (link,) = art.related
    assert link.title == "A bold one" and link.section == "feature-stories"
    assert link.url == "https://www.war.gov/News/Feature-Stories/Story/Article/12/a/"
    assert link.published == "2024-01-05T10:00:00-05:00"


def test_page_without_related_block_has_no_related_links() -> None:
    after = (
        "<listing-with-preview article-id='9' article-url='/x/Article/9/'></listing-with-preview>"
    )
    assert extract_article(article_page("<p>x</p>", after=after), NEWS_URL).related == []


def test_time_variant_and_byline_absent() -> None:
    html = article_page("<p>x</p>").replace(
        "</span></div></div>", "</span><span class='time' data-time='8:05'>|</span></div></div>"
    )
    art = extract_article(html, NEWS_URL)
    assert art.published == "2026-07-04T08:05:00-04:00" and art.byline is None


def test_bare_image_in_paragraph_is_an_image_and_text_is_kept() -> None:
    body = (
        "<p><img src='https://media.defense.gov/2025/Jan/02/2003600001/640/360/0/250102-F-ZZ999-1001.JPG'"
        " alt='A jet.'>The jet landed.</p>"
    )
    art = extract_article(article_page(body), NEWS_URL)
    assert art.paragraphs == ["The jet landed."]
    assert art.images[0].virin == "250102-F-ZZ999-1001" and art.images[0].alt == "A jet."


def test_windows_1252_bytes_decode() -> None:
    html = article_page("<p>The unit\x92s flag</p>").encode("latin-1")
    assert extract_article(html, NEWS_URL).paragraphs == ["The unit’s flag"]


def test_garbage_input_raises_only_extraction_errors() -> None:
    for junk in ("<<<>>>", "plain text, no tags", "<html>", "\x00\x01\x02", "<p>only a p</p>"):
        with pytest.raises(ExtractionError):
            extract_article(junk, NEWS_URL)
