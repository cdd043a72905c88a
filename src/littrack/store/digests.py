"""Queries for the digest ledger: what is waiting, what was delivered, and the corrections to report.

A digest row moves ``pending`` (created, its file being written) → ``sending`` (handed to the SMTP server,
``sending_at`` stamped) → ``delivered``; or ends ``failed`` (an error was recorded) or ``interrupted`` (the
process ended first; the next digest records that). Only a delivered digest owns its file for good.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from littrack.models import RETRACTION_KINDS, ChangeKind, ChangeSource, DateWindow, PaperChange
from littrack.store.changes import change_sources_of
from littrack.store.codec import paper_from_json
from littrack.store.db import Connection, Store, now_iso
from littrack.store.profiles import topic_clause


@dataclass(frozen=True)
class DigestRow:
    id: int
    profile: str
    created_at: str
    status: str
    period_start: str | None
    period_end: str | None
    filename: str | None
    total: int
    per_topic: dict[str, int]
    emailed: bool
    delivered_at: str | None
    error: str | None
    sending_at: str | None = None  # handed to the SMTP server; an undelivered row with it may have arrived

    @classmethod
    def from_row(cls, r: Any) -> DigestRow:
        d = dict(r)
        d["per_topic"] = json.loads(d["per_topic"] or "{}")
        d["emailed"] = bool(d["emailed"])
        return cls(**d)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


PENDING, SENDING, DELIVERED, FAILED, INTERRUPTED = "pending", "sending", "delivered", "failed", "interrupted"
LIVE = (PENDING, SENDING)  # a digest process is (or was, until it died) working on these
UNDELIVERED = (PENDING, SENDING, FAILED, INTERRUPTED)
_UNDELIVERED_SQL = "('pending', 'sending', 'failed', 'interrupted')"


def waiting_pmids(store: Store, profile: str, topics: Sequence[str] | None = None, since: str = "") -> list[int]:
    """Papers not yet in a delivered digest of this profile, oldest first: matched by one of ``topics`` (None:
    any topic) at or after ``since`` (the profile's registration; '' for its whole history)."""
    in_topics, topic_args = topic_clause("t.topic_id", topics)
    rows = store.conn.execute(
        "SELECT p.pmid FROM papers p WHERE EXISTS (SELECT 1 FROM paper_topics t WHERE t.pmid = p.pmid"
        f" AND t.first_matched_at >= ?{in_topics})"
        " AND NOT EXISTS (SELECT 1 FROM delivered_papers d WHERE d.pmid = p.pmid AND d.profile = ?)"
        " ORDER BY p.first_seen_at, p.pmid",
        (since, *topic_args, profile),
    )
    return [r[0] for r in rows]


def waiting_count(store: Store, profile: str, topics: Sequence[str] | None = None, since: str = "") -> int:
    """How many papers the next digest of this profile would consider (see :func:`waiting_pmids`)."""
    return len(waiting_pmids(store, profile, topics, since))


def backlog_count(store: Store, topics: Sequence[str], before: str) -> int:
    """Papers one of ``topics`` matched before ``before`` (what a profile registered then does not get)."""
    in_topics, topic_args = topic_clause("t.topic_id", topics)
    row = store.conn.execute(
        f"SELECT count(DISTINCT t.pmid) FROM paper_topics t WHERE t.first_matched_at < ?{in_topics}",
        (before, *topic_args),
    ).fetchone()
    return int(row[0])


def previously_attempted(store: Store, profile: str, pmids: Sequence[int]) -> bool:
    """True when some of these papers were in a digest that was never delivered (a retry)."""
    if not pmids:
        return False
    marks = ",".join("?" * len(pmids))
    row = store.conn.execute(
        f"SELECT 1 FROM digest_papers dp JOIN digests d ON d.id = dp.digest_id WHERE d.profile = ?"
        f" AND d.status IN {_UNDELIVERED_SQL} AND dp.pmid IN ({marks}) LIMIT 1",
        (profile, *pmids),
    ).fetchone()
    return row is not None


def create_digest(
    store: Store,
    profile: str,
    pmids: Sequence[int],
    period: DateWindow | None,
    per_topic: dict[str, int],
    *,
    status: str = "pending",
) -> int:
    with store.transaction() as c:
        cur = c.execute(
            "INSERT INTO digests (profile, created_at, status, period_start, period_end, total, per_topic)"
            " VALUES (?,?,?,?,?,?,?) RETURNING id",
            (
                profile,
                now_iso(),
                status,
                period.start.isoformat() if period else None,
                period.end.isoformat() if period else None,
                len(pmids),
                json.dumps(per_topic, sort_keys=True),
            ),
        )
        digest_id = int(cur.fetchone()[0])
        c.executemany("INSERT INTO digest_papers (digest_id, pmid) VALUES (?,?)", [(digest_id, p) for p in pmids])
    return digest_id


def set_filename(store: Store, digest_id: int, filename: str | None) -> None:
    """Claim ``filename`` for this digest before writing it (None: its files were withdrawn)."""
    with store.transaction() as c:
        c.execute("UPDATE digests SET filename=? WHERE id=?", (filename, digest_id))


def mark_sending(store: Store, digest_id: int) -> None:
    """Committed just before SMTP DATA: from here on the readers may receive this digest."""
    with store.transaction() as c:
        c.execute("UPDATE digests SET status='sending', sending_at=? WHERE id=?", (now_iso(), digest_id))


def mark_failed(store: Store, digest_id: int, error: str, *, status: str = FAILED) -> None:
    """Record why an attempt ended undelivered (``status`` interrupted: stopped by Ctrl-C or SIGTERM)."""
    with store.transaction() as c:
        c.execute("UPDATE digests SET status=?, error=? WHERE id=?", (status, error, digest_id))


def mark_interrupted(store: Store) -> list[DigestRow]:
    """Digests left pending or sending by a killed process become interrupted; returns them.

    Call only while holding the store's job lock: then no live process can be working on them.
    """
    with store.transaction() as c:
        rows = [DigestRow.from_row(r) for r in c.execute("SELECT * FROM digests WHERE status IN ('pending','sending')")]
        c.executemany(
            "UPDATE digests SET status='interrupted', error=? WHERE id=?",
            [
                (
                    "process ended while e-mailing the digest; the SMTP server may have accepted it"
                    if r.status == SENDING
                    else "process ended before the digest was delivered",
                    r.id,
                )
                for r in rows
            ],
        )
    return rows


def maybe_sent(store: Store, profile: str, pmids: Sequence[int]) -> list[DigestRow]:
    """Undelivered digests with some of these papers that were handed to the SMTP server: they may have arrived."""
    if not pmids:
        return []
    marks = ",".join("?" * len(pmids))
    rows = store.conn.execute(
        f"SELECT DISTINCT d.* FROM digests d JOIN digest_papers dp ON dp.digest_id = d.id WHERE d.profile = ?"
        f" AND d.status IN {_UNDELIVERED_SQL} AND d.sending_at IS NOT NULL AND dp.pmid IN ({marks}) ORDER BY d.id",
        (profile, *pmids),
    )
    return [DigestRow.from_row(r) for r in rows]


def mark_delivered(
    conn: Connection, digest_id: int, profile: str, *, emailed: bool, change_ids: Sequence[int]
) -> None:
    """Record delivery; call inside the transaction that also marks add-on sections reported."""
    stamp = now_iso()
    conn.execute(
        "UPDATE digests SET status='delivered', delivered_at=?, emailed=?, error=NULL WHERE id=?",
        (stamp, int(emailed), digest_id),
    )
    # The primary key (profile, pmid) makes a second delivery of the same paper fail loudly.
    conn.execute(
        "INSERT INTO delivered_papers (profile, pmid, digest_id, checked_at)"
        " SELECT ?, pmid, digest_id, ? FROM digest_papers WHERE digest_id = ?",
        (profile, stamp, digest_id),
    )
    conn.executemany(
        "INSERT INTO change_reports (change_id, profile, digest_id) VALUES (?,?,?)"
        " ON CONFLICT (change_id, profile) DO NOTHING",
        [(cid, profile, digest_id) for cid in change_ids],
    )


def stale_attempts(store: Store, profile: str) -> list[DigestRow]:
    """Finished, undelivered digests of this profile that still claim a file name (their files may be on disk)."""
    rows = store.conn.execute(
        "SELECT * FROM digests WHERE profile=? AND status IN ('failed','interrupted') AND filename IS NOT NULL",
        (profile,),
    )
    return [DigestRow.from_row(r) for r in rows]


def get_digest(store: Store, digest_id: int) -> DigestRow | None:
    row = store.conn.execute("SELECT * FROM digests WHERE id=?", (digest_id,)).fetchone()
    return DigestRow.from_row(row) if row else None


def digest_pmids(store: Store, digest_id: int) -> list[int]:
    return [
        r[0] for r in store.conn.execute("SELECT pmid FROM digest_papers WHERE digest_id=? ORDER BY pmid", (digest_id,))
    ]


def delivered_digests(store: Store, profile: str | None = None) -> list[DigestRow]:
    sql = "SELECT * FROM digests WHERE status='delivered'"
    args: list[object] = []
    if profile is not None:
        sql += " AND profile=?"
        args.append(profile)
    return [DigestRow.from_row(r) for r in store.conn.execute(sql + " ORDER BY id DESC", args)]


def recent_digests(store: Store, limit: int = 20) -> list[DigestRow]:
    return [
        DigestRow.from_row(r) for r in store.conn.execute("SELECT * FROM digests ORDER BY id DESC LIMIT ?", (limit,))
    ]


def filename_owner(store: Store, filename: str) -> DigestRow | None:
    """The digest that claims this file name: the delivered one if any, else the newest attempt."""
    row = store.conn.execute(
        "SELECT * FROM digests WHERE filename=? ORDER BY status = 'delivered' DESC, id DESC LIMIT 1", (filename,)
    ).fetchone()
    return DigestRow.from_row(row) if row else None


# --- corrections to papers already sent (issue: evidence & corrections) ---


def papers_to_recheck(store: Store, limit: int) -> list[int]:
    """Delivered papers, least recently checked first."""
    rows = store.conn.execute(
        # coalesce: NULL sorts first in SQLite and last in PostgreSQL; never-checked papers come first on both.
        "SELECT pmid, coalesce(min(checked_at), '') AS c FROM delivered_papers GROUP BY pmid ORDER BY c, pmid LIMIT ?",
        (limit,),
    )
    return [r[0] for r in rows]


def mark_checked(conn: Connection, pmids: Sequence[int]) -> None:
    stamp = now_iso()
    conn.executemany("UPDATE delivered_papers SET checked_at=? WHERE pmid=?", [(stamp, p) for p in pmids])


def pending_changes(
    store: Store,
    profile: str,
    *,
    digest_id: int | None = None,
    topics: Sequence[str] | None = None,
    since: str = "",
) -> list[tuple[int, PaperChange]]:
    """Corrections not yet reported in this profile (or, with ``digest_id``, the ones that digest reported).

    With ``topics`` (a profile that follows some topics), only changes to papers this profile was sent or that
    one of its topics matched; ``since``: only changes detected from the profile's registration on.
    """
    if digest_id is None:
        where = "NOT EXISTS (SELECT 1 FROM change_reports r WHERE r.change_id = c.id AND r.profile = ?)"
        where += " AND c.detected_at >= ?"
        args: tuple[object, ...] = (profile, since)
        if topics is not None:
            in_topics, topic_args = topic_clause("t.topic_id", topics)
            where += (
                " AND (EXISTS (SELECT 1 FROM delivered_papers d WHERE d.pmid = c.pmid AND d.profile = ?)"
                f" OR EXISTS (SELECT 1 FROM paper_topics t WHERE t.pmid = c.pmid{in_topics}))"
            )
            args += (profile, *topic_args)
    else:
        where = "EXISTS (SELECT 1 FROM change_reports r WHERE r.change_id = c.id AND r.digest_id = ?)"
        args = (digest_id,)
    rows = store.conn.execute(
        f"SELECT c.id, c.pmid, c.kind, c.description, c.notice_pmid, c.notice_source, c.notice_doi, p.record"
        f" FROM paper_changes c JOIN papers p ON p.pmid = c.pmid WHERE {where} ORDER BY c.id",
        args,
    ).fetchall()
    sources = change_sources_of(store.conn, [r["id"] for r in rows])
    return [
        (
            r["id"],
            PaperChange(
                r["pmid"],
                paper_from_json(r["record"]).title,  # the stored record's safe markup, as the paper cards show it
                ChangeKind(r["kind"]),
                r["description"],
                r["notice_pmid"],
                r["notice_source"],
                sources=tuple(ChangeSource(name, seen, notice) for name, seen, notice in sources.get(r["id"], ())),
                notice_doi=r["notice_doi"],
            ),
        )
        for r in rows
    ]


def retracted_pmids(store: Store, pmids: Sequence[int]) -> set[int]:
    if not pmids:
        return set()
    marks = ",".join("?" * len(pmids))
    kinds = tuple(str(k) for k in RETRACTION_KINDS)
    rows = store.conn.execute(
        f"SELECT DISTINCT pmid FROM paper_changes WHERE kind IN ({','.join('?' * len(kinds))}) AND pmid IN ({marks})",
        (*kinds, *pmids),
    )
    return {r[0] for r in rows}


# --- what the evidence page reads (issue 14) ---


def changes_for_papers(store: Store, pmids: Sequence[int]) -> dict[int, list[PaperChange]]:
    """pmid → every correction the re-checks stored for it (retractions, errata, …), oldest first."""
    out: dict[int, list[PaperChange]] = {}
    for i in range(0, len(pmids), 500):
        chunk = list(pmids[i : i + 500])
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            f"SELECT c.pmid, c.kind, c.description, c.notice_pmid, c.notice_source, p.record FROM paper_changes c"
            f" JOIN papers p ON p.pmid = c.pmid WHERE c.pmid IN ({marks}) ORDER BY c.id",
            chunk,
        )
        for r in rows:
            out.setdefault(r["pmid"], []).append(
                PaperChange(
                    r["pmid"],
                    paper_from_json(r["record"]).title,
                    ChangeKind(r["kind"]),
                    r["description"],
                    r["notice_pmid"],
                    r["notice_source"],
                )
            )
    return out


@dataclass(frozen=True)
class LatestDelivery:
    """The profile's latest delivered digest, and the papers delivered before it (the ones not "new")."""

    digest_id: int
    delivered_at: str
    earlier_pmids: frozenset[int]


def latest_delivery(store: Store, profile: str) -> LatestDelivery | None:
    """None before the profile's first delivered digest."""
    row = store.conn.execute(
        "SELECT id, delivered_at, created_at FROM digests WHERE profile = ? AND status = 'delivered'"
        " ORDER BY id DESC LIMIT 1",
        (profile,),
    ).fetchone()
    if row is None:
        return None
    earlier = store.conn.execute(
        "SELECT pmid FROM delivered_papers WHERE profile = ? AND digest_id < ?", (profile, row["id"])
    )
    return LatestDelivery(row["id"], row["delivered_at"] or row["created_at"], frozenset(r[0] for r in earlier))
