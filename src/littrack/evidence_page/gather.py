"""Read what the evidence page is built from: every paper of the store, classified and related once.

The store reads of the page live here (papers, corrections, trial links, stored mention lookups, the latest
delivered digest); the background documents come from :func:`littrack.background.corpus.load_corpus`. The
result is one :class:`~littrack.evidence_page.model.Snapshot` that the pure builders take. Classifying is most
of the cost (about 3–5 ms a paper, see benchmarks/README.md): papers whose record and classifier are unchanged
take their evidence from the store's cache (:mod:`littrack.classified`), and the digest job gathers once and builds
both the claim changes it shows and the page it writes after delivery from the same snapshot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from littrack.background.corpus import load_corpus
from littrack.background.resolve import Resolution
from littrack.classified import classify_stored
from littrack.config import Config
from littrack.evidence.corrections import detect_changes
from littrack.evidence_page.model import PaperFacts, Snapshot
from littrack.models import ChangeKind, Paper, PaperChange
from littrack.progress import Progress
from littrack.store import Store
from littrack.store import digests as ledger
from littrack.store.mentions import get_resolutions
from littrack.store.papers import iter_papers
from littrack.store.preprints import preprint_versions, topic_preprints
from littrack.store.sources import open_access_for
from littrack.store.trials import trial_ids_for_papers


def gather(cfg: Config, store: Store, progress: Progress | None = None) -> Snapshot:
    """Every paper a topic matched, with evidence, corrections, trial links and related passages; the
    background documents with their study mentions and stored lookups; the profile's latest delivered digest.
    ``progress`` counts the papers classified (those the evidence cache did not hold)."""
    stored = [sp for sp in iter_papers(store) if sp.topic_ids]
    pmids = [sp.paper.pmid for sp in stored]
    found = ledger.changes_for_papers(store, pmids)
    trials = trial_ids_for_papers(store, pmids)
    free = open_access_for(store, [sp.paper.doi for sp in stored if sp.paper.doi])
    versions = preprint_versions(store, pmids)
    evidence = classify_stored(store, stored, progress)
    corpus = load_corpus(cfg.background)
    relater = corpus.relater
    threshold = cfg.background.min_similarity or None
    facts = tuple(
        PaperFacts(
            paper=sp.paper,
            topic_ids=sp.topic_ids,
            evidence=evidence[sp.paper.pmid],
            corrections=corrections(sp.paper, found.get(sp.paper.pmid, ())),
            trial_ids=trials.get(sp.paper.pmid, ()),
            related=relater.relate(sp.paper, top_k=2, threshold=threshold) if relater else (),
            first_seen_at=sp.first_seen_at,
            open_access=free.get(sp.paper.doi.lower()) if sp.paper.doi else None,
            preprint=versions.get(sp.paper.pmid),
        )
        for sp in stored
    )
    known = get_resolutions(store, [m.key for m in corpus.mentions])
    snapshot = Snapshot(
        topics=tuple(cfg.topics),
        facts=facts,
        documents=corpus.documents,
        mentions=corpus.mentions,
        resolutions={
            m.key: Resolution(m, known[m.key].pmids, known[m.key].confidence, known[m.key].queries)
            for m in corpus.mentions
            if m.key in known
        },
        resolve_on=cfg.background.resolve_mentions,
        same_text=relater.same_text() if relater else {},
        preprints=tuple((sp.preprint, sp.topic_ids) for sp in topic_preprints(store)),
    )
    return with_latest_delivery(snapshot, store, cfg.digest_profiles[0].id)


def with_latest_delivery(snapshot: Snapshot, store: Store, profile: str) -> Snapshot:
    """The snapshot with the profile's latest delivered digest as it stands now (after a delivery, that one)."""
    latest = ledger.latest_delivery(store, profile)
    if latest is None:
        return dataclasses.replace(snapshot, latest_digest=None, latest_digest_at=None, earlier_pmids=frozenset())
    return dataclasses.replace(
        snapshot,
        latest_digest=latest.digest_id,
        latest_digest_at=latest.delivered_at,
        earlier_pmids=latest.earlier_pmids,
    )


def corrections(paper: Paper, found: Iterable[PaperChange]) -> tuple[PaperChange, ...]:
    """The paper's own correction links and the ones the re-checks stored, each once (by kind and notice).

    A retraction seen both as a "Retracted Publication" type and as a RetractionIn link is one retraction: the
    link, which names the notice, is kept.
    """
    merged: dict[tuple[ChangeKind, int | None], PaperChange] = {}
    for c in (*detect_changes(None, paper), *found):
        merged.setdefault((c.kind, c.notice_pmid), c)
    out = tuple(merged.values())
    if any(c.kind == ChangeKind.RETRACTION_IN for c in out):
        out = tuple(c for c in out if c.kind != ChangeKind.RETRACTED_PUBLICATION)
    return out
