"""The replica's hand-written data (articles.json, epochs.json) obeys docs/replica-data.md.

The edits are applied here by a small helper of this file's own, so a wrong index, an `old` string
that is missing or ambiguous, or an `expect` list that does not follow from the edit fails here,
before the replica or the detector is ever involved.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

import dodnews
from dodnews.diffing.model import KINDS
from dodnews.site import SECTION_KEYS, slugify

DATA = Path(dodnews.__file__).parent / "replica" / "data"
ARTICLES: list[dict[str, Any]] = json.loads((DATA / "articles.json").read_text("utf-8"))
EPOCHS: list[dict[str, Any]] = json.loads((DATA / "epochs.json").read_text("utf-8"))

ARTICLE_KEYS = {
    "id",
    "section",
    "title",
    "published",
    "byline",
    "summary",
    "og",
    "show_time",
    "banner",
    "body",
    "related",
    "tags",
    "links",
}
IMAGE_KEYS = {"virin", "asset", "date", "title", "alt", "caption", "credit", "size_kb"}
HOSTS = {"defense.gov", "war.gov"}
VARIANTS = {"plain", "govdelivery", "ref", "noslash", "case", "oldpath", "oldslug"}
# Variants whose link URL carries no usable current slug: a page without og:url must not get them,
# or the canonical URL taken from the page URL would differ from capture to capture.
SLUG_FREE_VARIANTS = {"plain", "ref", "noslash"}
BANNERS = {None, "historical", "archive"}
OPS = {
    "replace_text",
    "set_field",
    "insert_paragraph",
    "delete_paragraph",
    "rewrite_paragraph",
    "move_paragraph",
    "set_banner",
    "add_note",
    "add_image",
    "remove_image",
    "set_related",
    "set_tags",
    "new_article",
    "remove_article",
    "move_article",
    "noise",
}
NOISE = {"chrome", "image_size", "cache_bust", "viewstate"}
VIRIN_RE = re.compile(r"^(\d{6})-[DAFNMZ]-[A-Z]{2}\d{3}-\d{4}$")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
CREDIT_RE = re.compile(
    r"^(Army|Navy|Air Force|Marine Corps|Space Force|Coast Guard|Air National Guard"
    r"|Army National Guard|DOD|Staff) "
)
CORRECTION_RE = re.compile(r"^(editor[’']s note|correction|update|clarification)", re.IGNORECASE)
# The figures the detector is meant to see: dates, money, numbers, percentages, fraction words.
FIGURE_RE = re.compile(
    r"(?:Jan\.|Feb\.|March|April|May|June|July|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.) \d{1,2}\b"
    r"|\$\d[\d,]*(?:\.\d+)?(?: (?:million|billion))?"
    r"|\b\d[\d,]*(?:\.\d+)?%?"
    r"|\b(?:two-thirds|a third|half|dozens?)\b"
)


# --------------------------------------------------------------------------- applying edits


def counted(body: list[dict[str, Any]]) -> list[int]:
    """Body positions of the blocks that `target`/`at` indexes count: p, heading, speaker."""
    return [i for i, block in enumerate(body) if "p" in block or "heading" in block]


def block_text(block: dict[str, Any]) -> str:
    return block["p"] if "p" in block else block["heading"]


def images(article: dict[str, Any]) -> list[dict[str, Any]]:
    return [block["image"] for block in article["body"] if "image" in block]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {text!r}"
    return text.replace(old, new)


def insert_position(body: list[dict[str, Any]], at: int) -> int:
    """Where a block goes "before paragraph `at`"; at the count it follows the last paragraph."""
    slots = counted(body)
    if at < len(slots):
        return slots[at]
    return slots[-1] + 1 if slots else len(body)


def apply_edit(state: dict[int, dict[str, Any]], edit: dict[str, Any]) -> None:
    """Apply one edit to `state` (id -> article) in place, as docs/replica-data.md describes."""
    op = edit["op"]
    if op == "new_article":
        assert edit["article"]["id"] not in state
        state[edit["article"]["id"]] = copy.deepcopy(edit["article"])
        return
    article = state[edit["id"]]
    body = article["body"]
    slots = counted(body)
    if op == "replace_text":
        target = edit["target"]
        if "paragraph" in target:
            block = body[slots[target["paragraph"]]]
            key = "p" if "p" in block else "heading"
            block[key] = replace_once(block[key], edit["old"], edit["new"])
        elif target.get("title") or target.get("summary"):
            field = "title" if target.get("title") else "summary"
            article[field] = replace_once(article[field], edit["old"], edit["new"])
        else:
            field = "caption" if "caption" in target else "credit"
            image = images(article)[target[field]]
            image[field] = replace_once(image[field], edit["old"], edit["new"])
    elif op == "set_field":
        assert edit["field"] in {"title", "byline", "summary", "published"}
        article[edit["field"]] = edit["value"]
    elif op in {"insert_paragraph", "add_image"}:
        assert 0 <= edit["at"] <= len(slots)
        pos = insert_position(body, edit["at"])
        block = {"p": edit["text"]} if op == "insert_paragraph" else {"image": edit["image"]}
        body.insert(pos, block)
    elif op == "delete_paragraph":
        del body[slots[edit["at"]]]
    elif op == "rewrite_paragraph":
        body[slots[edit["at"]]]["p"] = edit["text"]
    elif op == "move_paragraph":
        block = body.pop(slots[edit["from"]])
        assert 0 <= edit["to"] <= len(counted(body))
        body.insert(insert_position(body, edit["to"]), block)
    elif op == "set_banner":
        article["banner"] = edit["value"]
    elif op == "add_note":
        body.append({"note": edit["text"]})
    elif op == "remove_image":
        positions = [i for i, block in enumerate(body) if "image" in block]
        del body[positions[edit["index"]]]
    elif op == "set_related":
        article["related"] = list(edit["value"])
    elif op == "set_tags":
        article["tags"] = list(edit["value"])
    elif op == "remove_article":
        del state[edit["id"]]
    elif op == "move_article":
        assert edit["section"] in SECTION_KEYS and edit["section"] != article["section"]
        article["section"] = edit["section"]
    else:
        assert op == "noise" and edit["what"] in NOISE


def walk() -> Iterator[tuple[int, dict[str, Any], dict[int, Any], dict[int, Any]]]:
    """Every edit in order, with the whole site just before and just after it."""
    state = {a["id"]: copy.deepcopy(a) for a in ARTICLES}
    for epoch in EPOCHS:
        for edit in epoch["edits"]:
            before = copy.deepcopy(state)
            apply_edit(state, edit)
            yield epoch["epoch"], edit, before, copy.deepcopy(state)


def states_after_each_epoch() -> list[dict[int, dict[str, Any]]]:
    state = {a["id"]: copy.deepcopy(a) for a in ARTICLES}
    out = [copy.deepcopy(state)]
    for epoch in EPOCHS:
        for edit in epoch["edits"]:
            apply_edit(state, edit)
        out.append(copy.deepcopy(state))
    return out


def all_articles() -> list[dict[str, Any]]:
    """Epoch-0 articles and every article an epoch publishes."""
    new = [e["article"] for ep in EPOCHS for e in ep["edits"] if e["op"] == "new_article"]
    return ARTICLES + new


# --------------------------------------------------------------------------- the oracle


def figure_pairs(old: str, new: str) -> list[tuple[str | None, str | None]]:
    """Figures that differ between two texts, aligned in order."""
    a, b = FIGURE_RE.findall(old), FIGURE_RE.findall(new)
    pairs: list[tuple[str | None, str | None]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for k in range(max(len(olds), len(news))):
            pairs.append((olds[k] if k < len(olds) else None, news[k] if k < len(news) else None))
    return pairs


def text_change(old: str, new: str, edited: str) -> set[tuple[Any, ...]]:
    kinds: set[tuple[Any, ...]] = {(edited,)}
    kinds |= {("figure_changed", b, a) for b, a in figure_pairs(old, new)}
    return kinds


def title_change(old: str, new: str) -> set[tuple[Any, ...]]:
    kinds = text_change(old, new, "title_changed")
    if slugify(old) != slugify(new):
        kinds.add(("url_changed",))
    return kinds


def derive(edit: dict[str, Any], before: dict[int, Any], after: dict[int, Any]) -> set[tuple]:
    """The change kinds an edit must cause, worked out from the article before and after it."""
    op = edit["op"]
    if op in {"new_article", "remove_article", "noise"}:
        return set()
    if op == "move_article":
        return {("url_changed",)}
    old, new = before[edit["id"]], after[edit["id"]]
    if op == "replace_text":
        target = edit["target"]
        if "paragraph" in target:
            old_text = block_text(old["body"][counted(old["body"])[target["paragraph"]]])
            new_text = block_text(new["body"][counted(new["body"])[target["paragraph"]]])
            if CORRECTION_RE.match(old_text):
                assert CORRECTION_RE.match(new_text)
                return {("correction_changed",)}
            return text_change(old_text, new_text, "paragraph_edited")
        if target.get("title"):
            return title_change(old["title"], new["title"])
        if target.get("summary"):
            return {("summary_changed",)}
        return {("caption_changed",)} if "caption" in target else {("credit_changed",)}
    if op == "set_field":
        field = edit["field"]
        if field == "title":
            return title_change(old["title"], new["title"])
        return {
            ({"byline": "byline", "summary": "summary", "published": "date"}[field] + "_changed",)
        }
    if op == "insert_paragraph":
        return (
            {("correction_added",)} if CORRECTION_RE.match(edit["text"]) else {("paragraph_added",)}
        )
    if op == "delete_paragraph":
        return {("paragraph_removed",)}
    if op == "rewrite_paragraph":
        old_text = block_text(old["body"][counted(old["body"])[edit["at"]]])
        return text_change(old_text, edit["text"], "paragraph_edited")
    if op == "move_paragraph":
        return {("paragraph_moved",)}
    if op == "set_banner":
        if old["banner"] == new["banner"]:
            return set()
        if old["banner"] is None:
            return {("banner_added",)}
        return {("banner_removed",)} if new["banner"] is None else {("banner_changed",)}
    if op == "add_note":
        return {("correction_added",)}
    if op in {"add_image", "remove_image"}:
        return {("image_added",)} if op == "add_image" else {("image_removed",)}
    if op == "set_related":
        kinds = set()
        if set(new["related"]) - set(old["related"]):
            kinds.add(("related_added",))
        if set(old["related"]) - set(new["related"]):
            kinds.add(("related_removed",))
        return kinds
    assert op == "set_tags"
    return {("tags_changed",)} if set(old["tags"]) != set(new["tags"]) else set()


def declared(edit: dict[str, Any]) -> set[tuple[Any, ...]]:
    out = set()
    for item in edit["expect"]:
        assert item["kind"] in KINDS, item
        if item["kind"] == "figure_changed":
            out.add(("figure_changed", item["before"], item["after"]))
        else:
            assert set(item) == {"kind"}, item
            out.add((item["kind"],))
    return out


# --------------------------------------------------------------------------- articles


def test_one_contract_has_an_empty_slug() -> None:
    empty = [a for a in all_articles() if a.get("slug") == ""]
    assert empty and all(a["section"] == "contracts" for a in empty)


@pytest.mark.parametrize("article", all_articles(), ids=lambda a: str(a["id"]))
def test_article_shape(article: dict[str, Any]) -> None:
    # "slug" is optional: an empty one gives the contract URL `/Article/<id>//` the real site has
    assert set(article) - {"slug"} == ARTICLE_KEYS
    assert article.get("slug") in (None, "")
    assert re.fullmatch(r"43001\d\d", str(article["id"]))
    assert article["section"] in SECTION_KEYS
    assert article["title"].strip() == article["title"] and len(article["title"]) > 10
    published = datetime.fromisoformat(article["published"])
    assert published.tzinfo is None
    assert datetime(2018, 1, 1) <= published <= datetime(2026, 11, 20, 23, 59)
    byline = article["byline"]
    assert byline is None or re.fullmatch(r"By [A-Z][\w .,'-]+, [\w ]+", byline)
    assert 20 <= len(article["summary"]) <= 300
    assert isinstance(article["og"], bool) and isinstance(article["show_time"], bool)
    assert article["banner"] in BANNERS
    assert article["links"]["host"] in HOSTS and article["links"]["variant"] in VARIANTS
    if not article["og"]:
        assert article["links"]["variant"] in SLUG_FREE_VARIANTS
    assert all(isinstance(t, str) and t for t in article["tags"])
    assert len(set(article["tags"])) == len(article["tags"])
    assert article["id"] not in article["related"]
    assert len(set(article["related"])) == len(article["related"])
    for block in article["body"]:
        shape = set(block)
        assert shape in ({"p"}, {"heading"}, {"speaker", "p"}, {"image"}, {"note"}), block
        for value in block.values():
            if isinstance(value, str):
                assert value == value.strip() and "  " not in value and "<" not in value
    paragraphs = [b for b in article["body"] if "p" in b or "heading" in b]
    upper = 20 if article["section"] == "contracts" else 12
    assert 4 <= len(paragraphs) <= upper
    assert len(images(article)) <= 3


@pytest.mark.parametrize("article", all_articles(), ids=lambda a: str(a["id"]))
def test_images_are_real_looking(article: dict[str, Any]) -> None:
    published = datetime.fromisoformat(article["published"]).date()
    for image in images(article):
        assert set(image) == IMAGE_KEYS
        match = VIRIN_RE.match(image["virin"])
        assert match, image["virin"]
        shot = datetime.strptime(match.group(1), "%y%m%d").date()
        year, month, day = image["date"].split("/")
        assert month in MONTHS
        uploaded = date(int(year), MONTHS.index(month) + 1, int(day))
        assert shot <= uploaded <= published and (uploaded - shot).days <= 3
        assert re.fullmatch(r"200[1-4]\d{6}", str(image["asset"]))
        assert CREDIT_RE.match(image["credit"]), image["credit"]
        assert image["caption"].endswith(".") and image["alt"].endswith(".")
        assert 100 <= image["size_kb"] <= 5000


def test_ids_unique_and_dated_in_order() -> None:
    ids = [a["id"] for a in all_articles()]
    assert len(ids) == len(set(ids))
    by_date = sorted(ARTICLES, key=lambda a: a["published"])
    assert [a["id"] for a in by_date] == sorted(a["id"] for a in ARTICLES)
    virins = [i["virin"] for a in all_articles() for i in images(a)]
    virins += [e["image"]["virin"] for ep in EPOCHS for e in ep["edits"] if e["op"] == "add_image"]
    assert len(virins) == len(set(virins))


def test_about_thirty_articles_and_every_section_has_four_at_every_epoch() -> None:
    assert 28 <= len(ARTICLES) <= 40
    for state in states_after_each_epoch():
        counts = Counter(a["section"] for a in state.values())
        assert set(counts) == set(SECTION_KEYS)
        assert min(counts.values()) >= 4, counts


def test_contracts_have_headings_awards_and_footnotes() -> None:
    contracts = [a for a in all_articles() if a["section"] == "contracts"]
    assert len(contracts) >= 4
    for article in contracts:
        headings = [b["heading"] for b in article["body"] if "heading" in b]
        assert headings and all(h == h.upper() for h in headings)
        texts = [b.get("p", "") for b in article["body"]]
        awards = [t for t in texts if re.search(r"\$\d{1,3},\d{3}", t)]
        assert len(awards) >= 3
        for award in awards:
            assert re.search(r"\b(?:[A-Z0-9]{6}-\d{2}-[A-Z]-[A-Z0-9]{4}|P\d{5})\b", award), award
        assert "*Small business" in texts
        assert re.fullmatch(r"Contracts For [A-Z][a-z]+\.? \d{1,2}, \d{4}", article["title"])


def test_transcripts_have_speaker_lines_and_other_sections_do_not() -> None:
    for article in all_articles():
        speakers = [b["speaker"] for b in article["body"] if "speaker" in b]
        if article["section"] == "transcripts":
            assert len(speakers) >= 4 and "Q" in speakers
            assert all(s == s.upper() for s in speakers)
        else:
            assert not speakers


def test_quirks_the_extraction_must_survive_are_present() -> None:
    arts = ARTICLES
    text = "\n".join(b.get("p", "") for a in arts for b in a["body"])
    assert any(a["byline"] is None for a in arts)
    assert any(not images(a) for a in arts)
    assert 3 <= sum(not a["og"] for a in arts) <= len(arts) // 4
    assert sum(not a["show_time"] for a in arts) >= 3
    assert sum(len(images(a)) == 2 for a in arts) >= 3
    assert "\u00a0" in text and "“" in text and "’" in text
    for figure in (
        "$1.2 billion",
        "$7,500,000",
        "125 battalion tactical groups",
        "two-thirds",
        "a third",
        "half",
        "dozens",
        "40%",
        "March 24",
    ):
        assert figure in text, figure
    assert sum(a["banner"] is not None for a in arts) >= 2
    assert {a["banner"] for a in arts} == BANNERS
    assert any(CORRECTION_RE.match(b.get("p", "")) for a in arts for b in a["body"])
    old = [a for a in arts if a["published"] < "2023"]
    assert len(old) >= 7
    assert all(a["published"] >= "2018" for a in old)


def test_link_variants_and_hosts_are_spread() -> None:
    links = [a["links"] for a in ARTICLES]
    assert {link["variant"] for link in links} == VARIANTS
    assert {link["host"] for link in links} == HOSTS
    for host in HOSTS:
        assert len({link["variant"] for link in links if link["host"] == host}) == len(VARIANTS)


def test_related_ids_exist_and_cross_sections_at_every_epoch() -> None:
    crossing = 0
    for state in states_after_each_epoch():
        for article in state.values():
            for rid in article["related"]:
                assert rid in state, (article["id"], rid)
                crossing += state[rid]["section"] != article["section"]
    assert crossing >= 10


def test_related_targets_stay_quiet() -> None:
    """No article lists one whose title, date, section or existence an edit changes.

    Such an edit would change the "Related Stories" entry on other pages too; keeping those
    pages out of it means every reported change belongs to exactly one edit.
    """
    loud = {"title", "published"}
    for _, edit, before, after in walk():
        changes_entry = (
            edit["op"] in {"remove_article", "move_article"}
            or (edit["op"] == "set_field" and edit["field"] in loud)
            or (edit["op"] == "replace_text" and edit["target"].get("title"))
        )
        if not changes_entry:
            continue
        for state in (before, after):
            for article in state.values():
                assert edit["id"] not in article["related"], (edit["name"], article["id"])


# --------------------------------------------------------------------------- epochs


def test_epochs_are_numbered_and_edits_well_formed() -> None:
    assert [e["epoch"] for e in EPOCHS] == list(range(1, len(EPOCHS) + 1))
    names = [edit["name"] for ep in EPOCHS for edit in ep["edits"]]
    assert len(names) == len(set(names))
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", n) for n in names)
    for ep in EPOCHS:
        for edit in ep["edits"]:
            assert edit["op"] in OPS, edit
            assert isinstance(edit["expect"], list)
            assert edit["id"] == edit.get("article", {}).get("id", edit["id"])


def test_every_edit_applies_cleanly() -> None:
    for _, edit, before, _ in walk():
        op = edit["op"]
        if op == "new_article":
            newest = max(a["published"] for a in before.values())
            assert edit["article"]["published"] > newest, edit["name"]
            continue
        assert edit["id"] in before, edit["name"]
        body = before[edit["id"]]["body"]
        slots = counted(body)
        if op in {"rewrite_paragraph", "delete_paragraph"}:
            assert 0 <= edit["at"] < len(slots)
        if op == "rewrite_paragraph" or (op == "replace_text" and "paragraph" in edit["target"]):
            index = edit["at"] if op == "rewrite_paragraph" else edit["target"]["paragraph"]
            assert set(body[slots[index]]) == {"p"}, f"{edit['name']} edits a non-plain block"
        if op == "remove_image":
            assert 0 <= edit["index"] < len(images(before[edit["id"]]))
        if op in {"replace_text"} and ("caption" in edit["target"] or "credit" in edit["target"]):
            index = edit["target"].get("caption", edit["target"].get("credit"))
            assert 0 <= index < len(images(before[edit["id"]]))
        if op == "set_field" and edit["field"] == "published":
            old = datetime.fromisoformat(before[edit["id"]]["published"])
            assert datetime.fromisoformat(edit["value"]).date() != old.date()
        if (op == "set_field" and edit["field"] == "summary") or (
            op == "replace_text" and edit["target"].get("summary")
        ):
            assert before[edit["id"]]["og"], "the summary is only on the page through og tags"
        if op == "set_tags":
            assert before[edit["id"]]["tags"] and edit["value"]
        if op == "noise" and edit["what"] in {"image_size", "cache_bust"}:
            assert images(before[edit["id"]])


def test_expect_follows_from_each_edit() -> None:
    derived: dict[tuple[int, int], set[tuple]] = defaultdict(set)
    edits_of: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for epoch, edit, before, after in walk():
        derived[(epoch, edit["id"])] |= derive(edit, before, after)
        edits_of[(epoch, edit["id"])].append(edit)
    for key, edits in edits_of.items():
        for edit in edits:
            assert declared(edit) == derived[key], (edit["name"], derived[key])
            for item in edit["expect"]:
                if item["kind"] == "figure_changed":
                    assert item["before"] and item["after"] and item["before"] != item["after"]


def test_at_most_one_article_gets_two_edits_in_one_epoch() -> None:
    counts = Counter((ep["epoch"], e["id"]) for ep in EPOCHS for e in ep["edits"])
    doubles = [key for key, n in counts.items() if n > 1]
    assert len(doubles) == 1 and counts[doubles[0]] == 2


def test_epoch1_has_every_kind_and_every_article_operation() -> None:
    edits = EPOCHS[0]["edits"]
    kinds = {item["kind"] for e in edits for item in e["expect"]}
    # other_text_changed is the safety net: every replica edit is one a typed kind explains.
    assert kinds == set(KINDS) - {"other_text_changed"}
    ops = Counter(e["op"] for e in edits)
    assert ops["new_article"] == 2 and ops["remove_article"] == 1 and ops["move_article"] == 1
    assert 3 <= ops["noise"] <= 4 and all(e["expect"] == [] for e in edits if e["op"] == "noise")
    sections = {a["id"]: a["section"] for a in ARTICLES}
    figure_edits = [e for e in edits if any(i["kind"] == "figure_changed" for i in e["expect"])]
    where = {
        "title" if e["op"] == "replace_text" and e["target"].get("title") else sections[e["id"]]
        for e in figure_edits
    }
    assert {"title", "contracts", "news-stories"} <= where
    url_ops = {e["op"] for e in edits if {"kind": "url_changed"} in e["expect"]}
    assert {"move_article", "replace_text", "set_field"} <= url_ops


def test_epoch2_mix() -> None:
    e1, e2 = EPOCHS[0]["edits"], EPOCHS[1]["edits"]
    # A flip back: the exact reverse of an epoch-1 figure edit.
    reverts = [
        (a, b)
        for a in e1
        for b in e2
        if a["op"] == b["op"] == "replace_text"
        and a["id"] == b["id"]
        and a["target"] == b["target"]
        and (a["old"], a["new"]) == (b["new"], b["old"])
    ]
    assert len(reverts) == 1
    first, back = reverts[0]
    assert [i for i in back["expect"] if i["kind"] == "figure_changed"] == [
        {"kind": "figure_changed", "before": i["after"], "after": i["before"]}
        for i in first["expect"]
        if i["kind"] == "figure_changed"
    ]
    # The historical banner rolled out to several old articles at once.
    published = {a["id"]: a["published"] for a in ARTICLES}
    rollout = [e for e in e2 if e["op"] == "set_banner" and e["value"] == "historical"]
    assert len(rollout) >= 4
    assert all("2018" <= published[e["id"]] < "2023" for e in rollout)
    # One paragraph inserted at the top of a long article.
    state = states_after_each_epoch()[1]
    tops = [e for e in e2 if e["op"] == "insert_paragraph" and e["at"] == 0]
    assert tops and len(counted(state[tops[0]["id"]]["body"])) >= 10
    assert tops[0]["expect"] == [{"kind": "paragraph_added"}]
    ops = Counter(e["op"] for e in e2)
    assert ops["delete_paragraph"] >= 1 and ops["new_article"] == 1 and ops["noise"] >= 2
    # A reworded paragraph whose date moved.
    rewrites = [e for e in e2 if e["op"] == "rewrite_paragraph" and "March 26" in e["text"]]
    assert rewrites
    old_text = block_text(
        state[rewrites[0]["id"]]["body"][
            counted(state[rewrites[0]["id"]]["body"])[rewrites[0]["at"]]
        ]
    )
    assert "March 24" in old_text and old_text != rewrites[0]["text"].replace("26", "24")
    rotation = [e for e in e2 if e["op"] == "set_related"]
    assert any(
        {i["kind"] for i in e["expect"]} == {"related_added", "related_removed"} for e in rotation
    )
    assert {e["op"] for e in e2} != {e["op"] for e in e1}


def test_banner_and_correction_edits_have_something_to_change() -> None:
    with_banner = {a["id"] for a in ARTICLES if a["banner"]}
    changed = [e for e in EPOCHS[0]["edits"] if e["op"] == "set_banner" and e["id"] in with_banner]
    assert {e["value"] for e in changed} >= {None}
    assert any(e["value"] is not None for e in changed)
    corrections = [e for e in EPOCHS[0]["edits"] if {"kind": "correction_changed"} in e["expect"]]
    assert corrections
    for edit in corrections:
        article = next(a for a in ARTICLES if a["id"] == edit["id"])
        text = block_text(article["body"][counted(article["body"])[edit["target"]["paragraph"]]])
        assert CORRECTION_RE.match(text)


def test_oracle_catches_a_bad_expect() -> None:
    """The consistency check is not vacuous: a wrong figure in an expect is noticed."""
    edit = next(e for e in EPOCHS[0]["edits"] if e["name"] == "raise-ukraine-package")
    state = {a["id"]: copy.deepcopy(a) for a in ARTICLES}
    before = copy.deepcopy(state)
    apply_edit(state, edit)
    broken = copy.deepcopy(edit)
    broken["expect"][1]["after"] = "$360 million"
    assert declared(broken) != derive(edit, before, state)
    assert declared(edit) == derive(edit, before, state)
    with pytest.raises(AssertionError):
        apply_edit(copy.deepcopy(before), {**edit, "old": "$999 million"})
