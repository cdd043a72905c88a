"""``littrack store copy``: move a SQLite store into an empty PostgreSQL database, and prove it arrived whole.

Every table is copied (papers, topics, watermarks, the run and digest ledgers, trials, mentions, …) in
foreign-key order, in ONE transaction on the target (PostgreSQL ``COPY``): a failure halfway leaves the target
as empty as it was. Identity sequences are moved past the copied ids, each table's row count is compared with
the source before the commit, and the store's identity (its UUID, which the feed's entry ids carry) moves
with it, so readers see the same store. The delivery ledgers come along too: a digest from the new store
never resends what the SQLite store already sent.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from littrack import pg
from littrack.errors import StoreError
from littrack.store.db import POSTGRESQL, SQLITE, Store

PG_ONLY = {"schema_version"}
# Rows the migrations themselves write into every new store (006: the store's identity; 013: the implicit profile
# 'default'). An empty target holds only these; the source's rows replace them. tests/test_postgres.py checks
# that a freshly migrated database has rows in no other table.
SEEDED = ("store_identity", "profiles")


@dataclass(frozen=True)
class CopyReport:
    tables: int
    rows: int
    counts: dict[str, int]
    target: str

    def line(self) -> str:
        return f"store copy: {self.tables} tables, {self.rows:,} rows → {self.target} (counts verified)"


def source_tables(source: Store) -> list[str]:
    """The source's tables, each after the tables its foreign keys refer to."""
    conn: sqlite3.Connection = source._raw
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    names = [n for n in names if not n.startswith("sqlite_")]
    needs = {n: {r[2] for r in conn.execute(f'PRAGMA foreign_key_list("{n}")')} - {n} for n in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and needs[n] <= set(ordered)]
        if not ready:
            cycle = sorted(set(names) - set(ordered))
            raise StoreError(f"the store {source.path} has a foreign-key cycle among {cycle}")
        ordered.extend(ready)
    return ordered


def _pg_columns(target: Store) -> dict[str, list[str]]:
    rows = target.conn.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " ORDER BY table_name, ordinal_position"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r[0], []).append(r[1])
    return out


def _count(store: Store, table: str) -> int:
    return int(store.conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])


def copy_store(source: Store, target: Store, advance: Callable[[int], None] = lambda n: None,
               add_total: Callable[[int], None] = lambda n: None) -> CopyReport:
    """Copy every row of the SQLite ``source`` into the empty PostgreSQL ``target``; StoreError if it is not
    empty, not at the same schema, or any table's count differs afterwards."""
    if source.dialect != SQLITE or target.dialect != POSTGRESQL:
        raise StoreError("store copy moves a SQLite store into a PostgreSQL database")
    if source.schema_version != target.schema_version:
        raise StoreError(f"the source is at schema {source.schema_version} and {target.path} at "
                         f"{target.schema_version}; run the same littrack on both")
    tables = source_tables(source)
    columns = _pg_columns(target)
    missing = [t for t in tables if t not in columns]
    if missing:
        raise StoreError(f"{target.path} lacks the tables {', '.join(missing)}; is it a littrack database?")
    busy = [t for t in columns if t not in PG_ONLY and t not in SEEDED and _count(target, t)]
    if busy:
        raise StoreError(f"{target.path} is not empty ({', '.join(sorted(busy)[:5])} hold rows); store copy only "
                         "fills an empty database, so nothing is overwritten or sent twice")
    counts = {t: _count(source, t) for t in tables}
    add_total(sum(counts.values()))
    lite: sqlite3.Connection = source._raw
    raw = target._raw.raw
    psycopg = pg.psycopg_module()
    try:
        with raw.transaction():
            for table in SEEDED:
                if table in columns:
                    raw.execute(f'DELETE FROM "{table}"')
            for table in tables:
                cols = [c for c in columns[table] if c != "rowid"]
                lite_cols = [f'"{c}"' for c in cols]
                if "rowid" in columns[table]:  # SQLite's implicit insertion order, kept (see migrations 009, 011)
                    cols, lite_cols = ["rowid", *cols], ["rowid", *lite_cols]
                quoted = ", ".join(f'"{c}"' for c in cols)
                with raw.cursor().copy(f'COPY "{table}" ({quoted}) FROM STDIN') as out:
                    for row in lite.execute(f'SELECT {", ".join(lite_cols)} FROM "{table}"'):
                        out.write_row(tuple(row))
                        advance(1)
            for table, cols in columns.items():  # identity columns continue after the copied ids
                for col in cols:
                    seq = raw.execute("SELECT pg_get_serial_sequence(%s, %s)", (table, col)).fetchone()[0]
                    if seq:
                        raw.execute(
                            f'SELECT setval(%s, coalesce((SELECT max("{col}") FROM "{table}"), 0) + 1, false)', (seq,)
                        )
            copied = {t: _count(target, t) for t in tables}
            if copied != counts:
                wrong = ", ".join(f"{t}: {counts[t]} → {copied[t]}" for t in tables if copied[t] != counts[t])
                raise StoreError(f"store copy: row counts differ ({wrong}); nothing was kept in {target.path}")
    except psycopg.Error as exc:
        raise pg.error_for(target._raw.url, exc) from None
    return CopyReport(len(tables), sum(counts.values()), counts, target.path)
