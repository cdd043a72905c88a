"""Queries for resolved study mentions (background articles → PubMed records) and what digests showed of them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from littrack.models import Confidence
from littrack.store.db import Connection, Store, now_iso


@dataclass(frozen=True)
class StoredResolution:
    pmids: tuple[int, ...]
    confidence: Confidence
    queries: tuple[str, ...]
    resolved_at: str


def get_resolutions(store: Store, keys: Sequence[str]) -> dict[str, StoredResolution]:
    out: dict[str, StoredResolution] = {}
    for key in keys:
        row = store.conn.execute(
            "SELECT pmids, confidence, queries, resolved_at FROM mention_resolutions WHERE mention_key = ?", (key,)
        ).fetchone()
        if row:
            out[key] = StoredResolution(
                tuple(json.loads(row["pmids"])),
                Confidence(row["confidence"]),
                tuple(json.loads(row["queries"])),
                row["resolved_at"],
            )
    return out


def save_resolution(
    conn: Connection,
    key: str,
    *,
    doc_id: str,
    sentence: str,
    pmids: Sequence[int],
    confidence: str,
    queries: Sequence[str],
) -> None:
    conn.execute(
        "INSERT INTO mention_resolutions (mention_key, doc_id, sentence, pmids, confidence, queries, resolved_at)"
        " VALUES (?,?,?,?,?,?,?) ON CONFLICT(mention_key) DO UPDATE SET pmids=excluded.pmids,"
        " confidence=excluded.confidence, queries=excluded.queries, resolved_at=excluded.resolved_at",
        (key, doc_id, sentence, json.dumps(list(pmids)), confidence, json.dumps(list(queries)), now_iso()),
    )


def reported_states(store: Store, profile: str) -> dict[str, str]:
    """mention key → the resolution state the profile's last delivered digest showed (empty before the first)."""
    rows = store.conn.execute("SELECT mention_key, state FROM mention_reports WHERE profile = ?", (profile,))
    return {r["mention_key"]: r["state"] for r in rows}


def save_reported_states(conn: Connection, profile: str, digest_id: int, states: Mapping[str, str]) -> None:
    """Remember what a delivered digest showed; call inside the transaction that marks it delivered."""
    conn.executemany(
        "INSERT INTO mention_reports (profile, mention_key, state, digest_id) VALUES (?,?,?,?)"
        " ON CONFLICT(profile, mention_key) DO UPDATE SET state=excluded.state, digest_id=excluded.digest_id",
        [(profile, key, state, digest_id) for key, state in states.items()],
    )
