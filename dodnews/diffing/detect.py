"""The change detector: `detect_changes(old, new) -> ChangeReport`, a pure function.

Structured fields (title, byline, date, summary, banner, URL, images keyed by VIRIN, related
stories keyed by article id, tags as a set) are compared with DeepDiff on a normalized view, with
volatile fields excluded; its JSON output is kept in `report.deepdiff`. Body paragraphs and
correction lines are aligned by `paragraphs.align` instead (DeepDiff's list diff cascades and
drops duplicate items), edited texts get a word-level diff, and figures inside every edited text
are compared by `figures.changed_figures`. Last, the safety net (`net.other_text_change`) reports
region text that no typed change explains. Equal content hashes short-cut to an empty report.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from functools import cache
from typing import TYPE_CHECKING, Any

import dodnews
from dodnews.diffing.figures import Figure, changed_figures, figure_ops
from dodnews.diffing.model import Change, ChangeReport, Provenance
from dodnews.diffing.net import other_text_change
from dodnews.diffing.normalize import (
    Explained,
    comparison_form,
    comparison_form_or_none,
    content_hash,
    image_keys,
    same_published,
    url_key,
)
from dodnews.diffing.paragraphs import align, ops_detail, word_ops
from dodnews.diffing.significance import score
from dodnews.diffing.summaries import summarize
from dodnews.model import Article, Image, RelatedLink
from dodnews.site import WAR, Site

if TYPE_CHECKING:
    from deepdiff import DeepDiff

# Fields that change without the article changing: never compared. (Image src and related-story
# titles are left out of the view itself: images are keyed by VIRIN, related stories by id; glob
# exclude paths would cost a path match at every level.)
EXCLUDE_PATHS = ["root['extractor_version']", "root['content_type']"]
_FIELD_ORDER = {
    name: n
    for n, name in enumerate(
        [
            "url",
            "title",
            "byline",
            "published",
            "summary",
            "banner",
            "corrections",
            "paragraphs",
            "images",
            "related",
            "tags",
            "region",
        ]
    )
}


def structured_view(article: Article, site: Site = WAR) -> dict[str, Any]:
    """The normalized dict DeepDiff compares (everything but paragraphs and corrections)."""
    return {
        "extractor_version": article.extractor_version,
        "content_type": article.content_type,
        "url": url_key(article, site),
        "title": comparison_form(article.title),
        "byline": comparison_form_or_none(article.byline),
        "published": comparison_form_or_none(article.published),
        "summary": comparison_form_or_none(article.summary),
        "banner": comparison_form_or_none(article.banner),
        "images": {
            key: {
                "caption": comparison_form_or_none(i.caption),
                "credit": comparison_form_or_none(i.credit),
            }
            for key, i in zip(image_keys(article.images), article.images, strict=True)
        },
        # Dicts rather than sets: DeepDiff hashes every set item, dict keys compare directly.
        "related": dict.fromkeys([str(r.article_id) for r in article.related], True),
        "tags": dict.fromkeys(sorted({comparison_form(t) for t in article.tags} - {""}), True),
    }


def detect_changes(
    old: Article,
    new: Article,
    *,
    old_captured_at: str | None = None,
    new_captured_at: str | None = None,
    old_hash: str | None = None,
    new_hash: str | None = None,
    site: Site = WAR,
) -> ChangeReport:
    """Compare two versions of one article of `site`; raises ValueError when the article ids
    differ."""
    if old.article_id != new.article_id:
        raise ValueError(f"different articles: {old.article_id} and {new.article_id}")
    # What the typed fields explain in each region: shared by the hash and the safety net.
    old_explained = Explained.of(old) if old.region else None
    new_explained = Explained.of(new) if new.region else None
    old_hash = old_hash or content_hash(old, old_explained, site)
    new_hash = new_hash or content_hash(new, new_explained, site)
    provenance = Provenance(
        article_id=new.article_id,
        old_captured_at=old_captured_at,
        new_captured_at=new_captured_at,
        old_hash=old_hash,
        new_hash=new_hash,
        old_url=old.url,
        new_url=new.url,
        extractor_version=_extractor_versions(old.extractor_version, new.extractor_version),
        tool_version=dodnews.__version__,
    )
    crossed = bool(old.extractor_version and new.extractor_version) and (
        old.extractor_version != new.extractor_version
    )
    if old_hash == new_hash:
        provenance.deepdiff_version = _deepdiff_version()
        return ChangeReport(provenance=provenance, extractor_changed=crossed)

    old_view, new_view = structured_view(old, site), structured_view(new, site)
    diff = None
    if _compared(old_view) != _compared(new_view):  # DeepDiff has no fast path for equal input
        diff = deepdiff_class()(
            old_view,
            new_view,
            threshold_to_diff_deeper=0,
            exclude_paths=EXCLUDE_PATHS,
            view="tree",
        )
    provenance.deepdiff_version = _deepdiff_version()  # after DeepDiff: then it is loaded
    changes = _structured_changes(diff, old, new) if diff else []
    changes += _correction_changes(old.corrections, new.corrections)
    changes += _paragraph_changes(old, new)
    unexplained = other_text_change(old, new, old_explained, new_explained)
    if unexplained is not None:
        changes.append(unexplained)
    for change in changes:
        change.summary = summarize(change)
    changes.sort(key=_order)
    significance, reasons = score(changes)
    return ChangeReport(
        provenance=provenance,
        changes=changes,
        significance=significance,
        reasons=reasons,
        deepdiff=json.loads(diff.to_json()) if diff else {},
        extractor_changed=crossed,
    )


@cache
def deepdiff_class() -> type[DeepDiff]:
    """DeepDiff, imported on the first comparison that needs it.

    deepdiff imports numpy and pydantic whenever they are installed, only to recognise their
    types; the views compared here hold dicts, lists, strings and numbers. Where neither is loaded
    yet they are kept out of that import: 170 ms of the 0.37 s `dodnews diff A B` took when a
    structured field changed (bench/bench_startup.py), and the same DeepDiff on every machine,
    whatever else is installed there. A module loaded afterwards is imported as usual.
    """
    kept_out = [name for name in ("numpy", "pydantic") if name not in sys.modules]
    for name in kept_out:
        sys.modules[name] = None  # type: ignore[assignment]  # "import numpy" raises ImportError
    try:
        from deepdiff import DeepDiff
    finally:
        for name in kept_out:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    return DeepDiff


@cache
def _deepdiff_version() -> str:
    """The version of deepdiff, read without importing it when it is not imported yet."""
    loaded = sys.modules.get("deepdiff")
    if loaded is not None:
        return loaded.__version__
    # Imported here: importlib.metadata is 20 ms, paid only by a diff that never loads deepdiff.
    import importlib.metadata

    return importlib.metadata.version("deepdiff")


def _extractor_versions(old: str, new: str) -> str | None:
    """One version, or "old -> new" when the two captures were extracted differently."""
    if old and new and old != new:
        return f"{old} -> {new}"
    return new or old or None


def _compared(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if f"root['{k}']" not in EXCLUDE_PATHS}


def _order(change: Change) -> tuple:
    loc = change.location
    index = loc.get("new_index", loc.get("old_index", -1))
    # Stable sort: a text change stays just before the figure changes found inside it.
    return (
        _FIELD_ORDER.get(change.field, 99),
        index,
        str(loc.get("image", loc.get("article_id", ""))),
    )


# -- structured fields (from DeepDiff) -------------------------------------------------------------


def _structured_changes(diff: DeepDiff, old: Article, new: Article) -> list[Change]:
    changes: list[Change] = []
    touched: set[str] = set()
    image_levels: list[tuple[str, list]] = []
    for report_type, levels in diff.tree.items():
        for level in levels:
            path = level.path(output_format="list")
            if path[0] in {"images", "related"}:
                image_levels.append((report_type, path))
            else:
                touched.add(path[0])
    if "title" in touched:
        changes += _text_change("title_changed", "title", old.title, new.title, {}, figures=True)
    if "byline" in touched:
        changes.append(Change("byline_changed", "byline", old.byline, new.byline))
    if "published" in touched and not same_published(old.published, new.published):
        changes.append(Change("date_changed", "published", old.published, new.published))
    if "summary" in touched:
        changes += _text_change(
            "summary_changed", "summary", old.summary, new.summary, {}, figures=True
        )
    if "banner" in touched:
        changes += _banner_change(old.banner, new.banner)
    if "url" in touched:
        changes.append(Change("url_changed", "url", old.url, new.url))
    if "tags" in touched:
        old_tags = {comparison_form(t) for t in old.tags} - {""}
        new_tags = {comparison_form(t) for t in new.tags} - {""}
        changes.append(
            Change(
                "tags_changed",
                "tags",
                sorted(old_tags),
                sorted(new_tags),
                detail={
                    "added": sorted(new_tags - old_tags),
                    "removed": sorted(old_tags - new_tags),
                },
            )
        )
    old_images = dict(zip(image_keys(old.images), old.images, strict=True))
    new_images = dict(zip(image_keys(new.images), new.images, strict=True))
    old_related = {str(r.article_id): r for r in old.related}
    new_related = {str(r.article_id): r for r in new.related}
    for report_type, path in image_levels:
        changes += _collection_change(
            report_type, path, old_images, new_images, old_related, new_related
        )
    return changes


def _collection_change(
    report_type: str,
    path: list,
    old_images: dict[str, Image],
    new_images: dict[str, Image],
    old_related: dict[str, RelatedLink],
    new_related: dict[str, RelatedLink],
) -> list[Change]:
    field, key = path[0], path[1]
    if field == "related":
        loc = {"article_id": int(key)}
        if report_type == "dictionary_item_added":
            return [
                Change("related_added", "related", None, asdict(new_related[key]), location=loc)
            ]
        if report_type == "dictionary_item_removed":
            return [
                Change("related_removed", "related", asdict(old_related[key]), None, location=loc)
            ]
        return []
    loc = {"image": key}
    if report_type == "dictionary_item_added":
        return [Change("image_added", "images", None, asdict(new_images[key]), location=loc)]
    if report_type == "dictionary_item_removed":
        return [Change("image_removed", "images", asdict(old_images[key]), None, location=loc)]
    before, after = old_images[key], new_images[key]
    if path[2] == "caption":
        return _text_change(
            "caption_changed", "images", before.caption, after.caption, loc, figures=True
        )
    if path[2] == "credit":
        return [Change("credit_changed", "images", before.credit, after.credit, location=loc)]
    return []


def _banner_change(before: str | None, after: str | None) -> list[Change]:
    if comparison_form_or_none(before) is None:
        return [Change("banner_added", "banner", None, after)]
    if comparison_form_or_none(after) is None:
        return [Change("banner_removed", "banner", before, None)]
    return _text_change("banner_changed", "banner", before, after, {}, figures=False)


# -- texts, word-level diffs and figures ----------------------------------------------------------


def _text_change(
    kind: str,
    field: str,
    before: str | None,
    after: str | None,
    location: dict[str, Any],
    *,
    figures: bool,
    detail: dict[str, Any] | None = None,
) -> list[Change]:
    """One change for an edited text (with its word-level diff) plus its figure changes."""
    old_text, new_text = comparison_form(before), comparison_form(after)
    old_words, new_words = old_text.split(), new_text.split()
    ops = word_ops(old_words, new_words)
    change = Change(
        kind,
        field,
        before,
        after,
        location=location,
        detail={"ops": ops_detail(old_words, new_words, ops), **(detail or {})},
    )
    result = [change]
    if figures:
        pairs = changed_figures(old_text, new_text, ops)
        # The edits the figure changes explain: summaries name each fact once, as the figure.
        explained = figure_ops(old_text, new_text, ops, pairs)
        if explained:
            change.detail["figure_ops"] = explained
        for fig_before, fig_after in pairs:
            result.append(_figure_change(field, location, fig_before, fig_after))
    return result


def _figure_change(
    field: str, location: dict[str, Any], before: Figure | None, after: Figure | None
) -> Change:
    detail: dict[str, Any] = {
        "before_kind": before.kind if before else None,
        "after_kind": after.kind if after else None,
    }
    units = (before.unit if before else None, after.unit if after else None)
    if units[0] == units[1]:
        if units[0]:
            detail["unit"] = units[0]
    else:
        detail["before_unit"], detail["after_unit"] = units
    return Change(
        "figure_changed",
        field,
        before.text if before else None,
        after.text if after else None,
        location=dict(location),
        detail=detail,
    )


# -- paragraphs and corrections (aligned) ---------------------------------------------------------


def _paragraph_changes(old: Article, new: Article) -> list[Change]:
    old_norm = [comparison_form(p) for p in old.paragraphs]
    new_norm = [comparison_form(p) for p in new.paragraphs]
    if old_norm == new_norm:
        return []
    old_heads, new_heads = set(old.headings), set(new.headings)
    alignment = align(old_norm, new_norm)

    def where(i: int | None, j: int | None) -> dict[str, Any]:
        loc: dict[str, Any] = {}
        if i is not None:
            loc["old_index"] = i
        if j is not None:
            loc["new_index"] = j
        if i in old_heads or j in new_heads:
            loc["heading"] = True
        return loc

    changes = [
        Change("paragraph_added", "paragraphs", None, new.paragraphs[j], location=where(None, j))
        for j in alignment.added
    ]
    changes += [
        Change("paragraph_removed", "paragraphs", old.paragraphs[i], None, location=where(i, None))
        for i in alignment.removed
    ]
    changes += [
        Change(
            "paragraph_moved",
            "paragraphs",
            old.paragraphs[i],
            new.paragraphs[j],
            location=where(i, j),
        )
        for i, j in alignment.moved
    ]
    for i, j, moved in alignment.edited:
        changes += _text_change(
            "paragraph_edited",
            "paragraphs",
            old.paragraphs[i],
            new.paragraphs[j],
            where(i, j),
            figures=True,
            detail={"moved": moved},
        )
    return changes


def _correction_changes(old: list[str], new: list[str]) -> list[Change]:
    old_norm = [comparison_form(c) for c in old]
    new_norm = [comparison_form(c) for c in new]
    if old_norm == new_norm:
        return []
    alignment = align(old_norm, new_norm)
    changes = [
        Change("correction_added", "corrections", None, new[j], location={"new_index": j})
        for j in alignment.added
    ]
    # A correction line that disappeared: correction_changed with after None (no removed kind).
    changes += [
        Change("correction_changed", "corrections", old[i], None, location={"old_index": i})
        for i in alignment.removed
    ]
    for i, j, _moved in alignment.edited:
        changes += _text_change(
            "correction_changed",
            "corrections",
            old[i],
            new[j],
            {"old_index": i, "new_index": j},
            figures=False,
        )
    return changes


# -- mirror images ---------------------------------------------------------------------------------

_MIRROR_KIND = {
    "banner_added": "banner_removed",
    "banner_removed": "banner_added",
    "paragraph_added": "paragraph_removed",
    "paragraph_removed": "paragraph_added",
    "image_added": "image_removed",
    "image_removed": "image_added",
    "related_added": "related_removed",
    "related_removed": "related_added",
}
_MIRROR_OP = {"insert": "delete", "delete": "insert"}


def _swap_prefixed(data: dict[str, Any], a: str, b: str) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if key.startswith(a):
            key = b + key[len(a) :]
        elif key.startswith(b):
            key = a + key[len(b) :]
        out[key] = value
    return out


def mirror_change(change: Change) -> Change:
    """The change as `detect_changes(new, old)` reports it (added<->removed, before<->after)."""
    kind = _MIRROR_KIND.get(change.kind, change.kind)
    if change.kind == "correction_added":
        kind = "correction_changed"
    elif change.kind == "correction_changed" and change.after is None:
        kind = "correction_added"
    detail = _swap_prefixed(change.detail, "before_", "after_")
    detail = _swap_prefixed(detail, "added", "removed")
    if "ops" in detail:
        detail["ops"] = [
            {"op": _MIRROR_OP.get(op["op"], op["op"]), "old": op["new"], "new": op["old"]}
            for op in detail["ops"]
        ]
    mirrored = Change(
        kind,
        change.field,
        change.after,
        change.before,
        location=_swap_prefixed(change.location, "old_", "new_"),
        detail=detail,
    )
    mirrored.summary = summarize(mirrored)
    return mirrored
