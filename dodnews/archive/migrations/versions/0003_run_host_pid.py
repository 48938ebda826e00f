"""Record which process runs a crawl (host name and pid), so that a later crawl on the same host
can tell a run whose process was killed from one that is still going, and mark it interrupted.

Revision ID: 0003
Revises: 0002
Create Date: 2025-10-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN on every back end (nullable, no default): runs recorded before this
    # revision keep NULL, which reads as "process unknown".
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("host", sa.String(255)))
        batch.add_column(sa.Column("pid", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("pid")
        batch.drop_column("host")
