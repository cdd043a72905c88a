"""The evidence cache: each paper's last classification, keyed by the record and the classifier that made it.

A row counts only while both keys still match (the paper's ``content_hash`` and the caller's classifier
fingerprint), so an updated record or a changed classifier is classified again; a stale row is simply
overwritten. The store does not classify: the caller (:mod:`littrack.classified`) passes both keys in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from littrack.models import Evidence
from littrack.store.codec import evidence_from_json, evidence_to_json
from littrack.store.db import Store, now_iso

_CHUNK = 500


def cached_evidence(store: Store, paper_hashes: Mapping[int, str], classifier: str) -> dict[int, Evidence]:
    """The cached evidence of each PMID in ``paper_hashes`` whose row matches its hash and ``classifier``."""
    out: dict[int, Evidence] = {}
    pmids = list(paper_hashes)
    for i in range(0, len(pmids), _CHUNK):
        chunk = pmids[i : i + _CHUNK]
        marks = ",".join("?" * len(chunk))
        rows = store.conn.execute(
            f"SELECT pmid, paper_hash, evidence FROM evidence_cache WHERE classifier = ? AND pmid IN ({marks})",
            [classifier, *chunk],
        )
        for row in rows:
            if row["paper_hash"] == paper_hashes[row["pmid"]]:
                out[row["pmid"]] = evidence_from_json(row["evidence"])
    return out


def save_evidence(store: Store, rows: Sequence[tuple[int, str, Evidence]], classifier: str) -> None:
    """Keep ``(pmid, paper_hash, evidence)`` rows, replacing whatever the cache held for those PMIDs."""
    stamp = now_iso()
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO evidence_cache (pmid, paper_hash, classifier, evidence, classified_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT (pmid) DO UPDATE SET paper_hash=excluded.paper_hash, classifier=excluded.classifier,"
            " evidence=excluded.evidence, classified_at=excluded.classified_at",
            [(pmid, paper_hash, classifier, evidence_to_json(ev), stamp) for pmid, paper_hash, ev in rows],
        )


def cache_size(store: Store) -> int:
    return int(store.conn.execute("SELECT count(*) FROM evidence_cache").fetchone()[0])
