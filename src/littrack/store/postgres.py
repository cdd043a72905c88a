"""The PostgreSQL side of the store: a thin adapter that lets the store's hand-written SQL run on psycopg 3.

Why plain psycopg 3 and not SQLAlchemy Core: the store is 139 hand-written statements (``execute``/
``executemany`` calls in 13 modules, counted for issue 16), and only 18 of them were SQLite-only: 10
``INSERT OR IGNORE`` → ``ON CONFLICT DO NOTHING``, 1 ``INSERT OR REPLACE`` → ``ON CONFLICT … DO UPDATE``, 4
``lastrowid`` → ``RETURNING id``, 3 ``group_concat`` → grouped in Python; two ``ORDER BY rowid`` keep working through
a ``rowid`` identity column in the PostgreSQL migrations. Those forms run on both engines. Core would mean rewriting
all 139 as expression objects (and the migrations as ``Table`` metadata or Alembic) and adding a large dependency,
for two dialects we test directly against real servers; the SQL a DBA reads in the code is the SQL that runs.
This adapter gives the store modules the interface they already use with ``sqlite3``:
``execute(sql, params)`` / ``executemany`` returning a cursor with ``fetchone``/``fetchall``/iteration/
``rowcount``, rows readable by position or by name (``row["pmid"]``, ``dict(row)``). Each statement's ``?``
placeholders become ``%s`` once (cached).

Statements go through psycopg's ``ClientCursor`` (values quoted by libpq on the client, as psycopg 2 did) so
that a parameter in a position PostgreSQL cannot type by itself (``coalesce(?, col)``, ``SELECT ?, pmid``)
behaves as it does in SQLite, and a migration script of several statements runs in one call.

Migrations: a folder per dialect with the same numbers (``migrations/NNN_*.sql`` for SQLite,
``migrations/postgresql/NNN_*.sql``), not one folder and a translator. The DDL differs exactly where a
translator would be cleverest and least reviewable: identity columns for SQLite's ``INTEGER PRIMARY KEY`` ids,
``gen_random_uuid()`` for 006's ``randomblob`` UUID, ``runs`` created before ``papers`` (PostgreSQL checks a
foreign key's table at CREATE), ``DOUBLE PRECISION`` for ``REAL``. A reviewer reads what runs; the tests check
that both folders have the same numbers and build the same tables and columns. The version lives in
``schema_version``; each migration runs in one transaction under an advisory lock (two processes starting
against a fresh database migrate one after the other).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

from littrack import pg
from littrack.errors import StoreError

# One row in schema_version says which migrations ran (SQLite keeps it in PRAGMA user_version).
_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
)
# Two processes starting against a fresh database migrate one after the other (advisory lock on this key).
MIGRATION_LOCK_KEY = 0x6C697474  # "litt"
LOCK_TIMEOUT_MS = 10_000


@functools.lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """``?`` → ``%s`` outside quoted text, ``%`` → ``%%`` everywhere (psycopg's placeholder syntax)."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if ch == "%":
            out.append("%%")
            continue
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "?":
            out.append("%s")
            continue
        out.append(ch)
    return "".join(out)


class Row(tuple[Any, ...]):
    """A result row readable like ``sqlite3.Row``: by index, by column name, and as ``dict(row)``."""

    _names: tuple[str, ...]
    _index: dict[str, int]

    def __new__(cls, values: Sequence[Any], names: tuple[str, ...], index: dict[str, int]) -> Row:
        row = super().__new__(cls, values)
        row._names, row._index = names, index
        return row

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return super().__getitem__(self._index[key])
        return super().__getitem__(key)

    def keys(self) -> list[str]:
        return list(self._names)


def _row_factory(cursor: Any) -> Any:
    names = tuple(c.name for c in cursor.description or ())
    index = {n: i for i, n in enumerate(names)}

    def make(values: Sequence[Any]) -> Row:
        return Row(values, names, index)

    return make


class Cursor:
    """The part of ``sqlite3.Cursor`` the store uses, over a psycopg cursor."""

    def __init__(self, cur: Any, url: str) -> None:
        self._cur, self._url = cur, url

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    def fetchone(self) -> Any:
        return self._wrap(self._cur.fetchone)

    def fetchall(self) -> list[Any]:
        return list(self._wrap(self._cur.fetchall))

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())

    def _wrap(self, call: Any) -> Any:
        psycopg = pg.psycopg_module()
        try:
            return call()
        except psycopg.OperationalError as exc:
            raise pg.error_for(self._url, exc) from exc


class PgConnection:
    """The part of ``Connection`` the store uses, over one psycopg connection (autocommit between
    transactions, as the SQLite connection is)."""

    def __init__(self, raw: Any, url: str) -> None:
        self.raw, self.url = raw, url
        self._psycopg = pg.psycopg_module()

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        cur = self.raw.cursor()
        try:
            cur.execute(translate(sql), tuple(parameters))
        except self._psycopg.OperationalError as exc:
            raise pg.error_for(self.url, exc) from exc
        return Cursor(cur, self.url)

    def executemany(self, sql: str, seq: Iterable[Any], /) -> Cursor:
        cur = self.raw.cursor()
        rows = [tuple(p) for p in seq]
        try:
            if rows:
                cur.executemany(translate(sql), rows)
        except self._psycopg.OperationalError as exc:
            raise pg.error_for(self.url, exc) from exc
        return Cursor(cur, self.url)

    @contextmanager
    def transaction(self) -> Iterator[PgConnection]:
        """BEGIN … COMMIT, rolled back on any exception; server errors become one-line StoreErrors."""
        try:
            with self.raw.transaction():
                yield self
        except self._psycopg.OperationalError as exc:  # connection lost, disk full, lock timeout
            raise pg.error_for(self.url, exc) from exc

    def close(self) -> None:
        self.raw.close()


def connect(url: str, password: str | None) -> PgConnection:
    psycopg = pg.psycopg_module()
    raw = pg.connect(url, password, autocommit=True)
    raw.cursor_factory = psycopg.ClientCursor
    raw.row_factory = _row_factory
    # A row lock held by another writer fails after this long, as SQLite's busy timeout does (one clear line).
    raw.execute(f"SET lock_timeout = '{LOCK_TIMEOUT_MS}ms'")
    _bool_as_integer(raw, psycopg)
    return PgConnection(raw, url)


def _bool_as_integer(raw: Any, psycopg: Any) -> None:
    """Flags are INTEGER 0/1 columns in both dialects (SQLite has no boolean): send Python bools as 0/1."""

    class BoolAsInt(psycopg.adapt.Dumper):  # type: ignore[misc]
        def dump(self, obj: Any) -> bytes:
            return b"1" if obj else b"0"

        def quote(self, obj: Any) -> bytes:
            return self.dump(obj)

    raw.adapters.register_dumper(bool, BoolAsInt)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged PostgreSQL migration, in order (same numbers as SQLite's)."""
    folder = resources.files("littrack.store").joinpath("migrations").joinpath("postgresql")
    out = [
        (int(e.name[:3]), e.name, e.read_text(encoding="utf-8"))
        for e in folder.iterdir()
        if e.name.endswith(".sql") and e.name[:3].isdigit()
    ]
    return sorted(out)


def schema_version(conn: PgConnection) -> int:
    row = conn.execute(
        "SELECT version FROM schema_version WHERE id = 1"
        if _has_version_table(conn)
        else "SELECT 0 AS version"
    ).fetchone()
    return int(row[0]) if row else 0


def _has_version_table(conn: PgConnection) -> bool:
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL").fetchone()
    return bool(row[0])


def migrate(conn: PgConnection, upto: int | None = None) -> None:
    """Run every migration newer than the database's version (up to ``upto``: tests), each in its own transaction."""
    where = pg.display_url(conn.url)
    known = [m for m in migrations() if upto is None or m[0] <= upto]
    current = schema_version(conn)
    if upto is None and known and current > known[-1][0]:
        raise StoreError(f"the store {where} was written by a newer littrack (schema {current}); upgrade littrack")
    if current == (known[-1][0] if known else 0):
        return
    psycopg = pg.psycopg_module()
    for version, name, sql in known:
        try:
            with conn.raw.transaction():
                conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
                conn.raw.execute(_VERSION_TABLE)
                if schema_version(conn) >= version:  # another process ran it while we waited
                    continue
                conn.raw.execute(sql.replace("%", "%%"), ())
                conn.raw.execute(
                    "INSERT INTO schema_version (id, version) VALUES (1, %s)"
                    " ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                    (version,),
                )
        except psycopg.Error as exc:
            raise StoreError(f"cannot migrate the store {where} to {name}: {' '.join(str(exc).split())}") from exc
