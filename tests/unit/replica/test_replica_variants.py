"""The replica's markup variants (markup.py): each shape shows the reader the right text in the
right place, the choice per article is deterministic and covers every shape, and markup shifts
redesign the site at an epoch. Pages are read with lxml only, never with dodnews' extractor."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import lxml.html
import pytest

from dodnews.replica import pages
from dodnews.replica.content import EpochState, build_timeline
from dodnews.replica.markup import (
    CONTRACT_FRAME,
    PARTS,
    SHIFT_ONLY,
    MarkupPlan,
    Shift,
    parse_shift,
)
from dodnews.replica.testing import ReplicaProcess
from dodnews.site import WAR, article_path

MAIN, OTHER, CONTRACT = 4391001, 4391002, 4391003
IMAGE = {
    "virin": "260312-N-TR418-1033",
    "asset": 2003820044,
    "date": "2026/Mar/12",
    "title": "Flight Deck Drill",
    "alt": "Sailors run a hose across a flight deck.",
    "caption": "Sailors practice fighting a fuel fire on a carrier flight deck, March 12, 2026.",
    "credit": "Navy Petty Officer 2nd Class Ada Whitlock",
    "size_kb": 1230,
}


def _article(article_id: int, section: str, title: str, published: str, **extra: Any) -> dict:
    art = {
        "id": article_id,
        "section": section,
        "title": title,
        "published": published,
        "byline": None,
        "summary": f"About {title.lower()}.",
        "og": True,
        "show_time": True,
        "banner": None,
        "body": [{"p": "Crews trained for nine days at sea."}],
        "related": [],
        "tags": [],
        "links": {"host": "war.gov", "variant": "plain"},
    }
    art.update(extra)
    return art


def _articles() -> dict[int, dict]:
    main = _article(
        MAIN,
        "releases",
        "Carrier Crews Finish Damage Control Certification",
        "2026-03-13T15:20:00",
        byline="By Jane Doe, DOD News",
        banner="historical",
        body=[
            {"p": "Crews on two carriers finished damage control certification this week."},
            {"image": IMAGE},
            {"p": "The drills cost $3.1 million, Navy officials said."},
        ],
        related=[OTHER],
    )
    other = _article(
        OTHER, "transcripts", "Navy Spokesman Briefs on Fleet Readiness", "2026-02-03T11:00:00"
    )
    contract = _article(
        CONTRACT,
        "contracts",
        "Contracts For Sept. 30, 2025",
        "2025-09-30T17:00:00",
        body=[{"heading": "NAVY"}, {"p": "Bay Marine Inc., Mobile, Alabama, gets $9,100,000."}],
    )
    return {a["id"]: a for a in (main, other, contract)}


def _state(*shifts: Shift, variants: bool = True, epoch: int = 0) -> EpochState:
    articles = _articles()
    state = EpochState(epoch, articles, dict(articles), markup=MarkupPlan(variants, shifts))
    state.finish()
    return state


def _page(state: EpochState, article_id: int) -> lxml.html.HtmlElement:
    html = pages.fill(pages.article_page(state, state.articles[article_id]).parts)
    return lxml.html.fromstring(html)


def _visible(doc: lxml.html.HtmlElement) -> str:
    """The page's text as a reader sees it: no scripts, no hidden elements, spaces collapsed."""
    hidden = "//head|//script|//style|//*[@hidden]|//*[contains(@style,'display:none')]"
    for el in doc.xpath(hidden):
        el.drop_tree()
    return " ".join(doc.text_content().split())


def _forced(part: str, shape: str, frame: str | None = None) -> EpochState:
    shifts = [Shift(part, 0, shape)]
    if frame is not None and part != "frame":
        shifts.append(Shift("frame", 0, frame))
    return _state(*shifts)


def _between(text: str, first: str, second: str) -> str:
    assert first in text and second in text
    return text[text.index(first) + len(first) : text.index(second)]


# --- bylines --------------------------------------------------------------------------------------


@pytest.mark.parametrize("frame", PARTS["frame"])
@pytest.mark.parametrize("place", PARTS["byline-place"])
@pytest.mark.parametrize("shape", PARTS["byline"])
def test_byline_shapes_show_the_by_line_near_the_date(shape: str, place: str, frame: str) -> None:
    state = _state(
        Shift("byline", 0, shape), Shift("byline-place", 0, place), Shift("frame", 0, frame)
    )
    doc = _page(state, MAIN)
    text = _visible(doc)
    header = _between(text, "Carrier Crews Finish Damage Control Certification", "Crews on two")
    assert "By Jane Doe, DOD News" in header
    date = "March 13, 2026"
    assert date in header
    before = header.index("By Jane Doe") < header.index(date)
    assert before == (place == "before")
    element = {
        "span": "//span[@class='byline']",
        "p-author": "//p[@class='author']",
        "div": "//div[not(@class)][starts-with(normalize-space(), 'By Jane Doe')]",
        "date-span": "//*[contains(@class,'ainfo') or contains(@class,'date-line')]"
        "/span[not(@class)]",
        "byline-wrap": "//div[@class='byline-wrap'][strong='By'][a='Jane Doe']",
    }[shape]
    (found,) = doc.xpath(element)
    assert " ".join(found.text_content().split()) == "By Jane Doe, DOD News"
    if shape != "span":
        assert not doc.xpath("//*[contains(@class,'byline') and not(@class='byline-wrap')]")


def test_shift_only_byline_card_loses_the_by_label_and_leaves_the_date() -> None:
    text = _visible(_page(_forced("byline", "card"), MAIN))
    assert "By Jane Doe" not in text
    assert "Jane Doe DOD News" in _between(text, "Navy officials said.", "Related Stories")


def test_releases_in_the_2025_frame_carry_the_immediate_release_flag() -> None:
    doc = _page(_forced("frame", "wrap2025"), MAIN)
    (flag,) = doc.xpath("//header//div[contains(@class,'immediate-flag')]")
    assert flag.text_content() == "Immediate Release"
    assert "presenterinfoType" in flag.get("class")
    other = _page(_forced("frame", "wrap2025"), OTHER)
    assert not other.xpath("//*[contains(@class,'immediate-flag')]")


# --- page frames ---------------------------------------------------------------------------------


def test_frame_shapes() -> None:
    classic = _page(_forced("frame", "classic"), MAIN)
    assert classic.xpath("//div[contains(@class,'adetail')]/div[@class='adetail-header']/h1")
    assert classic.xpath("//div[@class='ainfo']/span[@class='date']")
    assert classic.xpath("//span[@class='time']/@data-time") == ["15:20"]
    wrap = _page(_forced("frame", "wrap2025"), MAIN)
    (adetail,) = wrap.xpath("//div[contains(@class,'adetail')]")
    assert adetail.get("itemtype") == "http://schema.org/NewsArticle"
    assert "content-type-9" in adetail.get("class")
    assert wrap.xpath("//header[@class='content-wrap']/h1[@class='maintitle']")
    (date_line,) = wrap.xpath("//header/div[@class='date-line']")
    assert date_line.xpath("span[@class='date']/text()") == ["March 13, 2026"]
    assert date_line.xpath("span[@class='social-block']/script")
    assert "Copy Link" in date_line.text_content()
    assert not wrap.xpath("//span[@class='time']")
    label = wrap.xpath("//div[@class='cont-type']/a[@class='content-type-text']/span/text()")
    assert label == ["Release"]
    assert wrap.xpath(
        "//div[@class='content content-wrap']/div[@class='inside ntext']/div[@class='body']"
    )


def test_contracts_use_the_real_confirmed_frame() -> None:
    state = _state()
    html = pages.fill(pages.article_page(state, state.articles[CONTRACT]).parts)
    doc = lxml.html.fromstring(html)
    assert pages.shapes_of(state, state.articles[CONTRACT])["frame"] == CONTRACT_FRAME
    (title,) = doc.xpath("//h1[@class='maintitle']")
    assert " ".join(title.text_content().split()) == "Contracts For Sept. 30, 2025"
    assert doc.xpath("//meta[@property='og:title']/@content") == [
        "Contracts for September 30, 2025"
    ]
    (og_url,) = doc.xpath("//meta[@property='og:url']/@content")
    assert og_url.endswith(f"/Contract/Article/{CONTRACT}//")
    page_title = doc.xpath("//title")[0].text_content().strip()
    assert page_title == "> U.S. Department of War > Contract | U.S. Department of War"
    assert not doc.xpath("//*[contains(@class,'date')][not(contains(@class,'date-line'))]")
    (date_line,) = doc.xpath("//div[@class='date-line']")
    assert [c.get("class") for c in date_line] == ["social-block"]
    assert "Sept. 30, 2025" not in _between(_visible(doc), "Contracts For Sept. 30, 2025", "NAVY")
    assert doc.xpath("//div[@class='cont-type']/a/span/text()") == ["Contracts"]
    assert doc.xpath("//div[@class='inside ntext']/div[@class='body']/p[1]/strong/text()") == [
        "NAVY"
    ]
    truth = pages.ground_truth(state, state.articles[CONTRACT])
    assert truth["published"] == "2025-09-30" and truth["url"] == og_url


# --- photos --------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", PARTS["photo"])
def test_photo_shapes_show_title_caption_credit_virin_and_download(shape: str) -> None:
    doc = _page(_forced("photo", shape), MAIN)
    text = _visible(doc)
    furniture = _between(text, "this week.", "The drills cost")
    expected = [
        IMAGE["title"],
        IMAGE["caption"],
        f"Photo By: {IMAGE['credit']}",
        f"VIRIN: {IMAGE['virin']}",
        "Download: Full Size (",
    ]
    positions = [furniture.index(e) for e in expected]
    assert positions == sorted(positions)  # in the order a reader meets them
    holder = {
        "inline": "//div[@class='media-inline-image']",
        "figure": "//figure/figcaption",
        "spans": "//div[@class='photo-details']",
        "strong": "//div[@class='image-text']",
    }[shape]
    (block,) = doc.xpath(holder)
    assert IMAGE["caption"] in block.text_content()
    if shape == "figure":
        assert all(p.get("class") is None for p in block.xpath("p"))
        assert len(block.xpath("p")) == 5
    if shape == "spans":
        assert block.xpath("span[@class='photo-title']/text()") == [IMAGE["title"]]
        assert block.xpath("span[@class='credit']/text()") == [f"Photo By: {IMAGE['credit']}"]
    if shape == "strong":
        assert block.xpath("p/strong/text()") == ["Photo By:", "VIRIN:", "Download:"]
    (img,) = doc.xpath("//img")
    assert img.get("alt") == IMAGE["alt"]


@pytest.mark.parametrize("shape", PARTS["download"])
def test_download_line_as_link_or_text_in_kb_or_mb(shape: str) -> None:
    for photo in PARTS["photo"]:
        state = _state(Shift("download", 0, shape), Shift("photo", 0, photo))
        doc = _page(state, MAIN)
        weight = "1.2 MB" if shape.endswith("-mb") else "1230 KB"
        assert f"Download: Full Size ({weight})" in _visible(doc)
        links = doc.xpath("//a[contains(., 'Full Size')]/@href")
        full = pages.image_url(IMAGE, (-1, -1), WAR)
        assert links == ([full] if shape.startswith("link") else [])


def test_download_in_mb_only_from_one_megabyte() -> None:
    state = _state(Shift("download", 0, "text-mb"))
    small = dict(IMAGE, size_kb=880)
    state.articles[MAIN]["body"][1] = {"image": small}
    assert "Download: Full Size (880 KB)" in _visible(_page(state, MAIN))


@pytest.mark.parametrize("shape", PARTS["photo-src"])
def test_lazy_photos_keep_the_real_address_in_the_shape_attribute(shape: str) -> None:
    doc = _page(_forced("photo-src", shape), MAIN)
    (img,) = doc.xpath("//img")
    real = f"/{IMAGE['asset']}/"
    if shape == "src":
        assert real in img.get("src")
        return
    assert img.get("src").startswith("data:image/gif;base64,")
    holder = img.get(shape)
    assert real in holder and holder.split("?")[0].endswith(f"/0/{IMAGE['virin']}.JPG")
    others = {"data-src", "data-lazy-src", "srcset"} - {shape}
    assert all(img.get(o) is None for o in others)


# --- related stories -----------------------------------------------------------------------------


@pytest.mark.parametrize("frame", PARTS["frame"])
@pytest.mark.parametrize("shape", PARTS["related"])
def test_related_shapes_show_heading_and_entries(shape: str, frame: str) -> None:
    state = _forced("related", shape, frame)
    doc = _page(state, MAIN)
    text = _visible(doc)
    other = state.articles[OTHER]
    (heading,) = doc.xpath("//*[normalize-space(text())='Related Stories']")
    block = heading.getparent()
    assert heading.tag in PARTS["related-heading"]
    entries = block.xpath(".//listing-with-preview")
    links = block.xpath(".//li/a/@href")
    if shape in ("aside-after", "list"):
        assert not entries and len(links) == 1 and f"/Article/{OTHER}/" in links[0]
        item = " ".join(block.xpath(".//li")[0].text_content().split())
        assert item == f"Transcript {other['title']} {pages.ap_date(other)}"
        assert not block.xpath(".//*[@article-id]")
    else:
        assert [e.get("article-id") for e in entries] == [str(OTHER)]
        assert not links
    # where a reader finds it: beside the body, or after the whole article
    where = {
        "aside-before": ("Related Stories", "Crews on two carriers"),
        "aside-after": ("Navy officials said.", "Related Stories"),
    }.get(shape, ("Navy officials said.", "Related Stories"))
    assert text.index(where[0]) < text.index(where[1])
    wrapper = doc.xpath("//div[contains(@class,'adetail')]")[0]
    inside = wrapper in list(block.iterancestors())
    assert inside == shape.startswith("aside")
    if shape.startswith("aside"):
        assert block.tag == "aside"
    if shape == "block":
        assert block.get("class") == "related-stories"
    else:
        assert "related-stories" not in (block.get("class") or "")


@pytest.mark.parametrize("tag", PARTS["related-heading"])
def test_related_heading_element(tag: str) -> None:
    doc = _page(_state(Shift("related-heading", 0, tag)), MAIN)
    assert [e.tag for e in doc.xpath("//*[normalize-space(text())='Related Stories']")] == [tag]


def test_transcripts_and_speeches_carry_related_blocks() -> None:
    timeline = build_timeline(None)
    state = timeline.state(0)
    shown = [
        pages.shapes_of(state, a).get("related")
        for a in state.articles.values()
        if a["section"] in ("transcripts", "speeches") and a.get("related")
    ]
    assert len(shown) >= 4 and all(shown)
    for article in state.articles.values():
        if article["section"] in ("transcripts", "speeches") and article.get("related"):
            text = _visible(_page(state, article["id"]))
            assert "Related Stories" in text


# --- banner --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["historical", "archive"])
@pytest.mark.parametrize("shape", PARTS["banner"])
def test_banner_shapes_show_the_notice_above_the_title(shape: str, kind: str) -> None:
    state = _forced("banner", shape)
    state.articles[MAIN]["banner"] = kind
    doc = _page(state, MAIN)
    text = _visible(doc)
    notice = pages.ground_truth(state, state.articles[MAIN])["banner"]
    if kind == "historical":
        assert notice.startswith(
            "You have accessed part of a historical collection on defense.gov."
        )
        assert notice.endswith("Please contact the DOD Webmaster with any questions.")
    else:
        assert notice.startswith("You have reached a collection of archived material.")
    assert notice in text
    assert text.index(notice) < text.index("Carrier Crews Finish Damage Control Certification")
    holder = {
        "class": "//div[contains(@class,'historical-notice')]",
        "alert": "//div[@class='alert']",
        "section": "//section[@class='notice']",
        "strong": "//div[not(@class)][strong]",
    }[shape]
    (block,) = doc.xpath(holder)
    assert " ".join(block.text_content().split()) == notice


# --- the choice: deterministic, complete, switchable ---------------------------------------------


_SHAPES_SCRIPT = (
    "import json;from dodnews.replica.content import build_timeline;"
    "from dodnews.replica import pages;s=build_timeline(None,articles=120,seed=3).state(0);"
    "print(json.dumps({i:pages.shapes_of(s,a) for i,a in s.articles.items()}))"
)


def test_variant_choice_is_deterministic_across_processes() -> None:
    state = build_timeline(None, articles=120, seed=3).state(0)
    mine = {str(i): pages.shapes_of(state, a) for i, a in state.articles.items()}
    again = build_timeline(None, articles=120, seed=3).state(0)
    assert mine == {str(i): pages.shapes_of(again, a) for i, a in again.articles.items()}
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, DODNEWS_REPLICA_VARIANTS="1")
        out = subprocess.run(
            [sys.executable, "-c", _SHAPES_SCRIPT],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        ).stdout
        assert json.loads(out) == mine


def test_every_variant_occurs_in_a_few_hundred_articles() -> None:
    state = build_timeline(None, articles=300, seed=3, markup=MarkupPlan(variants=True)).state(0)
    seen: dict[str, set[str]] = {part: set() for part in PARTS}
    for article in state.articles.values():
        for part, shape in pages.shapes_of(state, article).items():
            seen[part].add(shape)
    expected = {part: set(shapes) for part, shapes in PARTS.items()}
    expected["frame"].add(CONTRACT_FRAME)
    assert seen == expected
    frames = [pages.shapes_of(state, a)["frame"] for a in state.articles.values()]
    contracts = [a["section"] == "contracts" for a in state.articles.values()]
    assert all((f == CONTRACT_FRAME) == c for f, c in zip(frames, contracts, strict=True))


def test_variants_off_is_the_single_first_shape() -> None:
    state = build_timeline(None, articles=100, seed=3, markup=MarkupPlan(variants=False)).state(0)
    for article in state.articles.values():
        for part, shape in pages.shapes_of(state, article).items():
            if part == "related":
                assert shape == ("heading" if article["id"] % 5 == 3 else "block")
            elif part == "banner":
                assert shape == ("alert" if article["id"] % 4 == 1 else "class")
            else:
                assert shape == PARTS[part][0], (part, article["id"])


def test_variants_follow_the_environment_when_not_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DODNEWS_REPLICA_VARIANTS", "0")
    assert build_timeline(None).state(0).markup.variants is False
    monkeypatch.setenv("DODNEWS_REPLICA_VARIANTS", "1")
    assert build_timeline(None).state(0).markup.variants is True
    assert build_timeline(None, markup=MarkupPlan(variants=False)).state(2).markup.variants is False


# --- markup shifts (the site changes its markup mid-life) ----------------------------------------


def _bylined(state: EpochState) -> list[dict]:
    return [a for a in state.articles.values() if a.get("byline")]


def test_shift_moves_every_byline_to_another_shape_from_its_epoch() -> None:
    plain = build_timeline(None, articles=200, seed=2, markup=MarkupPlan())
    shifted = build_timeline(
        None, articles=200, seed=2, markup=MarkupPlan(shifts=(parse_shift("byline@1"),))
    )
    for epoch in range(3):
        before, after = plain.state(epoch), shifted.state(epoch)
        for article in _bylined(after):
            own = pages.shapes_of(before, before.articles[article["id"]])["byline"]
            now = pages.shapes_of(after, article)["byline"]
            assert (now != own) == (epoch >= 1), (epoch, article["id"])
            # the article itself did not change: a reader sees the same byline
            assert pages.ground_truth(after, article) == pages.ground_truth(
                before, before.articles[article["id"]]
            )
    epoch1, old1 = shifted.state(1), plain.state(1)
    some = _bylined(epoch1)[0]
    new_page = pages.article_page(epoch1, some)
    old_page = pages.article_page(old1, old1.articles[some["id"]])
    assert new_page.etag != old_page.etag
    assert new_page.last_modified >= old_page.last_modified
    unbylined = next(a for a in epoch1.articles.values() if not a.get("byline"))
    assert (
        pages.article_page(epoch1, unbylined).etag
        == pages.article_page(old1, old1.articles[unbylined["id"]]).etag
    )


def test_named_shifts_chain_and_the_contracts_frame_stays() -> None:
    plan = MarkupPlan(shifts=(parse_shift("byline@1=p-author"), parse_shift("byline@2=card")))
    state = _state()
    article = state.articles[MAIN]
    assert [plan.shape("byline", article, e) for e in (0, 1, 2)] == [
        MarkupPlan().shape("byline", article, 0),
        "p-author",
        "card",
    ]
    frame = MarkupPlan(shifts=(parse_shift("frame@1"),))
    assert frame.shape("frame", state.articles[CONTRACT], 1) == CONTRACT_FRAME
    own = frame.shape("frame", article, 0)
    assert frame.shape("frame", article, 1) == next(f for f in PARTS["frame"] if f != own)


def test_shift_appears_in_the_manifest_and_bad_shifts_are_refused() -> None:
    timeline = build_timeline(None, markup=MarkupPlan(shifts=(parse_shift("related@2=list"),)))
    assert timeline.manifest(2)["markup_shifts"] == ["related@2=list"]
    assert "markup_shifts" not in timeline.manifest(1)
    for bad in (
        "byline",
        "nose@1",
        "byline@x",
        "byline@-1",
        "byline@1=bold",
        "frame@1=contract2025",
    ):
        with pytest.raises(ValueError, match=r"byline|nose|frame"):
            parse_shift(bad)
    assert parse_shift("byline@2=card").shape in SHIFT_ONLY["byline"]


def test_cli_refuses_a_bad_shift_in_one_line() -> None:
    for args in (["--markup-shift", "byline@one"], ["--markup-shift", "byline@7"]):
        done = subprocess.run(
            [sys.executable, "-m", "dodnews", "replica", "manifest", "--epoch", "1", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
        assert "byline@" in done.stderr


def test_served_replica_shifts_markup_at_the_epoch() -> None:
    local = build_timeline(None, markup=MarkupPlan(variants=True)).state(0)
    article = next(
        a
        for a in local.articles.values()
        if a.get("byline") and pages.shapes_of(local, a)["byline"] != "p-author"
    )
    path = article_path(article["id"], article["section"], "x", WAR)
    with ReplicaProcess(markup_shifts=["byline@1=p-author"], variants=True) as replica:
        state = replica.state()
        assert state["markup"] == {"variants": True, "shifts": ["byline@1=p-author"]}
        status, _, body = replica.get(path)
        assert status == 200 and b'<p class="author">' not in body
        replica.set_epoch(1)
        status, _, body = replica.get(path)
        doc = lxml.html.fromstring(body)
        (author,) = doc.xpath("//p[@class='author']")
        assert author.text_content().startswith("By ")
    with ReplicaProcess(variants=False) as single:
        assert single.state()["markup"]["variants"] is False
