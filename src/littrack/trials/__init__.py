"""Registered trials from ClinicalTrials.gov (API v2): fetch, parse, change tracking, PubMed linking.

``client`` talks to the network, ``parse`` turns API v2 JSON into :class:`~littrack.trials.parse.Study`
records, ``changes`` decides what changed between two states, ``link`` finds NCT ids in papers, and ``sync``
is the job that joins them with the store (:mod:`littrack.store.trials`). This module holds only the
shipped per-topic queries, so importing the package stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from littrack.config import TrialQuery

# The shipped topics' ClinicalTrials.gov queries (query.cond × query.intr); config.yaml repeats them so users
# can edit them. Esketamine is its own intervention name on the registry, so it is named explicitly.
_KETAMINE = "ketamine OR esketamine"
DEFAULT_QUERIES: Mapping[str, TrialQuery] = MappingProxyType(
    {
        "ketamine-fibromyalgia": TrialQuery(condition="Fibromyalgia", intervention=_KETAMINE),
        "ketamine-crps": TrialQuery(
            condition="Complex Regional Pain Syndromes OR Reflex Sympathetic Dystrophy OR CRPS", intervention=_KETAMINE
        ),
        "ketamine-chronic-pain": TrialQuery(
            condition="Chronic Pain OR Neuralgia OR Neuropathic Pain", intervention=_KETAMINE
        ),
    }
)

__all__ = ["DEFAULT_QUERIES"]
