"""Index captures by (article_id, fetched_at): history and recheck read an article's captures in
time order, which was a full scan of the biggest table.

Revision ID: 0002
Revises: 0001
Create Date: 2025-10-02
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_captures_article_id_fetched_at", "captures", ["article_id", "fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_captures_article_id_fetched_at", table_name="captures")
