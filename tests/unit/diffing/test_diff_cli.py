"""`dodnews diff`: two saved pages in, a report out, exit status like diff(1)."""

from __future__ import annotations

import json

import pytest

from dodnews.cli.main import main

URL = "https://www.war.gov/News/News-Stories/Article/Article/4300777/harbor-drill-ends/"


def page(paragraphs: list[str], banner: str | None = None, host: str = "www.war.gov") -> str:
    notice = (
        f'<div class="historical-notice alert alert-info" role="alert"><p>{banner}</p></div>'
        if banner
        else ""
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><title>Harbor Drill Ends &gt; Department of War</title>
<meta property="og:url" content="{URL.replace("www.war.gov", host)}">
</head><body><form>
<input type="hidden" name="__VIEWSTATE" value="{host}-{len(body)}">
{notice}
<div class="adetail content-type-1" data-content-type="News">
<div class="adetail-header"><h1 class="maintitle">Harbor Drill Ends</h1>
<div class="ainfo"><span class="date">April 2, 2026</span>
<span class="byline">By Chris Vance, DOD News</span></div></div>
<div class="body">{body}</div></div></form></body></html>"""


PARAS = [
    "Tugboat crews guided a hospital ship out of the harbor at first light on Thursday.",
    "The drill involved 45 vessels from three navies and lasted nine days in all.",
    "Harbor pilots said the fog lifted early, which let the ships keep to the plan.",
]


@pytest.fixture
def pages(tmp_path):
    def write(name: str, html: str):
        path = tmp_path / name
        path.write_text(html, encoding="utf-8")
        return str(path)

    return write


def test_no_change_exits_0(pages, capsys):
    old = pages("old.html", page(PARAS))
    # Host rename and a new view-state token are not changes.
    new = pages("new.html", page(PARAS, host="www.defense.gov").replace("&gt;", "&#62;"))
    assert main(["diff", old, new]) == 0
    assert "0 changes" in capsys.readouterr().out


def test_figure_change_exits_1_json(pages, capsys):
    old = pages("old.html", page(PARAS))
    edited = [PARAS[0], PARAS[1].replace("45 vessels", "48 vessels"), PARAS[2]]
    new = pages("new.html", page(edited))
    assert main(["diff", old, new, "--url", URL, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["kinds"] == ["figure_changed", "paragraph_edited"]
    figure = next(c for c in report["changes"] if c["kind"] == "figure_changed")
    assert (figure["before"], figure["after"]) == ("45", "48")
    assert report["provenance"]["article_id"] == 4300777


@pytest.mark.parametrize("fmt", ["text", "md", "html"])
def test_formats(pages, capsys, fmt):
    old = pages("old.html", page(PARAS))
    new = pages(
        "new.html", page(PARAS, banner="You have accessed part of a historical collection.")
    )
    assert main(["diff", old, new, "--format", fmt]) == 1
    out = capsys.readouterr().out
    assert "Banner added" in out
    if fmt == "html":
        assert out.startswith("<!DOCTYPE html>")
    if fmt == "md":
        assert "| `banner_added` |" in out


def test_missing_file_exits_2(pages, capsys):
    old = pages("old.html", page(PARAS))
    assert main(["diff", old, old + ".missing"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_not_an_article_exits_2(pages, capsys):
    old = pages("old.html", page(PARAS))
    new = pages("new.html", "<html><body><p>nothing here</p></body></html>")
    assert main(["diff", old, new]) == 2
    assert capsys.readouterr().err.startswith("dodnews: error:")


def test_argument_errors_exit_2(pages, capsys):
    old = pages("old.html", page(PARAS))
    assert main(["diff", old]) == 2
    assert main(["diff", "--id", "4300777", "--from", "1"]) == 2
    assert main(["diff", old, old, "--to", "2"]) == 2
    err = capsys.readouterr().err
    assert "--id needs --from V and --to W" in err


def test_id_form_without_an_archive_is_a_user_error(tmp_path, capsys):
    missing = f"sqlite:///{tmp_path / 'none.sqlite'}"
    assert main(["diff", "--id", "4300777", "--from", "1", "--to", "2", "--archive", missing]) == 2
    assert "no archive at" in capsys.readouterr().err


def test_id_form_with_archive(tmp_path, capsys):
    from dodnews.archive import Archive
    from dodnews.model import OUTCOME_OK
    from tests.unit.archive.test_archive import ARTICLE_ID, article_v1, article_v2, capture

    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with Archive.open(url) as archive:
        archive.record_capture(capture(OUTCOME_OK, "2026-04-01T00:00:00Z", article_v1()))
        archive.record_capture(capture(OUTCOME_OK, "2026-04-02T00:00:00Z", article_v2()))
    argv = ["diff", "--id", str(ARTICLE_ID), "--from", "1", "--to", "2", "--archive", url]
    assert main([*argv, "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["kinds"]
    assert report["provenance"]["new_captured_at"].startswith("2026-04-02T00:00:00")
    assert main([*argv[:-4], "--to", "9", "--archive", url]) == 2
    assert "has no version 9" in capsys.readouterr().err
