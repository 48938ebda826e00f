"""WARC writing: valid WARC 1.1, raw bytes kept, revisits for identical payloads, rotation."""

from __future__ import annotations

import gzip
import subprocess
import sys

from warcio.archiveiterator import ArchiveIterator

from dodnews.warc import RotatingWarcWriter

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
