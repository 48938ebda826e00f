"""atom.xml: an Atom 1.0 feed with one entry per change event, carrying the diff itself.

Reports whose two sides different extractors read (`extractor_changed`) are left out: they may
show differences the site never made, and an extractor upgrade would flood the feed with them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from dodnews.errors import UserError
from dodnews.reports.entry import rfc3339
from dodnews.reports.grouping import Event
from dodnews.reports.html import fragment, significance_html
from dodnews.reports.text import clean, esc, href, safe_url
from dodnews.reports.view import summary_line

ATOM_NS = "http://www.w3.org/2005/Atom"
TAG_AUTHORITY = "tag:dodnews,2025:"
EPOCH = "1970-01-01T00:00:00Z"  # `updated` of an empty feed when no time is given


def render_atom(
    events: list[Event], *, feed_url: str | None = None, generated_at: str | None = None
) -> str:
    """The feed for events already sorted newest first; `updated` is generated_at or the newest."""
    if feed_url is not None and safe_url(feed_url) is None:
        raise UserError(f"feed URL must be an http(s) URL: {feed_url!r}")
    feed = ET.Element("feed", {"xmlns": ATOM_NS})
    _text(feed, "title", "dodnews: changes to DoD newsroom articles")
    _text(feed, "subtitle", "What changed between captures of archived articles.")
    _text(feed, "id", f"{TAG_AUTHORITY}feed")
    if generated_at:
        updated = rfc3339(generated_at)
    else:
        updated = rfc3339(events[0].detected_at) if events else EPOCH
    _text(feed, "updated", updated)
    author = ET.SubElement(feed, "author")
    _text(author, "name", "dodnews")
    _text(feed, "generator", "dodnews")
    if feed_url:
        ET.SubElement(
            feed, "link", {"rel": "self", "type": "application/atom+xml", "href": feed_url}
        )
    ET.SubElement(
        feed,
        "link",
        {"rel": "alternate", "type": "text/html", "href": _url(feed_url, "index.html")},
    )
    for event in events:
        if event.extractor_changed:
            # Not an edit the site is known to have made: the index and the report show it,
            # marked; the feed stays a list of edits (see docs/extractor-upgrades.md).
            continue
        _entry(feed, event, feed_url)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def entry_id(event: Event) -> str:
    """A stable tag: URI: article id and versions, or the rollout's key."""
    if event.grouped:
        return f"{TAG_AUTHORITY}{event.key.replace('-', '/', 1)}"
    entry = event.entries[0]
    return f"{TAG_AUTHORITY}article/{entry.article_id}/{entry.from_version}-{entry.to_version}"


def _entry(feed: ET.Element, event: Event, feed_url: str | None) -> None:
    node = ET.SubElement(feed, "entry")
    _text(node, "title", clean(event.title))
    _text(node, "id", entry_id(event))
    _text(node, "published", rfc3339(event.first_detected_at))
    _text(node, "updated", rfc3339(event.detected_at))
    target = f"index.html#{event.key}" if event.grouped else f"{event.entries[0].stem}.html"
    ET.SubElement(
        node, "link", {"rel": "alternate", "type": "text/html", "href": _url(feed_url, target)}
    )
    for kind in event.kinds:
        ET.SubElement(node, "category", {"term": clean(kind)})
    _text(node, "summary", clean(" ".join(summary_line(c) for c in event.changes)))
    content = ET.SubElement(node, "content", {"type": "html"})
    content.text = _content_html(event, feed_url)


def _content_html(event: Event, feed_url: str | None) -> str:
    """The diff as HTML (escaped once more by ElementTree, as type="html" requires)."""
    if event.grouped:
        items = "".join(
            f'<li><a href="{esc(_url(feed_url, e.stem + ".html"))}">'
            f"{esc(e.title or e.article_id)}</a>"
            f" (article {e.article_id}, v{e.from_version} → v{e.to_version}) {href(e.url)}</li>\n"
            for e in event.entries
        )
        head = f"<p>{len(event.article_ids)} articles:</p>\n<ul>\n{items}</ul>\n"
    else:
        entry = event.entries[0]
        head = (
            f"<p>Article {entry.article_id}, version {entry.from_version} → {entry.to_version}"
            f"{' (revert)' if entry.revert else ''}: {href(entry.url)}</p>\n"
        )
    summaries = "".join(f"<li>{esc(summary_line(c))}</li>\n" for c in event.changes)
    return (
        f"{head}<p>Significance {significance_html(event.significance)}</p>\n"
        f"<ul>\n{summaries}</ul>\n{fragment(event.changes)}"
    )


def _url(feed_url: str | None, name: str) -> str:
    return urljoin(feed_url, name) if feed_url else name


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    node = ET.SubElement(parent, tag)
    node.text = text
    return node
