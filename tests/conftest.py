"""Shared pytest fixtures. Peers are real: the fake E-utilities server speaks HTTP on 127.0.0.1."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from littrack.replay.corpus import default_corpus
from littrack.replay.server import FakeEutils
from littrack.store import Store, open_store


@pytest.fixture
def fake_eutils() -> Iterator[FakeEutils]:
    """A running fake E-utilities server over the shipped recorded corpus; rate limiting off so tests run fast."""
    with FakeEutils(default_corpus(), rate_limit=False) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Debian Chromium for every browser test (see tests/browser.py)."""
    from browser import ARGS, CHROMIUM, require_chromium  # here, so modules without browser tests never load it

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


# --- PostgreSQL: one throwaway cluster per session (tests/pg_server.py), a fresh database per test ---

REQUIRE_POSTGRES = os.environ.get("LITTRACK_REQUIRE_POSTGRES") == "1"  # .ci/run sets it: no silent skip in CI


@dataclass(frozen=True)
class StoreTarget:
    """Where a test's store lives: a SQLite file, or a fresh database on the session's PostgreSQL server."""

    dialect: str
    location: str  # a path, or a postgresql:// URL without the password
    password: str | None = None

    def open(self) -> Store:
        return open_store(self.location, password=self.password)

    def config_lines(self) -> str:
        """The store section for a config.yaml (the password stays in LITTRACK_DB_PASSWORD)."""
        key = "url" if self.dialect == "postgresql" else "path"
        return f"store:\n  {key}: {self.location}\n"


def _postgres_missing() -> str | None:
    import pg_server

    if pg_server.bin_dir() is None:
        return "PostgreSQL server binaries not installed (Debian package postgresql)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg not installed (pip install 'littrack[postgresql]')"
    return None


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    """A real PostgreSQL server for the whole session; skipped where none is installed, unless CI requires it."""
    missing = _postgres_missing()
    if missing:
        if REQUIRE_POSTGRES:
            pytest.fail(f"LITTRACK_REQUIRE_POSTGRES=1 but {missing}")
        pytest.skip(missing)
    import pg_server

    with pg_server.running() as cluster:
        yield cluster


_databases = itertools.count(1)


@pytest.fixture
def pg_target(pg_cluster: Any, monkeypatch: pytest.MonkeyPatch) -> StoreTarget:
    """An empty database of its own on the session's server; LITTRACK_DB_PASSWORD set for CLI runs."""
    name = f"t{os.getpid()}_{next(_databases)}"
    pg_cluster.sql(f"CREATE DATABASE {name} OWNER littrack")
    monkeypatch.setenv("LITTRACK_DB_PASSWORD", pg_cluster.password)
    return StoreTarget("postgresql", pg_cluster.url.rsplit("/", 1)[0] + "/" + name, pg_cluster.password)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> StoreTarget:
    """Each test using it runs twice: on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return StoreTarget("sqlite", str(tmp_path / "littrack.sqlite3"))
    return request.getfixturevalue("pg_target")  # type: ignore[no-any-return]
