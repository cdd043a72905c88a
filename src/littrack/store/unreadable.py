"""Records a fetch could not read: set aside per topic until a later fetch reads them.

A fetch stores everything else of the batch, names the record in the run ledger (``runs.skipped``), and asks
for it again by PMID on every run; the digest lists the ones still unread.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from littrack.store.db import Connection, Store, now_iso
from littrack.store.papers import link_topic


@dataclass(frozen=True)
class Unreadable:
    pmid: int
    topic_id: str
    reason: str
    since: str  # when a fetch first failed to read it
    attempts: int


def note_unreadable(conn: Connection, topic_id: str, run_id: int, reasons: Mapping[int, str]) -> None:
    """Set these PMIDs aside for ``topic_id`` (pmid → why it could not be read). Call inside a transaction."""
    stamp = now_iso()
    conn.executemany(
        "INSERT INTO unreadable_records (pmid, topic_id, reason, first_run, last_run, first_failed_at, last_failed_at)"
        " VALUES (?,?,?,?,?,?,?) ON CONFLICT(pmid, topic_id) DO UPDATE SET reason=excluded.reason,"
        " last_run=excluded.last_run, last_failed_at=excluded.last_failed_at, attempts=attempts+1,"
        " resolved_run=NULL, resolved_at=NULL",
        [(pmid, topic_id, reason, run_id, run_id, stamp, stamp) for pmid, reason in reasons.items()],
    )


def resolve_readable(conn: Connection, pmids: Iterable[int], run_id: int) -> set[int]:
    """These PMIDs were read: file each under every topic that had set it aside, and return the ones that had.

    Call inside the transaction that saves the papers.
    """
    wanted = list(pmids)
    found: dict[int, list[str]] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT pmid, topic_id FROM unreadable_records WHERE resolved_at IS NULL AND pmid IN ({marks})", chunk
        )
        for row in rows:
            found.setdefault(row[0], []).append(row[1])
    stamp = now_iso()
    for pmid, topics in found.items():
        for topic_id in topics:
            link_topic(conn, pmid, topic_id, run_id, stamp)
        conn.execute(
            "UPDATE unreadable_records SET resolved_run=?, resolved_at=? WHERE pmid=? AND resolved_at IS NULL",
            (run_id, stamp, pmid),
        )
    return set(found)


def set_run_skipped(conn: Connection, run_id: int, pmids: Sequence[int]) -> None:
    """Name the PMIDs this run could not read in its ledger row."""
    conn.execute("UPDATE runs SET skipped=? WHERE id=?", (",".join(map(str, sorted(pmids))) or None, run_id))


def open_unreadable(store: Store, topic_id: str | None = None) -> list[Unreadable]:
    """What is still set aside (for one topic, or all), oldest first."""
    sql = (
        "SELECT pmid, topic_id, reason, first_failed_at, attempts FROM unreadable_records WHERE resolved_at IS NULL"
    )
    args: list[object] = []
    if topic_id is not None:
        sql += " AND topic_id = ?"
        args.append(topic_id)
    rows = store.conn.execute(sql + " ORDER BY first_failed_at, pmid", args)
    return [Unreadable(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def unreadable_pmids(store: Store) -> tuple[int, ...]:
    """The distinct PMIDs still set aside, in order."""
    return tuple(sorted({u.pmid for u in open_unreadable(store)}))
