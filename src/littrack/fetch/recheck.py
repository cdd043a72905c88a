"""Re-check papers already sent in digests for retractions, errata, expressions of concern and updates.

A step after the PubMed fetch. Joins the E-utilities client, the parser, the correction detector and the
store, like :mod:`littrack.fetch.topics`: least recently checked first, bounded per run, batched EFetch by
PMID (POST). A record that cannot be read is left as stored (:mod:`littrack.fetch.batches` sets it aside) and
checked again on a later run.
"""

from __future__ import annotations

from dataclasses import dataclass

from littrack.eutils.client import EutilsClient
from littrack.evidence.corrections import detect_changes
from littrack.evidence.merge import pubmed_observation
from littrack.fetch.batches import read_batch
from littrack.fetch.changes import record_observations
from littrack.fetch.steps import StepContext
from littrack.store import Store
from littrack.store.digests import mark_checked, papers_to_recheck
from littrack.store.papers import get_papers, save_papers

RECHECK_BATCH = 200


@dataclass(frozen=True)
class RecheckSummary:
    checked: int
    changes: int

    def line(self) -> str:
        found = (
            f"{self.changes} correction{'s' if self.changes != 1 else ''} found" if self.changes else "no corrections"
        )
        return f"re-checked {self.checked} sent paper{'s' if self.checked != 1 else ''}: {found}"


def recheck_sent(client: EutilsClient, store: Store, *, limit: int) -> RecheckSummary:
    """Re-fetch up to ``limit`` delivered papers; store new versions and the corrections they reveal."""
    pmids = papers_to_recheck(store, limit)
    checked = found = 0
    for i in range(0, len(pmids), RECHECK_BATCH):
        chunk = pmids[i : i + RECHECK_BATCH]
        old = get_papers(store, chunk)
        fresh = read_batch(client.efetch_ids, chunk, client.efetch_ids(chunk)).papers
        changes = [c for p in fresh for c in detect_changes(old[p.pmid].paper if p.pmid in old else None, p)]
        with store.transaction() as conn:
            save_papers(conn, fresh, topic_id=None, run_id=None)
            # A retraction Crossref reported first gains PubMed as its second source instead of a second line.
            found += record_observations(conn, [pubmed_observation(c) for c in changes])
            # Papers PubMed no longer returns (deleted records) count as checked too, so the queue moves on.
            mark_checked(conn, chunk)
        checked += len(chunk)
    return RecheckSummary(checked, found)


def step(ctx: StepContext) -> list[str]:
    rechecked = recheck_sent(ctx.client, ctx.store, limit=ctx.cfg.fetch.recheck_limit)
    return [rechecked.line()] if rechecked.checked else []
