"""Record when each article's page was last received whole (a 200), so that a conditional
re-capture can stop trusting the site's 304s after a while (DODNEWS_TRUST_304_DAYS).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("last_downloaded", sa.DateTime))
    # The latest capture with a whole page (status 200) of each article, from the history.
    op.execute(
        "UPDATE articles SET last_downloaded = ("
        "SELECT MAX(captures.fetched_at) FROM captures "
        "WHERE captures.article_id = articles.article_id AND captures.status = 200)"
    )


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("last_downloaded")
