"""Alembic migrations of the archive schema (run programmatically, see dodnews.archive.migrate)."""
