"""Classify stored papers once: the evidence cache between the classifier and the store.

Classifying is most of what a digest or the evidence page costs at scale (about 3–5 ms a paper; 50,000 papers
took 260 s, re-done for every profile's digest: benchmarks/README.md). A stored paper's evidence depends only
on its record and on the classifier's code, so it is kept in the store keyed by both
(:mod:`littrack.store.evidence_cache`, :func:`littrack.evidence.version.classifier_version`) and only new,
updated or never-cached papers are classified. The cache is an optimisation, never a source of truth: if it
cannot be written (a read-only store, a full disk, a busy database) the labels are still right, it is logged
(INFO: the service's log, ``-v``), and the next run tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from littrack.errors import StoreError
from littrack.evidence.classify import classify
from littrack.evidence.version import classifier_version
from littrack.models import Evidence
from littrack.progress import NoProgress, Progress
from littrack.store import Store
from littrack.store.evidence_cache import cached_evidence, save_evidence
from littrack.store.papers import StoredPaper

log = logging.getLogger(__name__)


def classify_stored(
    store: Store, stored: Sequence[StoredPaper], progress: Progress | None = None
) -> dict[int, Evidence]:
    """The evidence of each stored paper, keyed by PMID: from the cache where it is current, else classified
    now (and cached for the next run). ``progress`` counts the papers classified."""
    version = classifier_version()
    keyed = {sp.paper.pmid: sp.content_hash for sp in stored if sp.content_hash}
    out = cached_evidence(store, keyed, version) if keyed else {}
    missing = [sp for sp in stored if sp.paper.pmid not in out]
    bar = progress or NoProgress()
    bar.add_total(len(missing))
    fresh = []
    for sp in missing:
        fresh.append((sp.paper.pmid, sp.content_hash, classify(sp.paper)))
        bar.advance(1)
    out.update((pmid, ev) for pmid, _, ev in fresh)
    cacheable = [row for row in fresh if row[1]]
    if cacheable:
        try:
            save_evidence(store, cacheable, version)
        except StoreError as exc:  # INFO, not WARNING: the command's own one-line error (if any) is what matters
            log.info("evidence cache not updated, labels unaffected, the next run classifies again: %s", exc)
    log.debug("evidence: %d papers, %d from the cache, %d classified", len(stored), len(out) - len(fresh), len(fresh))
    return out
