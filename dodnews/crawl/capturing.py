"""Turn a downloaded response (or a failure) into a Capture: every fetch is recorded."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from dodnews.crawl.extraction_pool import PageRead, read_article
from dodnews.extract import BlockedPage, ExtractionError, TruncatedPage, is_bot_wall
from dodnews.model import (
    OUTCOME_BLOCKED,
    OUTCOME_ERROR,
    OUTCOME_GONE,
    OUTCOME_NOT_MODIFIED,
    OUTCOME_OK,
    Capture,
)
from dodnews.site import (
    MAX_ID,
    WAR,
    Site,
    article_id_from_url,
    is_site_host,
    offsite_host,
    to_real_url,
)

if TYPE_CHECKING:
    from scrapy.http import Response
    from twisted.python.failure import Failure

KEPT_HEADERS = (
    "etag",
    "last-modified",
    "content-type",
    "content-length",
    "date",
    "server",
    "cache-control",
    "age",
    "location",
    "retry-after",
)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


_KEPT = frozenset(KEPT_HEADERS)


def selected_headers(response: Response) -> dict[str, str]:
    """The response headers worth keeping with a capture (lower-case names, the last value of
    each, in KEPT_HEADERS order)."""
    found: dict[str, str] = {}
    # One pass over Scrapy's stored (normalized name -> values) pairs: looking each kept name
    # up normalizes it again, ten times a response.
    for key, values in dict.items(response.headers):
        name = key.decode("latin-1").lower()
        if values and name in _KEPT:
            found[name] = values[-1].decode("latin-1")
    return {name: found[name] for name in KEPT_HEADERS if name in found}


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def capture_from_response(response: Response, base_url: str | None, site: Site = WAR) -> Capture:
    """Classify one article response and, when it is a real article page, extract it."""
    capture, wanted = classify_response(response, base_url, site)
    if wanted:
        apply_read(capture, read_article(response.body, capture.final_url or "", site))
    return capture


def classify_response(response: Response, base_url: str | None, site: Site) -> tuple[Capture, bool]:
    """The capture of one article response, and whether its article is still to be extracted.

    Everything but the extraction: a page to extract comes back with outcome ok, no article and
    no body digest (give it both with `apply_read`).
    """
    meta = response.meta
    redirects = [to_real_url(u, base_url, site) for u in meta.get("redirect_urls", [])]
    requested = meta.get("dodnews_requested") or (redirects[0] if redirects else response.url)
    final_url = to_real_url(response.url, base_url, site)
    capture = Capture(
        article_id=page_id(final_url, int(meta["article_id"]), site),
        requested_url=requested,
        fetched_at=now_iso(),
        outcome=OUTCOME_OK,
        status=response.status,
        final_url=final_url,
        redirects=redirects,
        headers=selected_headers(response),
    )
    warc = meta.get("warc")
    if warc:
        capture.warc_file, capture.warc_record_id = warc["file"], warc["record_id"]
    status = response.status
    # set by OffsiteRedirectMiddleware; a browser follows redirects itself, so its page is
    # checked too
    offsite = meta.get("dodnews_offsite") or offsite_host(response.url, base_url, site)
    if offsite:
        capture.outcome = OUTCOME_ERROR
        capture.error = f"redirected off-site to {offsite}"
    elif status == 304 and asked_to_revalidate(response):
        capture.outcome = OUTCOME_NOT_MODIFIED
    elif status == 304:
        # not an answer to validators of ours: no evidence the page is the one archived
        capture.outcome = OUTCOME_ERROR
        capture.error = "HTTP 304 to a request without validators"
    elif status in (404, 410):
        capture.outcome = OUTCOME_GONE
    elif is_bot_wall(response.body, status):
        capture.outcome = OUTCOME_BLOCKED
        capture.error = "bot wall (Access Denied)"
    elif status >= 400:
        capture.outcome = OUTCOME_ERROR
        capture.error = f"HTTP {status}"
    elif _cut_short(response.body):
        # A complete response of half a page (a server or CDN fault) would read as an article
        # that lost its second half: a false change. The site's pages always end in </html>.
        capture.outcome = OUTCOME_ERROR
        capture.error = "page truncated: it starts an HTML document but has no </html>"
    else:
        return capture, True
    capture.body_digest = body_digest(response.body)
    return capture, False


VALIDATOR_HEADERS = (b"If-None-Match", b"If-Modified-Since")


def asked_to_revalidate(response: Response) -> bool:
    """True when the request behind `response` carried validators (a 304 can answer it)."""
    request = response.request
    return request is not None and any(request.headers.get(name) for name in VALIDATOR_HEADERS)


def page_id(url: str, requested_id: int, site: Site) -> int:
    """The id a fetch is filed under: the one in the URL that answered, when it is a site
    article URL with an id an archive can hold; else the id it was requested as."""
    if not is_site_host(urlsplit(url).hostname, site):
        return requested_id
    url_id = article_id_from_url(url)
    return url_id if url_id is not None and url_id <= MAX_ID else requested_id


def apply_read(capture: Capture, read: PageRead) -> Capture:
    """An ok capture with what reading its page gave: the body digest, and the article or the
    outcome that says why there is none. The capture takes the article's own id (its URL's, or
    its og:url's when the URL has none): a page is never filed under another article."""
    capture.body_digest = read.content[1]
    if read.error is not None:
        _not_extracted(capture, read.error)
        return capture
    article = read.article
    if article is not None and article.article_id != capture.article_id:
        if not 0 < article.article_id <= MAX_ID:
            capture.outcome = OUTCOME_ERROR
            capture.error = (
                f"the page names article id {article.article_id}, not one an archive stores"
            )
            return capture
        capture.article_id = article.article_id
    capture.article = article
    return capture


def _not_extracted(capture: Capture, exc: ExtractionError) -> None:
    if isinstance(exc, BlockedPage):
        capture.outcome = OUTCOME_BLOCKED
        capture.error = "bot wall (Access Denied)"
    elif isinstance(exc, TruncatedPage):  # never a version with paragraphs missing
        capture.outcome = OUTCOME_ERROR
        capture.error = f"page not read whole: {exc}"
    else:
        capture.outcome = OUTCOME_ERROR
        capture.error = f"not an article page: {exc}"


def _cut_short(body: bytes) -> bool:
    """True when the body opens an <html> document that never closes (a cut-off page)."""
    return b"<html" in body[:4096].lower() and b"</html" not in body[-2048:].lower()


def capture_from_failure(
    failure: Failure, requested_url: str, article_id: int, base_url: str | None, site: Site = WAR
) -> Capture:
    """A fetch that produced no response at all: timeout, reset, DNS, truncated body."""
    error = failure.value
    return Capture(
        article_id=article_id,
        requested_url=to_real_url(requested_url, base_url, site),
        fetched_at=now_iso(),
        outcome=OUTCOME_ERROR,
        error=f"{type(error).__name__}: {error}"[:500],
    )
