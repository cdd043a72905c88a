"""Stores for the evidence page and claims ledger tests, filled with REAL recorded PubMed records.

Records are real (the replayed corpus and NLM's 2019 baseline sample in the recorded tree, parsed by littrack's
parser). What is synthetic is labelled where it is made: which topic a record "matches", the PubMed lookups
stored for study mentions, correction rows a re-check "found", passage relations, and the hostile record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from pathlib import Path

from configs import write_config
from digest_samples import hostile_paper
from littrack.config import Config, load_config
from littrack.eutils.pubmed_xml import parse_papers
from littrack.evidence.merge import PUBMED, Observation
from littrack.fetch.changes import record_observations
from littrack.models import DEFAULT_PROFILE, ChangeKind, Paper, PaperChange
from littrack.replay import recorded_path
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import efetch_xml
from littrack.store import Store, open_store
from littrack.store import digests as ledger
from littrack.store.mentions import save_resolution
from littrack.store.papers import save_papers

FM, CRPS = "ketamine-fibromyalgia", "ketamine-crps"
NLM_SAMPLE = recorded_path("pubmed", "fatcat", "python", "tests", "files", "pubmedsample_2019.xml")

# Real records with the property a test needs (checked by the tests that use them).
RETRACTED = 11543891  # 2001, human, RetractionIn → notice 11600210 (NLM sample)
RETRACTION_NOTICE = 11600210
RCT_WITH_ERRATA = 9505772  # 1998 RCT with two ErratumIn links (NLM sample)
RCT_1998 = 9861576  # 1998 RCT with an ErratumIn link (NLM sample)
RCT_2013 = 23435529  # 2013 RCT, "Randomized phase III trial of docetaxel …" (replayed corpus)
RCT_2012 = 23121403  # 2012 RCT, low-dose aspirin, no corrections (replayed corpus)
SR_2021 = 33856845  # 2021 systematic review, no corrections (replayed corpus)
SR_2018 = 29915538  # 2018 systematic review / meta-analysis (replayed corpus)
PRECLINICAL = 35649368  # 2022 cancer-cell study with an ErratumIn link (replayed corpus)
NARRATIVE = 38011560  # 2023 review of ketamine and depression, related to a seed passage (replayed corpus)


@cache
def recorded() -> dict[int, Paper]:
    """Every replayed record and every record of NLM's 2019 baseline sample, by PMID."""
    papers = parse_papers(efetch_xml(a.xml for a in default_corpus()))
    papers += parse_papers(NLM_SAMPLE.read_bytes())
    return {p.pmid: p for p in papers}


def config(tmp_path: Path, **sections: object) -> Config:
    """A loaded config with the two test topics, a store and digests/ in ``tmp_path`` (nothing is fetched)."""
    return load_config(write_config(tmp_path, "http://127.0.0.1:9/", **sections))


def fill(store: Store, topics: Mapping[str, Iterable[int | Paper]]) -> None:
    """Save records under topics (SYNTHETIC topic matches); a Paper is saved as given, an int is a recorded PMID."""
    with store.transaction() as conn:
        for topic, items in topics.items():
            papers = [item if isinstance(item, Paper) else recorded()[item] for item in items]
            save_papers(conn, papers, topic_id=topic, run_id=None)


def deliver(store: Store, pmids: Sequence[int], profile: str = DEFAULT_PROFILE) -> int:
    """Record a delivered digest of these papers, as the digest job does."""
    digest_id = ledger.create_digest(store, profile, pmids, None, {})
    with store.transaction() as conn:
        ledger.mark_delivered(conn, digest_id, profile, emailed=False, change_ids=[])
    return digest_id


def found_erratum(store: Store, pmid: int, notice: int | None = None) -> None:
    """SYNTHETIC: a re-check "found" an erratum for a real record."""
    paper = recorded()[pmid]
    change = PaperChange(pmid, paper.title, ChangeKind.ERRATUM_IN, "Erratum published", notice, "")
    with store.transaction() as conn:
        record_observations(conn, [Observation(change, PUBMED, f"PMID {notice}" if notice else "")])


def looked_up(store: Store, cfg: Config, lookups: Mapping[int | str, Sequence[int]]) -> None:
    """SYNTHETIC PubMed lookups for the seeds' study mentions: an int key is the year a mention gives, a str key
    a piece of its sentence; every other mention is stored as searched with no match."""
    from littrack.background.corpus import load_corpus

    with store.transaction() as conn:
        for m in load_corpus(cfg.background).mentions:
            keys = [k for k in lookups if (isinstance(k, str) and k in m.sentence) or k == m.year]
            pmids = tuple(lookups[keys[0]]) if keys else ()
            save_resolution(
                conn,
                m.key,
                doc_id=m.doc_id,
                sentence=m.sentence,
                pmids=pmids,
                confidence="high" if len(pmids) == 1 else ("medium" if pmids else "unresolved"),
                queries=("SYNTHETIC lookup",),
            )


def formula_paper() -> Paper:
    """SYNTHETIC record (not from PubMed): a title a spreadsheet would run as a formula."""
    return dataclasses.replace(
        hostile_paper(), pmid=99999998, title='=HYPERLINK("http://evil.example/","click")', doi=None, pmcid=None
    )


def open_filled(cfg: Config, topics: Mapping[str, Iterable[int | Paper]]) -> Store:
    store = open_store(cfg.store.path)
    fill(store, topics)
    return store


def today() -> dt.datetime:
    return dt.datetime(2026, 12, 2, 7, 0, tzinfo=dt.UTC)
