"""The claims ledger of the background articles: each claim that cites a study, and where that study stands.

Filled by :mod:`littrack.evidence_page.claims`; shown on the evidence page and, when an entry's status changes,
in the next digest. A status says what littrack found about the *cited study* and the papers that bear on the
claim; it is never a verdict on whether the claim is true.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from littrack.models.background import Confidence, Lookup


def claim_anchor(key: str) -> str:
    """The HTML id of a ledger entry on the evidence page: 'claim-healthrising-overview-0a1b2c3d4e5f'."""
    return "claim-" + "".join(c if c.isascii() and (c.isalnum() or c == "-") else "-" for c in key)


# How the ledger words a lookup's outcome: it is about the study the claim cites.
LOOKUP_LABELS = {
    Lookup.MATCHED: "cited study found",
    Lookup.NO_MATCH: "cited study not found",
    Lookup.TOO_VAGUE: "too vague to look up",
    Lookup.NOT_YET: "not looked up yet",
    Lookup.OFF: "not looked up (resolution off)",
}


class ClaimFlag(StrEnum):
    """Something a clinician should know about a claim's evidence, beyond the lookup; in the order shown."""

    RETRACTED = "cited study retracted"
    CORRECTED = "cited study corrected"  # erratum, expression of concern or updated version
    NEWER_EVIDENCE = "newer higher-tier evidence exists"


@dataclass(frozen=True)
class CitedRecord:
    """A PubMed record a cited study resolved to, and what the store knows of it (``in_store`` False: the PMID only)."""

    pmid: int
    in_store: bool = False
    title: str = ""  # plain text
    year: int | None = None
    design: str = ""  # the evidence badge text, e.g. "Randomized controlled trial"
    corrections: tuple[str, ...] = ()  # one line each: "Retracted — see retraction notice PMID 123"
    notice_pmids: tuple[int, ...] = ()


@dataclass(frozen=True)
class BearingPaper:
    """A paper in the store that bears on a claim (the claim's passage is among the paper's related passages)."""

    pmid: int
    title: str  # plain text
    year: int | None
    design: str  # the evidence badge text
    tier: int
    human: bool | None
    retracted: bool = False
    newer_higher_tier: bool = False  # counted for ClaimFlag.NEWER_EVIDENCE


@dataclass(frozen=True)
class ClaimEntry:
    """One claim of a background article that cites a study."""

    key: str  # the study mention's stable key: document id + sentence hash
    doc_id: str
    article: str  # the article's title
    sentence: str  # the claim as the article words it
    cited: str  # what the sentence says about the study: "2007 · France · fibromyalgia · study · subcutaneous"
    lookup: Lookup  # what the PubMed lookup of the cited study came to
    confidence: Confidence = Confidence.UNRESOLVED
    records: tuple[CitedRecord, ...] = ()
    flags: tuple[ClaimFlag, ...] = ()
    bearing: tuple[BearingPaper, ...] = ()  # newest first
    flag_reason: str = ""  # how NEWER_EVIDENCE was decided, in one line, when it is set

    @property
    def anchor(self) -> str:
        return claim_anchor(self.key)

    @property
    def status(self) -> str:
        """What the digest remembers to tell whether the entry changed: lookup, matched PMIDs, flags."""
        pmids = ",".join(str(r.pmid) for r in self.records)
        parts = [self.lookup.name.lower() + (f":{pmids}" if pmids else ""), *(f.name.lower() for f in self.flags)]
        return "|".join(parts)

    @property
    def labels(self) -> tuple[str, ...]:
        """The status badges, most important first: flags, then the lookup."""
        return (*(str(f) for f in self.flags), self.lookup_label)

    @property
    def lookup_label(self) -> str:
        return LOOKUP_LABELS[self.lookup]


@dataclass(frozen=True)
class ClaimChange:
    """A ledger entry whose status changed since the last digest, as the digest says it."""

    key: str
    article: str
    sentence: str
    message: str  # "A study cited by 'This Could Be Big' was corrected"
    before: str = ""  # status labels, "; "-joined ("" on the first sighting)
    after: str = ""

    @property
    def anchor(self) -> str:
        return claim_anchor(self.key)
