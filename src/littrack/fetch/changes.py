"""Where reports of corrections meet the store: each report becomes a new change or joins a known one.

PubMed's re-check (:mod:`.recheck`), Crossref's (:mod:`.crossref`) and the review flag (:mod:`.retracted`) all
record through :func:`record_observations`, so one event reported by two sources is one change naming both.
"""

from __future__ import annotations

from collections.abc import Iterable

from littrack.evidence.merge import KnownChange, Observation, place
from littrack.store.changes import add_change_source, insert_change, known_changes
from littrack.store.db import Connection


def record_observations(conn: Connection, observations: Iterable[Observation]) -> int:
    """Apply each report inside the caller's transaction; returns how many new changes were recorded."""
    new = 0
    for obs in observations:
        known = [
            KnownChange(cid, obs.change.pmid, kind, sources)
            for cid, kind, sources in known_changes(conn, obs.change.pmid)
        ]
        placement = place(obs, known)
        if placement.action == "new":
            insert_change(conn, obs.change, source=obs.source, notice=obs.notice)
            new += 1
        elif placement.action == "attach" and placement.change_id is not None:
            add_change_source(conn, placement.change_id, source=obs.source, notice=obs.notice)
    return new
