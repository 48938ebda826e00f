"""Site chrome that gives replica pages the weight of the real site's pages.

The real newsroom's pages carry 100-180 KB of markup around a few KB of article: a mega menu of
every section and topic, a footer directory of agencies and links, inline configuration scripts
(`../shared/real/` holds a 182 KB home page). The replica's own chrome is a few hundred bytes, so
parsing one of its pages costs a fraction of what parsing a real page does. `heavy_chrome(kb)`
is a deterministic block of such chrome, made up here (menus of made-up topics, no article links,
so listing and related-story extraction never see it), that `replica serve --page-kb N` puts
into every HTML page. It never changes between epochs: it is weight, not an edit.
"""

from __future__ import annotations

import argparse
from functools import lru_cache

# What the benchmarks serve by default: pages about as heavy as the real site's.
BENCH_PAGE_KB = 100


def add_page_kb_option(parser: argparse.ArgumentParser) -> None:
    """A benchmark's `--page-kb N` (default BENCH_PAGE_KB), passed on to `replica serve`."""
    parser.add_argument(
        "--page-kb",
        type=int,
        default=BENCH_PAGE_KB,
        help=f"site chrome added to every replica page (replica serve --page-kb): "
        f"{BENCH_PAGE_KB} (default) makes pages as heavy as the real site's; 0 serves the lean "
        "2-7 KB pages",
    )


_GROUPS = (
    "News",
    "Spotlights",
    "Multimedia",
    "About",
    "Resources",
    "Contact",
    "Careers",
    "Budget",
    "Organizations",
    "Sites",
)
_WORDS = (
    "Readiness",
    "Logistics",
    "Family",
    "Health",
    "Cyber",
    "Space",
    "Training",
    "Veterans",
    "Science",
    "Industry",
    "Housing",
    "Recruiting",
    "Allies",
    "Energy",
    "Heritage",
    "Weather",
)


def _entry(group: str, n: int, origin: str) -> str:
    first, second = _WORDS[n % len(_WORDS)], _WORDS[(n * 7 + 3) % len(_WORDS)]
    path = f"/{group}/{first}-{second}-{n}/"
    return (
        f'<li class="menu-item"><a class="menu-link" href="{origin}{path}" '
        f'data-track="nav|{group.lower()}|{n}" title="{first} and {second}">'
        f'<span class="label">{first} and {second}</span></a></li>'
    )


@lru_cache(maxsize=8)
def heavy_chrome(kb: int, origin: str) -> str:
    """About `kb` KB of mega menu, footer directory and inline script; '' for 0."""
    if kb <= 0:
        return ""
    target = kb * 1024
    parts = ['<div class="mega-menu" aria-hidden="true">']
    size = len(parts[0])
    n = 0
    while size < target * 0.8:
        group = _GROUPS[n // 40 % len(_GROUPS)]
        if n % 40 == 0:
            heading = f'<div class="menu-group"><h4 class="menu-heading">{group}</h4><ul>'
            parts.append(("</ul></div>" if n else "") + heading)
            size += len(parts[-1])
        parts.append(_entry(group, n, origin))
        size += len(parts[-1])
        n += 1
    parts.append("</ul></div></div>\n")
    config = ",".join(
        f'"k{i}":"{_WORDS[i % len(_WORDS)].lower()}-{i * 37 % 1000}"' for i in range(64)
    )
    script = f'<script type="text/javascript">window.siteConfig={{{config}}};</script>\n'
    while size < target:
        parts.append(script)
        size += len(script)
    return "".join(parts)
