"""Properties not covered elsewhere: what the replica renders, extraction reads back exactly.

tests/unit/diffing/test_diff_properties.py holds the diff properties (self-diff empty, mirror
symmetry) and tests/unit/extract/test_extract_robust.py random damage and bytes into extraction;
this file adds the round trip of random articles (text with markup characters, controls, any
Unicode) through the replica's page renderer and the extractor, and the content hash's stability
under it.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dodnews.diffing.detect import detect_changes
from dodnews.diffing.normalize import content_hash
from dodnews.extract import extract_article
from dodnews.extract.normalize import normalize_article
from dodnews.replica import pages
from dodnews.replica.content import EpochState
from dodnews.site import WAR

# Text a page may hold: letters, digits, punctuation, markup characters, nbsp, non-Latin scripts.
_CHARS = st.characters(
    codec="utf-8",
    categories=("L", "N", "P", "S", "Zs"),
    include_characters="<>&\"'\u00a0",
    exclude_characters="\u2028\u2029",
)
_TEXT = st.text(_CHARS, min_size=1, max_size=80).map(lambda t: " ".join(t.split())).filter(bool)
# Body text opens with words, so that it is never mistaken for page furniture the extractor
# drops on purpose (a lone "X" share button, "Photo by:", an editor's note).
_PARAGRAPH = _TEXT.map(lambda t: f"Officials said {t}")


@st.composite
def replica_articles(draw: st.DrawFn) -> dict[str, Any]:
    """A random article in the replica's data format (news stories: plain paragraphs)."""
    return {
        "id": draw(st.integers(4_000_000, 4_999_999)),
        "section": "news-stories",
        "title": draw(_TEXT),
        "published": "2026-03-04T10:00:00",
        "byline": draw(st.none() | _TEXT.map(lambda t: f"By {t}")),
        "summary": draw(_TEXT),
        "og": True,
        "show_time": True,
        "banner": None,
        "body": [{"p": p} for p in draw(st.lists(_PARAGRAPH, min_size=1, max_size=6))],
        "related": [],
        "tags": draw(st.lists(_TEXT.filter(lambda t: "," not in t), max_size=3, unique=True)),
        "links": {"host": "war.gov", "variant": "plain"},
    }


def _shown(text: str) -> str:
    """Text as a reader compares it: NFC, no-break spaces as spaces, whitespace runs collapsed."""
    return " ".join(unicodedata.normalize("NFC", text.replace("\u00a0", " ")).split())


def _page(article: dict[str, Any]) -> str:
    state = EpochState(0, {article["id"]: article}, {article["id"]: article})
    state.finish()
    page = pages.article_page(state, article)
    return pages.fill(page.parts)


def _url(article: dict[str, Any]) -> str:
    prefix = WAR.section("news-stories").article_prefix
    return f"https://www.war.gov{prefix}{article['id']}/x/"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replica_articles())
def test_rendered_articles_extract_back_exactly(article: dict[str, Any]) -> None:
    extracted = normalize_article(extract_article(_page(article), _url(article)))
    assert extracted == normalize_article(extract_article(_page(article), _url(article)))
    assert extracted.article_id == article["id"]
    assert normalize_article(extracted) == extracted  # normalizing is idempotent
    # The text the replica put on the page is the text read back, markup characters included.
    assert _shown(extracted.title) == _shown(article["title"])
    assert [_shown(p) for p in extracted.paragraphs] == [_shown(b["p"]) for b in article["body"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(replica_articles(), st.integers(0, 5), _PARAGRAPH)
def test_one_edit_on_the_page_is_one_change_and_a_new_hash(
    article: dict[str, Any], where: int, text: str
) -> None:
    before = normalize_article(extract_article(_page(article), _url(article)))
    index = where % len(article["body"])
    edited = {**article, "body": [dict(b) for b in article["body"]]}
    edited["body"][index]["p"] = text
    after = normalize_article(extract_article(_page(edited), _url(edited)))
    report = detect_changes(before, after)
    same = before.paragraphs[index] == after.paragraphs[index]
    assert report.changed is not same
    assert (content_hash(before) == content_hash(after)) is same
