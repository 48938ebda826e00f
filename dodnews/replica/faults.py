"""Faults the replica injects on demand: bot wall, 5xx bursts, 429, slow, truncated, reset.

Also answers a careless or hostile server gives: `notmodified` (a 304 whether or not the request
carried validators) and `offsite` (a 302 to the same path on another origin, `to`). And damaged
pages served as complete responses: `huge` (the page padded to 10 MB), `redirectloop`
(a 302 back to the same URL), `charset` (Windows-1252 bytes sent as UTF-8), `malformed` (tag soup
around intact text) and `cut` (half the page with a matching Content-Length); and `restyle`, a site
redesign: from the moment it is armed, bylines come in a shape the extractor does not read (see
`restyle`; body faults ignore conditional requests, as a redesign changes every page). Pure
bookkeeping (which request gets which fault) plus the page damage; server.py carries them out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

KINDS = (
    "botwall",
    "5xx",
    "429",
    "slow",
    "truncate",
    "reset",
    "huge",
    "redirectloop",
    "charset",
    "malformed",
    "cut",
    "restyle",
    "notmodified",
    "offsite",
)
# Faults that change the body of an otherwise normal response (see `damage`).
BODY_KINDS = ("huge", "charset", "malformed", "cut", "restyle")
HUGE_SIZE = 10 * 1024 * 1024


@dataclass
class Fault:
    """One armed fault: requests whose path+query match `pattern` get it, `remaining` times."""

    kind: str
    pattern: re.Pattern[str]
    remaining: int | None = None  # None: every matching request, until cleared
    delay: float = 1.0
    retry_after: int = 1
    to: str = ""  # offsite: the origin (scheme://host:port) the redirect points at
    hits: int = field(default=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "path": self.pattern.pattern,
            "remaining": self.remaining,
            "delay": self.delay,
            "retry_after": self.retry_after,
            "to": self.to,
            "hits": self.hits,
        }


def parse_fault(params: dict[str, str]) -> Fault:
    """A Fault from query parameters (kind, path, count, delay, retry_after, to); ValueError if
    bad."""
    kind = params.get("kind", "")
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r} (one of {', '.join(KINDS)})")
    try:
        pattern = re.compile(params.get("path") or ".*", re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"bad path regex: {exc}") from exc
    try:
        count = int(params["count"]) if params.get("count") not in (None, "") else None
        delay = float(params.get("delay") or 1.0)
        retry_after = int(params.get("retry_after") or 1)
    except ValueError as exc:
        raise ValueError(f"bad fault number: {exc}") from exc
    if (count is not None and count < 1) or delay < 0 or retry_after < 0:
        raise ValueError("count must be 1 or more, delay and retry_after 0 or more")
    to = (params.get("to") or "").rstrip("/")
    if kind == "offsite":
        parts = urlsplit(to)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise ValueError("offsite needs to=http://HOST[:PORT] (an origin, no path)")
    return Fault(kind, pattern, count, delay, retry_after, to)


def parse_fault_spec(spec: str) -> Fault:
    """A Fault from a CLI `--fault` value written like the query: `kind=5xx&path=/News/&count=3`."""
    return parse_fault(dict(parse_qsl(spec, keep_blank_values=True)))


class FaultSet:
    """The armed faults, first match wins; spent faults drop out."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear(self) -> None:
        self.faults.clear()

    def take(self, target: str) -> Fault | None:
        """The fault for a request to `target` (path with query), counting it as used."""
        for fault in self.faults:
            if fault.pattern.search(target):
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self.faults.remove(fault)
                return fault
        return None

    def to_json(self) -> list[dict[str, Any]]:
        return [f.to_json() for f in self.faults]


def damage(kind: str, body: bytes) -> tuple[bytes, str | None]:
    """The damaged page for a body fault and the Content-Type it is sent with (None: unchanged)."""
    if kind == "huge":
        # Padding in a comment before </body>: the text of the page is unchanged.
        pad = max(0, HUGE_SIZE - len(body) - 9)
        cut = body.rfind(b"</body>")
        cut = len(body) if cut < 0 else cut
        return body[:cut] + b"<!--" + b" " * pad + b"-->" + body[cut:], None
    if kind == "charset":
        # The header (and the page's meta tag) say UTF-8; the bytes are Windows-1252.
        text = body.decode("utf-8")
        return text.encode("cp1252", "xmlcharrefreplace"), "text/html; charset=utf-8"
    if kind == "malformed":
        # Tag soup a careless CMS makes, parsed to the same text: no </p> before the next <p>,
        # upper-case tags, stray end tags in the head, an unclosed comment after </html>.
        text = body.decode("utf-8")
        text = re.sub(r"</p>(\s*<p[\s>])", r"\1", text).replace("<p>", "<P>")
        text = text.replace("<body", "</span></em><BODY", 1)
        text = text.replace("</html>", "</td></tr></table></html><!-- unclosed")
        return text.encode("utf-8"), None
    if kind == "cut":
        return body[: len(body) // 2], None
    if kind == "restyle":
        return restyle(body), None
    raise ValueError(f"{kind!r} is not a body fault")


# The byline in each shape the replica writes it (markup.PARTS["byline"], docs/markup.md): an
# element holding only "By Name, Outlet" (span.byline, p.author, a plain div or span in the date
# line), or div.byline-wrap with "By" in <strong> and the name in a link.
_BYLINE_RE = re.compile(
    r"<(?P<tag>span|p|div)(?P<attrs>[^>]*)>\s*By\s+(?P<text>[^<]*)</(?P=tag)>"
    r'|<div class="byline-wrap"><strong>By</strong>\s*<a [^>]*>(?P<name>[^<]*)</a>'
    r"(?P<rest>[^<]*)</div>",
    re.IGNORECASE,
)
# Where a byline sits: between the title and the body (never inside the body, whose paragraphs
# may start with "By").
_HEADER_RE = re.compile(r'class="maintitle".*?<div class="body">', re.DOTALL)


def restyle(body: bytes) -> bytes:
    """The page after a redesign of its header: the byline ("By Name, Outlet", in whichever shape
    the page has it) becomes a credit line without "By" in a `div.story-credit`, which a reader
    still sees and the extractor does not read. Nothing else on the page changes."""
    text = body.decode("utf-8")

    def credit(match: re.Match[str]) -> str:
        if match.group("name") is not None:
            name = match.group("name") + match.group("rest")
        else:
            name = match.group("text")
        return f'<div class="story-credit">{name}</div>'

    def header(match: re.Match[str]) -> str:
        return _BYLINE_RE.sub(credit, match.group(0))

    return _HEADER_RE.sub(header, text, count=1).encode("utf-8")
