"""The safety net: region text no typed change explains is `other_text_changed`; noise is silent.

Pairs are named edits of one fresh page (tests/fixtures/safety-net/base.html): each case in
pairs.json applies find/replace steps to both sides ("both"), then to the old or the new side.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from dodnews.archive import Archive
from dodnews.cli.main import main
from dodnews.diffing.detect import detect_changes, mirror_change
from dodnews.diffing.normalize import (
    HASH_VERSION,
    REGION_HASH_VERSION,
    Explained,
    content_hash,
    hash_view,
    region_form,
)
from dodnews.diffing.significance import WEIGHTS
from dodnews.extract import extract_article
from dodnews.extract.region import region_text
from dodnews.model import OUTCOME_OK, Article, Capture, Image, RelatedLink
from dodnews.reports.diff_formats import plain_form
from tests.paths import FIXTURES
from tests.sweeps import examples

HERE = FIXTURES
BASE = (HERE / "safety-net" / "base.html").read_text(encoding="utf-8")
CASES = json.loads((HERE / "safety-net" / "pairs.json").read_text(encoding="utf-8"))
PAGES = HERE / "pages"
URL = "https://www.war.gov/News/News-Stories/Article/Article/4310777/x/"


def _apply(html: str, steps: list[list[str]]) -> str:
    for find, repl in steps:
        assert find in html, find  # a step that no longer matches would test nothing
        html = html.replace(find, repl)
    return html


def pair_html(case: dict[str, Any]) -> tuple[str, str]:
    both = _apply(BASE, case.get("both", []))
    return _apply(both, case.get("old", [])), _apply(both, case.get("new", []))


def pair(case: dict[str, Any]) -> tuple[Article, Article]:
    old, new = pair_html(case)
    return extract_article(old, URL), extract_article(new, URL)


def case(name: str) -> dict[str, Any]:
    return next(c for c in CASES if c["name"] == name)


def nets(report) -> list:
    return [c for c in report.changes if c.kind == "other_text_changed"]


# --- named pairs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("item", CASES, ids=lambda c: c["name"])
def test_pair_reports_exactly_its_kinds(item: dict[str, Any]) -> None:
    old, new = pair(item)
    report = detect_changes(old, new)
    assert report.kinds == sorted(item["kinds"]), [(c.kind, c.summary) for c in report.changes]
    found = nets(report)
    assert len(found) == ("other_text_changed" in item["kinds"])
    for change in found:
        edits = [(op["old"], op["new"]) for op in change.detail["ops"] if op["op"] != "equal"]
        for before, after in item["ops"]:
            assert (before, after) in edits, edits
        assert change.field == "region" and change.summary.startswith("Other text changed")
    # The mirror image holds for the net as for every kind.
    backward = detect_changes(new, old)
    assert sorted(json.dumps(c.__dict__, sort_keys=True) for c in backward.changes) == sorted(
        json.dumps(mirror_change(c).__dict__, sort_keys=True) for c in report.changes
    )


def test_the_noise_pairs_keep_the_hash() -> None:
    """Noise makes no new version: the region's residue is noise-free, so the hash is equal."""
    for item in CASES:
        if not item["kinds"]:
            old, new = pair(item)
            assert content_hash(old) == content_hash(new), item["name"]


def test_unread_edit_changes_the_hash_and_says_where() -> None:
    old, new = pair(case("unread-byline"))
    assert content_hash(old) != content_hash(new)
    (change,) = nets(detect_changes(old, new))
    assert change.before == "Story by Harriet Quill, DOD News"
    assert change.after == "Story by Harriet Quinn, DOD News"
    assert change.detail["before_blocks"] == ["Story by Harriet Quill, DOD News"]
    # It sits after the last paragraph and before the tags line, on both sides.
    last = "The district plans to add heaters to the remaining gates before next winter."
    assert change.detail["before_near"] == [last, "Tags: Army Infrastructure"]
    assert change.detail["after_near"] == [last, "Tags: Army Infrastructure"]
    assert new.region[change.location["new_index"]] == "Story by Harriet Quinn, DOD News"


def test_added_text_is_placed_on_the_side_without_it() -> None:
    item = case("custom-element-removed")
    old, new = pair(item)
    (change,) = nets(detect_changes(old, new))
    assert change.after is None and "new_index" not in change.location
    header = "Feb. 17, 2026 | By Harriet Quill, DOD News"
    assert change.detail["before_near"][0] == header
    assert change.detail["after_near"] == [None, None]  # nothing unexplained left on that side


def test_net_weight_is_low_and_counted_in_reasons() -> None:
    old, new = pair(case("custom-element"))
    report = detect_changes(old, new)
    assert WEIGHTS["other_text_changed"] <= 0.1
    assert report.significance == pytest.approx(WEIGHTS["other_text_changed"])
    assert report.reasons == ["other text changed"]


def test_versions_without_region_are_not_compared_by_the_net() -> None:
    """An old version (archived before regions were kept) against a new capture: no net change."""
    old, new = pair(case("unread-byline"))
    legacy = replace(old, region=[])
    assert detect_changes(legacy, new).changes == []
    assert detect_changes(new, legacy).changes == []


# --- `dodnews diff` -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "md", "html"])
def test_cli_exits_1_and_every_format_shows_the_words(tmp_path, capsys, fmt: str) -> None:
    old_html, new_html = pair_html(case("unread-byline"))
    (tmp_path / "old.html").write_text(old_html, encoding="utf-8")
    (tmp_path / "new.html").write_text(new_html, encoding="utf-8")
    code = main(["diff", str(tmp_path / "old.html"), str(tmp_path / "new.html"), "--format", fmt])
    out = capsys.readouterr().out
    assert code == 1
    assert "other_text_changed" in out
    assert "Quill," in out and "Quinn," in out
    if fmt == "json":
        data = json.loads(out)
        assert data["kinds"] == ["other_text_changed"]
    elif fmt == "html":
        assert "<del>Quill,</del>" in out and "<ins>Quinn,</ins>" in out
    elif fmt == "md":
        assert "~~Quill,~~" in out and "**Quinn,**" in out
    else:
        assert "[-Quill,-]{+Quinn,+}" in out


def test_cli_noise_pair_exits_0(tmp_path, capsys) -> None:
    old_html, new_html = pair_html(case("share-kit"))
    (tmp_path / "old.html").write_text(old_html, encoding="utf-8")
    (tmp_path / "new.html").write_text(new_html, encoding="utf-8")
    assert main(["diff", str(tmp_path / "old.html"), str(tmp_path / "new.html")]) == 0
    assert "0 changes" in capsys.readouterr().out


# --- the region itself ----------------------------------------------------------------------------


def test_fixture_pages_regions_are_pinned() -> None:
    """Every fixture page's region, as pinned in regions.json (the typed fields are pinned in
    *.expected.json); and no fixture page has region text its typed fields leave unexplained."""
    pinned = json.loads((PAGES / "regions.json").read_text(encoding="utf-8"))
    for name, expected in pinned.items():
        spec = json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))
        article = extract_article((PAGES / f"{name}.html").read_bytes(), spec["url"])
        assert article.region == expected, name
        assert Explained.of(article).rest == [], name
    assert {"news-story", "release", "transcript", "contract", "feature-story", "speech"} <= set(
        pinned
    )


def _region(html: str) -> list[str]:
    root = etree.fromstring(html, etree.HTMLParser())
    wrapper = next((d for d in root.iter("div") if "adetail" in (d.get("class") or "")), None)
    title = next(root.iter("h1"), None)
    body = next((d for d in root.iter("div") if d.get("class") == "body"), None)
    return region_text(root, wrapper, title, body)


def test_region_drops_what_a_reader_does_not_see() -> None:
    html = """<html><body><div class="adetail"><h1>Title</h1>
    <script>var shown = "no";</script><style>p { color: red }</style>
    <template><p>template text</p></template><noscript>enable scripts</noscript>
    <div style="display: none">hidden by style</div><p hidden>hidden by attribute</p>
    <span class="sr-only">screen reader only</span>
    <div class="social-share"><a>Share</a> <a>Tweet this</a></div>
    <div class="a2a_kit">Send to a friend</div>
    <div>Email | Facebook | X | LinkedIn | Copy Link</div>
    <div class="slides">{{slideNumber}}/{{numSlides}} - {{slideCaption}}</div>
    <input type="hidden" value="viewstate"><button>Subscribe</button>
    <div class="body"><p>One <b>bold</b> word<br>and a line.</p><p>&nbsp;</p></div>
    <p>Zero\u200dwidth joiner kept</p></div></body></html>"""
    assert _region(html) == ["Title", "One bold word and a line.", "Zero\u200dwidth joiner kept"]
    # Only the comparison form folds format characters.
    assert region_form("Zero\u200dwidth") == "Zerowidth"


def test_region_without_a_wrapper_is_the_title_and_body_scope_without_chrome() -> None:
    html = """<html><body><header class="site">Site header</header><nav>Menu</nav>
    <main><header><h1>A Title</h1></header><aside>Sidebar promo</aside>
    <div class="body"><p>Body text.</p></div><footer>Page footer</footer></main>
    <footer>Site footer</footer></body></html>"""
    assert _region(html) == ["A Title", "Body text."]


def test_region_survives_nesting_deeper_than_the_recursion_limit() -> None:
    """Editor junk (thousands of unclosed spans) must not crash the walk (no recursion)."""
    wrapper = etree.Element("div", {"class": "adetail"})
    etree.SubElement(wrapper, "h1").text = "Title"
    body = etree.SubElement(wrapper, "div", {"class": "body"})
    inner = etree.SubElement(body, "p")
    inner.text = "Start"
    for _ in range(3000):
        inner = etree.SubElement(inner, "span")
    inner.text = " deep"
    inner.tail = " end"
    assert region_text(wrapper, wrapper) == ["Title", "Start deep end"]


def test_old_json_without_region_loads() -> None:
    spec = json.loads((PAGES / "news-story.expected.json").read_text(encoding="utf-8"))
    data = dict(spec["expected"])
    data.pop("region", None)
    article = Article.from_dict(data)
    assert article.region == []
    assert article.to_dict()["region"] == []


# --- the content hash and old versions ------------------------------------------------------------


def legacy_article() -> Article:
    """An article as versions archived before the region was kept hold it."""
    return Article(
        article_id=4310777,
        url="https://www.war.gov/News/News-Stories/Article/Article/4310777/lock-reopens/",
        section="news-stories",
        title="Corps of Engineers Reopens Upper Mississippi Lock After Ice Damage",
        content_type="News",
        published="2026-02-17T11:20:00-05:00",
        byline="By Harriet Quill, DOD News",
        summary="Barge traffic resumed through Lock 14.",
        paragraphs=["River traffic moved through Lock 14 again.", "The repair cost $2.6 million."],
        images=[Image(src="https://media.defense.gov/a.JPG", virin="260214-A-LQ301-0042")],
        related=[RelatedLink(4309001, "Dredging Season Opens Early", "https://www.war.gov/r/")],
        tags=["Army"],
        extractor_version="1",
    )


# content_hash(legacy_article()) before the region existed (computed with the code on main).
LEGACY_HASH = "87bc19308367dc9742f27694918bdebcbe4de76c4a3466ed2c97a603e02613cb"


def test_region_less_articles_hash_exactly_as_before() -> None:
    """Stored hashes of old versions stay valid (`dodnews archive verify` re-hashes them)."""
    article = legacy_article()
    assert hash_view(article)["v"] == HASH_VERSION and "region" not in hash_view(article)
    assert content_hash(article) == LEGACY_HASH


def test_region_enters_the_hash_as_its_residue_only() -> None:
    article = legacy_article()
    with_region = replace(
        article,
        region=[article.title, "Feb. 17, 2026 | By Harriet Quill, DOD News", *article.paragraphs],
    )
    view = hash_view(with_region)
    assert view["v"] == REGION_HASH_VERSION and view["region"] == []
    unread = replace(with_region, region=[*with_region.region, "Lock status: open"])
    assert hash_view(unread)["region"] == ["Lock status: open"]
    assert content_hash(unread) != content_hash(with_region)


def _capture(article: Article, hour: int) -> Capture:
    return Capture(
        article_id=article.article_id,
        requested_url=article.url,
        fetched_at=f"2026-02-18T{hour:02d}:00:00Z",
        outcome=OUTCOME_OK,
        status=200,
        body_digest=f"sha256:{hour:064d}",
        article=article,
    )


def test_archive_old_version_without_region_then_region_captures(tmp_path) -> None:
    """The first capture with a region after an old region-less version is a new version with no
    change row; later region-only edits are changes; a repeat is no new version."""
    old, new = pair(case("unread-byline"))
    legacy = replace(old, region=[])
    with Archive.open(f"sqlite:///{tmp_path / 'a.db'}") as archive:
        first = archive.record_capture(_capture(legacy, 1))
        baseline = archive.record_capture(_capture(old, 2))
        edited = archive.record_capture(_capture(new, 3))
        again = archive.record_capture(_capture(copy.deepcopy(new), 4))
        assert first.new_version and first.change_id is None
        assert baseline.new_version and baseline.change_id is None
        assert edited.new_version and edited.change_id is not None
        assert edited.report is not None and edited.report.kinds == ["other_text_changed"]
        assert not again.new_version and again.change_id is None
        (change,) = archive.changes()
        assert change.kinds == ["other_text_changed"]
        stored = archive.get_version(old.article_id, 1)
        assert stored is not None and stored.article.region == []
        assert archive.verify() == []


# --- properties -----------------------------------------------------------------------------------

WORDS = ["lock", "river", "barge", "14", "$2.6", "million", "crew", "gate", "ice", "the", "Army"]
words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)


@st.composite
def regioned(draw) -> Article:
    paragraphs = draw(st.lists(words, max_size=5))
    article = Article(
        article_id=9,
        url="https://www.war.gov/News/News-Stories/Article/Article/9/x/",
        section="news-stories",
        title=draw(words),
        published=draw(st.sampled_from([None, "2026-02-17", "2026-02-17T11:20:00-05:00"])),
        byline=draw(st.one_of(st.none(), st.sampled_from(["By A", "By B"]))),
        paragraphs=paragraphs,
        images=draw(
            st.lists(
                st.builds(
                    Image,
                    src=st.just("https://media.defense.gov/a.JPG"),
                    virin=st.sampled_from(["260101-A-AA111-1001", "260101-A-AA111-1002"]),
                    caption=st.one_of(st.none(), words),
                    credit=st.one_of(st.none(), st.sampled_from(["Spc. A", "Sgt. B"])),
                ),
                max_size=2,
                unique_by=lambda i: i.virin,
            )
        ),
        related=draw(
            st.lists(
                st.builds(
                    RelatedLink,
                    article_id=st.integers(1, 4),
                    title=words,
                    url=st.just("https://www.war.gov/r/"),
                ),
                max_size=2,
            )
        ),
        tags=draw(st.lists(st.sampled_from(["Army", "Navy"]), max_size=2)),
    )
    typed = [article.title, article.byline or "", *paragraphs]
    typed += [i.caption or "" for i in article.images] + [r.title for r in article.related]
    unread = draw(st.lists(words, max_size=3))
    pieces = [t for t in typed if t] + unread + ["Feb. 17, 2026 |", "Tags: Army", "17 min ago"]
    article.region = draw(st.permutations(pieces))
    return article


@st.composite
def regioned_pairs(draw) -> tuple[Article, Article]:
    old = draw(regioned())
    new = copy.deepcopy(old)
    for _ in range(draw(st.integers(0, 3))):
        action = draw(st.sampled_from(["unread", "drop", "paragraph", "field"]))
        if action == "unread":
            new.region.insert(draw(st.integers(0, len(new.region))), draw(words))
        elif action == "drop" and new.region:
            new.region.pop(draw(st.integers(0, len(new.region) - 1)))
        elif action == "paragraph":
            text = draw(words)
            new.paragraphs.append(text)
            new.region.append(text)
        else:
            other = draw(regioned())
            name = draw(st.sampled_from(["title", "byline", "images", "related", "region"]))
            setattr(new, name, getattr(other, name))
    return old, new


SETTINGS = settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _canon(changes) -> list[str]:
    return sorted(json.dumps(c.__dict__, sort_keys=True) for c in changes)


@SETTINGS
@given(regioned_pairs())
def test_net_properties(pair: tuple[Article, Article]) -> None:
    old, new = pair
    assert detect_changes(old, old, old_hash="a", new_hash="b").changes == []
    forward, backward = detect_changes(old, new), detect_changes(new, old)
    assert len(nets(forward)) <= 1
    assert _canon(backward.changes) == _canon(mirror_change(c) for c in forward.changes)
    if content_hash(old) == content_hash(new):  # the fast path never hides a change
        assert detect_changes(old, new, old_hash="a", new_hash="b").changes == []
    for fmt in ("text", "json", "md", "html"):
        plain_form(forward, fmt)
