"""`dodnews extract`: JSON on stdout, one-line errors with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dodnews.cli.main import main
from tests.paths import FIXTURES

PAGES = FIXTURES / "pages"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["extract", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_prints_article_json_using_og_url(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, str(PAGES / "news-story.html"))
    assert status == 0 and err == ""
    data = json.loads(out)
    expected = json.loads((PAGES / "news-story.expected.json").read_text())["expected"]
    region = json.loads((PAGES / "regions.json").read_text())["news-story"]
    assert data == {**expected, "region": region}
    assert "’" in out or "\\u" not in out  # ensure_ascii off


def test_url_option_for_a_page_without_og_url(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://www.war.gov/News/Releases/Release/Article/4300455/statement/"
    status, out, _ = run(capsys, str(PAGES / "release.html"), "--url", url)
    assert status == 0 and json.loads(out)["article_id"] == 4300455


def test_listing_option(capsys: pytest.CaptureFixture[str]) -> None:
    for name, count in (("listing-items.html", 3), ("rss.xml", 2), ("getlist.json", 2)):
        status, out, _ = run(capsys, str(PAGES / name), "--listing")
        assert status == 0 and len(json.loads(out)) == count


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ((PAGES / "bot-wall.html").read_bytes(), "bot wall"),
        ((PAGES / "not-article.html").read_bytes(), "no article title and body"),
        ((PAGES / "release.html").read_bytes(), "no --url given and the page has no og:url"),
    ],
)
def test_errors_are_one_line_with_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "page.html"
    if content is not None:
        path.write_bytes(content)
    status, out, err = run(capsys, str(path))
    assert status == 2 and out == ""
    assert err.startswith("dodnews: error: ") and err.count("\n") == 1 and message in err


def test_directory_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, str(tmp_path))
    assert status == 2 and "directory" in err
