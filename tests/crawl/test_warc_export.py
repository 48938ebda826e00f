"""WARC files written by real crawls of the replica, and `dodnews export --warc / --wacz`.

Crawls: news at epoch 0, recheck (304s) at epoch 0, news at epoch 1 (changes and reports).
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import subprocess
import sys
import zipfile

import pytest
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from dodnews.archive.schema import captures
from dodnews.replica.testing import ReplicaProcess
from dodnews.warc.verify import verify_archive
from dodnews.warc.writer import content_digest
from tests.crawl_support import CrawlWorkspace

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

WARCIO_CLI = "import sys; from warcio.cli import main; sys.exit(main())"


def dodnews(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodnews", *argv], capture_output=True, text=True, timeout=120
    )


def records_of(path) -> dict[str, object]:
    """Every record of a WARC file by id, payload read (raw, as stored)."""
    found = {}
    with open(path, "rb") as fh:
        for record in ArchiveIterator(fh):
            record.payload = record.raw_stream.read()
            found[record.rec_headers.get_header("WARC-Record-ID")] = record
    return found


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("warc")
    with ReplicaProcess(epoch=0) as replica:
        work = CrawlWorkspace(root, replica.url)
        assert work.crawl("news", max_pages="1") == 0, work.logs[-1][-3000:]
        assert work.crawl("recheck", all="1", listings="0") == 0, work.logs[-1][-3000:]
        # What the replica serves now, raw, for comparison with the archived bytes.
        with work.open() as archive:
            first = archive.known_articles()[0]
        path = first.url.split("war.gov", 1)[1]
        served = replica.get(path, headers={"Accept-Encoding": "gzip"})
        replica.set_epoch(1)
        assert work.crawl("news", max_pages="1") == 0, work.logs[-1][-3000:]
    with work.open() as archive, archive.engine.connect() as conn:
        rows = conn.execute(select(captures).order_by(captures.c.id)).all()
        runs = sorted(archive.runs(), key=lambda r: r.id)
        problems = verify_archive(archive, work.warc)
    return {"work": work, "rows": rows, "runs": runs, "first": first, "served": served,
            "problems": problems}  # fmt: skip


def test_every_capture_row_names_its_warc_record_and_verify_agrees(crawled):
    rows = crawled["rows"]
    assert rows and all(r.warc_file and r.warc_record_id for r in rows)
    assert crawled["problems"] == []
    by_id = {}
    for path in crawled["work"].warc.glob("*.warc.gz"):
        by_id.update(records_of(path))
    kinds = {(r.outcome, by_id[r.warc_record_id].rec_type) for r in rows}
    assert ("ok", "response") in kinds
    assert ("not-modified", "revisit") in kinds  # a 304 costs a revisit, not a page


def test_warcio_check_and_index_pass_on_every_file(crawled):
    files = sorted(crawled["work"].warc.glob("*.warc.gz"))
    assert len(files) == 3  # one per crawl
    for path in files:
        for command in ("check", "index"):
            done = subprocess.run(
                [sys.executable, "-c", WARCIO_CLI, command, str(path)],
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, f"{command} {path.name}: {done.stdout}{done.stderr}"
            if command == "index":
                assert done.stdout.count('"offset"') > 10


def test_a_capture_reads_back_as_the_gzip_bytes_the_replica_served(crawled):
    first = crawled["first"]
    row = next(r for r in crawled["rows"] if r.article_id == first.article_id and r.outcome == "ok")
    record = records_of(crawled["work"].warc / row.warc_file)[row.warc_record_id]
    assert record.http_headers.get_header("Content-Encoding") == "gzip"
    raw = record.payload
    assert raw[:2] == b"\x1f\x8b"  # kept as received, not decompressed
    page = gzip.decompress(raw)
    assert "sha256:" + hashlib.sha256(page).hexdigest() == row.body_digest
    status, headers, served = crawled["served"]
    assert status == 200 and headers["content-encoding"] == "gzip"
    # The replica fills in fresh view-state tokens per request; everything else is identical.
    assert content_digest(gzip.decompress(served)) == content_digest(page)
    assert len(gzip.decompress(served)) == len(page)


def test_html_reports_link_to_the_warc_records_of_both_captures(crawled):
    changed = [r for r in crawled["rows"] if r.run_id == crawled["runs"][2].id and r.version_id]
    assert changed
    pages = "".join(p.read_text() for p in crawled["work"].diffs.glob("*.html"))
    # Shown as "warc:FILE#RECORD-ID" (a replay link when DODNEWS_REPLAY_URL is set).
    rows = crawled["rows"]
    linked = [r for r in rows if f"{r.warc_file}#{html.escape(r.warc_record_id)}" in pages]
    assert {r.run_id for r in linked} >= {crawled["runs"][1].id, crawled["runs"][2].id}
    assert "warc:dodnews-" in pages


def test_export_warc_of_one_article_holds_its_requests_responses_and_revisit_originals(
    crawled, tmp_path
):
    work = crawled["work"]
    article_id = crawled["first"].article_id
    out = tmp_path / "one.warc.gz"
    done = dodnews(
        "export", "--warc", str(out), "--ids", str(article_id),
        "--archive", work.archive, "--warc-dir", str(work.warc),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    mine = [r for r in crawled["rows"] if r.article_id == article_id]
    assert done.stdout.startswith(f"{out}: {len(mine)} captures")
    check = subprocess.run([sys.executable, "-c", WARCIO_CLI, "check", str(out)])
    assert check.returncode == 0
    records = records_of(out)
    types = [r.rec_type for r in records.values()]
    assert types[0] == "warcinfo"
    for row in mine:
        record = records[row.warc_record_id]
        requests = [
            r for r in records.values()
            if r.rec_type == "request"
            and r.rec_headers.get_header("WARC-Concurrent-To") == row.warc_record_id
        ]  # fmt: skip
        assert len(requests) == 1
        if record.rec_type == "revisit":
            original = records[record.rec_headers.get_header("WARC-Refers-To")]
            assert original.rec_type == "response"
    # Copied byte for byte: the payload of the ok capture is the archived one.
    ok = next(r for r in mine if r.outcome == "ok")
    source = records_of(work.warc / ok.warc_file)[ok.warc_record_id]
    assert records[ok.warc_record_id].payload == source.payload
    # nothing of other articles came along
    uris = [r.rec_headers.get_header("WARC-Target-URI") for r in records.values()][1:]
    assert uris and all(f"/{article_id}/" in uri for uri in uris)


def test_export_wacz_of_a_run_validates_with_pages_index_and_digests(crawled, tmp_path):
    from wacz.main import main as wacz_main

    work = crawled["work"]
    run = crawled["runs"][1]
    out = tmp_path / "run.wacz"
    done = dodnews(
        "export", "--wacz", str(out), "--run", str(run.id),
        "--archive", work.archive, "--warc-dir", str(work.warc),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert wacz_main(["validate", "-f", str(out)]) == 0
    with zipfile.ZipFile(out) as package:
        names = set(package.namelist())
        assert {"pages/pages.jsonl", "datapackage.json", "datapackage-digest.json"} <= names
        assert any(n.startswith("indexes/") for n in names)
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()]
        data = json.loads(package.read("datapackage.json"))
    run_rows = [r for r in crawled["rows"] if r.run_id == run.id]
    assert len(pages) == 1 + len(run_rows)  # a header line, then one page per capture
    assert all(p["title"] for p in pages[1:])
    assert all(res["hash"].startswith("sha256:") for res in data["resources"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--ids", "abc"], "--ids: expected article ids"),
        (["--ids", "1"], "no captures with WARC records match"),
        (["--since", "yesterday-ish"], "bad date"),
        (["--run", "999"], "no captures with WARC records match"),
    ],
)
def test_export_bad_input_is_one_line_and_exit_2(crawled, tmp_path, argv, message):
    work = crawled["work"]
    done = dodnews(
        "export", "--warc", str(tmp_path / "x.warc.gz"), *argv,
        "--archive", work.archive, "--warc-dir", str(work.warc),
    )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
