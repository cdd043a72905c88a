"""Open the store: a SQLite file (WAL journal, foreign keys) or a PostgreSQL database (``store.url``, see
``littrack.store.postgres``); numbered SQL migrations per dialect, one transaction helper.

The other store modules see a :class:`Connection`: ``sqlite3.Connection`` or the PostgreSQL adapter, both
running the same portable SQL with ``?`` placeholders.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from littrack import pg
from littrack.errors import StoreError

BUSY_TIMEOUT_MS = 10_000


def now_iso() -> str:
    """The store's clock: UTC, to the second, ISO 8601 (sorts as text)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Cursor(Protocol):
    """What the store modules use of a cursor (``sqlite3.Cursor`` or the PostgreSQL adapter's)."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the store modules use of a connection: rows by position or name (``row["pmid"]``, ``dict(row)``)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, seq: Iterable[Any], /) -> Cursor: ...


SQLITE, POSTGRESQL = "sqlite", "postgresql"


class Store:
    """A connection to the littrack store. Use :meth:`transaction` for every write.

    ``path`` names the store in messages: the SQLite file, or the PostgreSQL URL without its password."""

    def __init__(self, conn: Any, path: str, dialect: str = SQLITE) -> None:
        self.conn: Connection = conn
        self.path = path
        self.dialect = dialect
        self._raw = conn

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (a crash leaves the last commit)."""
        if self.dialect == POSTGRESQL:
            with self._raw.transaction() as c:
                yield c
            return
        conn: sqlite3.Connection = self._raw
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _store_error(self.path, exc) from exc
        try:
            yield conn
        except sqlite3.OperationalError as exc:  # disk full, I/O error, lock timeout: one clear line
            conn.rollback()
            raise _store_error(self.path, exc) from exc
        except BaseException:
            conn.rollback()
            raise
        try:
            conn.commit()
        except sqlite3.OperationalError as exc:
            conn.rollback()
            raise _store_error(self.path, exc) from exc

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        if self.dialect == POSTGRESQL:
            from littrack.store import postgres

            return postgres.schema_version(self._raw)
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])


def _store_error(path: str, exc: Exception) -> StoreError:
    text = str(exc)
    if "full" in text:
        return StoreError(
            f"cannot write the store {path}: the disk is full; free space and run again (nothing was marked done)"
        )
    if "locked" in text or "busy" in text:
        return StoreError(f"the store {path} is locked by another littrack process; wait for it to finish")
    return StoreError(f"store {path}: {text}")


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged migration, in order."""
    out = []
    for entry in resources.files("littrack.store").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:3].isdigit():
            out.append((int(name[:3]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def _migrate(conn: sqlite3.Connection, path: str) -> None:
    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
    known = migrations()
    if known and current > known[-1][0]:
        raise StoreError(f"the store {path} was written by a newer littrack (schema {current}); upgrade littrack")
    for version, name, sql in known:
        if version <= current:
            continue
        try:
            # executescript would COMMIT first; wrap the script so each migration is all-or-nothing.
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version};\nCOMMIT;")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.rollback()
            raise StoreError(f"cannot migrate the store {path} to {name}: {exc}") from exc


def open_store(path: str | Path, *, password: str | None = None) -> Store:
    """Open (creating the file if needed, never its folder) and migrate the store. ``":memory:"`` works for tests.

    A ``postgresql://`` URL opens that database instead, with ``password`` (from the environment)."""
    target = str(path)
    if pg.is_url(target):
        from littrack.store import postgres  # psycopg is optional: imported only for a PostgreSQL store

        server = postgres.connect(target, password)
        try:
            postgres.migrate(server)
        except BaseException:
            server.close()
            raise
        return Store(server, pg.display_url(target), POSTGRESQL)
    try:
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so transactions are explicit.
        conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open the store {target}: {exc}; check store.path in the config") from exc
    _migrate(conn, target)
    return Store(conn, target)
