"""Normalization for comparison, the content hash, dates, URL keys, significance."""

from __future__ import annotations

import copy
from datetime import date

from dodnews.diffing.model import Change
from dodnews.diffing.normalize import (
    comparison_form,
    content_hash,
    image_keys,
    match_text,
    parse_published,
    same_published,
    url_key,
)
from dodnews.diffing.paragraphs import align, word_ops
from dodnews.diffing.significance import WEIGHTS, score
from dodnews.model import Article, Image

URL = "https://www.war.gov/News/Releases/Release/Article/555/budget-request/"


def article(**kw) -> Article:
    values = dict(
        article_id=555,
        url=URL,
        section="releases",
        title="Budget Request",
        paragraphs=["First line of the release.", "Second line of the release."],
    )
    values.update(kw)
    return Article(**values)


def test_norm_text_removes_noise_only():
    assert comparison_form("  a\u00a0b\n\tc  ") == "a b c"
    assert comparison_form("Cafe\u0301") == comparison_form("Caf\u00e9")
    assert comparison_form("zero\u200bwidth soft\u00adhyphen") == "zerowidth softhyphen"
    assert comparison_form("Q&amp;A") == "Q&A"
    assert comparison_form("“quoted”") == "“quoted”"  # quotes stay as published
    assert comparison_form(None) == ""


def test_match_text_unifies_quotes_dashes_case():
    assert match_text("“Don’t” — Go") == match_text('"don\'t" - go')


def test_content_hash_ignores_noise_and_extractor_version():
    a = article(extractor_version="1")
    b = article(
        extractor_version="2",
        content_type="Release",
        paragraphs=["First line of the\u00a0release. ", "Second  line of the release."],
        url=URL.replace("www.war.gov", "www.defense.gov"),
    )
    assert content_hash(a) == content_hash(b)
    assert len(content_hash(a)) == 64


def test_content_hash_sees_real_edits():
    base = content_hash(article())
    assert content_hash(article(title="Budget Request Revised")) != base
    assert (
        content_hash(
            article(paragraphs=["Second line of the release.", "First line of the release."])
        )
        != base
    )
    assert content_hash(article(banner="Historical collection.")) != base
    assert content_hash(article(corrections=["Update: figures revised."])) != base
    assert content_hash(article(url=URL.replace("budget-request", "budget-plan"))) != base


def test_content_hash_ignores_image_size_variant_and_order():
    one = Image("https://media.defense.gov/2026/Jan/2/1/-1/-1/0/x.JPG", virin="V1", caption="c")
    two = Image("https://media.defense.gov/2026/Jan/2/2/-1/-1/0/y.JPG", virin="V2")
    resized = copy.deepcopy(one)
    resized.src = "https://media.defense.gov/2026/Jan/2/1/640/480/0/x.JPG?ver=9"
    assert content_hash(article(images=[one, two])) == content_hash(article(images=[two, resized]))


def test_image_keys_unique():
    img = Image("https://media.defense.gov/2026/Jan/2/1/825/550/0/x.JPG?v=1")
    keys = image_keys([img, copy.deepcopy(img), Image("s", virin=" v1 ")])
    assert keys == [
        "src:https://media.defense.gov/2026/Jan/2/1/-1/-1/0/x.JPG",
        "src:https://media.defense.gov/2026/Jan/2/1/-1/-1/0/x.JPG#2",
        "V1",
    ]


def test_url_key():
    assert url_key(article()) == "releases/555/budget-request"
    old_path = article(
        url="http://defense.gov/Newsroom/Releases/Release/Article/555/Budget-Request/"
    )
    assert url_key(old_path) == url_key(article())


def test_published_dates():
    assert parse_published("2026-03-24") == date(2026, 3, 24)
    assert parse_published("nonsense") is None
    assert same_published("2026-03-24T14:30:00-04:00", "2026-03-24T18:30:00Z")
    assert same_published("2026-03-24T14:30:00-04:00", "2026-03-24")
    assert same_published("2026-03-24T14:30:00", "2026-03-24T14:30:00-04:00")
    assert not same_published("2026-03-24T14:30:00-04:00", "2026-03-24T15:30:00-04:00")
    assert not same_published("2026-03-24", None)
    assert not same_published("Sept. 15, 2026", "Sept. 16, 2026")


def test_align_insert_is_one_addition():
    old = [f"Paragraph {n} says something different about topic {n}." for n in range(12)]
    new = ["A brand new first paragraph.", *old]
    result = align(old, new)
    assert result.added == [0] and not result.removed and not result.edited and not result.moved
    assert len(result.equal) == 12


def test_align_is_mirrored():
    old = ["alpha beta gamma delta", "one two three four", "red green blue black"]
    new = ["red green blue black", "alpha beta gamma delta epsilon", "new words only here"]
    forward, backward = align(old, new), align(new, old)
    assert backward.equal == [(j, i) for i, j in forward.equal]
    assert sorted(backward.moved) == sorted((j, i) for i, j in forward.moved)
    assert sorted(backward.edited) == sorted((j, i, m) for i, j, m in forward.edited)
    assert (backward.added, backward.removed) == (forward.removed, forward.added)


def test_word_ops_mirrored():
    a = ["the", "ship", "left", "at", "dawn"]
    b = ["the", "big", "ship", "left", "at", "noon"]
    forward, backward = word_ops(a, b), word_ops(b, a)
    flip = {"insert": "delete", "delete": "insert"}
    assert backward == [(flip.get(t, t), j1, j2, i1, i2) for t, i1, i2, j1, j2 in forward]


def test_significance_combines_weights():
    changes = [
        Change("figure_changed", "paragraphs", "1", "2", location={"new_index": 2}),
        Change("paragraph_added", "paragraphs", None, "x"),
        Change("paragraph_added", "paragraphs", None, "y"),
    ]
    value, reasons = score(changes)
    assert value == round(1 - (1 - 0.6) * (1 - 0.3) ** 2, 3)
    assert reasons == ["figure changed in paragraph 3: 1 → 2", "2 paragraphs added"]
    assert score([]) == (0.0, [])
    assert WEIGHTS["paragraph_added"] == WEIGHTS["paragraph_removed"]
    assert score([Change("correction_changed", "corrections", "x", None)])[1] == [
        "correction removed"
    ]
    # many heavy changes approach 1 but never reach it (1 - 0.4**9 rounds to 1.0 at 3 decimals)
    many = [Change("figure_changed", "title", "1", "2")] * 9
    assert score(many)[0] == 0.999


def test_align_wholesale_edit_of_long_contract_list():
    # Every one of 300 award paragraphs gains a suffix: all pair up as edits (banded pairing).
    old = [
        f"Vendor {n} of Town {n * 7}, is awarded contract {n} for part {n * 3}." for n in range(300)
    ]
    new = [p + " Work continues." for p in old]
    result = align(old, new)
    assert [(i, j) for i, j, _ in result.edited] == [(n, n) for n in range(300)]
    assert not (result.added or result.removed or result.moved)


def test_a_slug_the_page_did_not_name_is_not_part_of_the_content() -> None:
    # A page without og:url is known only by the URL it was fetched at: a listing's slug on one
    # run, a related link's bare id on the next. Neither is an edit.
    from dodnews.diffing.detect import detect_changes

    listed = article(url=URL, canonical_known=False)
    linked = article(url=URL.replace("budget-request/", ""), canonical_known=False)
    assert url_key(listed) == url_key(linked)
    assert content_hash(listed) == content_hash(linked)
    assert not detect_changes(listed, linked).changed
    # A page that names its canonical URL: a new slug there is a real url_changed.
    renamed = article(url=URL.replace("budget-request", "budget-request-revised"))
    assert content_hash(renamed) != content_hash(article())
    kinds = detect_changes(article(), renamed).kinds
    assert "url_changed" in kinds


def test_extraction_says_whether_the_page_named_its_canonical_url() -> None:
    from dodnews.extract import extract_article

    page = (
        "<html><head>{meta}</head><body><div class='adetail'><h1 class='maintitle'>Depot Work"
        "</h1><div class='body'><p>Crews rebuilt nine engines.</p></div></div></body></html>"
    )
    og = '<meta property="og:url" content="https://www.war.gov/News/Releases/Release/Article/555/depot-work/">'
    fetched_at = "https://www.war.gov/News/Releases/Release/Article/555/other-slug/"
    named = extract_article(page.format(meta=og), fetched_at)
    unnamed = extract_article(page.format(meta=""), fetched_at)
    assert named.canonical_known and named.url.endswith("/555/depot-work/")
    assert not unnamed.canonical_known and unnamed.url.endswith("/555/other-slug/")
