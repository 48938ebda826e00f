"""Alembic environment: runs on the connection that dodnews.archive.migrate hands over."""

from __future__ import annotations

from alembic import context

from dodnews.archive.migrate import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=None,
    version_table=VERSION_TABLE,
    # SQLite cannot ALTER most things; batch mode copies the table instead.
    render_as_batch=True,
    transactional_ddl=True,
)
with context.begin_transaction():
    context.run_migrations()
