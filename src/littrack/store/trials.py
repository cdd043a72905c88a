"""Queries for registered trials: current state and history, change events, topic matches, paper ⇄ trial links.

Writers take the connection of an open transaction (``with store.transaction() as conn``); readers take the
:class:`~littrack.store.db.Store`. What counts as a change is decided by :mod:`littrack.trials.changes`;
this module only stores states and the events those rules produce, and hands pending events to the digest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from littrack.config import TrialQuery
from littrack.models import TrialChange, TrialChangeKind
from littrack.store.db import Store
from littrack.trials import changes as ch
from littrack.trials.parse import Study, study_from_json, study_to_json

_T = TypeVar("_T")

LINK_SOURCES = ("databank", "abstract", "registry-reference")
_CHUNK = 500

# Reading order in the digest: what happened to known trials first, then new registrations, then the dates.
_ORDER = {ch.STATUS: 0, ch.RESULTS: 1, ch.NEW: 2, ch.NO_PUBLICATION: 3, ch.COMPLETION_PASSED: 4, ch.ENROLLMENT: 5}
_STATUS_LABELS = {
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "NO_LONGER_AVAILABLE": "No longer available",
}


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
class PendingTrialChange:
    """A change for the digest, and the event ids to pass to :func:`mark_trial_changes_reported` once delivered."""

    change: TrialChange
    event_ids: tuple[int, ...]


@dataclass(frozen=True)
class StoredTrial:
    study: Study
    topic_ids: tuple[str, ...]
    first_seen_at: str
    seen_at: str
    updated_at: str


def status_label(status: str | None) -> str:
    """'RECRUITING' → 'Recruiting', 'ACTIVE_NOT_RECRUITING' → 'Active, not recruiting'."""
    if not status:
        return ""
    return _STATUS_LABELS.get(status) or status.replace("_", " ").capitalize()


def query_text(query: TrialQuery) -> str:
    """How a topic's query is remembered: a changed query starts that topic's sync from scratch."""
    return f"cond={query.condition}; intr={query.intervention}"


# -- writers (inside a transaction) ------------------------------------------------------------------


def save_studies(
    conn: sqlite3.Connection, studies: Iterable[Study], *, topic_id: str, now: dt.datetime
) -> list[TrialEvent]:
    """Store each study's state (history row when it changed), match it to ``topic_id``; return the new events."""
    stamp = _iso(now)
    events: list[TrialEvent] = []
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
            found = ch.diff_states(None, study)
        elif row["state_hash"] != digest:
            conn.execute(
                "UPDATE trials SET state=?, state_hash=?, title=?, overall_status=?, completion_date=?, last_update=?,"
                " has_results=?, seen_at=?, updated_at=? WHERE nct_id=?",
                (*columns, stamp, stamp, study.nct_id),
            )
            found = ch.diff_states(study_from_json(row["state"]), study)
        else:
            conn.execute("UPDATE trials SET seen_at=? WHERE nct_id=?", (stamp, study.nct_id))
            found = ()
        if row is None or row["state_hash"] != digest:
            conn.execute(
                "INSERT INTO trial_states (nct_id, state, state_hash, seen_at) VALUES (?,?,?,?)",
                (study.nct_id, state, digest, stamp),
            )
            _replace_references(conn, study)
        conn.execute(
            "INSERT OR IGNORE INTO trial_topics (nct_id, topic_id, first_matched_at) VALUES (?,?,?)",
            (study.nct_id, topic_id, stamp),
        )
        events.extend(_add_event(conn, study.nct_id, c, stamp) for c in found)
    return events


def record_date_flags(
    conn: sqlite3.Connection, *, today: dt.date, no_publication_after_days: int, now: dt.datetime
) -> list[TrialEvent]:
    """Events that time alone causes: a completion date that went by, a completed study still without a paper.

    Runs over every stored study (a sync filtered by last-update date does not return the quiet ones). Each
    flag is raised once: per completion date for "completion date passed", once per study for "no publication".
    """
    stamp = _iso(now)
    linked = {r[0] for r in conn.execute("SELECT DISTINCT nct_id FROM paper_trials")}
    flagged = {
        (r[0], r[1], r[2])
        for r in conn.execute(
            "SELECT nct_id, kind, coalesce(after, '') FROM trial_events WHERE kind IN (?, ?)",
            (ch.COMPLETION_PASSED, ch.NO_PUBLICATION),
        )
    }
    no_pub = {(nct, kind) for nct, kind, _ in flagged if kind == ch.NO_PUBLICATION}
    events: list[TrialEvent] = []
    for row in conn.execute("SELECT state, first_seen_at FROM trials ORDER BY nct_id").fetchall():
        study = study_from_json(row["state"])
        first_seen = dt.datetime.fromisoformat(row["first_seen_at"]).date()
        date = study.completion_date or ""
        if (
            ch.completion_passed(study, first_seen=first_seen, today=today)
            and (study.nct_id, ch.COMPLETION_PASSED, date) not in flagged
        ):
            events.append(_add_event(conn, study.nct_id, ch.Change(ch.COMPLETION_PASSED, None, date), stamp))
        if (study.nct_id, ch.NO_PUBLICATION) not in no_pub and ch.publication_overdue(
            study, after_days=no_publication_after_days, today=today, has_linked_paper=study.nct_id in linked
        ):
            after = f"completed {date}; no linked paper after {no_publication_after_days} days"
            events.append(_add_event(conn, study.nct_id, ch.Change(ch.NO_PUBLICATION, None, after), stamp))
    return events


def mark_trial_changes_reported(conn: sqlite3.Connection, digest_id: int, event_ids: Iterable[int]) -> int:
    """Mark events as reported by ``digest_id``; call inside the digest's delivery transaction. Returns rows marked."""
    ids = list(dict.fromkeys(event_ids))
    stamp = _iso(dt.datetime.now(dt.UTC))
    marked = 0
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        cur = conn.execute(
            "UPDATE trial_events SET reported_digest_id=?, reported_at=?"
            f" WHERE reported_digest_id IS NULL AND id IN ({marks})",
            (digest_id, stamp, *chunk),
        )
        marked += cur.rowcount
    return marked


def add_paper_links(
    conn: sqlite3.Connection, links: Iterable[tuple[int, str, str]], *, now: dt.datetime | None = None
) -> int:
    """Store (pmid, nct_id, source) links; returns how many were new."""
    stamp = _iso(now or dt.datetime.now(dt.UTC))
    added = 0
    for pmid, nct_id, source in links:
        if source not in LINK_SOURCES:
            raise ValueError(f"unknown paper-trial link source {source!r}")
        cur = conn.execute(
            "INSERT OR IGNORE INTO paper_trials (pmid, nct_id, source, linked_at) VALUES (?,?,?,?)",
            (int(pmid), nct_id, source, stamp),
        )
        added += cur.rowcount
    return added


def set_trials_sync(
    conn: sqlite3.Connection, topic_id: str, query: TrialQuery, through: dt.date, run_id: int | None
) -> None:
    """Advance the topic's last-sync date; call in the same transaction as the topic's save."""
    conn.execute(
        "INSERT INTO trial_syncs (topic_id, query, through_date, run_id, updated_at) VALUES (?,?,?,?,?)"
        " ON CONFLICT(topic_id) DO UPDATE SET query=excluded.query, through_date=excluded.through_date,"
        " run_id=excluded.run_id, updated_at=excluded.updated_at",
        (topic_id, query_text(query), through.isoformat(), run_id, _iso(dt.datetime.now(dt.UTC))),
    )


# -- readers ------------------------------------------------------------------------------------------


def pending_trial_changes(store: Store, *, reported_in: int | None = None) -> tuple[PendingTrialChange, ...]:
    """Unreported changes (or, with ``reported_in``, those that digest reported), one row per (trial, kind).

    Repeated changes of one kind collapse to first-before → last-after (a status that went back where it was
    is not shown). A trial that is new since the last digest shows as ``new`` with its current status; its
    other changes ride along in the same ``event_ids``. A "no publication" flag is dropped once a paper links.
    """
    where = "e.reported_digest_id IS NULL" if reported_in is None else "e.reported_digest_id = ?"
    rows = store.conn.execute(
        "SELECT e.id, e.nct_id, e.kind, e.before, e.after, t.state FROM trial_events e JOIN trials t USING (nct_id)"
        f" WHERE {where} ORDER BY e.nct_id, e.id",
        () if reported_in is None else (reported_in,),
    ).fetchall()
    by_trial: dict[str, list[sqlite3.Row]] = defaultdict(list)
    for r in rows:
        by_trial[r["nct_id"]].append(r)
    linked = _papers_for_trials(store.conn, list(by_trial))
    out: list[tuple[int, str, PendingTrialChange]] = []
    for nct_id, events in by_trial.items():
        study = study_from_json(events[0]["state"])
        pmids = linked.get(nct_id, ())
        kinds: dict[str, list[sqlite3.Row]] = defaultdict(list)
        for e in events:
            kinds[e["kind"]].append(e)
        no_pub = kinds.pop(ch.NO_PUBLICATION, [])
        if no_pub and not pmids:
            out.append(
                (
                    _ORDER[ch.NO_PUBLICATION],
                    nct_id,
                    _pending(study, pmids, ch.NO_PUBLICATION, None, no_pub[-1]["after"], [e["id"] for e in no_pub]),
                )
            )
        if ch.NEW in kinds:
            ids = [e["id"] for group in kinds.values() for e in group]
            out.append(
                (
                    _ORDER[ch.NEW],
                    nct_id,
                    _pending(study, pmids, ch.NEW, None, study.overall_status or None, sorted(ids)),
                )
            )
            continue
        for kind, group in kinds.items():
            before, after = group[0]["before"], group[-1]["after"]
            if before == after:
                continue
            ids = [e["id"] for e in group]
            out.append((_ORDER.get(TrialChangeKind(kind), 9), nct_id, _pending(study, pmids, kind, before, after, ids)))
    return tuple(p for _, _, p in sorted(out, key=lambda t: (t[0], t[1])))


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


def paper_links(store: Store, pmid: int) -> tuple[tuple[str, str], ...]:
    """(nct_id, source) for one paper, e.g. to show why a link exists."""
    rows = store.conn.execute("SELECT nct_id, source FROM paper_trials WHERE pmid = ? ORDER BY nct_id, source", (pmid,))
    return tuple((r["nct_id"], r["source"]) for r in rows)


def trials_citing(conn: sqlite3.Connection, pmids: Sequence[int]) -> list[tuple[int, str]]:
    """(pmid, nct_id) for stored trials whose registry references list one of ``pmids``."""
    out: list[tuple[int, str]] = []
    for chunk in _chunks(list(pmids)):
        marks = ",".join("?" * len(chunk))
        out += [
            (r[0], r[1])
            for r in conn.execute(f"SELECT pmid, nct_id FROM trial_references WHERE pmid IN ({marks})", chunk)
        ]
    return out


def stored_pmids(conn: sqlite3.Connection, pmids: Sequence[int]) -> set[int]:
    """Which of ``pmids`` are in the papers table."""
    found: set[int] = set()
    for chunk in _chunks(list(pmids)):
        marks = ",".join("?" * len(chunk))
        found |= {r[0] for r in conn.execute(f"SELECT pmid FROM papers WHERE pmid IN ({marks})", chunk)}
    return found


def last_trials_sync(store: Store, topic_id: str, query: TrialQuery | None = None) -> dt.date | None:
    """The day the topic's last successful sync covered; None if never synced, or if ``query`` differs from it."""
    row = store.conn.execute("SELECT query, through_date FROM trial_syncs WHERE topic_id = ?", (topic_id,)).fetchone()
    if row is None or (query is not None and row["query"] != query_text(query)):
        return None
    return dt.date.fromisoformat(row["through_date"])


def get_trial(store: Store, nct_id: str) -> StoredTrial | None:
    row = store.conn.execute(
        "SELECT t.state, t.first_seen_at, t.seen_at, t.updated_at, group_concat(tt.topic_id) AS topics FROM trials t"
        " LEFT JOIN trial_topics tt USING (nct_id) WHERE t.nct_id = ? GROUP BY t.nct_id",
        (nct_id,),
    ).fetchone()
    if row is None:
        return None
    topics = tuple(sorted(row["topics"].split(","))) if row["topics"] else ()
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
            "SELECT count(*) FROM trial_events WHERE reported_digest_id IS NULL"
        ).fetchone()[0],
    }


# -- helpers ------------------------------------------------------------------------------------------


def _pending(
    study: Study, pmids: tuple[int, ...], kind: str, before: str | None, after: str | None, ids: Sequence[int]
) -> PendingTrialChange:
    if kind in (ch.STATUS, ch.NEW):
        before, after = status_label(before) or None, status_label(after) or None
    change = TrialChange(
        study.nct_id, study.title, status_label(study.overall_status), TrialChangeKind(kind), before, after, pmids
    )
    return PendingTrialChange(change, tuple(ids))


def _add_event(conn: sqlite3.Connection, nct_id: str, change: ch.Change, stamp: str) -> TrialEvent:
    cur = conn.execute(
        "INSERT INTO trial_events (nct_id, kind, before, after, detected_at) VALUES (?,?,?,?,?)",
        (nct_id, change.kind, change.before, change.after, stamp),
    )
    return TrialEvent(int(cur.lastrowid or 0), nct_id, change.kind, change.before, change.after, stamp)


def _replace_references(conn: sqlite3.Connection, study: Study) -> None:
    conn.execute("DELETE FROM trial_references WHERE nct_id = ?", (study.nct_id,))
    seen: set[int] = set()
    for ref in study.references:
        if ref.pmid is not None and ref.pmid not in seen:
            seen.add(ref.pmid)
            conn.execute(
                "INSERT INTO trial_references (nct_id, pmid, ref_type) VALUES (?,?,?)",
                (study.nct_id, ref.pmid, ref.type),
            )


def _papers_for_trials(conn: sqlite3.Connection, nct_ids: Sequence[str]) -> dict[str, tuple[int, ...]]:
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
