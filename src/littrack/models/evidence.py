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


@dataclass(frozen=True)
class PaperChange:
    """A correction to a paper already sent: retraction, erratum, expression of concern, update."""

    pmid: int
    title: str  # safe markup
    kind: ChangeKind
    description: str  # one line for the reader
    notice_pmid: int | None = None
    notice_source: str = ""
