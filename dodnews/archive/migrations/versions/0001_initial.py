"""The first archive schema: articles, runs, versions, captures, changes.

Revision ID: 0001
Revises:
Create Date: 2025-10-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("article_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("current_version_id", sa.Integer),
        sa.Column("current_capture_id", sa.Integer),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_captured", sa.DateTime),
        sa.Column("last_attempt", sa.DateTime),
        sa.Column("last_changed", sa.DateTime),
        sa.Column("last_outcome", sa.String(16)),
        sa.Column("url", sa.Text),
        sa.Column("section", sa.String(64)),
        sa.Column("published", sa.String(40)),
        sa.Column("etag", sa.Text),
        sa.Column("last_modified", sa.String(64)),
        sa.Column("body_digest", sa.String(80)),
        sa.Column("gone", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("article_id", name="pk_articles"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("spider", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON),
        sa.Column("changes_found", sa.Integer),
        sa.Column("errors", sa.JSON),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("article", sa.JSON, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("first_seen", sa.DateTime, nullable=False),
        sa.Column("last_seen", sa.DateTime, nullable=False),
        sa.Column("extractor_version", sa.String(40)),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.article_id"], name="fk_versions_article_id_articles"
        ),
        sa.UniqueConstraint("article_id", "seq", name="uq_versions_article_id_seq"),
        sa.UniqueConstraint(
            "article_id", "content_hash", name="uq_versions_article_id_content_hash"
        ),
    )
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("requested_url", sa.Text, nullable=False),
        sa.Column("final_url", sa.Text),
        sa.Column("redirects", sa.JSON),
        sa.Column("fetched_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("headers", sa.JSON),
        sa.Column("body_digest", sa.String(80)),
        sa.Column("error", sa.Text),
        sa.Column("warc_file", sa.Text),
        sa.Column("warc_record_id", sa.Text),
        sa.Column("version_id", sa.Integer),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_captures"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.article_id"], name="fk_captures_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name="fk_captures_version_id_versions"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_captures_run_id_runs"),
    )
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("article_id", sa.Integer, nullable=False),
        sa.Column("from_version_id", sa.Integer, nullable=False),
        sa.Column("to_version_id", sa.Integer, nullable=False),
        sa.Column("from_capture_id", sa.Integer),
        sa.Column("to_capture_id", sa.Integer),
        sa.Column("detected_at", sa.DateTime, nullable=False),
        sa.Column("kinds", sa.JSON, nullable=False),
        sa.Column("significance", sa.Float, nullable=False),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("revert", sa.Boolean, nullable=False),
        sa.Column("run_id", sa.Integer),
        sa.PrimaryKeyConstraint("id", name="pk_changes"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.article_id"], name="fk_changes_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["from_version_id"], ["versions.id"], name="fk_changes_from_version_id_versions"
        ),
        sa.ForeignKeyConstraint(
            ["to_version_id"], ["versions.id"], name="fk_changes_to_version_id_versions"
        ),
        sa.ForeignKeyConstraint(
            ["from_capture_id"], ["captures.id"], name="fk_changes_from_capture_id_captures"
        ),
        sa.ForeignKeyConstraint(
            ["to_capture_id"], ["captures.id"], name="fk_changes_to_capture_id_captures"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_changes_run_id_runs"),
    )
    op.create_index("ix_changes_detected_at", "changes", ["detected_at"])
    op.create_index("ix_changes_article_id", "changes", ["article_id"])
    op.create_index("ix_changes_run_id", "changes", ["run_id"])


def downgrade() -> None:
    for table in ("changes", "captures", "versions", "runs", "articles"):
        op.drop_table(table)
