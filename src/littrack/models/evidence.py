"""What kind of evidence a paper is, and corrections to papers already sent (filled by :mod:`littrack.evidence`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Design(StrEnum):
    """Study design, the machine key of an evidence badge (labels and tiers: :data:`littrack.evidence.DESIGNS`)."""

    SYSTEMATIC_REVIEW = "systematic_review"
    RCT = "rct"
    GUIDELINE = "guideline"
    CLINICAL_TRIAL = "clinical_trial"
    OBSERVATIONAL = "observational"
    CASE_REPORT = "case_report"
    OTHER = "other"
    NARRATIVE_REVIEW = "narrative_review"
    PRECLINICAL = "preclinical"
    PROTOCOL = "protocol"
    EDITORIAL = "editorial"
    NOTICE = "notice"


class EvidenceSource(StrEnum):
    """What decided the design: NLM's indexing (publication types, MeSH) or the title and abstract."""

    INDEXED = "indexed"
    FROM_TEXT = "from text"


@dataclass(frozen=True)
class Evidence:
    """What kind of evidence a paper is."""

    design: Design
    label: str  # human label, e.g. "Randomized controlled trial"
    tier: int  # 1 = read first
    source: EvidenceSource
    human: bool | None = None  # False for animal / in-vitro work
    chips: tuple[str, ...] = ()  # "n = 45", "8 weeks", "IV", "esketamine", "0.5 mg/kg"
    sample_size: int | None = None


class ChangeKind(StrEnum):
    """A correction to a sent paper: PubMed's CommentsCorrections RefType, or the retracted publication type."""

    RETRACTION_IN = "RetractionIn"
    EXPRESSION_OF_CONCERN_IN = "ExpressionOfConcernIn"
    ERRATUM_IN = "ErratumIn"
    UPDATE_IN = "UpdateIn"
    RETRACTED_PUBLICATION = "Retracted Publication"
    # A systematic review or meta-analysis in the store whose references include a retracted paper.
    CITES_RETRACTED = "Cites Retracted"


# Kinds that mean the paper itself is retracted (PubMed's link, PubMed's publication type, a Crossref notice).
RETRACTION_KINDS = frozenset({ChangeKind.RETRACTION_IN, ChangeKind.RETRACTED_PUBLICATION})


@dataclass(frozen=True)
class ChangeSource:
    """One source that reported a change, and when littrack first saw it there."""

    name: str  # "PubMed", "Crossref (publisher)", "Crossref (Retraction Watch)"
    seen_at: str  # ISO time
    notice: str = ""  # "PMID 123" or "doi:10.1/abc", when the source names the notice


@dataclass(frozen=True)
class PaperChange:
    """A correction to a paper already sent: retraction, erratum, expression of concern, update."""

    pmid: int
    title: str  # safe markup
    kind: ChangeKind
    description: str  # one line for the reader
    notice_pmid: int | None = None
    notice_source: str = ""
    sources: tuple[ChangeSource, ...] = ()  # first-seen first; empty for changes not read back from the store
    notice_doi: str | None = None
