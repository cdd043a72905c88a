"""Queries for papers and the topics that matched them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from littrack.models import Paper
from littrack.store.codec import content_hash, paper_from_json, paper_to_json
from littrack.store.db import Connection, Store, now_iso


@dataclass(frozen=True)
class StoredPaper:
    paper: Paper
    topic_ids: tuple[str, ...]
    first_seen_at: str
    fetched_at: str
    content_hash: str = ""  # papers.content_hash of ``paper``: the evidence cache's key


@dataclass(frozen=True)
class SaveCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0


def save_papers(conn: Connection, papers: Iterable[Paper], *, topic_id: str | None, run_id: int | None) -> SaveCounts:
    """Insert new papers, update changed ones, link each to ``topic_id``. Call inside a transaction."""
    new = updated = unchanged = 0
    stamp = now_iso()
    for p in papers:
        record = paper_to_json(p)
        digest = content_hash(record)
        row = conn.execute("SELECT content_hash FROM papers WHERE pmid = ?", (p.pmid,)).fetchone()
        columns = (
            record,
            digest,
            p.title_plain,
            p.journal_iso or p.journal,
            p.year,
            p.entrez_date.isoformat() if p.entrez_date else None,
            p.status,
            p.doi,
            p.pmcid,
        )
        if row is None:
            conn.execute(
                "INSERT INTO papers (record, content_hash, title, journal, pub_year, entrez_date, status, doi, pmcid,"
                " pmid, first_seen_at, first_seen_run, fetched_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (*columns, p.pmid, stamp, run_id, stamp, stamp),
            )
            new += 1
        elif row["content_hash"] != digest:
            conn.execute(
                "UPDATE papers SET record=?, content_hash=?, title=?, journal=?, pub_year=?, entrez_date=?, status=?,"
                " doi=?, pmcid=?, fetched_at=?, updated_at=? WHERE pmid=?",
                (*columns, stamp, stamp, p.pmid),
            )
            updated += 1
        else:
            conn.execute("UPDATE papers SET fetched_at=? WHERE pmid=?", (stamp, p.pmid))
            unchanged += 1
        if row is None or row["content_hash"] != digest:
            _save_pubmed_references(conn, p)
        if topic_id is not None:
            link_topic(conn, p.pmid, topic_id, run_id, stamp)
    return SaveCounts(new, updated, unchanged)


def _save_pubmed_references(conn: Connection, paper: Paper) -> None:
    conn.execute("DELETE FROM paper_references WHERE pmid = ? AND source = 'pubmed'", (paper.pmid,))
    conn.executemany(
        "INSERT INTO paper_references (pmid, source, ref_pmid, ref_doi) VALUES (?, 'pubmed', ?, ?)",
        [(paper.pmid, r.pmid, r.doi) for r in paper.references],
    )


def link_topic(conn: Connection, pmid: int, topic_id: str, run_id: int | None, stamp: str | None = None) -> None:
    conn.execute(
        "INSERT INTO paper_topics (pmid, topic_id, first_matched_at, run_id)"
        " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
        (pmid, topic_id, stamp or now_iso(), run_id),
    )


def known_pmids(store: Store, pmids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """For the PMIDs already stored: pmid → (citation status, fetched_at)."""
    out: dict[int, tuple[str, str]] = {}
    for i in range(0, len(pmids), 500):
        chunk = list(pmids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        for row in store.conn.execute(f"SELECT pmid, status, fetched_at FROM papers WHERE pmid IN ({marks})", chunk):
            out[row["pmid"]] = (row["status"] or "", row["fetched_at"])
    return out


def get_papers(store: Store, pmids: Sequence[int]) -> dict[int, StoredPaper]:
    out: dict[int, StoredPaper] = {}
    for i in range(0, len(pmids), 500):
        chunk = list(pmids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            f"SELECT pmid, record, content_hash, first_seen_at, fetched_at FROM papers WHERE pmid IN ({marks})",
            chunk,
        ).fetchall()
        # Topics in a second query, grouped here: group_concat (SQLite) and string_agg (PostgreSQL) differ.
        topics: dict[int, list[str]] = {}
        for t in store.conn.execute(f"SELECT pmid, topic_id FROM paper_topics WHERE pmid IN ({marks})", chunk):
            topics.setdefault(t[0], []).append(t[1])
        for row in rows:
            out[row["pmid"]] = StoredPaper(
                paper_from_json(row["record"]),
                tuple(sorted(topics.get(row["pmid"], ()))),
                row["first_seen_at"],
                row["fetched_at"],
                row["content_hash"],
            )
    return out


def iter_papers(store: Store, *, topic_id: str | None = None, since: dt.date | None = None) -> list[StoredPaper]:
    """Every stored paper (optionally one topic's, or first seen on/after ``since``), oldest first."""
    sql = "SELECT p.pmid FROM papers p"
    args: list[object] = []
    where = []
    if topic_id:
        sql += " JOIN paper_topics t ON t.pmid = p.pmid"
        where.append("t.topic_id = ?")
        args.append(topic_id)
    if since:
        where.append("p.first_seen_at >= ?")
        args.append(since.isoformat())
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY p.first_seen_at, p.pmid"
    pmids = [r[0] for r in store.conn.execute(sql, args)]
    found = get_papers(store, pmids)
    return [found[p] for p in pmids if p in found]


def counts(store: Store) -> dict[str, int]:
    c = store.conn
    return {
        "papers": c.execute("SELECT count(*) FROM papers").fetchone()[0],
        "topic_links": c.execute("SELECT count(*) FROM paper_topics").fetchone()[0],
    }
