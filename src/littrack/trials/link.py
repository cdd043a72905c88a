"""Paper ⇄ trial links: NCT ids a PubMed record carries, and the PMIDs a registry record lists.

Three sources, kept apart so a reader can see why a link exists: ``databank`` (the record's DataBankList,
DataBankName ClinicalTrials.gov), ``abstract`` (an NCT id in the title or abstract text), and
``registry-reference`` (the study's referencesModule lists the PMID). Extraction is pure; the two
``link_*`` functions write through :mod:`littrack.store.trials` inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from littrack.models import Paper, Study
from littrack.store import Store
from littrack.store import trials as store_trials
from littrack.store.db import Connection
from littrack.store.papers import iter_papers
from littrack.trials.parse import NCT_RE

_CTGOV_BANK = "clinicaltrials.gov"


def paper_links(paper: Paper) -> tuple[tuple[str, str], ...]:
    """(nct_id, source) pairs for one paper, databank first; an id found in both places yields both pairs."""
    found: dict[tuple[str, str], None] = {}
    for bank, accession in paper.databanks:
        if bank.strip().lower() == _CTGOV_BANK:
            for nct in NCT_RE.findall(accession.upper()):
                found[(nct, "databank")] = None
    for nct in NCT_RE.findall(f"{paper.title_plain}\n{paper.abstract_plain}"):
        found[(nct, "abstract")] = None
    return tuple(found)


def link_papers(conn: Connection, papers: Iterable[Paper], *, now: dt.datetime | None = None) -> int:
    """Link each paper to the trials it cites, and to stored trials whose registry lists its PMID. Returns new links."""
    papers = list(papers)
    links = [(p.pmid, nct, source) for p in papers for nct, source in paper_links(p)]
    links += [
        (pmid, nct, "registry-reference") for pmid, nct in store_trials.trials_citing(conn, [p.pmid for p in papers])
    ]
    return store_trials.add_paper_links(conn, links, now=now)


def link_studies(conn: Connection, studies: Iterable[Study], *, now: dt.datetime | None = None) -> int:
    """Link studies to the stored papers their registry references list (papers not in the store are skipped)."""
    refs = [(pmid, s.nct_id) for s in studies for pmid in s.reference_pmids]
    present = store_trials.stored_pmids(conn, [pmid for pmid, _ in refs])
    links = [(pmid, nct, "registry-reference") for pmid, nct in refs if pmid in present]
    return store_trials.add_paper_links(conn, links, now=now)


def link_stored_papers(store: Store) -> int:
    """Link every paper already in the store (papers saved before trials were tracked). Returns new links."""
    papers = [stored.paper for stored in iter_papers(store)]
    with store.transaction() as conn:
        return link_papers(conn, papers)
