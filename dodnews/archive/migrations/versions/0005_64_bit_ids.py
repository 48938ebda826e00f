"""64-bit ids and whole header values on every back end.

PostgreSQL stored ids as 32-bit `integer` (and numbered new rows from 32-bit sequences), so an
article id of 2**31 or more could not be archived there while SQLite, whose INTEGER is 64-bit,
took it. Every id column and id sequence becomes `bigint`, and articles.last_modified becomes
`text` like etag (a Last-Modified longer than 64 characters was refused too). On SQLite nothing
changes: its ids are 64-bit already and it never enforced the VARCHAR(64).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# Every column holding an id, by table; the tables numbered by a sequence have an `id`.
ID_COLUMNS = {
    "articles": ("article_id", "current_version_id", "current_capture_id"),
    "runs": ("id",),
    "versions": ("id", "article_id"),
    "captures": ("id", "article_id", "version_id", "run_id"),
    "changes": (
        "id",
        "article_id",
        "from_version_id",
        "to_version_id",
        "from_capture_id",
        "to_capture_id",
        "run_id",
    ),
}


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _sequences(id_type: str) -> None:
    # SERIAL made each sequence `AS integer`: it would stop at 2**31 - 1 whatever the column.
    bind = op.get_bind()
    for table, columns in ID_COLUMNS.items():
        if "id" not in columns:
            continue
        name = bind.execute(
            sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table}
        ).scalar()
        if name is not None:  # a name PostgreSQL gave, already quoted where it needs to be
            op.execute(f"ALTER SEQUENCE {name} AS {id_type}")


def upgrade() -> None:
    if not _postgresql():
        return
    for table, columns in ID_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())
    _sequences("bigint")
    op.alter_column("articles", "last_modified", type_=sa.Text(), existing_type=sa.String(64))


def downgrade() -> None:
    if not _postgresql():
        return
    op.alter_column("articles", "last_modified", type_=sa.String(64), existing_type=sa.Text())
    _sequences("integer")
    for table, columns in ID_COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger())
