"""The fetch step that flags systematic reviews and meta-analyses citing a retracted paper.

Runs after PubMed's and Crossref's re-checks: every stored paper with a recorded retraction is looked up in the
reference lists littrack keeps (PubMed's ``ReferenceList``, Crossref's ``reference``); a citing paper that
:func:`littrack.evidence.classify` calls a systematic review or meta-analysis gets a change for the digest's
"Changes to papers you were sent", once per retracted reference, naming each reference list that shows it.
No network.
"""

from __future__ import annotations

from littrack.evidence.classify import classify
from littrack.evidence.merge import Observation, cites_retracted_observation
from littrack.fetch.changes import record_observations
from littrack.fetch.steps import StepContext
from littrack.models import Design, Reference
from littrack.store.changes import retracted_papers
from littrack.store.papers import get_papers
from littrack.store.sources import citing_papers

_REFERENCE_SOURCES = {"pubmed": "PubMed", "crossref": "Crossref"}


def flag_reviews(ctx: StepContext) -> int:
    """Record the flags; returns how many are new."""
    retracted = retracted_papers(ctx.store.conn)
    if not retracted:
        return 0
    refs = {Reference(pmid=pmid, doi=doi): pmid for pmid, doi in retracted}
    citing = citing_papers(ctx.store, refs)
    papers = get_papers(ctx.store, sorted({*citing, *refs.values()}))
    observations: list[Observation] = []
    for pmid, cited in sorted(citing.items()):
        review = papers.get(pmid)
        if review is None or classify(review.paper).design != Design.SYSTEMATIC_REVIEW:
            continue
        for ref, source in sorted(cited, key=lambda c: (refs[c[0]], c[1])):
            target = papers.get(refs[ref])
            if target is not None and target.paper.pmid != pmid:
                observations.append(cites_retracted_observation(review.paper, target.paper, _REFERENCE_SOURCES[source]))
    with ctx.store.transaction() as conn:
        return record_observations(conn, observations)


def step(ctx: StepContext) -> list[str]:
    flagged = flag_reviews(ctx)
    return [f"reviews citing a retracted paper: {flagged} newly flagged"] if flagged else []
