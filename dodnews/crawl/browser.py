"""Browser rendering with scrapy-playwright and Debian's Chromium, only for the pages that need it.

`-a render=auto` (default) fetches every page plainly and retries it once in the browser when the
plain fetch cannot be read: a listing with no entries whose page carries the GetList loader, an
article whose captions are filled in by script, or an article behind the bot wall. `always`
renders every listing and article after its plain fetch; `never` keeps the browser off. The plain
response stays in the WARC file as the server sent it; the rendered DOM is written beside it as a
conversion record referring to it, and a rendered capture points at that conversion record: the
evidence of a capture is what was parsed (see `dodnews.crawl.middlewares.WarcCaptureMiddleware`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.settings import SETTINGS_PRIORITIES
from scrapy_playwright.page import PageMethod

from dodnews.crawl.archive_handle import shared_archive
from dodnews.diffing.normalize import content_hash
from dodnews.errors import UserError
from dodnews.extract.normalize import normalize_article
from dodnews.model import OUTCOME_BLOCKED, OUTCOME_OK
from dodnews.reports.screenshots import ScreenshotStore, screenshots_dir
from dodnews.site import WAR, Site, to_real_url

if TYPE_CHECKING:
    import scrapy
    from scrapy.crawler import Crawler
    from scrapy.http import Response

    from dodnews.crawl.archive_handle import ArchiveHandle
    from dodnews.model import Capture

logger = logging.getLogger(__name__)

MODES = ("auto", "always", "never")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # containers often have a 64 MB /dev/shm, and Debian's wrapper fails to detect it
    "--disable-dev-shm-usage",
]
# Sub-resources a capture never needs: they cost time and, offline, would try to leave loopback.
ABORTED_TYPES = frozenset({"image", "media", "font"})
# What a listing page shows once its script has run (any of the four markup shapes).
LISTING_READY = "listing-with-preview, listing-titles-only, story-card, div.item, [data-loaded]"
# An article is ready when no script-filled caption is still empty.
ARTICLE_PENDING = ".caption-content p.caption[data-slide]:empty"
SETTLE_MS = 5000

# Waits (bounded) until `selector` matches, or with `absent` until it no longer matches.
SETTLE_JS = """([selector, absent, timeout]) => new Promise((done) => {
  const start = Date.now();
  const check = () => {
    const found = document.querySelector(selector) !== null;
    if (found !== absent || Date.now() - start > timeout) { done(found !== absent); return; }
    setTimeout(check, 25);
  };
  check();
})"""
# Boxes of the title and body paragraphs in page coordinates, for marking a change on a screenshot.
BOXES_JS = """() => {
  const doc = document.documentElement;
  const boxes = [];
  const els = document.querySelectorAll('h1.maintitle, div.body > p, div.body > div > p.caption');
  for (const el of els) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    boxes.push({text: el.innerText.replace(/\\s+/g, ' ').trim().slice(0, 300),
                x: Math.round(r.left + window.scrollX), y: Math.round(r.top + window.scrollY),
                width: Math.round(r.width), height: Math.round(r.height)});
  }
  return {width: Math.max(doc.scrollWidth, doc.clientWidth),
          height: Math.max(doc.scrollHeight, doc.clientHeight), boxes: boxes};
}"""


def chromium_executable(configured: str | None = None) -> str | None:
    """The Chromium binary to drive: the setting, else `chromium` on PATH, else None."""
    if configured:
        return configured if os.path.exists(configured) else None
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def playwright_settings(executable: str, concurrency: int = 4) -> dict[str, Any]:
    """The Scrapy settings that route `meta["playwright"]` requests through headless Chromium."""
    handler = "dodnews.crawl.browser.LazyPlaywrightHandler"
    return {
        "DOWNLOAD_HANDLERS": {"http": handler, "https": handler},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": executable,
            "headless": True,
            "args": list(CHROMIUM_ARGS),
            "timeout": 30_000,
        },
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": concurrency,
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_ABORT_REQUEST": "dodnews.crawl.browser.abort_request",
        # the browser sends its own headers: a site that walls bots lets a real browser through
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
    }


def configure(crawler: Crawler, mode: str, screenshots: bool = False) -> bool:
    """Turn the browser handler on when this crawl may render; returns whether it is on.

    `never` without screenshots leaves Scrapy's own handlers alone (no browser, no Node driver).
    Without Chromium, `auto` falls back to plain fetches with a warning; `always` and
    screenshots raise UserError.
    """

    if mode == "never" and not screenshots:
        return False
    settings = crawler.settings
    executable = chromium_executable(settings.get("DODNEWS_CHROMIUM") or None)
    if executable is None:
        if mode == "always" or screenshots:
            raise UserError(
                "-a render=always and -a screenshots=1 need Chromium "
                "(apt-get install chromium, or -s DODNEWS_CHROMIUM=/path/to/chromium)"
            )
        logger.warning("Chromium not found: -a render=auto fetches plainly only")
        return False

    project = SETTINGS_PRIORITIES["project"]
    for name, value in playwright_settings(executable).items():
        if (settings.getpriority(name) or 0) <= project:
            settings.set(name, value, priority="spider")
    return True


def abort_request(request: Any) -> bool:
    """Playwright request filter: no images, media or fonts, and never leave the page's host."""
    if request.resource_type in ABORTED_TYPES:
        return True
    if request.is_navigation_request():
        return False
    try:
        page_host = urlsplit(request.frame.page.url).hostname
    except Exception:  # a worker request has no frame: let it be decided by type
        return False
    return bool(page_host) and urlsplit(request.url).hostname != page_host


def is_rendered(response: Response) -> bool:
    return "playwright" in response.flags


def needs_js_listing(body: bytes) -> bool:
    """A listing page that loads its entries by script (the GetList API loader)."""
    return b"getlist" in body.lower()


def needs_js_article(body: bytes) -> bool:
    """An article whose slideshow captions are filled in by script."""
    return b"data-slides=" in body


# Per-download keys Scrapy sets itself; the plain fetch's redirects stay on its capture.
_NOT_COPIED = frozenset(
    {
        "retry_times",
        "download_latency",
        "redirect_times",
        "redirect_ttl",
        "redirect_urls",
        "redirect_reasons",
        "depth",
    }
)


def browser_request(
    request: scrapy.Request,
    reason: str,
    *,
    ready: str | None = None,
    pending: str | None = None,
    screenshot: bool = False,
    **meta: Any,
) -> scrapy.Request:
    """The same request again, this time rendered by Chromium (the page is always closed)."""

    methods = []
    if ready:
        methods.append(PageMethod("evaluate", SETTLE_JS, [ready, False, SETTLE_MS]))
    if pending:
        methods.append(PageMethod("evaluate", SETTLE_JS, [pending, True, SETTLE_MS]))
    if screenshot:
        methods.append(PageMethod("evaluate", BOXES_JS))
        methods.append(PageMethod("screenshot", full_page=True, type="png"))
    new_meta = {
        key: value
        for key, value in request.meta.items()
        if key not in _NOT_COPIED and not key.startswith(("download_slot", "_"))
    }
    new_meta.update(
        playwright=True,
        playwright_page_methods=methods,
        playwright_include_page=False,
        dodnews_render=reason,
        dont_retry=False,
        **meta,
    )
    return request.replace(meta=new_meta, dont_filter=True, headers={})


def screenshot_result(meta: dict[str, Any]) -> tuple[bytes, dict[str, Any] | None] | None:
    """The PNG bytes and paragraph boxes a rendered request's meta carries, if any."""
    png = None
    boxes = None
    for method in meta.get("playwright_page_methods") or []:
        result = getattr(method, "result", None)
        if method.method == "screenshot" and isinstance(result, bytes):
            png = result
        elif method.method == "evaluate" and isinstance(result, dict) and "boxes" in result:
            boxes = result
    return (png, boxes) if png else None


class Renderer:
    """A spider's rendering policy: which responses go to the browser, and what comes back."""

    def __init__(
        self,
        spider: Any,
        mode: str,
        enabled: bool,
        screenshots: Any = None,
        known: dict[int, str] | None = None,
    ) -> None:
        self.spider = spider
        self.site: Site = getattr(spider, "site", None) or WAR  # hashes read URLs with its rules
        self.mode = mode if enabled else "never"
        self.screenshots = screenshots if enabled else None  # a ScreenshotStore, or None
        # With `-a screenshots=new`: article id -> content hash the archive already holds.
        self.known = known

    @property
    def stats(self) -> Any:
        return self.spider.crawler.stats

    def retry_listing(self, response: Response, entry_count: int) -> scrapy.Request | None:
        """The listing rendered in the browser when its entries need JavaScript (once)."""
        if self.mode == "never" or is_rendered(response) or response.status >= 400:
            return None
        if self.mode == "auto" and (entry_count or not needs_js_listing(response.body)):
            return None
        reason = "always" if self.mode == "always" else "javascript"
        self.stats.inc_value(f"dodnews/render/listing/{reason}")
        return browser_request(response.request, reason, ready=LISTING_READY)

    def retry_article(self, response: Response, capture: Capture) -> scrapy.Request | None:
        """The article rendered in the browser after its plain fetch, when that is wanted."""

        if is_rendered(response) or (self.mode == "never" and self.screenshots is None):
            return None
        reason = None
        if capture.outcome == OUTCOME_BLOCKED and self.mode != "never":
            reason = "botwall"
        elif capture.outcome == OUTCOME_OK:
            if self.mode == "always":
                reason = "always"
            elif self.mode == "auto" and needs_js_article(response.body):
                reason = "javascript"
            elif self.screenshots is not None and self._content_is_new(capture):
                reason = "screenshot"
        if reason is None:
            return None
        self.stats.inc_value(f"dodnews/render/article/{reason}")
        return browser_request(
            response.request,
            reason,
            pending=ARTICLE_PENDING,
            screenshot=self.screenshots is not None,
            dodnews_plain_capture=capture,
        ).replace(errback=self.spider.render_failed)

    def _content_is_new(self, capture: Capture) -> bool:
        """True unless the archive already holds this content (then no screenshot is needed)."""
        if self.known is None or capture.article is None:
            return True

        digest = content_hash(normalize_article(capture.article), site=self.site)
        if self.known.get(capture.article_id) == digest:
            self.stats.inc_value("dodnews/render/screenshot_unchanged")
            return False
        self.known[capture.article_id] = digest
        return True

    def finish_article(self, response: Response, capture: Capture) -> Capture:
        """Evidence of a rendered capture into its fields: reason, WARC record, screenshot."""
        if not is_rendered(response):
            return capture
        capture.rendered = str(response.meta.get("dodnews_render", "yes"))
        plain = response.meta.get("dodnews_plain_capture")
        if plain is not None and not capture.redirects:
            # the browser went straight to the final URL; the redirects are the plain fetch's
            capture.redirects = list(plain.redirects)
            capture.requested_url = plain.requested_url
        rendered = response.meta.get("warc_rendered")
        if rendered:
            capture.rendered_warc = f"{rendered['file']}#{rendered['record_id']}"
        shot = screenshot_result(response.meta)
        if shot is not None and self.screenshots is not None and capture.article is not None:
            capture.screenshot = self.screenshots.put(shot[0], shot[1])
            self.stats.inc_value("dodnews/render/screenshots")
        self.stats.inc_value(f"dodnews/render/captures/{capture.outcome}")
        return capture

    def read_archived_hashes(self) -> None:
        """What the crawl's archive holds, for `-a screenshots=new` (when the spider opens)."""

        self.known = _archived_hashes(shared_archive(self.spider.crawler))

    def failed(self, request: scrapy.Request) -> Capture | None:
        """When the browser itself failed: the plain capture it was meant to improve on."""
        self.stats.inc_value("dodnews/render/failed")
        return request.meta.get("dodnews_plain_capture")


def renderer_for(spider: Any, crawler: Crawler, mode: str, screenshots: str = "off") -> Renderer:
    """Configure the crawl for `-a render=` / `-a screenshots=` and return the spider's policy.

    `screenshots`: off, new (only captures whose content the archive does not hold yet: new
    articles and new versions) or all (every successful capture). For `new`, what the archive
    holds is read from the crawl's archive when the spider opens.
    """
    wanted = screenshots in ("new", "all")
    enabled = configure(crawler, mode, wanted)
    store = None
    if wanted and enabled:
        settings = crawler.settings
        store = ScreenshotStore(
            screenshots_dir(
                settings.get("DODNEWS_ARCHIVE") or None,
                settings.get("DODNEWS_SCREENSHOTS_DIR") or None,
            )
        )
    renderer = Renderer(spider, mode, enabled, store, {} if screenshots == "new" else None)
    if store is not None and screenshots == "new":
        crawler.signals.connect(renderer.read_archived_hashes, signal=signals.spider_opened)
    return renderer


def _archived_hashes(archive: ArchiveHandle) -> dict[int, str]:
    """Content hash of every article's current version (empty for a missing archive)."""

    try:
        return archive.open(create=False).current_hashes()
    except UserError:
        return {}


def write_rendered(
    writer: Any, request: Any, response: Response, base_url: str | None, site: Site
) -> None:
    """The rendered DOM (and screenshot) as conversion records referring to the raw response.

    The raw response record is the one written for the plain fetch of the same page, whose ref the
    browser request carries in `meta["warc"]`. The DOM is what the capture is read from, so its
    record becomes the capture's evidence: `meta["warc"]` (and `meta["warc_rendered"]`) name it
    from here on, `meta["warc_raw"]` the raw response; `meta["warc_screenshot"]` the screenshot.
    """
    url = to_real_url(response.url, base_url, site)
    raw = request.meta.get("warc") or {}
    dom = writer.write_derived(url, response.body, "text/html; charset=utf-8", raw.get("record_id"))
    request.meta["warc_rendered"] = {"file": dom.file, "record_id": dom.record_id}
    request.meta["warc_raw"] = raw
    request.meta["warc"] = {"file": dom.file, "record_id": dom.record_id, "revisit": False}
    shot = screenshot_result(request.meta)
    if shot is not None:
        ref = writer.write_derived(
            url, shot[0], "image/png", raw.get("record_id"), concurrent_to=dom.record_id
        )
        request.meta["warc_screenshot"] = {"file": ref.file, "record_id": ref.record_id}


def _lazy_handler_class() -> type:
    # Imported here: scrapy_playwright.handler imports Playwright (0.18 s), which a crawl that never
    # opens the browser does not need.
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    class LazyPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
        """scrapy-playwright's handler, but Playwright starts at the first browser request.

        In `-a render=auto` most crawls never need the browser; starting the Node driver at
        engine start would cost every crawl about a second.
        """

        async def _maybe_launch_in_thread(self) -> None:
            return None

        async def _download_request(self, request: Any, spider: Any = None) -> Any:
            if not self.__dict__.get("_dodnews_started"):
                lock = self.__dict__.setdefault("_dodnews_start_lock", asyncio.Lock())
                async with lock:
                    # _launch sets browser_provider before it has started: keep a flag of our own
                    if not self.__dict__.get("_dodnews_started"):
                        await self._launch()
                        self.__dict__["_dodnews_started"] = True
            return await super()._download_request(request, spider)

    return LazyPlaywrightHandler


def __getattr__(name: str) -> Any:
    # Scrapy loads the handler by dotted path; scrapy_playwright is imported only then.
    if name == "LazyPlaywrightHandler":
        return _lazy_handler_class()
    raise AttributeError(name)
