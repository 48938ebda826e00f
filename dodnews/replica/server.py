"""The replica's HTTP server: one Twisted web Resource routing the site's paths.

Article pages are built once per epoch and cached; each response only gets fresh view-state
tokens. Admin endpoints live under /__replica__/, a path the real site cannot have.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from twisted.internet.error import CannotListenError
from twisted.web import resource, server

from dodnews.errors import UserError
from dodnews.replica import pages
from dodnews.replica.content import EpochState, Timeline, slug_of
from dodnews.replica.faults import BODY_KINDS, Fault, FaultSet, damage, parse_fault
from dodnews.site import Site, article_path

ADMIN_PREFIX = "/__replica__/"
_CACHE_LIMIT = 60_000
# A listing path with its optional date filter (lower case): the part before it names the section.
_LISTING_RE = re.compile(r"^(.*?)/?(?:startdate/(\d{4}-\d\d-\d\d)/enddate/(\d{4}-\d\d-\d\d)/?)?$")
_ARTICLE_RE = re.compile(r"/article/(\d+)(?:/|$)")
# ArticleCS's archive path; old links may use it on any site of the platform.
_ARCHIVE_PREFIX = "/news/archive/article/article/"


@dataclass(frozen=True)
class Routes:
    """The served site's paths, from its profile (a replica serves one site:
    `dodnews replica serve --site af`)."""

    listings: dict[str, str]  # listing path, lower case, no trailing slash -> section key
    article_prefixes: tuple[str, ...]  # lower-case prefixes that lead to an article id
    modules: dict[int, str]  # GetList moduleID (the section's content-type id) -> section key

    @classmethod
    def from_site(cls, site: Site) -> Routes:
        sections = site.sections
        return cls(
            listings={s.listing_path.lower().rstrip("/"): s.key for s in sections},
            article_prefixes=tuple(
                [s.article_prefix.lower() for s in sections]
                + [prefix for prefix, _section in site.old_prefixes]
                + [_ARCHIVE_PREFIX]
            ),
            modules={s.content_type_val: s.key for s in sections},
        )

    def listing(self, low: str) -> tuple[str, str | None, str | None] | None:
        """(section, start date, end date) of a lower-case listing path, or None."""
        match = _LISTING_RE.match(low)
        if match is None:
            return None
        section = self.listings.get(match.group(1))
        return (section, match.group(2), match.group(3)) if section else None


_HTML = "text/html; charset=utf-8"
_JSON = "application/json; charset=utf-8"


class Response:
    """What to send: status, headers, body (bytes), and whether gzip may apply."""

    __slots__ = ("body", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes | str = b"",
        content_type: str | None = _HTML,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.headers = dict(headers or {})
        if content_type:
            self.headers["Content-Type"] = content_type


class Replica:
    """The served site: the timeline, the current epoch, faults, latency and the page cache."""

    def __init__(
        self,
        timeline: Timeline,
        epoch: int = 0,
        latency_ms: float = 0.0,
        faults: list[Fault] | None = None,
    ) -> None:
        self.timeline = timeline
        self.site: Site = timeline.site  # the site the timeline's content is served as
        self.routes = Routes.from_site(self.site)
        self.state: EpochState = timeline.state(epoch)
        self.latency = max(0.0, latency_ms) / 1000.0
        self.faults = FaultSet()
        for fault in faults or []:
            self.faults.add(fault)
        # Rendered pages per epoch, kept across switches (states never change once built).
        self._caches: dict[int, dict[int, pages.ArticlePage]] = {}
        self._pages = self._caches.setdefault(epoch, {})
        # JavaScript-only variant for every page (admin `js?set=1`); `?js=1` asks for it per page.
        self.js_only = False
        # Admin `conditional?ignore=1`: answer every conditional GET with a full 200, as some
        # servers and CDNs do (recheck must then recognize an unchanged page by its digest).
        self.ignore_conditional = False
        self.arrivals = Arrivals()

    def set_epoch(self, epoch: int) -> None:
        self.state = self.timeline.state(epoch)
        self._pages = self._caches.setdefault(epoch, {})

    def article_page(self, article_id: int) -> pages.ArticlePage:
        page = self._pages.get(article_id)
        if page is None:
            if sum(len(c) for c in self._caches.values()) >= _CACHE_LIMIT:
                for cache in self._caches.values():
                    cache.clear()
            page = pages.article_page(self.state, self.state.articles[article_id])
            self._pages[article_id] = page
        return page

    def state_json(self) -> dict[str, Any]:
        return {
            "site": self.site.name,
            "epoch": self.state.epoch,
            "max_epoch": self.timeline.max_epoch,
            "articles": len(self.state.articles),
            "removed": len(self.state.removed),
            "markup": self.state.markup.describe(),
            "faults": self.faults.to_json(),
        }

    # --- routing -------------------------------------------------------------------------------

    def route(self, path: str, args: dict[str, str], headers: dict[str, str]) -> Response:
        """The response to a GET of `path` (args: lower-case query keys)."""
        low = path.lower()
        if low in ("/", "/default.aspx"):
            return Response(200, pages.listing_page(self.state, None, self.state.order, 1, "/"))
        if low == "/robots.txt":
            return Response(200, pages.robots_txt(self.site), "text/plain; charset=utf-8")
        if low == "/desktopmodules/articlecs/rss.ashx":
            return self._rss(args)
        if low == "/api/articlecs/public/getlist":
            return self._getlist(args)
        js = self.js_only or args.get("js") == "1"
        match = _ARTICLE_RE.search(low)
        if match:
            return self._article(int(match.group(1)), low, headers, js)
        listing = self.routes.listing(low)
        if listing is not None:
            return self._listing(*listing, args, js)
        return self._not_found()

    def _not_found(self) -> Response:
        return Response(404, pages.not_found_page(self.state))

    def _article(
        self, article_id: int, low: str, headers: dict[str, str], js: bool = False
    ) -> Response:
        article = self.state.articles.get(article_id)
        if article is None or not low.startswith(self.routes.article_prefixes):
            return self._not_found()
        prefix = self.site.section(article["section"]).article_prefix
        if not low.startswith(prefix.lower()):
            # An old path or a moved article: 301 to the current path on the host asked.
            location = article_path(article_id, article["section"], slug_of(article), self.site)
            host = headers.get("host") or "127.0.0.1"
            return Response(301, "", None, {"Location": f"http://{host}{location}"})
        page = self.article_page(article_id)
        validators = {
            "ETag": page.etag,
            "Last-Modified": format_datetime(page.last_modified, usegmt=True),
            "Cache-Control": "private",
        }
        if js:
            validators["ETag"] = page.etag[:-1] + '-js"'
        if _not_modified(page, headers) and not js and not self.ignore_conditional:
            return Response(304, b"", None, validators)
        parts = page.parts
        if js:  # rare (browser tests): built on demand, not cached
            parts = pages.article_page(self.state, article, js=True).parts
        return Response(200, pages.fill(parts), _HTML, validators)

    def _listing(
        self,
        section: str,
        start: str | None,
        end: str | None,
        args: dict[str, str],
        js: bool = False,
    ) -> Response:
        ids = self.state.by_section[section]
        base = self.site.section(section).listing_path
        if start and end:
            try:
                first = datetime.strptime(start, "%Y-%m-%d").date().isoformat()
                last = datetime.strptime(end, "%Y-%m-%d").date().isoformat()
            except ValueError:
                return self._not_found()
            articles = self.state.articles
            ids = [i for i in ids if first <= articles[i]["published"][:10] <= last]
            base += f"StartDate/{first}/EndDate/{last}/"
        page = max(1, _int(args.get("page"), 1))
        loader = None
        if js and not start:
            module = self.site.section(section).content_type_val
            loader = f"/API/ArticleCS/Public/GetList?moduleID={module}&dpage={page}&TabId=944"
        html = pages.listing_page(self.state, section, ids, page, base, loader=loader)
        return Response(200, html)

    def _rss(self, args: dict[str, str]) -> Response:
        section = self.site.section_by_content_type(_int(args.get("contenttype"), 1))
        site_id = self.site.rss_site_id
        if section is None or _int(args.get("site"), site_id) != site_id:
            return self._not_found()  # an unknown content type, or another site's feed id
        max_items = max(0, _int(args.get("max"), 10))
        return Response(
            200,
            pages.rss(self.state, section.key, max_items),
            "application/rss+xml; charset=utf-8",
        )

    def _getlist(self, args: dict[str, str]) -> Response:
        section = self.routes.modules.get(_int(args.get("moduleid"), -1))
        return Response(200, pages.getlist(self.state, section, _int(args.get("dpage"), 1)), _JSON)

    def admin(self, path: str, args: dict[str, str]) -> Response:
        """The /__replica__/ endpoints: epoch, state, js, conditional, fault, manifest, requests."""
        action = path[len(ADMIN_PREFIX) :].strip("/").lower()
        try:
            if action == "epoch":
                if "set" in args:
                    self.set_epoch(int(args["set"]))
                return _json(200, self.state_json())
            if action == "state":
                return _json(200, self.state_json())
            if action == "js":
                self.js_only = args.get("set", "1") == "1"
                return _json(200, {**self.state_json(), "js": self.js_only})
            if action == "conditional":
                self.ignore_conditional = args.get("ignore", "1") == "1"
                return _json(200, {**self.state_json(), "ignore": self.ignore_conditional})
            if action == "fault":
                if args.get("clear"):
                    self.faults.clear()
                else:
                    self.faults.add(parse_fault(args))
                return _json(200, self.state_json())
            if action == "manifest":
                epoch = int(args.get("epoch", self.state.epoch))
                return _json(200, self.timeline.manifest(epoch))
            if action == "requests":
                counts = self.arrivals.to_json()
                if args.get("reset") == "1":
                    self.arrivals = Arrivals()
                return _json(200, counts)
        except (ValueError, UserError) as exc:
            return _json(400, {"error": str(exc)})
        return _json(404, {"error": f"unknown admin action {action!r}"})


class Arrivals:
    """Requests received (admin ones aside), counted per tenth of a second of the wall clock."""

    def __init__(self) -> None:
        self.ticks: Counter[int] = Counter()
        self.first: float | None = None
        self.last: float | None = None

    def add(self, now: float) -> None:
        self.ticks[int(now * 10)] += 1
        if self.first is None:
            self.first = now
        self.last = now

    def to_json(self) -> dict[str, Any]:
        """Totals, counts per whole second, and the most received in any one second (a window
        sliding by tenths of a second)."""
        per_second: Counter[int] = Counter()
        for tick, count in self.ticks.items():
            per_second[tick // 10] += count
        busiest = max(
            (sum(self.ticks.get(t + i, 0) for i in range(10)) for t in self.ticks), default=0
        )
        return {
            "total": sum(self.ticks.values()),
            "first": self.first,
            "last": self.last,
            "per_second": {str(k): v for k, v in sorted(per_second.items())},
            "max_in_any_second": busiest,
        }


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _json(status: int, data: Any) -> Response:
    return Response(status, json.dumps(data, indent=1), _JSON)


def _is_browser(headers: dict[str, str]) -> bool:
    """A request from a browser (Chromium, headless or not), not from a plain HTTP client."""
    agent = headers.get("user-agent", "")
    return "Chrome/" in agent and agent.startswith("Mozilla/")


def _not_modified(page: pages.ArticlePage, headers: dict[str, str]) -> bool:
    """RFC 9110 conditional GET: If-None-Match wins over If-Modified-Since."""
    inm = headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or page.etag in tags
    ims = headers.get("if-modified-since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return page.last_modified.replace(microsecond=0) <= since
    return False


class ReplicaResource(resource.Resource):
    """Twisted glue: decode the request, apply faults and latency, send the Response."""

    isLeaf = True

    def __init__(self, replica: Replica) -> None:
        super().__init__()
        self.replica = replica

    def render(self, request: server.Request) -> bytes | int:
        try:
            return self._serve(request)
        except Exception:  # a replica bug must show on stderr, not vanish into Twisted's log
            traceback.print_exc()
            raise

    def _serve(self, request: server.Request) -> bytes | int:
        path = request.path.decode("latin-1")
        args = {
            k.decode("latin-1").lower(): v[-1].decode("utf-8", "replace")
            for k, v in request.args.items()
            if v
        }
        if path.lower().startswith(ADMIN_PREFIX):
            return self._send(request, self.replica.admin(path, args))
        self.replica.arrivals.add(time.time())
        headers = {
            k.decode("latin-1").lower(): v[-1].decode("latin-1")
            for k, v in request.requestHeaders.getAllRawHeaders()
            if v
        }
        fault = self.replica.faults.take(request.uri.decode("latin-1"))
        if fault is not None and fault.kind == "botwall" and _is_browser(headers):
            fault = None  # like the real site's wall, it lets a real browser through
        delay = self.replica.latency + (fault.delay if fault and fault.kind == "slow" else 0.0)
        if fault is not None and fault.kind != "slow":
            return self._fault(request, fault, headers)
        if delay <= 0:
            return self._send(request, self.replica.route(path, args, headers), headers)
        from twisted.internet import reactor  # here: see serve()

        def later() -> None:
            if not finished:
                self._send(request, self.replica.route(path, args, headers), headers, write=True)

        finished: list[bool] = []
        call = reactor.callLater(delay, later)

        def gone(_: object) -> None:
            finished.append(True)
            if call.active():
                call.cancel()

        request.notifyFinish().addErrback(gone)
        return server.NOT_DONE_YET

    def _fault(self, request: server.Request, fault: Fault, headers: dict[str, str]) -> bytes | int:
        if fault.kind == "botwall":
            host = headers.get("host", self.replica.site.current_host)
            url = f"http://{host}{request.uri.decode('latin-1')}"
            return self._send(request, Response(403, pages.bot_wall(url)))
        if fault.kind == "5xx":
            status = 503 if fault.hits % 2 else 500
            extra = {"Retry-After": str(fault.retry_after)} if status == 503 else {}
            return self._send(
                request, Response(status, f"<h1>{status} Service Unavailable</h1>", headers=extra)
            )
        if fault.kind == "429":
            return self._send(
                request,
                Response(
                    429,
                    "<h1>429 Too Many Requests</h1>",
                    headers={"Retry-After": str(fault.retry_after)},
                ),
            )
        if fault.kind == "redirectloop":
            host = headers.get("host", self.replica.site.current_host)
            url = f"http://{host}{request.uri.decode('latin-1')}"
            return self._send(request, Response(302, "", None, {"Location": url}))
        if fault.kind == "notmodified":
            return self._send(request, Response(304, b"", None))
        if fault.kind == "offsite":
            location = fault.to + request.uri.decode("latin-1")
            return self._send(request, Response(302, "", None, {"Location": location}))
        if fault.kind in BODY_KINDS:
            path = request.path.decode("latin-1")
            args = {
                k.decode("latin-1").lower(): v[-1].decode("utf-8", "replace")
                for k, v in request.args.items()
                if v
            }
            response = self.replica.route(path, args, {"host": headers.get("host", "")})
            if response.status == 200:
                response.body, content_type = damage(fault.kind, response.body)
                if content_type:
                    response.headers["Content-Type"] = content_type
            return self._send(request, response)  # never gzipped: the damage is what is sent
        transport = request.channel.transport
        if fault.kind == "reset":
            transport.abortConnection()
            return server.NOT_DONE_YET
        # truncate: promise the whole body, send half of it, close the connection.
        path = request.path.decode("latin-1")
        args = {
            k.decode("latin-1").lower(): v[-1].decode("utf-8", "replace")
            for k, v in request.args.items()
            if v
        }
        response = self.replica.route(path, args, {})
        request.setResponseCode(response.status)
        for name, value in response.headers.items():
            request.setHeader(name, value)
        request.setHeader("Content-Length", str(len(response.body)))
        request.write(response.body[: len(response.body) // 2])
        transport.loseConnection()
        return server.NOT_DONE_YET

    @staticmethod
    def _send(
        request: server.Request,
        response: Response,
        headers: dict[str, str] | None = None,
        write: bool = False,
    ) -> bytes | int:
        request.setResponseCode(response.status)
        for name, value in response.headers.items():
            request.setHeader(name, value)
        body = response.body
        if response.status == 200 and len(body) > 256:
            request.setHeader("Vary", "Accept-Encoding")
            if "gzip" in (headers or {}).get("accept-encoding", ""):
                body = gzip.compress(body, compresslevel=1, mtime=0)
                request.setHeader("Content-Encoding", "gzip")
        if not write:
            request.setHeader("Content-Length", str(len(body)))
            return body
        request.setHeader("Content-Length", str(len(body)))
        if request.method != b"HEAD":
            request.write(body)
        request.finish()
        return server.NOT_DONE_YET


class _QuietSite(server.Site):
    """A Site without the access log (it would cost time on every request)."""

    def log(self, request: server.Request) -> None:
        pass


def make_site(replica: Replica) -> server.Site:
    site_ = _QuietSite(ReplicaResource(replica))
    site_.noisy = False
    return site_


def serve(replica: Replica, host: str = "127.0.0.1", port: int = 0) -> None:
    """Listen, print `Serving on http://HOST:PORT` as the first stdout line, run until stopped."""
    # Imported here: at import time it would install Twisted's default reactor in every process
    # that imports the replica (the test suite's, a crawl's).
    from twisted.internet import reactor

    try:
        listener = reactor.listenTCP(port, make_site(replica), interface=host, backlog=1024)
    except CannotListenError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.socketError}") from exc
    real = listener.getHost()
    shown = f"[{real.host}]" if ":" in real.host else real.host
    sys.stdout.write(f"Serving on http://{shown}:{real.port}\n")
    sys.stdout.flush()
    reactor.run()
