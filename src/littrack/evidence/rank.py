"""Order of papers inside a digest topic: evidence tier, people before animals, size, recency.

Pure sorting keys; the digest job decides which entries go into which topic.
"""

from __future__ import annotations

from littrack.evidence.classify import DESIGNS
from littrack.models import Evidence, Paper

_UNKNOWN_TIER = DESIGNS["other"][1]

RankKey = tuple[int, int, int, int, int, int]


def rank_key(paper: Paper, evidence: Evidence | None) -> RankKey:
    """Sort key, smallest first: tier; human or unknown before preclinical; known sample size, largest
    first; newest Entrez (else electronic) date first; highest PMID first.
    """
    tier = evidence.tier if evidence else _UNKNOWN_TIER
    animal = 1 if evidence is not None and evidence.human is False else 0
    n = evidence.sample_size if evidence else None
    size_key = (0, -n) if n is not None else (1, 0)
    date = paper.entrez_date or paper.electronic_date
    # Undated papers go after dated ones: dated keys are negative ordinals, undated is 1.
    date_key = -date.toordinal() if date else 1
    return (tier, animal, *size_key, date_key, -paper.pmid)
