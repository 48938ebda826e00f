"""The content-addressed screenshot store and the changed-region marks in the HTML report."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

import pytest

from dodnews.diffing.model import Change, ChangeReport, Provenance
from dodnews.reports import ReportEntry
from dodnews.reports.html import format_html
from dodnews.reports.screenshots import (
    ScreenshotStore,
    find_region,
    report_screenshots,
    screenshots_dir,
)


def _png(color: int) -> bytes:
    """A valid 1x1 grey PNG (enough for the store, which checks the signature)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = (1).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    raw = zlib.compress(bytes([0, color]))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


REGIONS = {
    "width": 1000,
    "height": 4000,
    "boxes": [
        {"text": "Title of the story", "x": 100, "y": 200, "width": 800, "height": 60},
        {"text": "The base hosted  forty sailors.", "x": 100, "y": 400, "width": 800, "height": 80},
    ],
}


def test_store_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = ScreenshotStore(tmp_path / "shots")
    png = _png(10)
    digest = store.put(png, REGIONS)
    assert digest == hashlib.sha256(png).hexdigest()
    assert store.put(png, {"width": 1, "height": 1, "boxes": []}) == digest  # first JSON kept
    assert store.get(digest) == png
    assert store.regions(digest) == REGIONS
    assert (tmp_path / "shots" / f"{digest}.png").is_file()
    assert store.data_uri(digest).startswith("data:image/png;base64,iVBOR")
    assert store.put(_png(11)) != digest
    assert sorted(p.suffix for p in (tmp_path / "shots").iterdir()) == [".json", ".png", ".png"]


def test_store_refuses_non_png_and_bad_hashes(tmp_path: Path) -> None:
    store = ScreenshotStore(tmp_path)
    with pytest.raises(ValueError):
        store.put(b"GIF89a...")
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")
    assert store.get("0" * 64) is None
    assert store.regions("nothex") is None


def test_directory_beside_a_sqlite_archive(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arch' / 'a.sqlite'}"
    assert screenshots_dir(url) == tmp_path / "arch" / "screenshots"
    assert screenshots_dir(url, "/elsewhere") == Path("/elsewhere")
    assert screenshots_dir("postgresql://u@h/db") == Path("data/screenshots")


def test_region_found_by_paragraph_text_in_percent() -> None:
    box = find_region(REGIONS, ["no such text", "The base hosted forty sailors."])
    assert box == {"left": 10.0, "top": 10.0, "width": 80.0, "height": 2.0}
    assert find_region(REGIONS, ["Completely different"]) is None
    assert find_region({"width": 0, "height": 0, "boxes": REGIONS["boxes"]}, ["Title"]) is None


def _entry(shots: dict | None) -> ReportEntry:
    change = Change(
        "paragraph_edited",
        "paragraphs",
        "The base hosted forty sailors.",
        "The base hosted fifty sailors.",
        location={"old_index": 0, "new_index": 0},
    )
    return ReportEntry(
        change_id=1,
        report=ChangeReport(Provenance(article_id=4300101), [change]),
        title="Title of the story",
        url="https://www.war.gov/x",
        detected_at="2026-11-27T10:00:00Z",
        from_version=1,
        to_version=2,
        screenshots=shots,
    )


def test_report_shows_both_screenshots_with_the_change_outlined(tmp_path: Path) -> None:
    store = ScreenshotStore(tmp_path)
    old = store.put(_png(10), REGIONS)
    after_regions = {
        **REGIONS,
        "boxes": [{**REGIONS["boxes"][1], "text": "The base hosted fifty sailors.", "y": 800}],
    }
    new = store.put(_png(200), after_regions)
    entry = _entry(None)
    shots = report_screenshots(store, old, new, entry.report.changes, labels=("before", "after"))
    assert shots["before"]["mark"]["top"] == 10.0
    assert shots["after"]["mark"]["top"] == 20.0
    entry.screenshots = shots
    page = format_html(entry)
    assert page.count('<img class="shot" src="data:image/png;base64,') == 2
    assert page.count('class="changed-region"') == 2
    assert "top:20.000%" in page


def test_report_without_pictures_or_with_hostile_marks(tmp_path: Path) -> None:
    store = ScreenshotStore(tmp_path)
    assert report_screenshots(store, None, "0" * 64, []) is None
    src = ScreenshotStore(tmp_path).data_uri(store.put(_png(5)))
    page = format_html(_entry({"x": {"src": src, "mark": {"left": "1;background:url(x)"}}}))
    assert "changed-region" not in page and "url(x)" not in page
    page = format_html(
        _entry({"x": {"src": src, "mark": {"left": 500, "top": -3, "width": 1, "height": 1}}})
    )
    assert "left:100.000%" in page and "top:0.000%" in page
