"""`dodnews replay`: pywb over a crawl's WARC files, and the reports' links to every capture.

A crawl of the replica makes every kind of capture: the first one, a new version after an edit,
a 304 recheck (under the article's canonical URL, where no page was ever downloaded whole) and a
refetch (`-a refetch=1`). The reports link each change's two captures to `dodnews replay`; each
link must bring back the text archived then, not the text the site has later.

pywb lives in its own virtual environment (`dodnews replay --setup`, as .ci/run does): these tests
skip when it cannot be made, and fail instead under DODNEWS_REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import html
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from dodnews.cli.main import main
from dodnews.errors import UserError
from dodnews.replica.testing import ReplicaProcess
from dodnews.reports.reporting import capture_link
from dodnews.warc.index import ReplayIndex
from dodnews.warc.replay import Pywb, ensure_pywb
from dodnews.warc.writer import RotatingWarcWriter
from tests.conftest import need_service, port_open
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

PLAIN = {"render": "never", "sections": "news-stories"}
FIGURE = 4300115  # a figure raised at epoch 1 and put back at epoch 2
SHARE = 4300124  # a share reworded at epoch 2 (after an image removed at epoch 1)


@pytest.fixture(scope="module")
def pywb() -> Pywb:
    try:
        return ensure_pywb(say=print)
    except UserError as exc:
        need_service(f"pywb ({exc})", False)
        raise


class ReplayProcess:
    """`dodnews replay` in a subprocess, its stdout read line by line."""

    def __init__(self, warc: Path, archive: str, cache: Path) -> None:
        env = dict(os.environ, XDG_CACHE_HOME=str(cache), PYTHONUNBUFFERED="1")
        args = ["--warc-dir", str(warc), "--port", "0", "--archive", archive, "--refresh", "0.5"]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dodnews", "replay", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_for(r"^Replaying .* on (http://\S+)")
        self.url = re.search(r"on (http://\S+)", line).group(1)  # type: ignore[union-attr]
        self.port = int(re.search(r":(\d+)/", self.url).group(1))  # type: ignore[union-attr]

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r}; output: {self.seen}")

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)


def edit_of(manifest: dict, article_id: int) -> dict:
    (edit,) = [e for e in manifest["edits"] if e["id"] == article_id and "old" in e]
    return edit


def crawl_every_capture_kind(work: CrawlWorkspace, replica: ReplicaProcess) -> None:
    """Epoch 0 and 1 crawls, a 304 recheck and a refetch: everything before epoch 2."""
    assert work.crawl(**PLAIN) == 0, work.logs[-1][-3000:]  # first captures
    replica.set_epoch(1)
    assert work.crawl(**PLAIN) == 0, work.logs[-1][-3000:]  # the figure's new version
    # a 304 under the canonical URL (the news crawl fetched another variant of it)
    assert work.crawl("recheck", ids=str(FIGURE), listings="0") == 0, work.logs[-1][-3000:]
    refetch = work.crawl("recheck", ids=str(SHARE), listings="0", refetch="1")
    assert refetch == 0, work.logs[-1][-3000:]


@pytest.fixture(scope="module")
def replayed(pywb: Pywb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    root = tmp_path_factory.mktemp("replay")
    out = SimpleNamespace()
    with ReplicaProcess(epoch=0) as replica:
        work = out.work = CrawlWorkspace(root, replica.url)
        out.raised = edit_of(replica.manifest(1), FIGURE)
        out.reworded = edit_of(replica.manifest(2), SHARE)
        crawl_every_capture_kind(work, replica)
        # replay starts now: the next crawl's WARC file must be indexed while it serves
        out.replay = ReplayProcess(work.warc, work.archive, root / "cache")
        try:
            replica.set_epoch(2)
            assert work.crawl(**PLAIN) == 0, work.logs[-1][-3000:]
        except BaseException:
            out.replay.stop()
            raise
    # the replica is gone: whatever comes back now comes from the WARC files
    try:
        files = len(list(work.warc.glob("*.warc.gz")))
        out.replay.wait_for(rf"^Indexed {files} WARC files", timeout=60)
        report = ["report", "--archive", work.archive, "--diffs-dir", str(work.diffs)]
        done = subprocess.run(
            [sys.executable, "-m", "dodnews", *report, "--replay-url", out.replay.url],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        with work.open() as archive:
            out.changes = [c for c in archive.changes() if c.article_id in (FIGURE, SHARE)]
            out.captures = {c.id: c for a in (FIGURE, SHARE) for c in archive.captures(a)}
            out.every = []  # (capture, title of its version) of every article
            for known in archive.known_articles():
                titles = {v.id: v.title for v in archive.versions(known.article_id)}
                out.every += [
                    (c, titles.get(c.version_id)) for c in archive.captures(known.article_id)
                ]
        yield out
    finally:
        out.replay.stop()


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=60) as response:  # follows pywb's redirects
        return response.status, response.read().decode("utf-8", "replace")


def kind_of(capture, captures: dict, change) -> str:
    """first, new-version, 304-recheck or refetch: what a capture linked from a change is."""
    earlier = [c for c in captures.values() if c.article_id == capture.article_id]
    if capture.id == min(c.id for c in earlier):
        return "first"
    if capture.id == change.new_capture_id:
        return "new-version"
    if (capture.outcome, capture.status) == ("not-modified", 304):
        return "304-recheck"
    before = max(c.id for c in earlier if c.id < capture.id and c.outcome in ("ok", "not-modified"))
    if capture.outcome == "ok" and captures[before].version_id == capture.version_id:
        return "refetch"
    return f"other ({capture.outcome} {capture.status})"


@pytest.mark.services
@pytest.mark.slow
def test_every_capture_kind_links_to_the_text_archived_then(replayed: SimpleNamespace) -> None:
    raised, reworded = replayed.raised, replayed.reworded
    # per change (article, from, to): the text its old capture shows, and its new one
    shown = {
        (FIGURE, 1, 2): (raised["old"], raised["new"]),
        (FIGURE, 2, 1): (raised["new"], raised["old"]),  # the revert
        (SHARE, 1, 2): (reworded["old"], reworded["old"]),
        (SHARE, 2, 3): (reworded["old"], reworded["new"]),
    }
    figures = {FIGURE: (raised["old"], raised["new"]), SHARE: (reworded["old"], reworded["new"])}
    changes = {(c.article_id, c.from_version, c.to_version): c for c in replayed.changes}
    assert set(changes) == set(shown)
    kinds: dict[str, list[str]] = {}
    for key, change in changes.items():
        stem = f"{key[0]}-{key[1]}-{key[2]}"
        data = json.loads((replayed.work.diffs / f"{stem}.json").read_text())
        links = {"old": data["old_capture_url"], "new": data["new_capture_url"]}
        page = (replayed.work.diffs / f"{stem}.html").read_text()
        hrefs = {html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)}
        assert {h for h in hrefs if h.startswith(replayed.replay.url)} == set(links.values())
        for side, capture_id, text in zip(
            ("old", "new"), (change.old_capture_id, change.new_capture_id), shown[key], strict=True
        ):
            capture = replayed.captures[capture_id]
            kind = kind_of(capture, replayed.captures, change)
            kinds.setdefault(kind, []).append(links[side])
            assert links[side].startswith(replayed.replay.url), links[side]
            status, body = fetch(links[side])
            assert status == 200, (kind, links[side])
            other = next(f for f in figures[key[0]] if f != text)
            assert text in body and other not in body, (kind, stem, side, text, links[side])
    assert {"first", "new-version", "304-recheck", "refetch"} <= set(kinds), kinds


@pytest.mark.services
@pytest.mark.slow
def test_every_capture_of_the_crawl_replays_its_article(replayed: SimpleNamespace) -> None:
    outcomes: dict[tuple[str, int | None], int] = {}
    for capture, title in replayed.every:
        link = capture_link(capture, replayed.replay.url)
        assert link is not None, capture
        try:
            status, body = fetch(link)
        except urllib.error.HTTPError as exc:
            status, body = exc.code, ""
        key = (capture.outcome, capture.status)
        outcomes[key] = outcomes.get(key, 0) + 1
        if capture.outcome == "gone":
            assert status == capture.status, link  # the 404 as the server sent it
            continue
        assert status == 200 and title and title in html.unescape(body), (key, link)
    assert outcomes[("not-modified", 304)] >= 1 and outcomes[("ok", 200)] >= 1, outcomes


@pytest.mark.services
@pytest.mark.slow
def test_the_304_was_rechecked_under_a_url_with_no_page_of_its_own(
    replayed: SimpleNamespace,
) -> None:
    """The hard case: pywb alone plays this capture back as an empty "304 Not Modified"."""
    captures = sorted(replayed.captures.values(), key=lambda c: c.id)
    figure = [c for c in captures if c.article_id == FIGURE]
    (recheck,) = [c for c in figure if c.status == 304]  # its other re-captures were edits
    url = recheck.final_url or recheck.requested_url
    pages = [c for c in figure if c.status == 200 and (c.final_url or c.requested_url) == url]
    assert not [c for c in pages if c.id < recheck.id]  # nothing downloaded whole under it
    index = next((replayed.work.root / "cache").rglob("index.cdxj")).read_text()
    (line,) = [
        ln
        for ln in index.splitlines()
        if f'"revisit": "{recheck.warc_file}#' in ln and f'"url": "{url}"' in ln
    ]
    assert '"status": "200"' in line and '"mime": "text/html"' in line
    assert f'"filename": "{recheck.warc_file}"' not in line  # the page it confirmed, elsewhere


@pytest.mark.services
@pytest.mark.slow
def test_the_archive_check_and_the_live_index_are_reported(replayed: SimpleNamespace) -> None:
    seen = "\n".join(replayed.replay.seen)
    assert "captures of the archive with a WARC record have their file here" in seen
    assert re.search(r"Indexed \d+ WARC files: \d+ records, [1-9]\d* 304 rechecks", seen), seen


@pytest.mark.services
@pytest.mark.slow
def test_sigterm_stops_replay_and_pywb(replayed: SimpleNamespace) -> None:
    replay = replayed.replay
    assert port_open("127.0.0.1", replay.port)
    assert replay.stop() == 0
    deadline = time.monotonic() + 15
    while port_open("127.0.0.1", replay.port) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not port_open("127.0.0.1", replay.port)  # pywb went with it


# --- the index alone --------------------------------------------------------------------------

URL = "https://www.war.gov/News/Releases/Release/Article/4301001/harbor-survey/"


def write(directory: Path, url: str, status: str, body: bytes, asked: bool = False) -> None:
    """One request/response pair in a new WARC file, under one key (the article)."""
    writer = RotatingWarcWriter(directory)
    validators = [("If-None-Match", '"v1"')] if asked else []
    ref = writer.write(
        url,
        "GET",
        url,
        validators,
        status,
        "HTTP/1.1",
        [("Content-Type", "text/html; charset=utf-8"), ("ETag", '"v1"')],
        body,
        key="4301001",
    )
    if status.startswith("200"):
        # a rendered DOM of the page: derived, so never what the replay index points at
        writer.write_derived(url, b"<html>rendered</html>", "text/html", ref.record_id)
    writer.close()
    time.sleep(0.01)  # file names carry the time: one file per call


def lines_for(index: ReplayIndex, url: str) -> list[dict]:
    rows = [line.split(" ", 2) for line in index.path.read_text().splitlines()]
    return [json.loads(r[2]) for r in rows if json.loads(r[2])["url"] == url]


@pytest.mark.services
@pytest.mark.slow
def test_index_points_a_304_at_the_page_it_confirmed(pywb: Pywb, tmp_path: Path) -> None:
    warc = tmp_path / "warc"
    page = b"<html><body><p>Five nights of soundings.</p></body></html>"
    write(warc, URL + "source/GovDelivery/", "200 OK", page)
    write(warc, URL, "304 Not Modified", b"", asked=True)
    index = ReplayIndex(warc, tmp_path / "work" / "index", pywb.indexer(warc))
    stats = index.refresh()
    assert stats is not None and (stats.files, stats.resolved, stats.unresolved) == (2, 1, 0)
    (first,) = lines_for(index, URL + "source/GovDelivery/")  # the rendered DOM is left out
    (confirmed,) = lines_for(index, URL)
    assert confirmed["status"] == "200" and confirmed["mime"] == "text/html"
    assert (confirmed["filename"], confirmed["offset"]) == (first["filename"], first["offset"])
    assert confirmed["revisit"].split("#")[0] != first["filename"]
    assert index.refresh() is None  # nothing changed: nothing rewritten

    # a file that is no WARC: named as skipped, the rest indexed, not retried until it changes
    (warc / "dodnews-garbage.warc.gz").write_bytes(b"\x00\xffnot a WARC\n" * 64)
    stats = index.refresh()
    assert stats is not None and list(stats.skipped) == ["dodnews-garbage.warc.gz"]
    assert stats.skipped["dodnews-garbage.warc.gz"].isprintable() and stats.resolved == 1
    assert index.refresh() is None
    (warc / "dodnews-garbage.warc.gz").unlink()

    # the WARC file holding the page goes away: the 304 stays a revisit, counted as unresolved
    (warc / first["filename"]).unlink()
    stats = index.refresh()
    assert stats is not None and (stats.files, stats.resolved, stats.unresolved) == (1, 0, 1)
    (alone,) = lines_for(index, URL)
    assert alone["mime"] == "warc/revisit" and "revisit" not in alone


# --- set-up and links, without a server ---------------------------------------------------------


def test_a_folder_that_is_no_environment_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    env = dict(os.environ, DODNEWS_PYWB_VENV=str(tmp_path / "notes"))
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "replay", "--setup"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "is not a virtual environment" in done.stderr
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


@pytest.mark.slow
def test_pip_failing_is_one_line_exit_2(tmp_path: Path) -> None:
    """No package index reachable: the set-up line, then one error line, exit 2."""
    empty = tmp_path / "no-packages"
    empty.mkdir()
    env = dict(os.environ, DODNEWS_PYWB_VENV=str(tmp_path / "venv"), PIP_CONFIG_FILE=os.devnull)
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(empty), PIP_EXTRA_INDEX_URL="")
    done = subprocess.run(
        [sys.executable, "-m", "dodnews", "replay", "--setup"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout.startswith("Setting up pywb") and done.stdout.count("\n") == 1
    assert done.stderr.count("\n") == 1 and "cannot set up pywb" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "venv" / "dodnews-pywb.json").exists()  # never taken as ready


def test_a_port_in_use_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Said before pywb is set up or started (pywb would fail after the port looked open)."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        status = main(["replay", "--warc-dir", str(tmp_path), "--port", str(port)])
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert (
        err == f"dodnews: error: port {port} on 127.0.0.1 is in use: choose another with "
        "--port N (0: any)\n"
    )


def capture(**fields: object) -> SimpleNamespace:
    base = {
        "final_url": None,
        "requested_url": URL,
        "fetched_at": "2026-11-20T08:15:30Z",
        "warc_file": "dodnews-1.warc.gz",
        "warc_record_id": "<urn:uuid:1>",
    }
    return SimpleNamespace(**{**base, **fields})


def test_capture_links() -> None:
    replay = "http://127.0.0.1:8080/dodnews/"
    assert capture_link(capture(), replay) == f"{replay}20261120081530/{URL}"
    moved = capture(final_url=URL.replace("harbor", "port"))
    assert capture_link(moved, replay) == f"{replay}20261120081530/{moved.final_url}"
    assert capture_link(capture(), None) == "warc:dodnews-1.warc.gz#<urn:uuid:1>"
    # a timeout archived nothing: a replay link would show the nearest other capture instead
    assert capture_link(capture(warc_file=None, warc_record_id=None), replay) is None
    assert capture_link(None, replay) is None
