"""atom.xml: an Atom 1.0 feed with one entry per change event, carrying the diff itself.

Reports whose two sides different extractors read (`extractor_changed`) are left out: they may
show differences the site never made, and an extractor upgrade would flood the feed with them.

The XML is built with ElementTree (which escapes every text and attribute); each entry's HTML
content comes from templates/feed_entry.html. A long feed is split the RFC 5005 way ("archived
feeds"): atom.xml holds the newest entries and links to the newest archive document
(`prev-archive`); each archive document is marked `<fh:archive/>` and links to the older and newer
archives and to atom.xml (`current`). See reports.layout for which entries go where.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

from dodnews.errors import UserError
from dodnews.reports.entry import rfc3339
from dodnews.reports.grouping import Event
from dodnews.reports.names import rollout_name
from dodnews.reports.templating import feed_link, fill_template
from dodnews.reports.text import clean, safe_url
from dodnews.reports.view import sections, summary_line

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005
TAG_AUTHORITY = "tag:dodnews,2025:"
EPOCH = "1970-01-01T00:00:00Z"  # `updated` of an empty feed when no time is given
FEED_NAME = "atom.xml"


@dataclass(frozen=True)
class FeedLinks:
    """Where one document of an archived feed sits (file names, relative to atom.xml)."""

    name: str = FEED_NAME  # this document
    archive: bool = False  # an archive document (fh:archive), not the subscription document
    prev_archive: str | None = None
    next_archive: str | None = None


def format_atom(
    events: list[Event],
    *,
    feed_url: str | None = None,
    generated_at: str | None = None,
    links: FeedLinks | None = None,
) -> str:
    """A feed document for events already sorted newest first.

    `updated` is generated_at or the newest event's time. An entry links to its change page, a
    rollout's to the rollout's page; its content links each article to its history page.
    """
    if feed_url is not None and safe_url(feed_url) is None:
        raise UserError(f"feed URL must be an http(s) URL: {feed_url!r}")
    links = links or FeedLinks()
    attributes = {"xmlns": ATOM_NS}
    if links.archive:
        attributes["xmlns:fh"] = HISTORY_NS
    feed = ET.Element("feed", attributes)
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
    if links.archive:
        ET.SubElement(feed, "fh:archive")
    if feed_url:
        self_url = feed_link(feed_url, links.name)
        ET.SubElement(
            feed, "link", {"rel": "self", "type": "application/atom+xml", "href": self_url}
        )
    ET.SubElement(
        feed,
        "link",
        {"rel": "alternate", "type": "text/html", "href": feed_link(feed_url, "index.html")},
    )
    for rel, name in (
        ("current", FEED_NAME if links.archive else None),
        ("prev-archive", links.prev_archive),
        ("next-archive", links.next_archive),
    ):
        if name:
            ET.SubElement(
                feed,
                "link",
                {"rel": rel, "type": "application/atom+xml", "href": feed_link(feed_url, name)},
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
    target = rollout_name(event.key) if event.grouped else f"{event.entries[0].stem}.html"
    ET.SubElement(
        node,
        "link",
        {"rel": "alternate", "type": "text/html", "href": feed_link(feed_url, target)},
    )
    for kind in event.kinds:
        ET.SubElement(node, "category", {"term": clean(kind)})
    _text(node, "summary", clean(" ".join(summary_line(c) for c in event.changes)))
    content = ET.SubElement(node, "content", {"type": "html"})
    # The diff as HTML, escaped once more by ElementTree (as type="html" requires).
    content.text = fill_template(
        "feed_entry.html", event=event, parts=sections(event.changes), feed_url=feed_url
    )


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    node = ET.SubElement(parent, tag)
    node.text = text
    return node
