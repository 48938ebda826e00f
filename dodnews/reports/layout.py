"""Where the reports go in diffs/: per-change files, index pages, feed documents, the marker.

Pages are cut by change id, so that a page keeps its changes as the archive grows: index page k
holds the events whose newest change id falls in ((k-1)*page_size, k*page_size]. The newest page
is index.html, older ones index-K.html (index-1.html the oldest); beside each page, its search
index (index.json, index-K.json). The feed is cut the same way
with its own size: atom-archive-J.xml holds a full range of `feed_entries` change ids (RFC 5005
archive documents); atom.xml holds the newest range's events, topped up with the newest of the
older ones to `feed_entries` entries.

Each article with a change has its page, article-<id>.html (its captures, versions and changes),
and each rollout its page, <event key>.html (rollout-<16 hex digits>.html).

index.html carries a marker: the highest change id and capture id the folder shows and a digest of
everything else its files depend on (page sizes, feed URL, templates, dodnews version). An update
trusts the folder only when the digest matches; otherwise it writes everything again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from dodnews import __version__
from dodnews.reports.templating import templates_digest

FORMAT = 4  # of the folder; raise it when the files' names or meaning change
PAGE_SIZE = 100  # change ids per index page
FEED_ENTRIES = 100  # entries in atom.xml, and change ids per feed archive document
INDEX = "index.html"
_PAGE_RE = re.compile(r"index-([1-9][0-9]*)\.html")
_PAGE_JSON_RE = re.compile(r"index-([1-9][0-9]*)\.json")
_ARCHIVE_RE = re.compile(r"atom-archive-([1-9][0-9]*)\.xml")
_MARKER_RE = re.compile(
    rb'<meta name="dodnews-reports" content="last=([0-9]+) captures=([0-9]+) layout=([0-9a-f]+)">'
)


@dataclass(frozen=True)
class Layout:
    """Page sizes, and the names of the pages."""

    page_size: int = PAGE_SIZE
    feed_entries: int = FEED_ENTRIES

    def __post_init__(self) -> None:
        for name in ("page_size", "feed_entries"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")

    def page_of(self, change_id: int) -> int:
        """The index page (1, 2...) of a change id."""
        return max(change_id - 1, 0) // self.page_size + 1

    def page_ids(self, page: int) -> tuple[int, int]:
        """The first and last change id of an index page."""
        return _ids(page, self.page_size)

    def archive_of(self, change_id: int) -> int:
        """The feed document (1, 2...) of a change id; the last one is atom.xml."""
        return max(change_id - 1, 0) // self.feed_entries + 1

    def archive_ids(self, number: int) -> tuple[int, int]:
        """The first and last change id of a feed document."""
        return _ids(number, self.feed_entries)

    @staticmethod
    def page_name(page: int, pages: int) -> str:
        """index.html for the newest page, else index-K.html."""
        return INDEX if page >= pages else f"index-{page}.html"

    @staticmethod
    def page_json_name(page: int, pages: int) -> str:
        """The search index beside a page: index.json beside index.html, else index-K.json."""
        return "index.json" if page >= pages else f"index-{page}.json"

    @staticmethod
    def archive_name(number: int) -> str:
        return f"atom-archive-{number}.xml"

    def is_page_file(self, name: str) -> int | None:
        """The number of an older index page's file name, else None."""
        match = _PAGE_RE.fullmatch(name)
        return int(match[1]) if match else None

    def is_page_json_file(self, name: str) -> int | None:
        """The number of an older page's search index file name, else None."""
        match = _PAGE_JSON_RE.fullmatch(name)
        return int(match[1]) if match else None

    def is_archive_file(self, name: str) -> int | None:
        """The number of a feed archive document's file name, else None."""
        match = _ARCHIVE_RE.fullmatch(name)
        return int(match[1]) if match else None

    def digest(self, *parts: str | None) -> str:
        """What the folder's files depend on besides the changes, as a short hex digest."""
        text = "\0".join(
            [str(FORMAT), __version__, str(self.page_size), str(self.feed_entries)]
            + [templates_digest()]
            + [part or "" for part in parts]
        )
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _ids(number: int, size: int) -> tuple[int, int]:
    return (0 if number <= 1 else (number - 1) * size + 1, number * size)


@dataclass(frozen=True)
class Marker:
    """What index.html says the folder shows: changes up to `last` and captures up to
    `captures`, made with `layout`."""

    last: int
    captures: int
    layout: str

    def text(self) -> str:
        return f"last={self.last} captures={self.captures} layout={self.layout}"


def read_marker(directory: Path) -> Marker | None:
    """The marker of the folder's index.html; None without one (old or missing index)."""
    try:
        with open(directory / INDEX, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    match = _MARKER_RE.search(head)
    return Marker(int(match[1]), int(match[2]), match[3].decode()) if match else None
