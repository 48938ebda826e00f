"""The browser's evidence of a rendered capture becomes columns of its own.

It was kept among the capture's response headers under made-up names (x-dodnews-rendered,
x-dodnews-rendered-warc, x-dodnews-screenshot) that no server sent. The three values move out of
`captures.headers` into `captures.rendered`, `captures.rendered_warc` and `captures.screenshot`;
a capture left with no header keeps NULL, as one stored without headers does. The downgrade puts
them back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# column -> the header name it was kept under
MOVED = {
    "rendered": "x-dodnews-rendered",
    "rendered_warc": "x-dodnews-rendered-warc",
    "screenshot": "x-dodnews-screenshot",
}
CHUNK = 500  # rows updated per statement

# The table as this revision reads and writes it (not dodnews.archive.schema, which follows head).
captures = sa.table(
    "captures",
    sa.column("id", sa.BigInteger),
    sa.column("headers", sa.JSON),
    *(sa.column(name, sa.Text) for name in MOVED),
)


def _flush(updates: list[dict[str, Any]]) -> None:
    if updates:
        statement = (
            captures.update()
            .where(captures.c.id == sa.bindparam("row_id"))
            .values({name: sa.bindparam(name) for name in updates[0] if name != "row_id"})
        )
        op.get_bind().execute(statement, updates)
        updates.clear()


def upgrade() -> None:
    with op.batch_alter_table("captures") as batch:
        batch.add_column(sa.Column("rendered", sa.String(16)))
        batch.add_column(sa.Column("rendered_warc", sa.Text))
        batch.add_column(sa.Column("screenshot", sa.String(80)))
    # Only rendered captures carry the names: let the database find them in the JSON text.
    query = sa.select(captures.c.id, captures.c.headers).where(
        sa.cast(captures.c.headers, sa.Text).like("%x-dodnews-%")
    )
    found = op.get_bind().execute(query).all()
    updates: list[dict[str, Any]] = []
    for row in found:
        headers = dict(row.headers or {})
        if not any(header in headers for header in MOVED.values()):
            continue  # the text matched inside some other header's value
        moved = {column: headers.pop(header, None) for column, header in MOVED.items()}
        updates.append({"row_id": row.id, "headers": headers or None, **moved})
        if len(updates) >= CHUNK:
            _flush(updates)
    _flush(updates)


def downgrade() -> None:
    query = sa.select(captures.c.id, captures.c.headers, *(captures.c[n] for n in MOVED)).where(
        sa.or_(*(captures.c[name].is_not(None) for name in MOVED))
    )
    updates: list[dict[str, Any]] = []
    for row in op.get_bind().execute(query).all():
        headers = dict(row.headers or {})
        for column, header in MOVED.items():
            if getattr(row, column) is not None:
                headers[header] = getattr(row, column)
        updates.append({"row_id": row.id, "headers": headers})
        if len(updates) >= CHUNK:
            _flush(updates)
    _flush(updates)
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("screenshot")
        batch.drop_column("rendered_warc")
        batch.drop_column("rendered")
