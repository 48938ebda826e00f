"""The replica over real HTTP: markup shapes, redirects, validators, epochs, faults, the CLI."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest

from dodnews.replica.testing import ReplicaError, ReplicaProcess

pytestmark = pytest.mark.slow  # real crawls, servers or subprocesses

NEWS, CONTRACT, TRANSCRIPT, OLD, NO_OG, MOVER = 4390101, 4390102, 4390103, 4390104, 4390105, 4390106
IMAGE = {
    "virin": "260814-A-KD240-1021",
    "asset": 2003791555,
    "date": "2026/Aug/14",
    "title": "Range Day",
    "alt": "Soldiers fire mortars.",
    "caption": "Soldiers fire 120 mm mortars.",
    "credit": "Army Spc. Dana Ruiz",
    "size_kb": 912,
}


def _art(article_id: int, section: str, title: str, published: str, body: list, **extra) -> dict:
    art = {
        "id": article_id,
        "section": section,
        "title": title,
        "published": published,
        "byline": None,
        "summary": f"Summary of {title.lower()}.",
        "og": True,
        "show_time": True,
        "banner": None,
        "body": body,
        "related": [],
        "tags": [],
        "links": {"host": "war.gov", "variant": "plain"},
    }
    art.update(extra)
    return art


SAMPLE = [
    _art(
        NEWS,
        "news-stories",
        "Mortar Crews Sharpen Skills at Alpine Range",
        "2026-11-18T14:30:00",
        [
            {"p": "Mortar crews fired 640 rounds during the two-week rotation."},
            {"image": IMAGE},
            {"p": "The range upgrade cost $12 million, officials said."},
            {"p": "Crews return in the spring."},
        ],
        byline="By Tom Reyes, DOD News",
        related=[CONTRACT, OLD],
        tags=["Army", "Europe"],
        links={"host": "defense.gov", "variant": "govdelivery"},
    ),
    _art(
        CONTRACT,
        "contracts",
        "Contracts for Nov. 17, 2026",
        "2026-11-17T17:00:00",
        [
            {"heading": "NAVY"},
            {"p": "Harbor Works Inc.,* Mobile, Alabama, is awarded $48,120,000 for pier repairs."},
            {"heading": "ARMY"},
            {"p": "Plains Fabrication, Tulsa, Oklahoma, was awarded $9,870,500 for trailers."},
            {"p": "*Small business"},
        ],
        slug="",
        show_time=False,
        links={"host": "war.gov", "variant": "noslash"},
    ),
    _art(
        TRANSCRIPT,
        "transcripts",
        "Spokesman Holds Briefing on Winter Exercises",
        "2026-11-16T13:00:00",
        [
            {"speaker": "SPOKESMAN ALAN PRICE", "p": "Good afternoon. Two exercises start Monday."},
            {"speaker": "Q", "p": "How many troops take part?"},
            {"speaker": "SPOKESMAN ALAN PRICE", "p": "About 4,500 from six nations."},
        ],
        links={"host": "war.gov", "variant": "case"},
    ),
    _art(
        OLD,
        "releases",
        "Department Opens New Test Range in Utah",
        "2019-03-04T10:00:00",
        [{"p": "The range spans 900 square miles."}, {"p": "It opens to units in May."}],
        links={"host": "defense.gov", "variant": "oldpath"},
    ),
    _art(
        NO_OG,
        "speeches",
        "Remarks at the Logistics Symposium",
        "2026-11-10T09:00:00",
        [{"p": "Thank you all for coming."}, {"p": "Supply lines win wars."}],
        og=False,
        links={"host": "war.gov", "variant": "oldslug"},
    ),
    _art(
        MOVER,
        "news-stories",
        "Sailors Train on New Damage Control Trainer",
        "2026-11-09T11:00:00",
        [{"p": "The trainer floods with 3,000 gallons of water."}],
        links={"host": "war.gov", "variant": "ref"},
    ),
]
EPOCHS = [
    {
        "epoch": 1,
        "edits": [
            {
                "name": "range-cost",
                "id": NEWS,
                "op": "replace_text",
                "target": {"paragraph": 1},
                "old": "$12 million",
                "new": "$14 million",
                "expect": [
                    {"kind": "paragraph_edited"},
                    {"kind": "figure_changed", "before": "$12 million", "after": "$14 million"},
                ],
            },
            {
                "name": "old-banner",
                "id": OLD,
                "op": "set_banner",
                "value": "historical",
                "expect": [{"kind": "banner_added"}],
            },
            {"name": "gone", "id": NO_OG, "op": "remove_article", "expect": []},
            {
                "name": "moved",
                "id": MOVER,
                "op": "move_article",
                "section": "feature-stories",
                "expect": [{"kind": "url_changed"}],
            },
            {"name": "chrome", "id": TRANSCRIPT, "op": "noise", "what": "chrome", "expect": []},
        ],
    },
    {
        "epoch": 2,
        "edits": [
            {
                "name": "revert-cost",
                "id": NEWS,
                "op": "replace_text",
                "target": {"paragraph": 1},
                "old": "$14 million",
                "new": "$12 million",
                "expect": [
                    {"kind": "paragraph_edited"},
                    {"kind": "figure_changed", "before": "$14 million", "after": "$12 million"},
                ],
            },
        ],
    },
]
ARTICLES = 400  # generated on top, enough for the older listing shapes on pages 2 and 3
SEED = 5


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replica-data")
    (path / "articles.json").write_text(json.dumps(SAMPLE), encoding="utf-8")
    (path / "epochs.json").write_text(json.dumps(EPOCHS), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[ReplicaProcess]:
    with ReplicaProcess(articles=ARTICLES, seed=SEED, data_dir=data_dir) as replica:
        yield replica


@pytest.fixture(scope="module")
def single_shape(data_dir: Path) -> Iterator[ReplicaProcess]:
    """The replica with markup variants off: every part in the first replica's shape."""
    with ReplicaProcess(articles=ARTICLES, seed=SEED, data_dir=data_dir, variants=False) as replica:
        yield replica


@pytest.fixture
def replica(server: ReplicaProcess) -> Iterator[ReplicaProcess]:
    server.set_epoch(0)
    server.clear_faults()
    yield server
    server.set_epoch(0)
    server.clear_faults()


def _text(replica: ReplicaProcess, path: str, **headers: str) -> str:
    status, _, body = replica.get(path, headers)
    assert status == 200, (path, status)
    return body.decode("utf-8")


def _ids(html: str, element: str = "listing-with-preview") -> list[int]:
    return [int(i) for i in re.findall(rf'<{element} article-id="(\d+)"', html)]


def _strip_view_state(html: str) -> str:
    return re.sub(r'id="(__VIEWSTATE|__EVENTVALIDATION)" value="[^"]*"', "", html)


ARTICLE_PATH = (
    f"/News/News-Stories/Article/Article/{NEWS}/Mortar-Crews-Sharpen-Skills-at-Alpine-Range/"
)


# --- listings ------------------------------------------------------------------------------------


def test_first_line_and_state(replica: ReplicaProcess) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", replica.url)
    state = replica.state()
    assert state["epoch"] == 0 and state["articles"] == ARTICLES + len(SAMPLE)


def test_listing_2024_shape_pages_and_past_the_end(replica: ReplicaProcess) -> None:
    first = _text(replica, "/News/News-Stories/")
    assert '<div class="alist-inner alist-more-here">' in first
    ids = _ids(first)
    assert len(ids) == 10 and ids[0] == NEWS  # newest first
    entry = re.search(r"<listing-with-preview [^>]*>", first).group(0)
    for attr in (
        "article-title=",
        "article-url=",
        "publish-date-ap=",
        'content-type-val="1"',
        'publish-date-jss="2026-11-18T14:30:00"',
        "image-url=",
        "article-summary=",
    ):
        assert attr in entry
    second = _ids(_text(replica, "/news/news-stories/?page=2"))  # case-insensitive path and param
    assert len(second) == 10 and not set(second) & set(ids)
    empty = _text(replica, "/News/News-Stories/?Page=999")
    assert '<div class="alist-inner alist-more-here">' in empty and not _ids(empty)


def test_older_listing_shapes(replica: ReplicaProcess) -> None:
    assert _ids(_text(replica, "/News/Contracts/?Page=2"))
    titles_only = _text(replica, "/News/Contracts/?Page=3")
    assert len(re.findall("<listing-titles-only ", titles_only)) == 10
    assert 'article-url="http://www.defense.gov/News/Contracts/Contract/Article/' in titles_only
    assert 'article-title=""' in titles_only
    assert _ids(_text(replica, "/News/Speeches/"))
    cards = _text(replica, "/News/Speeches/?Page=2")
    assert re.search(r'<story-card article-title="[^"]+" article-url="https://', cards)
    assert (
        len(re.findall(r'<div class="item item-\d+">', _text(replica, "/News/Transcripts/?Page=3")))
        == 10
    )
    home = _text(replica, "/")
    items = re.findall(r'<div class="item item-(\d+)">', home)
    assert int(items[0]) == NEWS and len(items) == 10
    time_el = re.search(r'<time data-dateago="([^"]+)" data-dateap="([^"]+)">([^<]+)</time>', home)
    assert time_el.group(1) == "2026-11-18T14:30:00" and time_el.group(2) == "Nov. 18, 2026"
    assert re.fullmatch(r"\d+ (min|hours|days) ago|yesterday|just now", time_el.group(3))


def test_date_filter(replica: ReplicaProcess) -> None:
    html = _text(replica, "/News/News-Stories/StartDate/2026-11-01/EndDate/2026-11-30/")
    ids = _ids(html)
    assert NEWS in ids and MOVER in ids
    dates = re.findall(r'publish-date-jss="([^"]+)"', html)
    assert dates and all("2026-11-01" <= d[:10] <= "2026-11-30" for d in dates)
    assert replica.get("/News/News-Stories/StartDate/2026-13-01/EndDate/2026-11-30/")[0] == 404


# --- article pages -------------------------------------------------------------------------------


def test_article_markup(single_shape: ReplicaProcess) -> None:
    html = _text(single_shape, ARTICLE_PATH)
    assert re.search(
        r"<title>\n\tMortar Crews Sharpen Skills at Alpine Range &gt; U\.S\. "
        r"Department of War &gt; News \| U\.S\. Department of War\n</title>",
        html,
    )
    assert '<meta property="og:url" content="https://www.war.gov' + ARTICLE_PATH + '">' in html
    assert re.search(
        r'<h1 class="maintitle">\s+Mortar Crews Sharpen Skills at Alpine Range\s+</h1>', html
    )
    assert '<span class="date">Nov. 18, 2026</span>' in html
    assert '<span class="time" data-time="14:30">' in html
    assert '<span class="byline">By Tom Reyes, DOD News</span>' in html
    assert '<form method="post" action="' + ARTICLE_PATH + '" id="Form"' in html
    assert 'data-virin="260814-A-KD240-1021"' in html
    assert re.search(
        r'src="https://media\.defense\.gov/2026/Aug/14/2003791555/\d+/\d+/0/'
        r'260814-A-KD240-1021\.JPG\?ver=1"',
        html,
    )
    assert "Photo By: Army Spc. Dana Ruiz" in html and "Download: Full Size (912 KB)" in html
    assert "{{slideNumber}}/{{numSlides}} - {{slideCaption}}" in html
    assert '<div class="ashare">' in html
    related = html.split("Related Stories", 1)[1]
    assert set(_ids(related)) == {CONTRACT, OLD}
    assert f"https://www.defense.gov/Explore/News/Article/Article/{OLD}/" in related
    assert '<a class="tag" href="https://www.war.gov/Spotlights/Army/">Army</a>' in html
    assert "Choose which War.gov products you want delivered to your inbox." in html
    assert "<p>The range upgrade cost $12 million, officials said.</p>" in html


def test_view_state_changes_per_request_but_nothing_else(replica: ReplicaProcess) -> None:
    one, two = _text(replica, ARTICLE_PATH), _text(replica, ARTICLE_PATH)
    assert one != two
    assert _strip_view_state(one) == _strip_view_state(two)


def test_contract_and_transcript_markup(replica: ReplicaProcess) -> None:
    contract = _text(replica, f"/News/Contracts/Contract/Article/{CONTRACT}//")
    assert '<p style="text-align: center;"><strong>NAVY</strong></p>' in contract
    assert f'content="https://www.war.gov/News/Contracts/Contract/Article/{CONTRACT}//"' in contract
    assert '<span class="time"' not in contract and '<span class="byline"' not in contract
    transcript = _text(replica, f"/News/Transcripts/Transcript/Article/{TRANSCRIPT}/x/")
    assert (
        "<p><strong>SPOKESMAN ALAN PRICE:</strong> About 4,500 from six nations.</p>" in transcript
    )
    speech = _text(replica, f"/News/Speeches/Speech/Article/{NO_OG}/anything/")
    assert "og:title" not in speech and "twitter:" not in speech


def test_link_variants_all_serve_the_article(replica: ReplicaProcess) -> None:
    news = _text(replica, "/News/News-Stories/")
    assert (
        f"https://www.defense.gov/News/News-Stories/Article/Article/{NEWS}/"
        "Mortar-Crews-Sharpen-Skills-at-Alpine-Range/source/GovDelivery/"
    ) in news
    assert f"/News/News-Stories/Article/Article/{MOVER}/Sailors-Train" in news
    assert "?ref=" in news
    paths = [
        ARTICLE_PATH + "source/GovDelivery/",
        ARTICLE_PATH + "?ref=newsletter",
        ARTICLE_PATH.rstrip("/"),
        ARTICLE_PATH.lower(),
        f"/News/News-Stories/Article/Article/{NEWS}/Some-Stale-Slug/",
        f"/News/News-Stories/Article/Article/{NEWS}/",
    ]
    for path in paths:
        assert replica.get(path)[0] == 200, path


def test_old_path_redirects_on_the_request_host(replica: ReplicaProcess) -> None:
    status, headers, _ = replica.get(f"/Explore/News/Article/Article/{OLD}/Old-Slug/")
    assert status == 301
    assert headers["location"] == (
        replica.url + f"/News/Releases/Release/Article/{OLD}/"
        "Department-Opens-New-Test-Range-in-Utah/"
    )
    status, headers, _ = replica.get(
        f"/Explore/News/Article/Article/{OLD}/x/", {"Host": "mirror.example:8080"}
    )
    assert headers["location"].startswith("http://mirror.example:8080/News/Releases/")


def test_unknown_ids_and_paths_are_404(replica: ReplicaProcess) -> None:
    status, _, body = replica.get("/News/News-Stories/Article/Article/1234/nope/")
    assert status == 404 and b"Page Not Found" in body
    assert replica.get("/No/Such/Page/")[0] == 404
    assert replica.get("/News/No-Such-Section/")[0] == 404


# --- HTTP ----------------------------------------------------------------------------------------


def test_etag_last_modified_and_304(replica: ReplicaProcess) -> None:
    status, headers, _ = replica.get(ARTICLE_PATH)
    etag, modified = headers["etag"], headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]{40}"', etag) and modified.endswith("GMT")
    assert replica.get(ARTICLE_PATH)[1]["etag"] == etag  # view state does not change it
    status, headers, body = replica.get(ARTICLE_PATH, {"If-None-Match": etag})
    assert status == 304 and body == b"" and headers["etag"] == etag
    assert replica.get(ARTICLE_PATH, {"If-None-Match": '"other"'})[0] == 200
    assert replica.get(ARTICLE_PATH, {"If-Modified-Since": modified})[0] == 304
    assert (
        replica.get(ARTICLE_PATH, {"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})[0] == 200
    )
    replica.set_epoch(1)
    status, headers, _ = replica.get(ARTICLE_PATH, {"If-None-Match": etag})
    assert status == 200 and headers["etag"] != etag
    assert replica.get(ARTICLE_PATH, {"If-Modified-Since": modified})[0] == 200
    # an article no edit touched keeps its validators across epochs
    contract = f"/News/Contracts/Contract/Article/{CONTRACT}//"
    assert replica.get(contract)[1]["etag"] == replica.get(contract)[1]["etag"]


def test_gzip(replica: ReplicaProcess) -> None:
    status, headers, body = replica.get(ARTICLE_PATH, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["content-encoding"] == "gzip"
    assert b"Mortar Crews" in gzip.decompress(body)
    status, headers, body = replica.get(ARTICLE_PATH)
    assert "content-encoding" not in headers and b"Mortar Crews" in body


def test_robots_txt(replica: ReplicaProcess) -> None:
    status, headers, body = replica.get("/robots.txt")
    text = body.decode()
    assert status == 200 and headers["content-type"].startswith("text/plain")
    for line in (
        "Disallow: /DesktopModules/Admin/",
        "Disallow: /*Print.aspx",
        "Allow: /News/",
        "Allow: /DesktopModules/ArticleCS/RSS.ashx",
    ):
        assert line in text.splitlines()


def test_rss(replica: ReplicaProcess) -> None:
    status, headers, body = replica.get(
        "/DesktopModules/ArticleCS/RSS.ashx?ContentType=1&Site=945&max=25"
    )
    assert status == 200 and "xml" in headers["content-type"]
    root = ET.fromstring(body)
    items = root.findall("./channel/item")
    assert len(items) == 25
    first = items[0]
    assert first.findtext("guid") == str(NEWS)
    assert first.find("guid").get("isPermaLink") == "false"
    assert first.findtext("link").startswith("https://www.defense.gov/News/News-Stories/")
    assert first.findtext("pubDate") == "Wed, 18 Nov 2026 14:30:00 -0500"
    assert first.findtext("{http://purl.org/dc/elements/1.1/}creator") == "Tom Reyes"
    assert "<img src=" in first.findtext("description")
    assert first.find("enclosure").get("type") == "image/jpeg"
    many = replica.get("/DesktopModules/ArticleCS/RSS.ashx?contenttype=400&Site=945&max=9999")[2]
    assert 0 < len(ET.fromstring(many).findall("./channel/item")) <= 500


def test_getlist(replica: ReplicaProcess) -> None:
    status, _, body = replica.get("/API/ArticleCS/Public/GetList?moduleID=1&dpage=1&TabId=1")
    data = json.loads(body)
    assert status == 200 and data["done"] is False
    assert _ids(unescape(data["data"]))[0] == NEWS and "&lt;listing-with-preview" in data["data"]
    page = 1
    while not data["done"]:
        page += 1
        data = json.loads(replica.get(f"/API/ArticleCS/Public/GetList?moduleID=1&dpage={page}")[2])
    assert page > 2 and _ids(unescape(data["data"]))
    past = json.loads(replica.get(f"/API/ArticleCS/Public/GetList?moduleID=1&dpage={page + 1}")[2])
    assert past == {"done": True, "data": ""}


# --- epochs ---------------------------------------------------------------------------------------


def test_epoch_switch_changes_content(replica: ReplicaProcess) -> None:
    assert "$12 million" in _text(replica, ARTICLE_PATH)
    assert replica.set_epoch(1)["epoch"] == 1
    assert "$14 million" in _text(replica, ARTICLE_PATH)
    old = _text(replica, f"/News/Releases/Release/Article/{OLD}/x/")
    assert "historical collection" in old
    transcript = _text(replica, f"/News/Transcripts/Transcript/Article/{TRANSCRIPT}/x/")
    assert "America 250" in transcript  # chrome noise: navigation text only
    replica.set_epoch(2)
    assert "$12 million" in _text(replica, ARTICLE_PATH)
    replica.set_epoch(0)
    assert "historical collection" not in _text(replica, f"/News/Releases/Release/Article/{OLD}/x/")


def test_removed_and_moved_articles(replica: ReplicaProcess) -> None:
    speech = f"/News/Speeches/Speech/Article/{NO_OG}/Remarks-at-the-Logistics-Symposium/"
    mover = (
        f"/News/News-Stories/Article/Article/{MOVER}/Sailors-Train-on-New-Damage-Control-Trainer/"
    )
    assert replica.get(speech)[0] == 200 and replica.get(mover)[0] == 200
    replica.set_epoch(1)
    assert replica.get(speech)[0] == 404
    assert NO_OG not in _ids(_text(replica, "/News/Speeches/"))
    status, headers, _ = replica.get(mover)
    assert status == 301
    assert headers["location"] == replica.url + mover.replace(
        "/News/News-Stories/Article/Article/", "/News/Feature-Stories/Story/Article/"
    )
    assert replica.get(headers["location"][len(replica.url) :])[0] == 200
    assert MOVER in _ids(_text(replica, "/News/Feature-Stories/"))


def test_admin_rejects_bad_epoch(replica: ReplicaProcess) -> None:
    with pytest.raises(ReplicaError, match="unknown epoch"):
        replica.set_epoch(42)
    assert replica.state()["epoch"] == 0


def test_manifest_over_http_and_cli(replica: ReplicaProcess, data_dir: Path) -> None:
    manifest = replica.manifest(1)
    names = [e["name"] for e in manifest["edits"]]
    assert names[:5] == ["range-cost", "old-banner", "gone", "moved", "chrome"]
    assert len(names) == 5 + ARTICLES * 2 // 100  # plus the generated edits
    moved = manifest["edits"][3]
    assert moved["url_before"].endswith(
        f"/News-Stories/Article/Article/{MOVER}/Sailors-Train-on-New-Damage-Control-Trainer/"
    )
    assert "/Feature-Stories/Story/Article/" in moved["url_after"]
    assert manifest["edits"][2]["url_after"] is None
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "dodnews",
            "replica",
            "manifest",
            "--epoch",
            "1",
            "--articles",
            str(ARTICLES),
            "--seed",
            str(SEED),
            "--data",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(out.stdout) == manifest


# --- faults ---------------------------------------------------------------------------------------


def _raw(replica: ReplicaProcess, path: str) -> http.client.HTTPConnection:
    host, port = replica.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", path)
    return conn


def test_fault_botwall(replica: ReplicaProcess) -> None:
    replica.fault("botwall", path="/News/News-Stories/Article/", count=1)
    status, headers, body = replica.get(ARTICLE_PATH)
    assert status == 403 and b"Access Denied" in body and b"Reference&#32;&#35;" in body
    assert headers["content-type"].startswith("text/html")
    assert replica.get(ARTICLE_PATH)[0] == 200  # count spent


def test_fault_5xx_burst_and_429(replica: ReplicaProcess) -> None:
    replica.fault("5xx", path="Releases", count=2)
    assert [replica.get("/News/Releases/")[0] for _ in range(3)] == [503, 500, 200]
    assert replica.get("/News/Contracts/")[0] == 200
    replica.fault("429", retry_after=7, count=1)
    status, headers, _ = replica.get("/News/Releases/")
    assert status == 429 and headers["retry-after"] == "7"


def test_fault_slow(replica: ReplicaProcess) -> None:
    replica.fault("slow", path="Transcripts", delay=0.6, count=1)
    start = time.monotonic()
    assert replica.get("/News/Transcripts/")[0] == 200
    assert time.monotonic() - start >= 0.55
    start = time.monotonic()
    replica.get("/News/Transcripts/")
    assert time.monotonic() - start < 0.5


def test_fault_truncate(replica: ReplicaProcess) -> None:
    replica.fault("truncate", path="Article", count=1)
    conn = _raw(replica, ARTICLE_PATH)
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead):
        response.read()
    conn.close()
    assert replica.get(ARTICLE_PATH)[0] == 200


def test_fault_reset_and_clear(replica: ReplicaProcess) -> None:
    replica.fault("reset", path="Speeches")
    for _ in range(2):
        conn = _raw(replica, "/News/Speeches/")
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            conn.getresponse()
        conn.close()
    assert replica.state()["faults"][0]["hits"] == 2
    replica.clear_faults()
    assert replica.get("/News/Speeches/")[0] == 200


def test_fault_rejects_unknown_kind(replica: ReplicaProcess) -> None:
    with pytest.raises(ReplicaError, match="unknown fault kind"):
        replica.fault("meteor")


def test_fault_notmodified_answers_304_without_being_asked(replica: ReplicaProcess) -> None:
    replica.fault("notmodified", path="Article", count=1)
    status, _, body = replica.get(ARTICLE_PATH)  # no If-None-Match, no If-Modified-Since
    assert status == 304 and body == b""
    assert replica.get(ARTICLE_PATH)[0] == 200


def test_fault_offsite_redirects_to_the_same_path_elsewhere(replica: ReplicaProcess) -> None:
    replica.fault("offsite", path="Article", count=1, to="http://127.0.0.2:9/")
    status, headers, _ = replica.get(ARTICLE_PATH + "?a=1")
    assert status == 302 and headers["location"] == "http://127.0.0.2:9" + ARTICLE_PATH + "?a=1"
    with pytest.raises(ReplicaError, match="offsite needs to="):
        replica.fault("offsite", to="127.0.0.2")


# --- process and CLI -----------------------------------------------------------------------------


def test_same_seed_same_article_bytes_and_latency(data_dir: Path) -> None:
    path = "/News/Releases/"
    with ReplicaProcess(articles=60, seed=11, latency_ms=150) as one:
        start = time.monotonic()
        listing = _text(one, path)
        assert time.monotonic() - start >= 0.14
        first_id = _ids(listing)[0]
        article = _strip_view_state(_text(one, f"/News/Releases/Release/Article/{first_id}/x/"))
    with ReplicaProcess(articles=60, seed=11) as two:
        assert _ids(_text(two, path))[0] == first_id
        again = _strip_view_state(_text(two, f"/News/Releases/Release/Article/{first_id}/x/"))
    assert article == again
    with ReplicaProcess(articles=60, seed=12) as three:
        assert _ids(_text(three, path)) != _ids(listing)


def test_sigterm_exits_cleanly() -> None:
    replica = ReplicaProcess(articles=5).start()
    assert replica.get("/robots.txt")[0] == 200
    assert replica.stop() == 0
    replica.close()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dodnews", "replica", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "--port", "0", "--epoch", "99"], "unknown epoch 99"),
        (["serve", "--port", "0", "--seed", "abc"], "--seed"),
        (["serve", "--port", "0", "--articles", "-3"], "--articles"),
        (["serve", "--port", "0", "--fault", "kind=meteor"], "unknown fault kind"),
        (["manifest", "--epoch", "-1"], "unknown epoch -1"),
    ],
)
def test_bad_cli_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    result = _cli(*args)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


def test_port_in_use_is_one_line_exit_2() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        result = _cli("serve", "--port", str(sock.getsockname()[1]))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "cannot listen" in result.stderr


def test_epochs_command(data_dir: Path) -> None:
    result = _cli("epochs", "--data", str(data_dir))
    assert result.returncode == 0
    assert result.stdout.splitlines()[1].startswith("1\t5 edits")


def test_cli_fault_flag_and_post_admin(data_dir: Path) -> None:
    with ReplicaProcess(data_dir=data_dir, faults=["kind=botwall&path=/News/Releases/"]) as replica:
        status, _, body = replica.get("/News/Releases/")
        assert status == 403 and b"Access Denied" in body
        assert replica.get("/News/Contracts/")[0] == 200
        request = urllib.request.Request(
            replica.url + "/__replica__/epoch?set=2", data=b"", method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["epoch"] == 2
        assert replica.state()["epoch"] == 2
        head = urllib.request.Request(replica.url + "/robots.txt", method="HEAD")
        with urllib.request.urlopen(head, timeout=10) as response:
            assert response.status == 200 and response.read() == b""
