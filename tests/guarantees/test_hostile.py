"""Hostile pages: archived script, handlers, javascript: URLs and control characters stay inert.

End to end: a replica article full of markup-looking text is crawled, changed, crawled again, and
every report (per-change HTML/Markdown/JSON, index.html, atom.xml) is checked. Then the same for
attributes the replica cannot serve (javascript: links and image sources), straight through the
archive. Last, a grep: nothing in dodnews unpickles, evals or yaml-loads.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree

import lxml.html
import pytest

from dodnews.archive import Archive
from dodnews.model import OUTCOME_OK, Article, Capture, Image, RelatedLink
from dodnews.replica.content import DATA_DIR
from dodnews.replica.testing import ReplicaProcess
from dodnews.reports.index import index_script
from dodnews.reports.reporting import write_archive_reports
from tests.crawl_support import CrawlWorkspace
from tests.paths import ROOT

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

HOSTILE_ID = 4300199
SCRIPT = "<script>alert('pwned')</script>"
HANDLER = '<img src=x onerror="alert(1)">'
JS_URL = "javascript:alert(document.cookie)"
BIDI = "\u202e\u0007\u200b"  # right-to-left override, bell, zero-width space
ATTR = '" onmouseover="alert(2)" x="'


def hostile_article() -> dict:
    """A replica article (made up for this test) whose text is all markup-looking bait."""
    return {
        "id": HOSTILE_ID,
        "section": "news-stories",
        "title": f"Depot Audit {SCRIPT} Finds {BIDI}Gaps",
        "published": "2026-11-25T09:00:00",
        "byline": f"By {HANDLER} Staff",
        "summary": f"Auditors counted spare parts; see [link]({JS_URL}) {ATTR}.",
        "og": True,
        "show_time": True,
        "banner": None,
        "body": [
            {"p": f"Inspectors logged 1,200 missing parts {SCRIPT} at the depot."},
            {
                "image": {
                    "virin": "261125-D-ZZ999-1001",
                    "asset": 2009990001,
                    "date": "2026/Nov/25",
                    "title": f"Audit {SCRIPT}",
                    "alt": f"Shelves {ATTR}",
                    "caption": f"Parts bins {HANDLER} in a warehouse.",
                    "credit": f"Photo {BIDI}Desk",
                    "size_kb": 300,
                }
            },
            {"p": f'The report links to <a href="{JS_URL}">the annex</a> {BIDI}today.'},
            {"p": "Officials said a second count is planned for the spring."},
        ],
        "related": [4300101],
        "tags": [f"Audit{SCRIPT}", "Logistics"],
        "links": {"host": "war.gov", "variant": "plain"},
    }


def hostile_data(folder: Path) -> Path:
    """The packaged replica data plus the hostile article, edited in epoch 1."""
    folder.mkdir()
    shutil.copy(DATA_DIR / "articles.json", folder / "articles.json")
    articles = json.loads((folder / "articles.json").read_text())
    articles.append(hostile_article())
    (folder / "articles.json").write_text(json.dumps(articles))
    epochs = json.loads((DATA_DIR / "epochs.json").read_text())
    epochs[0]["edits"].append(
        {
            "name": "hostile-edit",
            "id": HOSTILE_ID,
            "op": "replace_text",
            "target": {"paragraph": 0},
            "old": "1,200 missing parts",
            "new": f"1,450 missing parts {HANDLER}{BIDI}",
            "expect": [
                {"kind": "paragraph_edited"},
                {"kind": "figure_changed", "before": "1,200", "after": "1,450"},
            ],
        }
    )
    (folder / "epochs.json").write_text(json.dumps(epochs))
    return folder


def assert_inert_html(markup: str, where: str) -> None:
    """No script (but an index page's own, byte for byte), no event handler, no javascript:
    URL, no live control character."""
    assert not re.search(r"[\u202e\u0007\u200b]", markup), where
    root = lxml.html.fromstring(markup)
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        own = re.fullmatch(r"index(-[0-9]+)?\.html", where) and el.text == index_script()[0]
        if el.tag.lower() == "script" and own and not el.attrib:
            continue
        assert el.tag.lower() not in ("script", "iframe", "object", "embed"), where
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: <{el.tag} {name}=...>"
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                assert not value.strip().lower().startswith(("javascript:", "vbscript:")), where


def assert_inert_markdown(text: str, where: str) -> None:
    assert not re.search(r"[\u202e\u0007\u200b]", text), where
    assert "<script" not in text.lower() and "<img" not in text.lower(), where
    assert "](javascript:" not in text.lower(), where


def check_reports(diffs: Path, article_id: int) -> dict[str, str]:
    """Check every report file; return them by name."""
    files = {p.name: p.read_text(encoding="utf-8") for p in diffs.iterdir() if p.is_file()}
    mine = [n for n in files if n.split(".")[0].split("-")[0] == str(article_id)]
    assert {Path(n).suffix for n in mine} >= {".html", ".md", ".json"}, sorted(files)
    for name, text in files.items():
        if name.endswith(".html"):
            assert_inert_html(text, name)
        elif name.endswith(".md"):
            assert_inert_markdown(text, name)
        elif name.endswith(".json"):
            json.loads(text)  # exact archived text, as JSON strings: inert by construction
            assert not re.search(r"[\u202e\u0007\u200b]", text), name
    atom = ElementTree.fromstring(files["atom.xml"].encode("utf-8"))
    ns = "{http://www.w3.org/2005/Atom}"
    for entry in atom.iter(f"{ns}entry"):
        for content in list(entry.iter(f"{ns}content")) + list(entry.iter(f"{ns}summary")):
            if content.get("type") == "html" and content.text:
                assert_inert_html(content.text, "atom.xml entry")
        for link in entry.iter(f"{ns}link"):
            href = link.get("href", "").strip().lower()
            assert not href.startswith(("javascript:", "vbscript:", "data:")), link.attrib
    assert not re.search(r"[\u202e\u0007\u200b]", files["atom.xml"])
    return files


@pytest.fixture(scope="module")
def crawled_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    data = hostile_data(root / "data")
    with ReplicaProcess(epoch=0, data_dir=data) as replica:
        work = CrawlWorkspace(root / "work", replica.url)
        work.root.mkdir()
        assert work.crawl("news", sections="news-stories") == 0, work.logs[-1][-3000:]
        replica.set_epoch(1)
        assert work.crawl("recheck", ids=str(HOSTILE_ID), listings="0") == 0
    with work.open() as archive:
        (change,) = archive.changes(article_id=HOSTILE_ID)
        assert "figure_changed" in change.kinds
        # The bait was archived as text, exactly: not dropped, not executed, not rewritten.
        stored = archive.versions(HOSTILE_ID)[-1].article
        assert SCRIPT in stored.title and "\u202e" in stored.title
        assert HANDLER in stored.paragraphs[0]
    return work.diffs


def test_crawled_hostile_article_is_inert_in_every_report(crawled_reports: Path) -> None:
    files = check_reports(crawled_reports, HOSTILE_ID)
    page = next(t for n, t in files.items() if n.startswith(str(HOSTILE_ID)) and n[-5:] == ".html")
    # Shown, as text: the reader sees what the page said.
    text = lxml.html.fromstring(page).text_content()
    assert "<script>alert('pwned')</script>" in text and "[U+202E]" in text


def test_report_files_stay_inside_diffs(crawled_reports: Path) -> None:
    root = crawled_reports.parent
    report_name = re.compile(
        r"\d+-\d+-\d+.*\.(html|md|json)|index\.html|atom\.xml|index\.json|"
        r"article-\d+\.html|rollout-[0-9a-f]{16}\.html"
    )
    for path in root.rglob("*"):
        if path.is_file() and report_name.fullmatch(path.name):
            assert path.parent == crawled_reports, path
    for name in (p.name for p in crawled_reports.iterdir()):
        assert re.fullmatch(
            r"[0-9][0-9A-Za-z._-]*|index\.html|atom\.xml|\.[^/]+|index\.json|"
            r"article-[0-9]+\.html|rollout-[0-9a-f]{16}\.html",
            name,
        ), name


def attribute_bait(article_id: int, figure: str) -> Article:
    """An archived article whose URLs and attributes are hostile (as a scraped page could be)."""
    return Article(
        article_id=article_id,
        url=f"https://www.war.gov/News/News-Stories/Article/Article/{article_id}/x/",
        section="news-stories",
        title=f"Range Report {ATTR}",
        paragraphs=[f"Crews fired {figure} rounds {SCRIPT}.", f"See {JS_URL} for more."],
        images=[
            Image(
                src=JS_URL,
                virin="261125-D-ZZ999-1002",
                alt=ATTR,
                caption=HANDLER,
                credit=BIDI,
            )
        ],
        related=[RelatedLink(url=JS_URL, title=SCRIPT, article_id=None)],
        tags=[SCRIPT],
    )


def test_hostile_urls_and_attributes_from_the_archive_are_inert(tmp_path: Path) -> None:
    article_id = 4300198
    with Archive.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as archive:
        for day, figure in (("01", "300"), ("02", "350")):
            art = attribute_bait(article_id, figure)
            archive.record_capture(
                Capture(
                    article_id=article_id,
                    requested_url=art.url,
                    fetched_at=f"2026-11-{day}T10:00:00Z",
                    outcome=OUTCOME_OK,
                    status=200,
                    article=art,
                )
            )
        write_archive_reports(archive, tmp_path / "diffs")
    check_reports(tmp_path / "diffs", article_id)


def test_nothing_is_unpickled_or_evaluated() -> None:
    source = ROOT / "dodnews"
    banned = re.compile(
        r"^\s*(import|from)\s+(pickle|cPickle|_pickle|marshal|shelve|dill|jsonpickle)\b|"
        r"\b(pickle|marshal|dill)\.loads?\(|\beval\(|\bexec\(|yaml\.(unsafe_)?load\(|"
        r"__import__\(|Unpickler"
    )
    hits = [
        f"{path.relative_to(source)}:{n}: {line.strip()}"
        for path in source.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if banned.search(line) and not line.lstrip().startswith("#")
    ]
    assert hits == []
