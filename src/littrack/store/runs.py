"""The run ledger (one row per fetch/digest/… run) and the per-topic Entrez-date watermarks."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from littrack.models import DateWindow
from littrack.store.db import Store, now_iso

_RUN_COLUMNS = (
    "id, kind, started_at, ended_at, status, window_start, window_end, new_count, updated_count, requests, error,"
    " skipped"
)


@dataclass(frozen=True)
class Run:
    id: int
    kind: str
    started_at: str
    ended_at: str | None
    status: str
    window_start: str | None
    window_end: str | None
    new_count: int
    updated_count: int
    requests: int
    error: str | None
    skipped: str | None = None  # PMIDs a fetch could not read, comma-separated

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def start_run(store: Store, kind: str, window: DateWindow | None = None) -> int:
    with store.transaction() as c:
        cur = c.execute(
            "INSERT INTO runs (kind, started_at, status, window_start, window_end, pid)"
            " VALUES (?,?,?,?,?,?) RETURNING id",
            (
                kind,
                now_iso(),
                "running",
                window.start.isoformat() if window else None,
                window.end.isoformat() if window else None,
                os.getpid(),
            ),
        )
        return int(cur.fetchone()[0])


def finish_run(
    store: Store,
    run_id: int,
    *,
    status: str,
    new: int = 0,
    updated: int = 0,
    requests: int = 0,
    error: str | None = None,
    window: DateWindow | None = None,
) -> None:
    with store.transaction() as c:
        record_finish(
            c, run_id, status=status, new=new, updated=updated, requests=requests, error=error, window=window
        )


def record_finish(
    conn: Any,
    run_id: int,
    *,
    status: str,
    new: int = 0,
    updated: int = 0,
    requests: int = 0,
    error: str | None = None,
    window: DateWindow | None = None,
) -> None:
    """:func:`finish_run` inside the caller's transaction (a digest's run ends in its delivery's commit)."""
    conn.execute(
        "UPDATE runs SET ended_at=?, status=?, new_count=?, updated_count=?, requests=?, error=?,"
        " window_start=coalesce(?, window_start), window_end=coalesce(?, window_end) WHERE id=?",
        (
            now_iso(),
            status,
            new,
            updated,
            requests,
            error,
            window.start.isoformat() if window else None,
            window.end.isoformat() if window else None,
            run_id,
        ),
    )


def mark_interrupted(store: Store) -> int:
    """Runs left 'running' by a killed process become 'interrupted'. Call while holding the store lock."""
    with store.transaction() as c:
        cur = c.execute(
            "UPDATE runs SET status='interrupted', ended_at=?,"
            " error=coalesce(error, 'process ended before the run finished')"
            " WHERE status='running'",
            (now_iso(),),
        )
        return cur.rowcount


def recent_runs(store: Store, kind: str | None = None, limit: int = 20) -> list[Run]:
    sql = f"SELECT {_RUN_COLUMNS} FROM runs"
    args: list[object] = []
    if kind:
        sql += " WHERE kind = ?"
        args.append(kind)
    sql += " ORDER BY id DESC LIMIT ?"
    args.append(limit)
    return [Run(**dict(r)) for r in store.conn.execute(sql, args)]


def last_run(store: Store, kind: str, status: str | None = None, *, before: str | None = None) -> Run | None:
    """The latest run of ``kind`` (with ``status``; started before the ISO time ``before``), or None."""
    sql = f"SELECT {_RUN_COLUMNS} FROM runs WHERE kind = ?"
    args: list[object] = [kind]
    if status:
        sql += " AND status = ?"
        args.append(status)
    if before:
        sql += " AND started_at < ?"
        args.append(before)
    row = store.conn.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
    return Run(**dict(row)) if row else None


def get_watermark(store: Store, topic_id: str, query: str) -> dt.date | None:
    """The last Entrez day covered for this topic; None if never fetched or the query text changed."""
    row = store.conn.execute("SELECT query, through_date FROM watermarks WHERE topic_id = ?", (topic_id,)).fetchone()
    if row is None or row["query"] != query:
        return None
    return dt.date.fromisoformat(row["through_date"])


def set_watermark(conn: Any, topic_id: str, query: str, through: dt.date, run_id: int) -> None:
    """Advance the watermark; call inside the same transaction as the topic's last save."""
    conn.execute(
        "INSERT INTO watermarks (topic_id, query, through_date, run_id, updated_at) VALUES (?,?,?,?,?)"
        " ON CONFLICT(topic_id) DO UPDATE SET query=excluded.query, through_date=excluded.through_date,"
        " run_id=excluded.run_id, updated_at=excluded.updated_at",
        (topic_id, query, through.isoformat(), run_id, now_iso()),
    )


def watermarks(store: Store) -> dict[str, str]:
    return {
        r["topic_id"]: r["through_date"] for r in store.conn.execute("SELECT topic_id, through_date FROM watermarks")
    }
