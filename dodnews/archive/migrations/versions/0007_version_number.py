"""An article's version number is `versions.version`, as the CLI, reports and JSON call it.

The column was `versions.seq`. Its unique constraint with `article_id` keeps its name,
uq_versions_article_id_seq: SQLite cannot rename a constraint short of copying the table, which
it refuses while captures and articles reference it. The downgrade names the column back.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _rename(old: str, new: str) -> None:
    # ALTER TABLE ... RENAME COLUMN (SQLite 3.25+, PostgreSQL) keeps the rows, indexes and the
    # foreign keys that point at versions.id in place; batch mode would copy the table, which
    # SQLite refuses while captures and articles reference it (foreign_keys is on).
    op.execute(sa.text(f"ALTER TABLE versions RENAME COLUMN {old} TO {new}"))


def upgrade() -> None:
    _rename("seq", "version")


def downgrade() -> None:
    _rename("version", "seq")
