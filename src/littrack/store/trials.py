"""Queries for registered trials: current state and history, change events, topic matches, paper ⇄ trial links.

Writers take the connection of an open transaction (``with store.transaction() as conn``); readers take the
:class:`~littrack.store.db.Store`. This module only stores: what counts as a change, and how pending changes
read in a digest, is decided in :mod:`littrack.trials` (``changes``, ``sync``, ``report``) and passed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from littrack.models import DEFAULT_PROFILE, Study, TrialChangeKind
from littrack.store.codec import study_from_json, study_to_json
from littrack.store.db import Connection, Store

_T = TypeVar("_T")

LINK_SOURCES = ("databank", "abstract", "registry-reference")
_CHUNK = 500


@dataclass(frozen=True)
class TrialEvent:
    """One stored change event."""

    id: int
    nct_id: str
    kind: str
    before: str | None
    after: str | None
    detected_at: str


@dataclass(frozen=True)
class StoredTrial:
    study: Study
    topic_ids: tuple[str, ...]
    first_seen_at: str
    seen_at: str
    updated_at: str


# -- writers (inside a transaction) ------------------------------------------------------------------


def save_studies(
    conn: Connection, studies: Iterable[Study], *, topic_id: str, now: dt.datetime
) -> list[tuple[Study, Study | None]]:
    """Store each study's state (a history row when it changed) and match it to ``topic_id``.

    Returns (new state, previous state or None when first seen) for every study whose state changed, in order,
    so the caller can decide which changes to record (:func:`add_event`).
    """
    stamp = _iso(now)
    changed: list[tuple[Study, Study | None]] = []
    for study in {s.nct_id: s for s in studies}.values():  # a study twice in one reply: keep the later copy
        state = study_to_json(study)
        digest = hashlib.sha256(state.encode("utf-8")).hexdigest()
        row = conn.execute("SELECT state, state_hash FROM trials WHERE nct_id = ?", (study.nct_id,)).fetchone()
        columns = (
            state,
            digest,
            study.title,
            study.overall_status,
            study.completion_date,
            study.last_update,
            int(study.has_results),
        )
        if row is None:
            conn.execute(
                "INSERT INTO trials (state, state_hash, title, overall_status, completion_date, last_update,"
                " has_results, nct_id, first_seen_at, seen_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (*columns, study.nct_id, stamp, stamp, stamp),
            )
            changed.append((study, None))
        elif row["state_hash"] != digest:
            conn.execute(
                "UPDATE trials SET state=?, state_hash=?, title=?, overall_status=?, completion_date=?, last_update=?,"
                " has_results=?, seen_at=?, updated_at=? WHERE nct_id=?",
                (*columns, stamp, stamp, study.nct_id),
            )
            changed.append((study, study_from_json(row["state"])))
        else:
            conn.execute("UPDATE trials SET seen_at=? WHERE nct_id=?", (stamp, study.nct_id))
        if row is None or row["state_hash"] != digest:
            conn.execute(
                "INSERT INTO trial_states (nct_id, state, state_hash, seen_at) VALUES (?,?,?,?)",
                (study.nct_id, state, digest, stamp),
            )
            _replace_references(conn, study)
        conn.execute(
            "INSERT INTO trial_topics (nct_id, topic_id, first_matched_at)"
            " VALUES (?,?,?) ON CONFLICT DO NOTHING",
            (study.nct_id, topic_id, stamp),
        )
    return changed


def add_event(
    conn: Connection,
    nct_id: str,
    kind: TrialChangeKind,
    before: str | None,
    after: str | None,
    *,
    now: dt.datetime,
) -> TrialEvent:
    """Record one change worth telling a reader, until a delivered digest reports it."""
    stamp = _iso(now)
    cur = conn.execute(
        "INSERT INTO trial_events (nct_id, kind, before, after, detected_at)"
        " VALUES (?,?,?,?,?) RETURNING id",
        (nct_id, kind, before, after, stamp),
    )
    return TrialEvent(int(cur.fetchone()[0]), nct_id, kind, before, after, stamp)


def mark_trial_changes_reported(
    conn: Connection, digest_id: int, event_ids: Iterable[int], profile: str = DEFAULT_PROFILE
) -> int:
    """Mark events as reported to ``profile`` by ``digest_id``; call inside the digest's delivery transaction.
    Returns rows marked (an event already reported to this profile stays with its first digest)."""
    ids = list(dict.fromkeys(event_ids))
    stamp = _iso(dt.datetime.now(dt.UTC))
    marked = 0
    for event_id in ids:
        cur = conn.execute(
            "INSERT INTO trial_event_reports (profile, event_id, digest_id, reported_at) VALUES (?,?,?,?)"
            " ON CONFLICT (profile, event_id) DO NOTHING",
            (profile, event_id, digest_id, stamp),
        )
        marked += cur.rowcount
    return marked


def add_paper_links(conn: Connection, links: Iterable[tuple[int, str, str]], *, now: dt.datetime | None = None) -> int:
    """Store (pmid, nct_id, source) links; returns how many were new."""
    stamp = _iso(now or dt.datetime.now(dt.UTC))
    added = 0
    for pmid, nct_id, source in links:
        if source not in LINK_SOURCES:
            raise ValueError(f"unknown paper-trial link source {source!r}")
        cur = conn.execute(
            "INSERT INTO paper_trials (pmid, nct_id, source, linked_at)"
            " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
            (int(pmid), nct_id, source, stamp),
        )
        added += cur.rowcount
    return added


def set_trials_sync(conn: Connection, topic_id: str, query: str, through: dt.date, run_id: int | None) -> None:
    """Advance the topic's last-sync date for ``query`` (its text); call in the transaction of the topic's save."""
    conn.execute(
        "INSERT INTO trial_syncs (topic_id, query, through_date, run_id, updated_at) VALUES (?,?,?,?,?)"
        " ON CONFLICT(topic_id) DO UPDATE SET query=excluded.query, through_date=excluded.through_date,"
        " run_id=excluded.run_id, updated_at=excluded.updated_at",
        (topic_id, query, through.isoformat(), run_id, _iso(dt.datetime.now(dt.UTC))),
    )


# -- readers ------------------------------------------------------------------------------------------


def studies_first_seen(conn: Connection) -> list[tuple[Study, dt.date]]:
    """Every stored study's current state and the day littrack first saw it, by NCT id."""
    rows = conn.execute("SELECT state, first_seen_at FROM trials ORDER BY nct_id").fetchall()
    return [(study_from_json(r["state"]), dt.datetime.fromisoformat(r["first_seen_at"]).date()) for r in rows]


def linked_nct_ids(conn: Connection) -> set[str]:
    """NCT ids with at least one linked paper."""
    return {r[0] for r in conn.execute("SELECT DISTINCT nct_id FROM paper_trials")}


def raised_events(conn: Connection, kinds: Sequence[TrialChangeKind]) -> set[tuple[str, str, str]]:
    """(nct_id, kind, after or '') of every stored event of these kinds, reported or not."""
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(
        f"SELECT nct_id, kind, coalesce(after, '') FROM trial_events WHERE kind IN ({marks})", tuple(kinds)
    )
    return {(r[0], r[1], r[2]) for r in rows}


def event_states(
    store: Store, *, reported_in: int | None = None, profile: str = DEFAULT_PROFILE, since: str = ""
) -> list[tuple[TrialEvent, Study]]:
    """Events not yet reported to ``profile`` and detected at or after ``since`` (its registration), or, with
    ``reported_in``, those that digest reported; with their trial's current state, by NCT id then event id."""
    if reported_in is None:
        where = (
            "NOT EXISTS (SELECT 1 FROM trial_event_reports r WHERE r.event_id = e.id AND r.profile = ?)"
            " AND e.detected_at >= ?"
        )
        args: tuple[object, ...] = (profile, since)
    else:
        where, args = "EXISTS (SELECT 1 FROM trial_event_reports r WHERE r.event_id = e.id AND r.digest_id = ?)", (
            reported_in,
        )
    rows = store.conn.execute(
        "SELECT e.id, e.nct_id, e.kind, e.before, e.after, e.detected_at, t.state FROM trial_events e"
        f" JOIN trials t ON t.nct_id = e.nct_id WHERE {where} ORDER BY e.nct_id, e.id",
        args,
    ).fetchall()
    states: dict[str, Study] = {}
    out = []
    for r in rows:
        study = states.get(r["nct_id"]) or states.setdefault(r["nct_id"], study_from_json(r["state"]))
        out.append((TrialEvent(r["id"], r["nct_id"], r["kind"], r["before"], r["after"], r["detected_at"]), study))
    return out


def trial_ids_for_papers(store: Store, pmids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """pmid → the NCT ids linked to it (any source), sorted; PMIDs without links are absent."""
    out: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(list(pmids)):
        marks = ",".join("?" * len(chunk))
        for r in store.conn.execute(f"SELECT pmid, nct_id FROM paper_trials WHERE pmid IN ({marks})", chunk):
            out[r["pmid"]].add(r["nct_id"])
    return {p: tuple(sorted(ids)) for p, ids in out.items()}


def papers_for_trials(store: Store, nct_ids: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """nct_id → the PMIDs linked to it (any source), sorted; trials without links are absent."""
    return _papers_for_trials(store.conn, nct_ids)


def topics_for_trials(store: Store, nct_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """nct_id → the ids of the topics whose trial query found it, sorted; trials without a topic are absent."""
    out: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(list(nct_ids)):
        marks = ",".join("?" * len(chunk))
        for r in store.conn.execute(f"SELECT nct_id, topic_id FROM trial_topics WHERE nct_id IN ({marks})", chunk):
            out[r[0]].add(r[1])
    return {n: tuple(sorted(t)) for n, t in out.items()}


def paper_links(store: Store, pmid: int) -> tuple[tuple[str, str], ...]:
    """(nct_id, source) for one paper, e.g. to show why a link exists."""
    rows = store.conn.execute("SELECT nct_id, source FROM paper_trials WHERE pmid = ? ORDER BY nct_id, source", (pmid,))
    return tuple((r["nct_id"], r["source"]) for r in rows)


def trials_citing(conn: Connection, pmids: Sequence[int]) -> list[tuple[int, str]]:
    """(pmid, nct_id) for stored trials whose registry references list one of ``pmids``."""
    out: list[tuple[int, str]] = []
    for chunk in _chunks(list(pmids)):
        marks = ",".join("?" * len(chunk))
        out += [
            (r[0], r[1])
            for r in conn.execute(f"SELECT pmid, nct_id FROM trial_references WHERE pmid IN ({marks})", chunk)
        ]
    return out


def stored_pmids(conn: Connection, pmids: Sequence[int]) -> set[int]:
    """Which of ``pmids`` are in the papers table."""
    found: set[int] = set()
    for chunk in _chunks(list(pmids)):
        marks = ",".join("?" * len(chunk))
        found |= {r[0] for r in conn.execute(f"SELECT pmid FROM papers WHERE pmid IN ({marks})", chunk)}
    return found


def last_trials_sync(store: Store, topic_id: str, query: str | None = None) -> dt.date | None:
    """The day the topic's last successful sync covered; None if never synced, or if ``query`` (its text) differs
    from the one that sync ran."""
    row = store.conn.execute("SELECT query, through_date FROM trial_syncs WHERE topic_id = ?", (topic_id,)).fetchone()
    if row is None or (query is not None and row["query"] != query):
        return None
    return dt.date.fromisoformat(row["through_date"])


def get_trial(store: Store, nct_id: str) -> StoredTrial | None:
    row = store.conn.execute(
        "SELECT state, first_seen_at, seen_at, updated_at FROM trials WHERE nct_id = ?", (nct_id,)
    ).fetchone()
    if row is None:
        return None
    topics = tuple(
        sorted(r[0] for r in store.conn.execute("SELECT topic_id FROM trial_topics WHERE nct_id = ?", (nct_id,)))
    )
    return StoredTrial(study_from_json(row["state"]), topics, row["first_seen_at"], row["seen_at"], row["updated_at"])


def trial_history(store: Store, nct_id: str) -> list[tuple[str, Study]]:
    """(seen_at, state) for every distinct state of a study, oldest first."""
    rows = store.conn.execute("SELECT seen_at, state FROM trial_states WHERE nct_id = ? ORDER BY id", (nct_id,))
    return [(r["seen_at"], study_from_json(r["state"])) for r in rows]


def trial_events(store: Store, nct_id: str | None = None) -> list[TrialEvent]:
    """Stored events (reported or not), oldest first."""
    sql = "SELECT id, nct_id, kind, before, after, detected_at FROM trial_events"
    args: tuple[str, ...] = ()
    if nct_id:
        sql, args = sql + " WHERE nct_id = ?", (nct_id,)
    return [TrialEvent(**dict(r)) for r in store.conn.execute(sql + " ORDER BY id", args)]


def counts(store: Store) -> dict[str, int]:
    c = store.conn
    return {
        "trials": c.execute("SELECT count(*) FROM trials").fetchone()[0],
        "trial_links": c.execute("SELECT count(*) FROM paper_trials").fetchone()[0],
        "trial_events_pending": c.execute(
            "SELECT count(*) FROM trial_events e"
            " WHERE NOT EXISTS (SELECT 1 FROM trial_event_reports r WHERE r.event_id = e.id)"
        ).fetchone()[0],
    }


# -- helpers ------------------------------------------------------------------------------------------


def _replace_references(conn: Connection, study: Study) -> None:
    conn.execute("DELETE FROM trial_references WHERE nct_id = ?", (study.nct_id,))
    seen: set[int] = set()
    for ref in study.references:
        if ref.pmid is not None and ref.pmid not in seen:
            seen.add(ref.pmid)
            conn.execute(
                "INSERT INTO trial_references (nct_id, pmid, ref_type) VALUES (?,?,?)",
                (study.nct_id, ref.pmid, ref.type),
            )


def _papers_for_trials(conn: Connection, nct_ids: Sequence[str]) -> dict[str, tuple[int, ...]]:
    out: dict[str, set[int]] = defaultdict(set)
    for chunk in _chunks(list(nct_ids)):
        marks = ",".join("?" * len(chunk))
        for r in conn.execute(f"SELECT nct_id, pmid FROM paper_trials WHERE nct_id IN ({marks})", chunk):
            out[r[0]].add(r[1])
    return {n: tuple(sorted(p)) for n, p in out.items()}


def _chunks(items: list[_T]) -> Iterable[list[_T]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds")
