"""The replica's content over time: hand-written data, generated articles, epoch edits.

Epoch 0 is `data/articles.json` plus the generated articles; epoch N applies the edits of
`data/epochs.json` (docs/replica-data.md) and the generated edits for N on top of epoch N-1.
Articles are plain dicts, copied only when an edit touches them, so 50,000 articles stay cheap.
A timeline serves its content as one site (a `dodnews.site.Site`: war.gov unless told otherwise).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dodnews.errors import UserError
from dodnews.replica import generator
from dodnews.replica.markup import MarkupPlan
from dodnews.site import SECTION_KEYS, WAR, Site, canonical_url, slugify

DATA_DIR = Path(__file__).parent / "data"
# Epochs served even without epochs.json, so generated edits have somewhere to go (the last is
# the rollout epoch, generator.ROLLOUT_EPOCH).
MIN_EPOCHS = 3


def load_data(data_dir: Path | str | None = None) -> tuple[list[dict], list[dict]]:
    """The hand-written articles and epochs from `data_dir` (default: the packaged data)."""
    base = Path(data_dir) if data_dir is not None else DATA_DIR
    return _read_list(base / "articles.json"), _read_list(base / "epochs.json")


def _read_list(path: Path) -> list[dict]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read replica data {path}: {exc}") from exc
    if not isinstance(data, list):
        raise UserError(f"replica data {path} is not a JSON list")
    return data


def slug_of(article: dict[str, Any]) -> str:
    """The article's current slug: an explicit `slug` key wins (contracts may have "")."""
    slug = article.get("slug")
    return slugify(article["title"]) if slug is None else slug


def canonical_of(article: dict[str, Any], site: Site) -> str:
    """The canonical URL on `site`'s current real host."""
    return canonical_url(article["id"], article["section"], slug_of(article), site)


def paragraph_positions(body: list[dict[str, Any]]) -> list[int]:
    """Indexes into `body` of the blocks that count as paragraphs for edit targets."""
    return [i for i, b in enumerate(body) if "image" not in b and "note" not in b]


def image_positions(body: list[dict[str, Any]]) -> list[int]:
    return [i for i, b in enumerate(body) if "image" in b]


class EditError(ValueError):
    """An epoch edit that does not fit the article it targets."""


def apply_edit(article: dict[str, Any], edit: dict[str, Any], epoch: int) -> dict[str, Any]:
    """A new article dict with one edit applied (the input is left untouched)."""
    art = copy.deepcopy(article)
    art["_rev"] = epoch
    op = edit["op"]
    body = art.setdefault("body", [])
    paras = paragraph_positions(body)
    if op == "replace_text":
        target = edit["target"]
        holder, key = _text_holder(art, target)
        text = holder.get(key) or ""
        if text.count(edit["old"]) != 1:
            raise EditError(f"'{edit['old']}' occurs {text.count(edit['old'])} times, not once")
        holder[key] = text.replace(edit["old"], edit["new"])
        if target.get("title") and art.get("slug"):
            del art["slug"]  # a retitled article gets a new slug (an empty one stays empty)
    elif op == "set_field":
        name = edit["field"]
        art[name] = edit["value"]
        if name == "title" and art.get("slug"):
            del art["slug"]  # a retitled article gets a new slug (an empty one stays empty)
    elif op == "insert_paragraph":
        at = edit["at"]
        pos = _insert_position(body, paras, at)
        body.insert(pos, {"p": edit["text"]})
    elif op == "delete_paragraph":
        del body[_para(paras, edit["at"])]
    elif op == "rewrite_paragraph":
        block = body[_para(paras, edit["at"])]
        key = "heading" if "heading" in block else "p"
        block[key] = edit["text"]
    elif op == "move_paragraph":
        block = body.pop(_para(paras, edit["from"]))
        paras = paragraph_positions(body)
        body.insert(_insert_position(body, paras, edit["to"]), block)
    elif op == "set_banner":
        art["banner"] = edit.get("value")
    elif op == "add_note":
        body.append({"note": edit["text"]})
    elif op == "add_image":
        body.insert(
            _insert_position(body, paras, edit.get("at", len(paras))), {"image": edit["image"]}
        )
    elif op == "remove_image":
        images = image_positions(body)
        index = edit.get("index", 0)
        if not 0 <= index < len(images):
            raise EditError(f"no image {index}")
        del body[images[index]]
    elif op == "set_related":
        art["related"] = list(edit["value"])
    elif op == "set_tags":
        art["tags"] = list(edit["value"])
    elif op == "move_article":
        if edit["section"] not in SECTION_KEYS:
            raise EditError(f"unknown section {edit['section']}")
        art["section"] = edit["section"]
    elif op == "noise":
        noise = art.setdefault("_noise", {})
        noise[edit["what"]] = noise.get(edit["what"], 0) + 1
    else:
        raise EditError(f"unknown op {op}")
    return art


def _text_holder(art: dict[str, Any], target: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if target.get("title"):
        return art, "title"
    if target.get("summary"):
        return art, "summary"
    body = art["body"]
    if "paragraph" in target:
        block = body[_para(paragraph_positions(body), target["paragraph"])]
        return block, "heading" if "heading" in block else "p"
    for key in ("caption", "credit"):
        if key in target:
            images = image_positions(body)
            if not 0 <= target[key] < len(images):
                raise EditError(f"no image {target[key]}")
            return body[images[target[key]]]["image"], key
    raise EditError(f"unknown target {target}")


def _para(paras: list[int], index: int) -> int:
    if not 0 <= index < len(paras):
        raise EditError(f"no paragraph {index} (article has {len(paras)})")
    return paras[index]


def _insert_position(body: list[dict[str, Any]], paras: list[int], at: int) -> int:
    if 0 <= at < len(paras):
        return paras[at]
    if at == len(paras):
        return paras[-1] + 1 if paras else len(body)
    raise EditError(f"cannot insert at paragraph {at} (article has {len(paras)})")


@dataclass
class EpochState:
    """Everything the server needs about one epoch."""

    epoch: int
    articles: dict[int, dict[str, Any]]  # live articles by id
    known: dict[int, dict[str, Any]]  # every article ever seen (latest data), for related links
    removed: set[int] = field(default_factory=set)
    moved: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (old URL, new URL)
    chrome_rev: int = 0  # epoch of the last site-wide chrome change (selects the chrome variant)
    edits: list[dict[str, Any]] = field(default_factory=list)  # manifest entries of this epoch
    order: list[int] = field(default_factory=list)  # live ids, newest first
    by_section: dict[str, list[int]] = field(default_factory=dict)  # same order per section
    markup: MarkupPlan = field(default_factory=MarkupPlan.from_env)  # markup shapes (markup.py)
    site: Site = WAR  # the site the content is served as (hosts, paths, ids)

    def finish(self) -> None:
        """Compute listing order (newest first, then higher id) once the articles are final."""
        self.order = sorted(
            self.articles,
            key=lambda i: (self.articles[i]["published"], i),
            reverse=True,
        )
        self.by_section = {key: [] for key in SECTION_KEYS}
        for article_id in self.order:
            self.by_section[self.articles[article_id]["section"]].append(article_id)


class Timeline:
    """All epochs of one replica site, computed once at start."""

    def __init__(
        self,
        articles: list[dict[str, Any]],
        epochs: list[dict[str, Any]],
        generated: list[dict[str, Any]] | None = None,
        seed: int = 0,
        markup: MarkupPlan | None = None,
        site: Site = WAR,
    ) -> None:
        self.markup = markup if markup is not None else MarkupPlan.from_env()
        self.site = site
        base: dict[int, dict[str, Any]] = {}
        for art in articles:
            _check_article(art)
            base[art["id"]] = art
        generated_ids = []
        for art in generated or []:
            if art["id"] not in base:  # hand-written articles always win an id clash
                base[art["id"]] = art
                generated_ids.append(art["id"])
        by_number = {int(e["epoch"]): e.get("edits", []) for e in epochs}
        self.max_epoch = max([MIN_EPOCHS, *by_number])
        for shift in self.markup.shifts:
            if shift.epoch > self.max_epoch:
                raise UserError(f"markup shift {shift}: no such epoch (0-{self.max_epoch})")
        state = EpochState(0, base, dict(base), markup=self.markup, site=site)
        state.finish()
        self.states = [state]
        for number in range(1, self.max_epoch + 1):
            edits = list(by_number.get(number, []))
            edits += generator.generated_edits(state.articles, generated_ids, number, seed)
            edits += generator.rollout_edits(state.articles, generated_ids, number)
            state = self._next(state, number, edits)
            self.states.append(state)

    def state(self, epoch: int) -> EpochState:
        """The state at `epoch`; a UserError names the range when it does not exist."""
        if not 0 <= epoch <= self.max_epoch:
            raise UserError(f"unknown epoch {epoch} (epochs 0-{self.max_epoch})")
        return self.states[epoch]

    def manifest(self, epoch: int) -> dict[str, Any]:
        """The edits of `epoch` with each article's canonical URLs before and after."""
        state = self.state(epoch)
        out: dict[str, Any] = {"epoch": epoch, "edit_count": len(state.edits), "edits": state.edits}
        shifts = [str(s) for s in self.markup.shifts if s.epoch == epoch]
        if shifts:  # site-wide redesigns: pages change, articles do not (no change expected)
            out["markup_shifts"] = shifts
        return out

    @staticmethod
    def _next(prev: EpochState, number: int, edits: list[dict[str, Any]]) -> EpochState:
        state = EpochState(
            number,
            dict(prev.articles),
            dict(prev.known),
            set(prev.removed),
            dict(prev.moved),
            prev.chrome_rev,
            markup=prev.markup,
            site=prev.site,
        )
        for index, edit in enumerate(edits):
            name = edit.get("name") or f"e{number}-{index}-{edit.get('op')}"
            article_id = edit.get("id")
            op = edit.get("op")
            entry: dict[str, Any] = {"name": name, "id": article_id, "op": op}
            entry.update({k: v for k, v in edit.items() if k not in ("name", "id", "op")})
            entry.setdefault("expect", [])
            try:
                before, after = _apply(state, number, edit)
            except (EditError, KeyError, TypeError, IndexError) as exc:
                raise UserError(f"epoch {number} edit {name}: {exc}") from exc
            entry["url_before"], entry["url_after"] = before, after
            state.edits.append(entry)
        state.finish()
        return state


def _apply(state: EpochState, number: int, edit: dict[str, Any]) -> tuple[str | None, str | None]:
    op = edit["op"]
    article_id = edit.get("id")
    if op == "noise" and article_id is None:
        state.chrome_rev = number  # site-wide chrome change, remembered by its epoch
        return None, None
    if op == "new_article":
        art = dict(edit["article"])
        _check_article(art)
        art["_rev"] = number
        state.articles[art["id"]] = state.known[art["id"]] = art
        state.removed.discard(art["id"])
        return None, canonical_of(art, state.site)
    if article_id not in state.articles:
        raise EditError(f"article {article_id} is not live")
    old = state.articles[article_id]
    before = canonical_of(old, state.site)
    if op == "remove_article":
        del state.articles[article_id]
        state.removed.add(article_id)
        return before, None
    new = apply_edit(old, edit, number)
    state.articles[article_id] = state.known[article_id] = new
    after = canonical_of(new, state.site)
    if op == "move_article":
        first = state.moved.get(article_id, (before, after))[0]
        state.moved[article_id] = (first, after)
    return before, after


def _check_article(art: dict[str, Any]) -> None:
    for key in ("id", "section", "title", "published"):
        if key not in art:
            raise UserError(f"replica article {art.get('id')} lacks '{key}'")
    if art["section"] not in SECTION_KEYS:
        raise UserError(f"replica article {art['id']}: unknown section {art['section']}")


def build_timeline(
    data_dir: Path | str | None = None,
    articles: int = 0,
    seed: int = 0,
    markup: MarkupPlan | None = None,
    site: Site = WAR,
) -> Timeline:
    """The packaged (or `data_dir`) hand-written content plus `articles` generated ones, served
    as `site`.

    `markup` None: variants on unless $DODNEWS_REPLICA_VARIANTS=0, no shifts (markup.py).
    """
    if articles < 0:
        raise UserError("--articles must be 0 or more")
    if seed < 0:
        raise UserError("--seed must be 0 or more")
    hand, epochs = load_data(data_dir)
    generated = generator.generate_articles(articles, seed) if articles else []
    return Timeline(hand, epochs, generated, seed, markup, site)
