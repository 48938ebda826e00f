"""Shared test fixtures: the replica on a free port, and the services rule.

A test that needs PostgreSQL, Redis or Chromium skips only when the service is truly absent, and
fails instead when DODNEWS_REQUIRE_SERVICES=1 (as in CI). Such a test is marked `services`, and
every `services` test is also `slow`: the everyday run (`pytest -m "not slow"`) starts no crawl,
server, browser or database other than SQLite.
"""

from __future__ import annotations

import os
import shutil
import socket

import pytest

from tests import sweeps

SERVICE_FIXTURES = frozenset({"postgres_url", "redis_url", "chromium_path"})


def pytest_configure(config: pytest.Config) -> None:
    # The everyday run leaves slow tests out; property tests then try fewer examples.
    sweeps.everyday = "not slow" in (config.getoption("markexpr") or "")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)
        if item.get_closest_marker("services"):
            item.add_marker(pytest.mark.slow)


def services_required() -> bool:
    return os.environ.get("DODNEWS_REQUIRE_SERVICES") == "1"


def need_service(name: str, available: bool) -> None:
    """Skip (or fail, under DODNEWS_REQUIRE_SERVICES=1) when a service is missing."""
    if available:
        return
    message = f"{name} is not available on this machine"
    if services_required():
        pytest.fail(f"{message} (DODNEWS_REQUIRE_SERVICES=1)")
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
    )
    need_service("Chromium (/usr/bin/chromium)", path is not None)
    return path  # type: ignore[return-value]


@pytest.fixture
def postgres_url() -> str:
    need_service("PostgreSQL on 127.0.0.1:5432", port_open("127.0.0.1", 5432))
    return "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def redis_url() -> str:
    need_service("Redis on 127.0.0.1:6379", port_open("127.0.0.1", 6379))
    return "redis://127.0.0.1:6379/0"
