"""Queries for the claims ledger's reports: the status each profile's digests last told about every claim."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from littrack.models import ClaimChange
from littrack.store.db import Connection, Store


def reported_statuses(store: Store, profile: str) -> dict[str, str]:
    """claim key → the status the profile's latest delivered digest recorded for it (empty before the first)."""
    rows = store.conn.execute(
        "SELECT r.claim_key, r.status FROM claim_reports r WHERE r.profile = ? AND r.digest_id ="
        " (SELECT max(x.digest_id) FROM claim_reports x WHERE x.profile = r.profile AND x.claim_key = r.claim_key)",
        (profile,),
    )
    return {r["claim_key"]: r["status"] for r in rows}


def save_reports(
    conn: Connection,
    profile: str,
    digest_id: int,
    statuses: Mapping[str, str],
    changes: Sequence[ClaimChange],
) -> None:
    """Record the statuses a delivered digest saw (only new or changed ones are passed) and what it said.

    Call inside the transaction that marks the digest delivered.
    """
    said = {c.key: c for c in changes}
    conn.executemany(
        "INSERT INTO claim_reports (profile, claim_key, digest_id, status, message, article, sentence,"
        " before_labels, after_labels) VALUES (?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (profile, claim_key, digest_id) DO UPDATE SET status=excluded.status, message=excluded.message,"
        " article=excluded.article, sentence=excluded.sentence, before_labels=excluded.before_labels,"
        " after_labels=excluded.after_labels",
        [
            (
                profile,
                key,
                digest_id,
                status,
                said[key].message if key in said else None,
                said[key].article if key in said else "",
                said[key].sentence if key in said else "",
                said[key].before if key in said else "",
                said[key].after if key in said else "",
            )
            for key, status in statuses.items()
        ],
    )


def reported_in(store: Store, digest_id: int) -> list[ClaimChange]:
    """The claim changes a digest showed, in the order it showed them (for ``digest --rebuild``)."""
    rows = store.conn.execute(
        "SELECT claim_key, article, sentence, message, before_labels, after_labels FROM claim_reports"
        " WHERE digest_id = ? AND message IS NOT NULL ORDER BY rowid",
        (digest_id,),
    )
    return [
        ClaimChange(r["claim_key"], r["article"], r["sentence"], r["message"], r["before_labels"], r["after_labels"])
        for r in rows
    ]
