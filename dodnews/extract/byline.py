"""The byline of an article, found by what a reader sees: a "By ..." line near the title or date.

No real capture shows the byline's markup (SITE.md), so any element may carry it (p, div, span,
with classes such as author or byline, or none). It is looked for in the article's header: the
wrapper's content outside the body, the related-story blocks and the widgets. A release's
"Immediate Release" flag is not a byline.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from lxml import etree

from dodnews.extract._blocks import skip_element, visible_text
from dodnews.extract.text import collapse_whitespace_or_none

_BY_RE = re.compile(r"^by[\s\u00a0]+\S", re.IGNORECASE)
_AUTHOR_CLASS_RE = re.compile(r"byline|(?:^|[-_])author(?:$|[-_])")
# A byline is one short line; a longer text starting with "By" is a sentence.
_MAX_LEN = 200
# What sits between a byline and a date on one line: "By Jane Doe | Sept. 15, 2026".
_SEPARATORS = " |\u2022\u00b7-\u2013\u2014,/"


def find_byline(
    scope: etree._Element,
    title: etree._Element | None,
    leave_out: Collection[etree._Element],
    date: etree._Element | None,
) -> str | None:
    """The byline text in `scope` outside `leave_out` (the body, related blocks), or None.

    Without a wrapper (`scope` is the whole page) only what follows the title is looked at.
    """
    by_text: etree._Element | None = None
    by_class: etree._Element | None = None
    started = title is None or scope.tag not in ("html", "body")
    hidden = {*leave_out, *(el for el in (title, date) if el is not None)}
    stack = [scope]
    while stack:
        el = stack.pop()
        if el is title:
            started = True
            continue
        stack.extend(
            reversed(
                [
                    c
                    for c in el
                    if isinstance(c.tag, str) and c not in hidden and not skip_element(c)
                ]
            )
        )
        if not started or el is scope:
            continue
        if by_class is None and _classed(el):
            by_class = el
        if (by_text is None or any(a is by_text for a in el.iterancestors())) and _opens_with_by(
            el
        ):
            text = visible_text(el, hidden)
            if len(text) <= _MAX_LEN and _BY_RE.match(text):
                by_text = el  # the innermost element holding the whole "By ..." line
    chosen = by_text if by_text is not None else by_class
    if chosen is None:
        return None
    text = visible_text(chosen, hidden).rstrip(_SEPARATORS)
    return collapse_whitespace_or_none(text) if len(text) <= _MAX_LEN else None


def _opens_with_by(el: etree._Element) -> bool:
    """A cheap first look: the element's first text starts with "by" (most elements fail it)."""
    for chunk in el.itertext():
        chunk = chunk.lstrip()
        if chunk:
            return chunk[:2].lower() == "by"
    return False


def _classed(el: etree._Element) -> bool:
    """A class naming the author: `byline`, `author`, `article-author`, `author_name` (not
    `authority`)."""
    value = el.get("class")
    if not value:
        return False
    return any(_AUTHOR_CLASS_RE.search(token) for token in value.lower().split())
