"""`dodnews extract PAGE.html [--url URL] [--listing]`: a saved page as JSON, no crawl needed."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys

from dodnews.cli.run._pages import read_page
from dodnews.errors import UserError
from dodnews.extract import (
    ExtractionError,
    extract_article,
    extract_getlist,
    extract_listing,
    extract_rss,
    is_bot_wall,
)
from dodnews.site import WAR, Site
from dodnews.site.profiles import load_configured

_OG_URL_RE = re.compile(
    r"<meta\b[^>]*?property\s*=\s*[\"']og:url[\"'][^>]*?content\s*=\s*[\"']([^\"']+)", re.I
)
_OG_URL_REVERSED_RE = re.compile(
    r"<meta\b[^>]*?content\s*=\s*[\"']([^\"']+)[\"'][^>]*?property\s*=\s*[\"']og:url[\"']", re.I
)


def _og_url(data: bytes) -> str | None:
    head = data[:65536].decode("utf-8", "replace")
    match = _OG_URL_RE.search(head) or _OG_URL_REVERSED_RE.search(head)
    return match.group(1).strip() if match else None


def _print(value: object) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _listing(data: bytes, url: str, site: Site) -> list[dict]:
    start = data.lstrip()[:200].lower()
    if start.startswith(b"{"):
        entries, _done = extract_getlist(data, url, site)
    elif start.startswith(b"<?xml") or start.startswith(b"<rss"):
        entries = extract_rss(data, url, site)
    else:
        entries = extract_listing(data, url, site)
    return [dataclasses.asdict(e) for e in entries]


def run(args: argparse.Namespace) -> int:
    """Print the article (or entries) of one saved page; extraction problems exit with 2."""
    # DODNEWS_SITE=af: the page is read with af.mil's URL rules
    site = load_configured() or WAR
    data = read_page(args.page)
    if is_bot_wall(data):
        raise UserError(
            f"{args.page}: the page is the Akamai bot wall (Access Denied), not content"
        )
    try:
        if args.listing:
            _print(_listing(data, args.url or site.origin + "/", site))
            return 0
        url = args.url or _og_url(data)
        if not url:
            raise UserError(f"{args.page}: no --url given and the page has no og:url")
        _print(extract_article(data, url, site).to_dict())
    except ExtractionError as exc:
        raise UserError(f"{args.page}: {exc}") from None
    return 0
