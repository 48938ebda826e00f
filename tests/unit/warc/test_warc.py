"""WARC writing: valid WARC 1.1, raw bytes kept, revisits for identical payloads, rotation."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import socket
import subprocess
import sys
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from dodnews.archive import Archive
from dodnews.warc.repair import OPEN_SUFFIX, TORN_SUFFIX, mark_open, torn_files
from dodnews.warc.verify import verify_archive
from dodnews.warc.writer import RotatingWarcWriter, content_digest, decoded_body, page_digests

WARCIO_CLI = "import sys; from warcio.cli import main; sys.exit(main())"
PAGE = b"<html><body><h1 class='maintitle'>Harbor Pilots Train on New Tugs</h1></body></html>"


def _write(writer: RotatingWarcWriter, url: str, body: bytes, encoding: str | None = None):
    headers = [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return writer.write(
        url=url,
        method="GET",
        request_target="/News/Article/1/",
        protocol="HTTP/1.1",
        request_headers=[("User-Agent", "dodnews-test"), ("Accept-Encoding", "gzip")],
        status_line="200 OK",
        response_headers=headers,
        body=body,
    )


def test_records_round_trip_and_pass_warcio_check(tmp_path):
    writer = RotatingWarcWriter(tmp_path)
    raw = gzip.compress(PAGE)
    first = _write(writer, "https://www.war.gov/News/Article/1/", raw, encoding="gzip")
    second = _write(writer, "https://www.war.gov/News/Article/1/", raw, encoding="gzip")
    third = _write(writer, "https://www.war.gov/News/Article/2/", PAGE)
    writer.close()
    assert not first.revisit and second.revisit and not third.revisit
    files = sorted(tmp_path.glob("*.warc.gz"))
    assert len(files) == 1
    for command in ("check", "index"):
        done = subprocess.run(
            [sys.executable, "-c", WARCIO_CLI, command, str(files[0])],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    with open(files[0], "rb") as fh:
        records = list(ArchiveIterator(fh))
    types = [r.rec_type for r in records]
    # warcio writes each response (or revisit) first, then its request.
    assert types == ["warcinfo", "response", "request", "revisit", "request", "response", "request"]
    with open(files[0], "rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_headers.get_header("WARC-Record-ID") == first.record_id:
                # The payload is the raw, still-compressed body as received.
                assert record.raw_stream.read() == raw
                assert record.http_headers.get_header("Transfer-Encoding") is None
            if record.rec_type == "revisit":
                assert record.rec_headers.get_header("WARC-Refers-To") == first.record_id
            if record.rec_type == "warcinfo":
                assert record.rec_headers.get_header("WARC-Type") == "warcinfo"
    assert records[0].rec_headers.protocol == "WARC/1.1"


def test_rotation_and_revisit_index_survive_restart(tmp_path):
    writer = RotatingWarcWriter(tmp_path, max_size=200)
    _write(writer, "https://www.war.gov/a/", PAGE)
    _write(writer, "https://www.war.gov/b/", PAGE + b"!")
    writer.close()
    assert len(list(tmp_path.glob("*.warc.gz"))) == 2
    again = RotatingWarcWriter(tmp_path)
    assert _write(again, "https://www.war.gov/a/", PAGE).revisit
    again.close()


def _page(token: str, text: str = "Harbor Pilots Train on New Tugs") -> bytes:
    return (
        '<html><body><form id="Form"><input type="hidden" name="__VIEWSTATE" id="__VIEWSTATE" '
        f'value="{token}"><input type="hidden" name="__EVENTVALIDATION" id="__EVENTVALIDATION" '
        f'value="{token[::-1]}"><h1 class="maintitle">{text}</h1></form></body></html>'
    ).encode()


def test_page_digests_hash_once_when_there_is_nothing_to_blank() -> None:
    tokens = _page("abc")
    content, body = page_digests(tokens)
    assert body == "sha256:" + hashlib.sha256(tokens).hexdigest()
    assert content == content_digest(tokens) != body
    plain = b"<html><body><h1>No form here</h1></body></html>"
    assert page_digests(plain) == ("sha256:" + hashlib.sha256(plain).hexdigest(),) * 2


def test_content_digest_ignores_view_state_and_304s_become_not_modified_revisits(tmp_path):
    assert content_digest(_page("abc")) == content_digest(_page("xyz"))
    assert content_digest(_page("abc")) != content_digest(_page("abc", "Tugs Delayed"))
    assert decoded_body([("Content-Encoding", "gzip")], gzip.compress(b"x")) == b"x"
    assert decoded_body([("Content-Encoding", "gzip")], b"not gzip") is None

    def pair(body: bytes) -> tuple[str, str]:
        return content_digest(body), "sha256:" + hashlib.sha256(body).hexdigest()

    url = "https://www.war.gov/News/Article/7/"
    writer = RotatingWarcWriter(tmp_path)

    def capture(body: bytes, status: str = "200 OK") -> tuple[Any, str | None]:
        """Write the record, then hand over the page's digests as the crawl does."""
        asked = [("If-None-Match", '"v1"')]
        ref = writer.write(url, "GET", "/", asked, status, "HTTP/1.1", [], body)
        return ref, writer.note_content(url, ref.record_id, pair(body)) if body else None

    first_body = _page("t1")
    first, same_as = capture(first_body)
    assert same_as is None
    again, same_as = capture(_page("t2"))
    # same content, other tokens: it points back at the first page's body digest
    assert same_as == pair(first_body)[1] and not again.revisit
    third, same_as = capture(_page("t3"))
    # the index follows the latest page, as the archive's body digest does
    assert same_as == pair(_page("t2"))[1]
    not_modified, _ = capture(b"", "304 Not Modified")
    edited = _page("t4", "Tugs Delayed")
    changed, same_as = capture(edited)
    assert not_modified.revisit and same_as is None
    _, same_as = capture(_page("t5", "Tugs Delayed"))
    assert same_as == pair(edited)[1]  # the edit is now what the index holds
    # digests that arrive for a record the index no longer describes change nothing
    assert writer.note_content(url, first.record_id, pair(_page("t6", "Other"))) is None
    latest = pair(_page("t5", "Tugs Delayed"))[1]
    assert writer.note_content(url, changed.record_id, pair(edited)) == latest
    assert writer.note_content(url, changed.record_id, pair(edited)) == latest
    writer.close()
    with open(next(tmp_path.glob("*.warc.gz")), "rb") as fh:
        records = {r.rec_headers.get_header("WARC-Record-ID"): r for r in ArchiveIterator(fh)}
        revisit = records[not_modified.record_id].rec_headers
    assert revisit.get_header("WARC-Profile").endswith("/revisit/server-not-modified")
    assert revisit.get_header("WARC-Refers-To") == third.record_id


def test_only_a_304_to_our_validators_is_a_revisit_and_only_whole_pages_are_originals(tmp_path):
    url = "https://www.war.gov/News/Article/8/"
    writer = RotatingWarcWriter(tmp_path)

    def write(status: str, body: bytes, asked: bool = False) -> Any:
        validators = [("If-Modified-Since", "Tue, 01 Sep 2026 00:00:00 GMT")] if asked else []
        return writer.write(url, "GET", "/", validators, status, "HTTP/1.1", [], body)

    page = write("200 OK", PAGE)
    unasked = write("304 Not Modified", b"")
    wall = write("403 Forbidden", b"<HTML><TITLE>Access Denied</TITLE></HTML>")
    asked = write("304 Not Modified", b"", asked=True)
    writer.close()
    assert not unasked.revisit and not wall.revisit and asked.revisit
    with open(next(tmp_path.glob("*.warc.gz")), "rb") as fh:
        records = {r.rec_headers.get_header("WARC-Record-ID"): r for r in ArchiveIterator(fh)}
    assert records[unasked.record_id].rec_type == "response"
    assert records[unasked.record_id].http_headers.get_statuscode() == "304"
    # the answer to our validators confirms the last whole page, not the 304 or the wall
    assert records[asked.record_id].rec_headers.get_header("WARC-Refers-To") == page.record_id


def _records(path) -> list[str]:
    """Every record's type, reading the whole file (raises on a torn record)."""
    with open(path, "rb") as fh:
        return [record.rec_type for record in ArchiveIterator(fh)]


def test_each_record_is_on_disk_once_written(tmp_path):
    """warcio flushes every record: a kill -9 can tear only the record being written."""
    writer = RotatingWarcWriter(tmp_path)
    url = "https://www.war.gov/News/Article/8/"
    writer.write(url, "GET", "/", [], "200 OK", "HTTP/1.1", [], b"<html>short page</html>")
    (path,) = tmp_path.glob("*.warc.gz")
    assert _records(path) == ["warcinfo", "response", "request"]  # read by another handle
    writer.sync()  # and fsynced before the archive commits a batch (see the pipeline test)
    writer.close()


def test_a_file_a_killed_writer_left_torn_is_cut_back_to_whole_records(tmp_path):
    url = "https://www.war.gov/News/Article/9/"
    writer = RotatingWarcWriter(tmp_path)
    for n in range(3):
        writer.write(url, "GET", "/", [], "200 OK", "HTTP/1.1", [], _page(f"t{n}"))
    writer.sync()
    (path,) = tmp_path.glob("*.warc.gz")
    whole = path.read_bytes()
    marker = path.with_name(path.name + OPEN_SUFFIX)
    assert marker.exists()
    # The writer is killed: its file ends halfway through a record, and the marker stays.
    torn = gzip.compress(b"WARC/1.1\r\nWARC-Type: response\r\n" + os.urandom(5000))[:700]
    with open(path, "ab") as fh:
        fh.write(torn)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    marker.write_text(json.dumps({"host": socket.gethostname(), "pid": dead.pid}))

    live_other = tmp_path / "other.warc.gz"
    live_other.write_bytes(torn)  # a file a live writer (this process) has open: left alone
    mark_open(live_other)

    assert torn_files(tmp_path) == [path.name]
    with Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        assert verify_archive(archive, tmp_path) == [
            f"WARC file {path.name} ends with a torn record (its crawl was killed); the next "
            "crawl on this folder cuts it"
        ]
    RotatingWarcWriter(tmp_path).close()  # the next crawl's writer
    assert torn_files(tmp_path) == []
    assert path.read_bytes() == whole
    assert _records(path) == ["warcinfo"] + ["response", "request"] * 3
    assert path.with_name(path.name + TORN_SUFFIX).read_bytes() == torn
    assert not marker.exists()
    assert live_other.read_bytes() == torn
    assert live_other.with_name(live_other.name + OPEN_SUFFIX).exists()
    writer.close()
    assert not marker.exists()


def test_verify_checks_a_rendered_capture_against_its_conversion_record(tmp_path):
    from dodnews.model import Capture

    url = "https://www.war.gov/News/Article/10/"
    writer = RotatingWarcWriter(tmp_path)
    wall = writer.write(url, "GET", "/", [], "403 Forbidden", "HTTP/1.1", [], b"Access Denied")
    dom = _page("rendered")
    rendered = writer.write_derived(url, dom, "text/html; charset=utf-8", wall.record_id)
    orphan = writer.write_derived(url, dom, "text/html; charset=utf-8", "<urn:uuid:gone>")
    writer.close()

    def capture(record_id: str, digest: str) -> Capture:
        return Capture(
            article_id=10,
            requested_url=url,
            fetched_at="2026-09-01T10:00:00Z",
            outcome="error",
            status=200,
            body_digest=digest,
            error="kept as a failed capture: no version needed for this check",
            warc_file=rendered.file,
            warc_record_id=record_id,
        )

    right = "sha256:" + hashlib.sha256(dom).hexdigest()
    with Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        archive.record_capture(capture(rendered.record_id, right))
        assert verify_archive(archive, tmp_path) == []
        archive.record_capture(capture(rendered.record_id, "sha256:" + "0" * 64))
        archive.record_capture(capture(orphan.record_id, right))
        problems = verify_archive(archive, tmp_path)
    assert len(problems) == 2
    assert "decodes to " + right in problems[0] or "decodes to " + right in problems[1]
    assert any("refers to <urn:uuid:gone>, which no WARC file holds" in p for p in problems)
