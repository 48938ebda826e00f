"""Rotating gzip WARC 1.1 files written with warcio: the raw evidence of every fetch.

Each file starts with a warcinfo record. A response whose payload is byte-identical to the last one
archived for the same URL becomes a revisit record (identical-payload-digest profile) that points at
the original, and a 304 answer to a conditional request becomes a revisit record
(server-not-modified profile) pointing at the last full (2xx) response: unchanged re-captures cost
a few hundred bytes. A 304 to a request without validators confirms nothing: it is written as the
response it is.

The per-URL index (`<prefix>-digests.json`) also keeps each page's content digest: the digest of
the decoded page with its per-request WebForms tokens blanked, so that a re-capture from a server
that ignores conditional requests can be recognized as unchanged before any parsing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from dodnews import __version__
from dodnews.warc.repair import mark_closed, mark_open, repair_torn_files

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "proxy-connection",
    "upgrade",
    "te",
    "trailer",
}
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Hidden WebForms fields whose values change on every request of an unchanged page.
_VOLATILE = re.compile(
    rb'(<input[^>]*\bname="__(?:VIEWSTATE|EVENTVALIDATION)"[^>]*\bvalue=")[^"]*', re.IGNORECASE
)


@dataclass(frozen=True)
class WarcRef:
    """Where a response record lives: file name (relative to the WARC folder) and record id."""

    file: str
    record_id: str
    revisit: bool = False


def payload_digest(body: bytes) -> str:
    if not body:
        return _EMPTY_DIGEST  # every 304 and request record
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


_EMPTY_DIGEST = "sha1:" + base64.b32encode(hashlib.sha1(b"").digest()).decode("ascii")


def content_digest(body: bytes) -> str:
    """sha256 of a decoded page with its per-request tokens blanked: stable while unchanged."""
    return "sha256:" + hashlib.sha256(_VOLATILE.sub(rb"\1", body)).hexdigest()


def page_digests(body: bytes) -> tuple[str, str]:
    """(content digest, body digest) of a decoded page: one hash when it has no tokens to blank."""
    body_sha = "sha256:" + hashlib.sha256(body).hexdigest()
    blanked, count = _VOLATILE.subn(rb"\1", body)
    if not count:
        return body_sha, body_sha
    return "sha256:" + hashlib.sha256(blanked).hexdigest(), body_sha


def decoded_body(headers: list[tuple[str, str]], body: bytes) -> bytes | None:
    """The body with its Content-Encoding undone (None when it cannot be decoded)."""
    encoding = next((v for k, v in headers if k.lower() == "content-encoding"), "").strip().lower()
    try:
        if encoding in ("gzip", "x-gzip"):
            return gzip.decompress(body)
        if encoding == "deflate":
            try:
                return zlib.decompress(body)
            except zlib.error:
                return zlib.decompress(body, -zlib.MAX_WBITS)
    except (OSError, EOFError, zlib.error):
        return None
    return body if encoding in ("", "identity") else None


def _asked(request_headers: list[tuple[str, str]]) -> bool:
    """True when the request carried validators (If-None-Match / If-Modified-Since)."""
    return any(
        k.lower() in ("if-none-match", "if-modified-since") and v for k, v in request_headers
    )


def warc_date() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RotatingWarcWriter:
    """Appends request/response pairs to `<prefix>-<time>-<n>.warc.gz`, rotating by size."""

    def __init__(
        self,
        directory: str | Path,
        prefix: str = "dodnews",
        max_size: int = 1 << 30,
        operator: str | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.max_size = max_size
        self.operator = operator
        self._file: io.BufferedWriter | None = None
        self._writer: WARCWriter | None = None
        self._name = ""
        self._serial = 0
        self._index_path = self.directory / f"{prefix}-digests.json"
        # key (article or URL) -> [payload digest, record id, warc date, content digest, body
        # digest, URL] of the last full response; the content and body digests are those of the
        # latest page noted (note_content).
        self._last: dict[str, list[str]] = self._load_index()
        # files a killed crawl left with a torn last record are cut back to whole records
        repair_torn_files(self.directory)

    def _load_index(self) -> dict[str, list[str]]:
        try:
            return json.loads(self._index_path.read_text())
        except (OSError, ValueError):
            return {}

    def _open(self) -> WARCWriter:
        if (
            self._writer is not None
            and self._file is not None
            and self._file.tell() < self.max_size
        ):
            return self._writer
        self.close_file()
        self._serial += 1
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
        self._name = f"{self.prefix}-{stamp}-{self._serial:05d}-{os.getpid()}.warc.gz"
        self._file = open(self.directory / self._name, "ab")  # noqa: SIM115 - kept open
        mark_open(self.directory / self._name)
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        info = {
            "software": f"dodnews/{__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iso.org/standard/68004",
        }
        if self.operator:
            info["operator"] = self.operator
        self._writer.write_record(self._writer.create_warcinfo_record(self._name, info))
        return self._writer

    def write(
        self,
        url: str,
        method: str,
        request_target: str,
        request_headers: list[tuple[str, str]],
        status_line: str,
        protocol: str,
        response_headers: list[tuple[str, str]],
        body: bytes,
        key: str | None = None,
    ) -> WarcRef:
        """Write one request/response pair (or request/revisit) and return the response's ref.

        The page's content digests follow with `note_content` once they are worked out.
        `key` names what is re-captured (default: the URL); an article keeps one key across the
        URL variants that lead to it, so its revisits find their original.
        """
        writer = self._open()
        headers = [(k, v) for k, v in response_headers if k.lower() not in HOP_BY_HOP]
        http_headers = StatusAndHeaders(status_line, headers, protocol=protocol)
        digest = payload_digest(body)
        date = warc_date()
        key = key or url
        last = self._last.get(key)
        not_modified = status_line.startswith("304") and not body and _asked(request_headers)
        if last and (last[0] == digest or not_modified):
            # For a 304 the payload is the one of the response it confirms.
            original_url = last[5] if len(last) > 5 else url
            record = writer.create_revisit_record(
                url, last[0], original_url, last[2], http_headers=http_headers
            )
            profile = NOT_MODIFIED_PROFILE if not_modified else REVISIT_PROFILE
            record.rec_headers.replace_header("WARC-Profile", profile)
            record.rec_headers.add_header("WARC-Refers-To", last[1])
            revisit = True
        else:
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http_headers,
            )
            revisit = False
        record.rec_headers.replace_header("WARC-Date", date)
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"{method} {request_target} HTTP/1.1", request_headers, is_http_request=True
            ),
        )
        writer.write_request_response_pair(request, record)
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        if not revisit and status_line.startswith("2"):
            # only a whole page is an original for later revisits (never a wall, an error or a
            # 304); its content digests stay those of the last page noted until note_content
            kept = (last[3], last[4]) if last and len(last) > 4 else ("", "")
            self._last[key] = [digest, record_id, date, *kept, url]
        return WarcRef(self._name, record_id, revisit)

    def note_content(self, key: str, record_id: str, content: tuple[str, str]) -> str | None:
        """The page of response record `record_id` had `content` (content digest, body digest).

        Returns the body digest of the last page archived under `key` with the same content
        (tokens aside), or None. The index then holds this page's pair, as the archive holds
        this page's body digest: a recheck compares the two. The digests are worked out after
        the record is written, with the page's extraction.
        """
        last = self._last.get(key)
        if last is None:
            return None
        previous = (last[3], last[4]) if len(last) > 4 else ("", "")
        if last[1] == record_id:  # the index still describes this record: keep its content
            self._last[key] = [*last[:3], *content, *last[5:6]]
        return previous[1] if previous[0] == content[0] else None

    def write_derived(
        self,
        url: str,
        body: bytes,
        content_type: str,
        refers_to: str | None,
        record_type: str = "conversion",
        concurrent_to: str | None = None,
    ) -> WarcRef:
        """A conversion/resource record (e.g. a rendered DOM or a screenshot) tied to a response."""
        writer = self._open()
        record = writer.create_warc_record(
            url,
            record_type,
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
        )
        record.rec_headers.replace_header("WARC-Date", warc_date())
        if refers_to:
            record.rec_headers.add_header("WARC-Refers-To", refers_to)
        if concurrent_to:
            record.rec_headers.add_header("WARC-Concurrent-To", concurrent_to)
        writer.write_record(record)
        return WarcRef(self._name, record.rec_headers.get_header("WARC-Record-ID"))

    def sync(self) -> None:
        """Put every record written so far on disk (flushed and fsynced): called before the
        archive commits captures that point at them, so that a committed capture's record
        survives a kill -9 or a power cut."""
        if self._file is not None:
            self._file.flush()
            os.fsync(self._file.fileno())

    def close_file(self) -> None:
        if self._file is not None:
            self._file.close()
            mark_closed(self.directory / self._name)
        self._file = None
        self._writer = None

    def close(self) -> None:
        self.close_file()
        tmp = self._index_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._last, sort_keys=True))
        os.replace(tmp, self._index_path)
