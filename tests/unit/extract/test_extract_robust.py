"""Damaged pages: every truncation and random damage gives an Article or an ExtractionError."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from dodnews.extract import ExtractionError, extract_article, extract_listing
from dodnews.model import Article
from tests.paths import FIXTURES
from tests.sweeps import examples

PAGES = FIXTURES / "pages"
NEWS = (PAGES / "news-story.html").read_text(encoding="utf-8")
CONTRACT = (PAGES / "contract.html").read_text(encoding="utf-8")
NEWS_URL = "https://www.war.gov/News/News-Stories/Article/Article/4300123/x/"
CONTRACT_URL = "https://www.war.gov/News/Contracts/Contract/Article/4301400//"


def _try(html: str | bytes, url: str) -> Article | None:
    try:
        return extract_article(html, url)
    except ExtractionError:
        return None


def test_every_truncation_point() -> None:
    body_at = NEWS.index('<div class="body">')
    for cut in range(0, len(NEWS), 37):
        art = _try(NEWS[:cut], NEWS_URL)
        if cut <= body_at:
            assert art is None, cut  # no body yet: not an article
        elif art is not None:
            assert art.article_id == 4300123
            assert all(p and "{{" not in p and "VIRIN" not in p for p in art.paragraphs)


def test_truncated_contract_keeps_heading_indexes_valid() -> None:
    start = CONTRACT.index('<div class="body">') + len('<div class="body">')
    for cut in range(start, len(CONTRACT), 23):
        art = _try(CONTRACT[:cut], CONTRACT_URL)
        assert art is not None
        assert all(0 <= i < len(art.paragraphs) for i in art.headings)


@settings(max_examples=examples(150), deadline=None)
@given(st.data())
def test_random_damage_never_raises_anything_else(data: st.DataObject) -> None:
    html = NEWS
    for _ in range(data.draw(st.integers(1, 6))):
        start = data.draw(st.integers(0, len(html)))
        end = data.draw(st.integers(start, min(len(html), start + 200)))
        junk = data.draw(
            st.sampled_from(["", "<", ">", "</div>", "<p>", "&", "\u00a0", '"', "<br>"])
        )
        html = html[:start] + junk + html[end:]
    art = _try(html, NEWS_URL)
    if art is not None:
        assert art.article_id == 4300123
        assert all(p == " ".join(p.split()) and p for p in art.paragraphs)
    with contextlib.suppress(ExtractionError):
        extract_listing(html, NEWS_URL)


@settings(max_examples=examples(100), deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_are_never_an_article(blob: bytes) -> None:
    assert _try(blob, NEWS_URL) is None


JUNK = ["", "<", ">", "</div>", "<p>", "&", "\u00a0", "\u2019", '"', "<br>", "\x00", "\r", "\ufeff"]


@settings(max_examples=examples(150), deadline=None)
@given(st.data())
def test_utf8_bytes_read_exactly_as_their_text(data: st.DataObject) -> None:
    """UTF-8 bytes are parsed as bytes (faster on real pages), text as text: the same article,
    the same failure, and the same source lines, on damaged pages too."""
    html = NEWS
    for _ in range(data.draw(st.integers(0, 6))):
        start = data.draw(st.integers(0, len(html)))
        end = data.draw(st.integers(start, min(len(html), start + 200)))
        html = html[:start] + data.draw(st.sampled_from(JUNK)) + html[end:]
    if data.draw(st.booleans()):
        html = "\ufeff" + html
    outcomes = []
    for page in (html.encode("utf-8"), html.lstrip("\ufeff")):
        try:
            outcomes.append(extract_article(page, NEWS_URL).to_dict())
        except ExtractionError as exc:
            outcomes.append(type(exc).__name__)
    assert outcomes[0] == outcomes[1]
