"""What each topic's fetches cover, when it was last reconciled, and the papers a reconciliation found late.

The columns live on ``watermarks`` (a changed query starts the topic afresh, coverage included); the late
papers in ``late_papers``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from littrack.store.db import Connection, Store, now_iso


@dataclass(frozen=True)
class Coverage:
    covered_from: dt.date  # the first Entrez day the topic's fetches cover (its backfill's start)
    reconciled_on: dt.date | None  # the day of the last reconciliation sweep; None: never


def get_coverage(store: Store, topic_id: str, query: str) -> Coverage | None:
    """None when the topic was never fetched, or its query changed since."""
    row = store.conn.execute(
        "SELECT query, through_date, covered_from, reconciled_on FROM watermarks WHERE topic_id = ?", (topic_id,)
    ).fetchone()
    if row is None or row["query"] != query:
        return None
    start = dt.date.fromisoformat(row["covered_from"] or row["through_date"])
    return Coverage(start, dt.date.fromisoformat(row["reconciled_on"]) if row["reconciled_on"] else None)


def set_coverage(conn: Connection, topic_id: str, coverage: Coverage) -> None:
    """Call in the transaction that sets the topic's watermark (after it, so the row exists)."""
    conn.execute(
        "UPDATE watermarks SET covered_from=?, reconciled_on=? WHERE topic_id=?",
        (
            coverage.covered_from.isoformat(),
            coverage.reconciled_on.isoformat() if coverage.reconciled_on else None,
            topic_id,
        ),
    )


def topic_size(store: Store, topic_id: str) -> int:
    """How many stored papers the topic's query matched."""
    return int(store.conn.execute("SELECT count(*) FROM paper_topics WHERE topic_id = ?", (topic_id,)).fetchone()[0])


def note_late(conn: Connection, topic_id: str, run_id: int, pmids: Iterable[int]) -> None:
    """These papers were found by a reconciliation sweep, after their Entrez date's window had passed."""
    stamp = now_iso()
    conn.executemany(
        "INSERT INTO late_papers (pmid, topic_id, run_id, found_at)"
        " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
        [(pmid, topic_id, run_id, stamp) for pmid in pmids],
    )


def late_pmids(store: Store, pmids: Sequence[int]) -> set[int]:
    """Which of these papers a reconciliation sweep found late."""
    out: set[int] = set()
    for i in range(0, len(pmids), 500):
        chunk = list(pmids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        out |= {r[0] for r in store.conn.execute(f"SELECT pmid FROM late_papers WHERE pmid IN ({marks})", chunk)}
    return out
