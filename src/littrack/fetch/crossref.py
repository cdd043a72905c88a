"""The fetch step that re-checks sent papers against Crossref, a second source of corrections and retractions.

Papers sent in a digest are asked about in batches (least recently asked first, at most ``fetch.recheck_limit``
per fetch, each again after ``sources.crossref.recheck_days``). Each work's notices are merged with PubMed's
changes (:mod:`littrack.evidence.merge`); its cited DOIs and preprint relations are kept for the review flag and
the preprint links. A batch's results and its "asked" marks commit together.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from littrack.errors import SourceRejected
from littrack.evidence.merge import crossref_observation
from littrack.fetch.changes import record_observations
from littrack.fetch.ledger import SourceResult, run_source
from littrack.fetch.steps import StepContext
from littrack.models import CrossrefWork, Source
from littrack.sources.crossref import CrossrefClient, parse_works
from littrack.sources.match import doi_key
from littrack.store.papers import get_papers
from littrack.store.sources import mark_looked_up, save_crossref_references, save_relations, sent_papers_for_crossref

log = logging.getLogger(__name__)


def _cutoff(days: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).isoformat(timespec="seconds")


def papers_due(ctx: StepContext) -> list[tuple[int, str]]:
    """(pmid, DOI) of the sent papers to ask about in this fetch."""
    return sent_papers_for_crossref(
        ctx.store, checked_before=_cutoff(ctx.cfg.sources.crossref.recheck_days), limit=ctx.cfg.fetch.recheck_limit
    )


def _works(client: CrossrefClient, dois: Sequence[str]) -> dict[str, CrossrefWork]:
    """The batch's works. When Crossref refuses a batch (one malformed DOI spoils a filter), each DOI is asked
    alone, and a DOI refused alone is skipped: one odd DOI never blocks the queue."""
    try:
        return {w.doi: w for w in parse_works(client.works(dois))}
    except SourceRejected:
        if len(dois) == 1:
            log.warning("Crossref refused DOI %s; skipped", dois[0])
            return {}
    return {doi: work for d in dois for doi, work in _works(client, [d]).items()}


def recheck_crossref(ctx: StepContext, client: CrossrefClient, todo: list[tuple[int, str]]) -> SourceResult:
    found = 0
    for batch in client.batches(todo):
        # A comma would split the `filter=doi:…` list: such a DOI cannot be asked this way.
        works = _works(client, [doi for _, doi in batch if "," not in doi])
        papers = get_papers(ctx.store, [pmid for pmid, _ in batch])
        with ctx.store.transaction() as conn:
            for pmid, doi in batch:
                work = works.get(doi)
                if work is None or pmid not in papers:
                    continue  # a DOI Crossref does not hold (DataCite, mEDRA …) has nothing to say here
                paper = papers[pmid].paper
                found += record_observations(conn, [crossref_observation(paper, n) for n in work.notices])
                if work.references:
                    save_crossref_references(conn, pmid, work.references)
                pairs = [(doi_key(p), doi_key(work.doi)) for p in work.has_preprint]
                pairs += [(doi_key(work.doi), doi_key(j)) for j in work.is_preprint_of]
                save_relations(conn, [(a, b) for a, b in pairs if a and b])
            mark_looked_up(conn, Source.CROSSREF, [doi for _, doi in batch])
    what = f"{found} correction{'s' if found != 1 else ''} found" if found else "no corrections"
    return SourceResult(
        f"crossref: re-checked {len(todo)} sent paper{'s' if len(todo) != 1 else ''}: {what}", new=found
    )


def step(ctx: StepContext) -> list[str]:
    todo = papers_due(ctx)
    if not todo:
        return []  # nothing sent yet, or all asked recently: no request, no ledger row
    with CrossrefClient(ctx.cfg.sources) as client:
        return run_source(
            ctx.store,
            Source.CROSSREF,
            "crossref",
            lambda _run: recheck_crossref(ctx, client, todo),
            lambda: client.requests_made,
        )
