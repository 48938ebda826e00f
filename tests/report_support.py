"""Reading a generated report folder in tests: its pages, and whether every link resolves."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.html


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_text(encoding="utf-8"))


def links_of(path: Path) -> Iterator[tuple[str, str]]:
    """(attribute, value) of every href and src in an HTML file."""
    for element in page(path).iter():
        if not isinstance(element.tag, str):
            continue
        for name in ("href", "src"):
            if element.get(name) is not None:
                yield name, element.get(name)


def anchors(path: Path) -> set[str]:
    return {e.get("id") for e in page(path).iter() if isinstance(e.tag, str) and e.get("id")}


def resolves(folder: Path, link: str, page_path: Path | None = None) -> bool:
    """A relative link names a file of the folder (or, bare "#fragment", `page_path` itself) and,
    with a #fragment, an element of it."""
    parts = urlsplit(link)
    if parts.scheme:
        return False
    target = folder / unquote(parts.path) if parts.path else page_path
    if target is None or not target.is_file() or target.parent != folder:
        return False
    return not parts.fragment or parts.fragment in anchors(target)


def check_links(folder: Path) -> set[str]:
    """Every relative link of every page resolves to a file of the folder, and every #anchor to
    an element of its page; returns the pages reachable from index.html."""
    problems = []
    for path in sorted(folder.glob("*.html")):
        for _, value in links_of(path):
            parts = urlsplit(value)
            if parts.scheme:
                assert parts.scheme in ("http", "https", "data"), (path.name, value)
                continue
            if not resolves(folder, value, path):
                problems.append((path.name, value))
    assert problems == []
    reached, queue = {"index.html"}, deque(["index.html"])
    while queue:
        for _, value in links_of(folder / queue.popleft()):
            name = urlsplit(value).path
            if name.endswith(".html") and not urlsplit(value).scheme and name not in reached:
                reached.add(name)
                queue.append(name)
    return reached
