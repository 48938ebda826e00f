"""The browser's evidence of a capture is kept in fields of its own, never among its headers.

Archives made before revision 0006 kept it as made-up response headers (x-dodnews-rendered,
x-dodnews-rendered-warc, x-dodnews-screenshot): `dodnews archive upgrade` moves the values out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import make_url

from dodnews.archive import Archive, migrate
from dodnews.archive.db import make_engine
from dodnews.cli.main import main
from dodnews.model import OUTCOME_BLOCKED, OUTCOME_OK
from tests.pg_support import throwaway_database
from tests.unit.archive.test_archive import ARTICLE_ID, article_v1, capture

DOM_RECORD = "dodnews-20261201000000000000-00001-77.warc.gz#<urn:uuid:5d0c1f2e-aaaa-4bbb-8ccc-0123>"
SHOT = "c0ffee" * 10 + "c0de"  # a SHA-256 in hex
DAY = datetime(2026, 12, 1)

# The captures table as revision 0005 left it (the browser's evidence in `headers`).
OLD_CAPTURES = sa.table(
    "captures",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.Integer),
    sa.column("requested_url", sa.Text),
    sa.column("fetched_at", sa.DateTime),
    sa.column("status", sa.Integer),
    sa.column("outcome", sa.String),
    sa.column("headers", sa.JSON),
    sa.column("body_digest", sa.String),
    sa.column("warc_file", sa.Text),
    sa.column("warc_record_id", sa.Text),
    sa.column("version_id", sa.Integer),
)
OLD_HEADERS = {
    # read in the browser: a real header beside the three made-up ones
    1: {
        "etag": '"e1"',
        "x-dodnews-rendered": "javascript",
        "x-dodnews-rendered-warc": DOM_RECORD,
        "x-dodnews-screenshot": SHOT,
    },
    # the bot wall, then the browser: nothing but the reason
    2: {"x-dodnews-rendered": "botwall"},
    # a plain fetch whose server happens to name something like it
    3: {"server": "gateway (x-dodnews-relay)", "etag": '"e3"'},
    # a plain fetch stored without headers
    4: None,
}


def make_rev5_archive(url: str) -> None:
    """An archive at revision 0005 with one article, one version and the four captures."""
    engine = make_engine(make_url(url))
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, "0005")
            conn.execute(
                sa.table(
                    "articles",
                    sa.column("article_id"),
                    sa.column("first_seen", sa.DateTime),
                    sa.column("gone", sa.Boolean),
                    sa.column("current_version_id"),
                )
                .insert()
                .values(article_id=ARTICLE_ID, first_seen=DAY, gone=False, current_version_id=1)
            )
            conn.execute(
                sa.table(
                    "versions",
                    *(sa.column(n) for n in ("id", "article_id", "seq", "content_hash", "url")),
                    sa.column("article", sa.JSON),
                    sa.column("first_seen", sa.DateTime),
                    sa.column("last_seen", sa.DateTime),
                )
                .insert()
                .values(
                    id=1,
                    article_id=ARTICLE_ID,
                    seq=1,
                    content_hash="sha256:" + "1" * 64,
                    url=article_v1().url,
                    article=article_v1().to_dict(),
                    first_seen=DAY,
                    last_seen=DAY,
                )
            )
            for capture_id, headers in OLD_HEADERS.items():
                rendered = capture_id == 1
                conn.execute(
                    OLD_CAPTURES.insert().values(
                        id=capture_id,
                        article_id=ARTICLE_ID,
                        requested_url=article_v1().url,
                        fetched_at=DAY + timedelta(days=capture_id),
                        status=200 if capture_id != 2 else 403,
                        outcome=OUTCOME_OK if capture_id != 2 else OUTCOME_BLOCKED,
                        headers=headers if headers is not None else sa.null(),
                        body_digest="sha256:" + "2" * 64,
                        warc_file=DOM_RECORD.split("#")[0] if rendered else None,
                        warc_record_id=DOM_RECORD.split("#")[1] if rendered else None,
                        version_id=1 if capture_id != 2 else None,
                    )
                )
    finally:
        engine.dispose()


def old_headers(url: str) -> dict[int, Any]:
    engine = make_engine(make_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(OLD_CAPTURES.c.id, OLD_CAPTURES.c.headers)).all()
    finally:
        engine.dispose()
    return {row.id: row.headers for row in rows}


def browser_evidence(capture: Any) -> tuple[str | None, str | None, str | None]:
    return capture.rendered, capture.rendered_warc, capture.screenshot


def upgrade_moves_the_evidence_out_of_the_headers(url: str) -> None:
    make_rev5_archive(url)
    assert Archive.upgrade(url) == ("0005", "0007")
    with Archive.open(url, create=False) as archive:
        found = {c.id: c for c in archive.captures(ARTICLE_ID)}
        evidence = archive.evidence([1])
    assert browser_evidence(found[1]) == ("javascript", DOM_RECORD, SHOT)
    assert found[1].headers == {"etag": '"e1"'}
    assert (found[2].rendered, found[2].rendered_warc, found[2].screenshot) == (
        "botwall",
        None,
        None,
    )
    assert found[2].headers == {}
    for untouched in (3, 4):
        assert browser_evidence(found[untouched]) == (None, None, None)
        assert found[untouched].headers == (OLD_HEADERS[untouched] or {})
    # re-extraction reads the page of capture 1 from its rendered DOM, named by the new column
    assert [e.rendered for e in evidence[1]] == [DOM_RECORD]

    # and back: the downgrade puts the values where revision 0005 kept them
    engine = make_engine(make_url(url))
    try:
        with engine.begin() as conn:
            command.downgrade(migrate.alembic_config(conn), "0005")
    finally:
        engine.dispose()
    assert old_headers(url) == {
        1: OLD_HEADERS[1],
        2: OLD_HEADERS[2],
        3: OLD_HEADERS[3],
        4: None,
    }


def test_upgrade_moves_the_evidence_out_of_the_headers_sqlite(tmp_path: Path) -> None:
    upgrade_moves_the_evidence_out_of_the_headers(f"sqlite:///{tmp_path / 'rev5.sqlite'}")


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    with throwaway_database(postgres_url) as url:
        yield url


@pytest.mark.services
def test_upgrade_moves_the_evidence_out_of_the_headers_postgresql(pg_url: str) -> None:
    upgrade_moves_the_evidence_out_of_the_headers(pg_url)


def test_a_rendered_capture_keeps_its_evidence_in_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'a.sqlite'}"
    rendered = capture(
        OUTCOME_OK,
        "2026-12-01T12:00:00Z",
        article_v1(),
        rendered="always",
        rendered_warc=DOM_RECORD,
        screenshot=SHOT,
    )
    # a server cannot pass a header off as the browser's evidence: it is not kept at all
    rendered.headers["X-Dodnews-Screenshot"] = "f" * 64
    with Archive.open(url) as archive:
        archive.record_capture(rendered)
        (stored,) = archive.captures(ARTICLE_ID)
    assert (stored.rendered, stored.rendered_warc, stored.screenshot) == (
        "always",
        DOM_RECORD,
        SHOT,
    )
    assert not [name for name in stored.headers if name.startswith("x-dodnews")]
    assert stored.headers["etag"]  # the server's own headers are kept as before
    assert main(["archive", "verify", "--archive", url, "--warc", ""]) == 0
    assert capsys.readouterr().out.startswith("ok: 1 version")
