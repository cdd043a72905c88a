"""Queries for corrections to papers (``paper_changes``) and the sources that reported each (``change_sources``).

The store only stores: which report is a new change and which is another source's report of a known one is
decided in :mod:`littrack.evidence.merge`.
"""

from __future__ import annotations

from collections.abc import Sequence

from littrack.models import RETRACTION_KINDS, ChangeKind, PaperChange
from littrack.store.db import Connection, now_iso


def known_changes(conn: Connection, pmid: int) -> list[tuple[int, ChangeKind, dict[str, str]]]:
    """(change id, kind, {source: notice}) of every change recorded for ``pmid``, oldest first."""
    out: list[tuple[int, ChangeKind, dict[str, str]]] = []
    for row in conn.execute("SELECT id, kind FROM paper_changes WHERE pmid = ? ORDER BY id", (pmid,)):
        sources = {
            s["source"]: s["notice"]
            for s in conn.execute("SELECT source, notice FROM change_sources WHERE change_id = ?", (row["id"],))
        }
        out.append((row["id"], ChangeKind(row["kind"]), sources))
    return out


def insert_change(conn: Connection, change: PaperChange, *, source: str, notice: str) -> int:
    """A new change, first seen now by ``source``."""
    stamp = now_iso()
    cur = conn.execute(
        "INSERT INTO paper_changes (pmid, kind, description, notice_pmid, notice_source, notice_doi, detected_at)"
        " VALUES (?,?,?,?,?,?,?) RETURNING id",
        (
            change.pmid,
            change.kind,
            change.description,
            change.notice_pmid,
            change.notice_source,
            change.notice_doi,
            stamp,
        ),
    )
    change_id = int(cur.fetchone()[0])
    add_change_source(conn, change_id, source=source, notice=notice, seen_at=stamp)
    return change_id


def add_change_source(
    conn: Connection, change_id: int, *, source: str, notice: str, seen_at: str | None = None
) -> None:
    """Another source reports a known change; the change keeps its first description and detection time."""
    conn.execute(
        "INSERT INTO change_sources (change_id, source, seen_at, notice)"
        " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
        (change_id, source, seen_at or now_iso(), notice),
    )


def retracted_papers(conn: Connection) -> list[tuple[int, str | None]]:
    """(pmid, DOI) of every stored paper with a recorded retraction."""
    kinds = tuple(str(k) for k in RETRACTION_KINDS)
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT DISTINCT c.pmid, lower(p.doi) AS doi FROM paper_changes c JOIN papers p ON p.pmid = c.pmid"
        f" WHERE c.kind IN ({marks}) ORDER BY c.pmid",
        kinds,
    )
    return [(r["pmid"], r["doi"]) for r in rows]


def change_sources_of(conn: Connection, change_ids: Sequence[int]) -> dict[int, list[tuple[str, str, str]]]:
    """change id → [(source, seen_at, notice)], first seen first."""
    out: dict[int, list[tuple[str, str, str]]] = {}
    for i in range(0, len(change_ids), 500):
        chunk = list(change_ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT change_id, source, seen_at, notice FROM change_sources WHERE change_id IN ({marks})"
            " ORDER BY seen_at, rowid",
            chunk,
        )
        for r in rows:
            out.setdefault(r["change_id"], []).append((r["source"], r["seen_at"], r["notice"]))
    return out
