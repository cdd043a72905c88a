"""Open the SQLite store: WAL journal, foreign keys, numbered SQL migrations, one transaction helper."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from littrack.errors import StoreError

BUSY_TIMEOUT_MS = 10_000


def now_iso() -> str:
    """The store's clock: UTC, to the second, ISO 8601 (sorts as text)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class Store:
    """A connection to the littrack SQLite file. Use :meth:`transaction` for every write."""

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self.conn = conn
        self.path = path

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (a crash leaves the last commit)."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _store_error(self.path, exc) from exc
        try:
            yield self.conn
        except sqlite3.OperationalError as exc:  # disk full, I/O error, lock timeout: one clear line
            self.conn.rollback()
            raise _store_error(self.path, exc) from exc
        except BaseException:
            self.conn.rollback()
            raise
        try:
            self.conn.commit()
        except sqlite3.OperationalError as exc:
            self.conn.rollback()
            raise _store_error(self.path, exc) from exc

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
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


def open_store(path: str | Path) -> Store:
    """Open (creating the file if needed, never its folder) and migrate the store. ``":memory:"`` works for tests."""
    target = str(path)
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
