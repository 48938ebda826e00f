"""Re-extraction: marked versions, confirmations, reading pages back from WARC, marked reports.

The crawl-level behaviour (an upgrade against the replica) is in test_extractor_upgrade.py; these
tests drive the archive, the WARC reader and the report writers directly.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import redirect_stdout
from dataclasses import replace
from pathlib import Path

import pytest

from dodnews.archive import Archive, Evidence, OutdatedVersion, Reextraction
from dodnews.archive.reextraction import is_older_extractor
from dodnews.cli.main import main
from dodnews.crawl.reextracting import EvidenceMissing, Reextractor
from dodnews.diffing.detect import detect_changes
from dodnews.diffing.model import Change, ChangeReport, Provenance
from dodnews.extract import EXTRACTOR_VERSION, extract_article
from dodnews.extract.normalize import normalize_article
from dodnews.model import OUTCOME_NOT_MODIFIED, OUTCOME_OK, Article, Capture
from dodnews.reports import (
    ReportEntry,
    format_atom,
    format_html,
    format_index,
    format_markdown,
    group_entries,
)
from dodnews.reports.diff_formats import plain_text
from dodnews.warc.reader import RecordUnreadable, WarcReader
from dodnews.warc.writer import RotatingWarcWriter
from tests.paths import FIXTURES
from tests.pg_support import throwaway_database
from tests.unit.archive.test_archive import ARTICLE_ID, URL, article_v1, article_v2

OLD, NEW = "1", "2"


def read_by(extractor: str, article: Article) -> Article:
    return replace(article, extractor_version=extractor)


def missed_byline(article: Article) -> Article:
    """What the older extractor read: the same page without its byline."""
    return replace(article, byline=None)


def ok(article: Article, hour: int, record: str | None = None) -> Capture:
    return Capture(
        article_id=article.article_id,
        requested_url=URL,
        fetched_at=f"2025-10-0{1 + hour // 24}T{hour % 24:02d}:00:00Z",
        outcome=OUTCOME_OK,
        status=200,
        body_digest=f"sha256:{hour:064d}",
        warc_file="one.warc.gz" if record else None,
        warc_record_id=record,
        article=article,
    )


def evidence(capture_id: int = 1) -> Evidence:
    return Evidence(capture_id, "2025-10-01T00:00:00Z", URL, "one.warc.gz", "<urn:1>", None)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    if request.param == "sqlite":
        with Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
            yield archive
        return
    postgres = request.getfixturevalue("postgres_url")
    with throwaway_database(postgres) as url, Archive.open(url) as archive:
        yield archive


def old_archive(archive: Archive) -> int:
    """One capture read by the OLD extractor, which missed the byline; its version id."""
    archive.record_capture(ok(read_by(OLD, missed_byline(article_v1())), 0, "<urn:1>"))
    version = archive.latest_version(ARTICLE_ID)
    assert version is not None and version.extractor_version == OLD
    return version.id


# -- the archive ---------------------------------------------------------------------------------


def test_a_different_reextraction_is_a_marked_version_and_never_a_change(archive) -> None:
    of = old_archive(archive)
    (result,) = archive.record_reextractions(
        [Reextraction(ARTICLE_ID, of, read_by(NEW, article_v1()), evidence())]
    )
    assert (result.outcome, result.version) == ("version", 2)
    history = archive.versions(ARTICLE_ID)
    assert [v.extractor_version for v in history] == [OLD, NEW]
    assert history[1].id == result.version_id == archive.latest_version(ARTICLE_ID).id
    assert history[1].reextraction == {
        "extractor_version": NEW,
        "from_extractor_version": OLD,
        "from_seq": 1,
        "capture_id": 1,
        "captured_at": "2025-10-01T00:00:00Z",
        "reextracted_at": history[1].reextraction["reextracted_at"],
    }
    assert history[1].first_seen == "2025-10-01T00:00:00Z"
    assert archive.changes() == []
    assert archive.verify() == []  # the marker is not part of the hashed article
    # the next capture, an edit, is compared with the re-extraction: only the edit shows
    archive.record_capture(ok(read_by(NEW, article_v2()), 5))
    (change,) = archive.changes()
    assert (change.from_version, change.to_version) == (2, 3)
    assert "byline_changed" not in change.kinds and "title_changed" in change.kinds
    assert not change.report.extractor_changed
    assert change.report.provenance.extractor_version == NEW


def test_a_reextracted_version_is_read_again_from_the_capture_it_came_from(archive) -> None:
    of = old_archive(archive)
    (capture,) = archive.captures(ARTICLE_ID)
    source = replace(evidence(capture.id), fetched_at=capture.fetched_at)
    archive.record_reextractions([Reextraction(ARTICLE_ID, of, read_by(NEW, article_v1()), source)])
    # no capture points at the re-extracted version; a later upgrade still finds its page
    (outdated,) = archive.outdated_versions("3")
    assert outdated.version == 2
    assert [e.capture_id for e in outdated.evidence] == [capture.id]
    assert outdated.evidence[0].warc_record_id == "<urn:1>"
    (bare,) = archive.outdated_versions("3", with_evidence=False)
    assert bare.evidence == [] and archive.evidence([bare.version_id]) == {
        bare.version_id: outdated.evidence
    }


def test_reextraction_and_capture_in_one_batch(archive) -> None:
    of = old_archive(archive)
    results, done = archive.write_batch(
        [ok(read_by(NEW, article_v1()), 5)],
        None,
        [Reextraction(ARTICLE_ID, of, read_by(NEW, article_v1()), evidence())],
    )
    assert [r.outcome for r in done] == ["version"]
    assert results[0].change_id is None and not results[0].new_version
    assert results[0].version_id == done[0].version_id
    assert archive.changes() == []


def test_the_same_reading_confirms_the_version_for_the_new_extractor(archive) -> None:
    archive.record_capture(ok(read_by(OLD, article_v1()), 0, "<urn:1>"))
    of = archive.latest_version(ARTICLE_ID).id
    assert [o.version_id for o in archive.outdated_versions(NEW)] == [of]
    (result,) = archive.record_reextractions(
        [Reextraction(ARTICLE_ID, of, read_by(NEW, article_v1()), evidence())]
    )
    assert (result.outcome, result.version_id) == ("confirmed", of)
    (version,) = archive.versions(ARTICLE_ID)
    assert version.extractor_version == NEW and version.reextraction is None
    assert archive.outdated_versions(NEW) == []
    archive.record_capture(ok(read_by(NEW, article_v2()), 5))
    (change,) = archive.changes()
    assert change.report.provenance.extractor_version == NEW
    assert not change.report.extractor_changed
    # comparing the two stored versions by hand says the same
    url = archive.url.render_as_string(hide_password=False)
    argv = ["diff", "--id", str(ARTICLE_ID), "--from", "1", "--to", "2", "--archive", url]
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([*argv, "--format", "json"]) == 1
    assert json.loads(out.getvalue())["extractor_changed"] is False


def test_a_capture_that_reads_the_same_confirms_the_version(archive) -> None:
    archive.record_capture(ok(read_by(OLD, article_v1()), 0))
    result = archive.record_capture(ok(read_by(NEW, article_v1()), 5))
    assert not result.new_version and result.change_id is None
    (version,) = archive.versions(ARTICLE_ID)
    assert version.extractor_version == NEW
    assert version.article.extractor_version == OLD  # the stored JSON is left as written
    assert archive.outdated_versions(NEW) == []


def test_a_reextraction_of_a_version_no_longer_current_is_skipped(archive) -> None:
    of = old_archive(archive)
    archive.record_capture(ok(read_by(NEW, article_v2()), 5))  # moved on meanwhile
    (result,) = archive.record_reextractions(
        [Reextraction(ARTICLE_ID, of, read_by(NEW, article_v1()), evidence())]
    )
    assert result.outcome == "skipped"
    assert len(archive.versions(ARTICLE_ID)) == 2
    unknown = Reextraction(4199999, of, read_by(NEW, article_v1()), evidence())
    assert [r.outcome for r in archive.record_reextractions([unknown])] == ["skipped"]


def test_a_change_across_extractors_without_evidence_is_flagged(archive) -> None:
    old_archive(archive)
    archive.record_capture(ok(read_by(NEW, article_v1()), 5))
    (change,) = archive.changes()
    assert change.kinds == ["byline_changed"]
    assert change.report.extractor_changed
    assert change.report.provenance.extractor_version == f"{OLD} -> {NEW}"
    assert change.to_json()["extractor_changed"] is True


def test_outdated_versions_list_whole_page_captures_newest_first(archive) -> None:
    old_archive(archive)
    archive.record_capture(ok(read_by(OLD, missed_byline(article_v1())), 3, "<urn:3>"))
    not_modified = replace(
        ok(read_by(OLD, missed_byline(article_v1())), 4, "<urn:4>"),
        outcome=OUTCOME_NOT_MODIFIED,
        status=304,
        article=None,
    )
    archive.record_capture(not_modified)
    (outdated,) = archive.outdated_versions(NEW, [ARTICLE_ID, 999])
    assert [e.warc_record_id for e in outdated.evidence] == ["<urn:3>", "<urn:1>"]  # no 304
    assert outdated.evidence[0].url == URL and outdated.extractor_version == OLD
    assert archive.count_outdated(NEW) == 1
    assert archive.outdated_versions(OLD) == []
    assert archive.outdated_versions(NEW, after=ARTICLE_ID) == []


@pytest.mark.parametrize(
    ("stored", "running", "older"),
    [
        ("1", "2", True),
        ("2", "1", False),  # a crawl on an older dodnews never re-reads a newer reading
        ("9", "10", True),
        ("10", "9", False),
        (None, "2", True),
        ("2", "2", False),
        ("test-1", "test-2", True),
        ("2", "", False),
    ],
)
def test_which_extractor_is_older(stored: str | None, running: str, older: bool) -> None:
    assert is_older_extractor(stored, running) is older


# -- reading pages back from WARC files ---------------------------------------------------------


def write(writer: RotatingWarcWriter, body: bytes, encoding: str | None = None, key: str = "k"):
    headers = [("Content-Type", "text/html; charset=utf-8")]
    if encoding:
        headers.append(("Content-Encoding", encoding))
    return writer.write(
        url=URL,
        method="GET",
        request_target="/x",
        request_headers=[("Accept-Encoding", "gzip")],
        status_line="200 OK",
        protocol="HTTP/1.1",
        response_headers=headers,
        body=body,
        key=key,
    )


def sha(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


PAGE = b"<html><body><h1>Tugs and pilots at night</h1></body></html>"


def test_reader_decodes_a_response_and_checks_its_digest(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    ref = write(writer, gzip.compress(PAGE), "gzip")
    writer.close()
    reader = WarcReader(tmp_path)
    assert reader.page(ref.file, ref.record_id, sha(PAGE)) == PAGE
    with pytest.raises(RecordUnreadable, match="the capture recorded sha256:"):
        reader.page(ref.file, ref.record_id, sha(b"another page"))


def test_reader_follows_a_revisit_into_another_file(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path, max_size=1)  # every write opens a new file
    first = write(writer, PAGE)
    again = write(writer, PAGE)
    writer.close()
    assert again.revisit and again.file != first.file
    assert WarcReader(tmp_path).page(again.file, again.record_id, sha(PAGE)) == PAGE


def test_reader_reads_a_rendered_dom(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    raw = write(writer, b"<html><body>loading</body></html>")
    dom = writer.write_derived(URL, PAGE, "text/html; charset=utf-8", raw.record_id)
    writer.close()
    assert WarcReader(tmp_path).page(dom.file, dom.record_id) == PAGE


def test_reader_says_in_one_line_what_is_missing(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    ref = write(writer, PAGE)
    writer.close()
    reader = WarcReader(tmp_path)
    cases = [
        (ref.file, "<urn:uuid:nothing>", "not in"),
        ("gone.warc.gz", ref.record_id, "is missing from"),
        ("../" + ref.file, ref.record_id, "is missing from"),  # never outside the folder
        (None, ref.record_id, "is missing from"),
    ]
    for file, record_id, words in cases:
        with pytest.raises(RecordUnreadable, match=words) as caught:
            reader.page(file, record_id)
        assert "\n" not in str(caught.value)


def test_reader_sees_records_added_to_a_file_after_its_first_scan(tmp_path: Path) -> None:
    writer = RotatingWarcWriter(tmp_path)
    first = write(writer, PAGE, key="a")
    writer.sync()
    reader = WarcReader(tmp_path)
    assert reader.page(first.file, first.record_id) == PAGE
    second = write(writer, b"<html><body>later</body></html>", key="b")
    writer.close()
    assert second.file == first.file
    assert reader.page(second.file, second.record_id) == b"<html><body>later</body></html>"


# -- reports -------------------------------------------------------------------------------------


def flagged_entry(article_id: int, change_id: int, flagged: bool = True) -> ReportEntry:
    old = Article(article_id, URL, "news-stories", "Tugs", byline=None, extractor_version=OLD)
    new = replace(old, byline="By Jordan Ellery", extractor_version=NEW if flagged else OLD)
    report = detect_changes(old, new)
    return ReportEntry(
        change_id=change_id,
        report=report,
        title=f"Story {article_id}",
        url=URL,
        detected_at=f"2025-10-01T0{change_id}:00:00Z",
        from_version=1,
        to_version=2,
    )


def test_reports_across_extractors_carry_a_notice() -> None:
    entry = flagged_entry(4100001, 1)
    assert entry.report.extractor_changed and entry.to_dict()["extractor_changed"] is True
    notice = "read by different extractor versions (1 -&gt; 2)"
    assert notice in format_markdown(entry) and notice in format_html(entry)
    assert "extractor changed" in plain_text(entry.report)
    plain = flagged_entry(4100001, 1, flagged=False)
    assert not plain.report.extractor_changed
    assert "different extractor versions" not in format_markdown(plain) + format_html(plain)
    assert "extractor changed" not in plain_text(plain.report)


def test_feed_leaves_out_and_rollouts_never_group_reports_across_extractors() -> None:
    flagged = [flagged_entry(4100001 + n, n + 1) for n in range(4)]
    edit = flagged_entry(4100009, 6, flagged=False)
    events = group_entries([*flagged, edit])
    # four identical byline differences would be a rollout; across an extractor change, never
    assert not any(e.grouped for e in events) and len(events) == 5
    atom = format_atom(events)
    assert "article/4100009/1-2" in atom
    assert not any(f"article/{4100001 + n}/" in atom for n in range(4))
    index = format_index(events)
    assert index.count('class="badge extractor"') == 4


def test_stored_reports_from_before_the_flag_read_it_from_their_provenance() -> None:
    def stored(versions: str) -> dict:
        provenance = Provenance(article_id=1, extractor_version=versions)
        data = ChangeReport(provenance, [Change("byline_changed", "byline")]).to_dict()
        del data["extractor_changed"]
        return data

    assert ChangeReport.from_dict(stored("1 -> 2")).extractor_changed
    assert not ChangeReport.from_dict(stored("2")).extractor_changed


# -- reading an outdated version again -----------------------------------------------------------

FIXTURES = FIXTURES / "pages"


def news_story() -> tuple[bytes, str]:
    """A saved article page and its URL."""
    url = json.loads((FIXTURES / "news-story.expected.json").read_text())["url"]
    return (FIXTURES / "news-story.html").read_bytes(), url


def outdated_with(*items: Evidence) -> OutdatedVersion:
    return OutdatedVersion(4100001, 7, 1, "hash", OLD, list(items))


def test_reextractor_reads_the_newest_readable_capture(tmp_path: Path) -> None:
    page, url = news_story()
    writer = RotatingWarcWriter(tmp_path)
    ref = write(writer, gzip.compress(page), "gzip")
    writer.close()
    good = Evidence(3, "2025-10-01T00:00:00Z", url, ref.file, ref.record_id, sha(page))
    lost = replace(good, capture_id=9, warc_record_id="<urn:uuid:lost>")
    item = Reextractor(tmp_path).read(outdated_with(lost, good))
    assert (item.article_id, item.of_version_id, item.evidence) == (4100001, 7, good)
    assert item.article == normalize_article(extract_article(page, url))
    assert item.article.extractor_version == EXTRACTOR_VERSION


def test_reextractor_reads_a_rendered_capture_from_its_dom(tmp_path: Path) -> None:
    page, url = news_story()
    writer = RotatingWarcWriter(tmp_path)
    raw = write(writer, b"<html><body>script shell</body></html>")
    dom = writer.write_derived(url, page, "text/html; charset=utf-8", raw.record_id)
    writer.close()
    rendered = Evidence(
        3, "2025-10-01T00:00:00Z", url, raw.file, raw.record_id, None, f"{dom.file}#{dom.record_id}"
    )
    assert Reextractor(tmp_path).read(outdated_with(rendered)).article.title


def test_reextractor_says_why_a_version_cannot_be_read(tmp_path: Path) -> None:
    _, url = news_story()
    writer = RotatingWarcWriter(tmp_path)
    wall = write(writer, b"<html><body>Access Denied Reference #18.2</body></html>", key="a")
    writer.close()
    reextractor = Reextractor(tmp_path)
    with pytest.raises(EvidenceMissing, match="no capture of this version"):
        reextractor.read(outdated_with())
    walled = Evidence(3, "2025-10-01T00:00:00Z", url, wall.file, wall.record_id, None)
    with pytest.raises(EvidenceMissing, match="capture 3: extraction failed"):
        reextractor.read(outdated_with(walled))
    lost = [replace(walled, capture_id=n, warc_record_id=f"<urn:{n}>") for n in (1, 2)]
    with pytest.raises(EvidenceMissing, match=r"<urn:1> not in .* \(and 1 more\)$"):
        reextractor.read(outdated_with(*lost))


def test_reextract_with_nothing_outdated_says_so(archive, tmp_path: Path) -> None:
    archive.record_capture(ok(read_by(EXTRACTOR_VERSION, article_v1()), 0, "<urn:1>"))
    url = archive.url.render_as_string(hide_password=False)
    out = io.StringIO()
    with redirect_stdout(out):
        status = main(["archive", "reextract", "--archive", url, "--warc-dir", str(tmp_path)])
    assert status == 0
    assert out.getvalue() == (
        f"nothing to re-extract: every current version is read by extractor {EXTRACTOR_VERSION}\n"
    )
