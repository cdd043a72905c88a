"""Link stored preprints to the PubMed records of their published versions (no Europe PMC request here).

The rules are :func:`littrack.sources.match.find_links`'. When Europe PMC names a journal version's PMID that the
store lacks (its title no longer matches the topic query, say), the record is fetched through the E-utilities
client and stored without a topic, so the "now published in …" note can name its journal; it is never shown as
a new paper of a topic.
"""

from __future__ import annotations

import datetime as dt
import logging

from littrack.errors import PubMedError
from littrack.eutils.pubmed_xml import iter_papers
from littrack.fetch.steps import StepContext
from littrack.sources.match import find_links
from littrack.store.papers import get_papers, save_papers
from littrack.store.papers import iter_papers as stored_papers
from littrack.store.preprints import save_links, unlinked_preprints
from littrack.store.sources import relations

log = logging.getLogger(__name__)
EFETCH_BATCH = 200
# A journal version is indexed after its preprint; papers first seen well before the oldest unlinked preprint
# cannot be its published version and are not compared.
_SLACK = dt.timedelta(days=60)


def _fetch_missing(ctx: StepContext, pmids: list[int]) -> None:
    for i in range(0, len(pmids), EFETCH_BATCH):
        try:
            papers = list(iter_papers(ctx.client.efetch_ids(pmids[i : i + EFETCH_BATCH])))
        except PubMedError as exc:
            log.warning("journal versions of preprints not fetched this time: %s", exc)
            return
        with ctx.store.transaction() as conn:
            save_papers(conn, papers, topic_id=None, run_id=None)


def link_preprints(ctx: StepContext) -> int:
    """Link what can be linked now; returns the number of new links."""
    unlinked = unlinked_preprints(ctx.store)
    if not unlinked:
        return 0
    named = sorted({p.published_pmid for p in unlinked if p.published_pmid is not None})
    missing = [pmid for pmid in named if pmid not in get_papers(ctx.store, named)]
    if missing:
        _fetch_missing(ctx, missing)
    dates = [p.first_published for p in unlinked if p.first_published]
    since = min(dates) - _SLACK if dates else None
    candidates = {sp.paper.pmid: sp.paper for sp in stored_papers(ctx.store, since=since)}
    candidates.update({pmid: sp.paper for pmid, sp in get_papers(ctx.store, named).items()})
    links = find_links(unlinked, list(candidates.values()), crossref_relations=relations(ctx.store))
    with ctx.store.transaction() as conn:
        return save_links(conn, links)
