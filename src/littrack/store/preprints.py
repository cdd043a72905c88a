"""Queries for preprints: the records, their topics and watermarks, links to published papers, delivery."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from littrack.models import LinkMethod, Paper, Preprint, PreprintLink
from littrack.store.codec import paper_from_json, preprint_from_json, preprint_to_json
from littrack.store.db import Connection, Store, now_iso
from littrack.store.profiles import topic_clause


@dataclass(frozen=True)
class StoredPreprint:
    preprint: Preprint
    topic_ids: tuple[str, ...]


@dataclass(frozen=True)
class PublishedPreprint:
    """A preprint a reader was sent, and the PubMed record of its published version."""

    preprint: Preprint
    link: PreprintLink
    paper: Paper


def save_preprints(conn: Connection, preprints: Iterable[Preprint], *, topic_id: str | None) -> int:
    """Insert new preprints, refresh known ones, link each to ``topic_id``; returns how many were new."""
    new = 0
    stamp = now_iso()
    for p in preprints:
        row = conn.execute("SELECT record, published_pmid FROM preprints WHERE id = ?", (p.id,)).fetchone()
        if row is not None and p.published_pmid is None and row["published_pmid"] is not None:
            # A reply without the "Preprint of" link (a lite page) does not forget the one we know.
            p = dataclasses.replace(p, published_pmid=row["published_pmid"])
        record = preprint_to_json(p)
        first = p.first_published.isoformat() if p.first_published else None
        if row is None:
            conn.execute(
                "INSERT INTO preprints (id, record, doi, first_published, published_pmid, first_seen_at, updated_at)"
                " VALUES (?,?,?,?,?,?,?)",
                (p.id, record, p.doi, first, p.published_pmid, stamp, stamp),
            )
            new += 1
        elif row["record"] != record:
            conn.execute(
                "UPDATE preprints SET record=?, doi=?, first_published=?, published_pmid=?, updated_at=? WHERE id=?",
                (record, p.doi, first, p.published_pmid, stamp, p.id),
            )
        if topic_id is not None:
            conn.execute(
                "INSERT INTO preprint_topics (preprint_id, topic_id, first_matched_at)"
                " VALUES (?,?,?) ON CONFLICT DO NOTHING",
                (p.id, topic_id, stamp),
            )
    return new


def get_preprints(store: Store, ids: Sequence[str]) -> dict[str, StoredPreprint]:
    out: dict[str, StoredPreprint] = {}
    for i in range(0, len(ids), 500):
        chunk = list(ids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(f"SELECT id, record FROM preprints WHERE id IN ({marks})", chunk).fetchall()
        topics: dict[str, list[str]] = {}
        for t in store.conn.execute(
            f"SELECT preprint_id, topic_id FROM preprint_topics WHERE preprint_id IN ({marks})", chunk
        ):
            topics.setdefault(t[0], []).append(t[1])
        for r in rows:
            out[r["id"]] = StoredPreprint(preprint_from_json(r["record"]), tuple(sorted(topics.get(r["id"], ()))))
    return out


def count_preprints(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM preprints").fetchone()[0])


# --- watermarks ------------------------------------------------------------------------------------


def get_preprint_watermark(store: Store, topic_id: str, query: str) -> dt.date | None:
    """The last first-publication day covered for this topic; None if never searched or the query changed."""
    row = store.conn.execute(
        "SELECT query, through_date FROM preprint_watermarks WHERE topic_id = ?", (topic_id,)
    ).fetchone()
    if row is None or row["query"] != query:
        return None
    return dt.date.fromisoformat(row["through_date"])


def set_preprint_watermark(conn: Connection, topic_id: str, query: str, through: dt.date, run_id: int) -> None:
    """Advance the watermark; call inside the transaction that saves the topic's preprints."""
    conn.execute(
        "INSERT INTO preprint_watermarks (topic_id, query, through_date, run_id, updated_at) VALUES (?,?,?,?,?)"
        " ON CONFLICT(topic_id) DO UPDATE SET query=excluded.query, through_date=excluded.through_date,"
        " run_id=excluded.run_id, updated_at=excluded.updated_at",
        (topic_id, query, through.isoformat(), run_id, now_iso()),
    )


# --- links to published papers --------------------------------------------------------------------


# Nullable sort keys go through coalesce: NULL sorts first in SQLite and last in PostgreSQL.


def unlinked_preprints(store: Store) -> list[Preprint]:
    rows = store.conn.execute(
        "SELECT record FROM preprints p WHERE NOT EXISTS (SELECT 1 FROM preprint_links l WHERE l.preprint_id = p.id)"
        " ORDER BY coalesce(p.first_published, ''), p.id"
    )
    return [preprint_from_json(r["record"]) for r in rows]


def preprints_to_recheck(store: Store, limit: int, *, asked_before: str) -> list[str]:
    """Unlinked preprints not re-asked since ``asked_before`` (first seen before it, too), least recently asked
    first: has Europe PMC found a journal version?"""
    rows = store.conn.execute(
        "SELECT id FROM preprints p WHERE NOT EXISTS (SELECT 1 FROM preprint_links l WHERE l.preprint_id = p.id)"
        " AND coalesce(rechecked_at, first_seen_at) < ? ORDER BY coalesce(rechecked_at, ''), first_published, id"
        " LIMIT ?",
        (asked_before, limit),
    )
    return [r["id"] for r in rows]


def mark_rechecked(conn: Connection, ids: Sequence[str]) -> None:
    stamp = now_iso()
    conn.executemany("UPDATE preprints SET rechecked_at = ? WHERE id = ?", [(stamp, i) for i in ids])


def save_links(conn: Connection, links: Iterable[PreprintLink]) -> int:
    """Record links; a preprint keeps its first link (the primary key refuses a second)."""
    stamp = now_iso()
    return sum(
        conn.execute(
            "INSERT INTO preprint_links (preprint_id, pmid, method, score, linked_at)"
            " VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
            (link.preprint_id, link.pmid, link.method, link.score, stamp),
        ).rowcount
        for link in links
    )


def preprint_versions(store: Store, pmids: Sequence[int]) -> dict[int, Preprint]:
    """For papers that are the published version of a stored preprint: pmid → that preprint."""
    out: dict[int, Preprint] = {}
    for i in range(0, len(pmids), 500):
        chunk = list(pmids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            f"SELECT l.pmid, p.record FROM preprint_links l JOIN preprints p ON p.id = l.preprint_id"
            f" WHERE l.pmid IN ({marks}) ORDER BY coalesce(p.first_published, '')",
            chunk,
        )
        for r in rows:
            out.setdefault(r["pmid"], preprint_from_json(r["record"]))
    return out


# --- delivery ---------------------------------------------------------------------------------------


def pending_preprints(
    store: Store,
    profile: str,
    *,
    digest_id: int | None = None,
    topics: Sequence[str] | None = None,
    since: str = "",
) -> list[StoredPreprint]:
    """Topic-matched preprints this profile has not been sent and whose journal version is not known (the paper
    is then the finding): matched by one of ``topics`` (None: any) at or after ``since`` (the profile's
    registration). With ``digest_id``: the preprints that digest delivered (rebuilds)."""
    if digest_id is None:
        in_topics, topic_args = topic_clause("t.topic_id", topics)
        rows = store.conn.execute(
            "SELECT p.id FROM preprints p WHERE EXISTS (SELECT 1 FROM preprint_topics t WHERE t.preprint_id = p.id"
            f" AND t.first_matched_at >= ?{in_topics})"
            " AND NOT EXISTS (SELECT 1 FROM delivered_preprints d WHERE d.preprint_id = p.id AND d.profile = ?)"
            " AND NOT EXISTS (SELECT 1 FROM preprint_links l WHERE l.preprint_id = p.id)"
            " ORDER BY coalesce(p.first_published, '') DESC, p.id",
            (since, *topic_args, profile),
        )
    else:
        rows = store.conn.execute(
            "SELECT p.id FROM preprints p JOIN delivered_preprints d ON d.preprint_id = p.id WHERE d.digest_id = ?"
            " ORDER BY coalesce(p.first_published, '') DESC, p.id",
            (digest_id,),
        )
    ids = [r["id"] for r in rows]
    found = get_preprints(store, ids)
    return [found[i] for i in ids if i in found]


def topic_preprints(store: Store) -> list[StoredPreprint]:
    """Every topic-matched preprint whose journal version is not known, newest first (the evidence page's list)."""
    rows = store.conn.execute(
        "SELECT p.id FROM preprints p WHERE EXISTS (SELECT 1 FROM preprint_topics t WHERE t.preprint_id = p.id)"
        " AND NOT EXISTS (SELECT 1 FROM preprint_links l WHERE l.preprint_id = p.id)"
        " ORDER BY coalesce(p.first_published, '') DESC, p.id"
    )
    ids = [r["id"] for r in rows]
    found = get_preprints(store, ids)
    return [found[i] for i in ids if i in found]


def mark_preprints_delivered(conn: Connection, profile: str, digest_id: int, ids: Sequence[str]) -> None:
    """Call inside the delivery transaction; the primary key forbids sending a preprint twice."""
    conn.executemany(
        "INSERT INTO delivered_preprints (profile, preprint_id, digest_id) VALUES (?,?,?)",
        [(profile, i, digest_id) for i in ids],
    )


def published_to_report(store: Store, profile: str, *, digest_id: int | None = None) -> list[PublishedPreprint]:
    """Preprints this profile was sent whose journal version is now linked and not yet reported (or, with
    ``digest_id``, the ones that digest reported)."""
    if digest_id is None:
        where = (
            "EXISTS (SELECT 1 FROM delivered_preprints d WHERE d.preprint_id = l.preprint_id AND d.profile = ?)"
            " AND NOT EXISTS (SELECT 1 FROM preprint_link_reports r WHERE r.preprint_id = l.preprint_id"
            " AND r.profile = ?)"
        )
        args: tuple[object, ...] = (profile, profile)
    else:
        where = "EXISTS (SELECT 1 FROM preprint_link_reports r WHERE r.preprint_id = l.preprint_id AND r.digest_id = ?)"
        args = (digest_id,)
    rows = store.conn.execute(
        "SELECT l.preprint_id, l.pmid, l.method, l.score, p.record AS preprint, a.record AS paper"
        " FROM preprint_links l JOIN preprints p ON p.id = l.preprint_id JOIN papers a ON a.pmid = l.pmid"
        f" WHERE {where} ORDER BY coalesce(p.first_published, ''), l.preprint_id",
        args,
    )
    return [
        PublishedPreprint(
            preprint_from_json(r["preprint"]),
            PreprintLink(r["preprint_id"], r["pmid"], LinkMethod(r["method"]), r["score"]),
            paper_from_json(r["paper"]),
        )
        for r in rows
    ]


def mark_links_reported(conn: Connection, profile: str, digest_id: int, ids: Sequence[str]) -> None:
    conn.executemany(
        "INSERT INTO preprint_link_reports (preprint_id, profile, digest_id)"
        " VALUES (?,?,?) ON CONFLICT DO NOTHING",
        [(i, profile, digest_id) for i in ids],
    )
