"""A throwaway PostgreSQL database for one test: created on the running server, dropped after."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url


@contextmanager
def throwaway_database(postgres_url: str) -> Iterator[str]:
    """Yield the URL of a fresh database `dodnews_test_<random>`; drop it afterwards."""
    server = make_url(postgres_url)
    name = f"dodnews_test_{secrets.token_hex(6)}"
    admin = f"postgresql://{server.username}@{server.host}:{server.port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
