"""Records of the background (seed) articles that other layers show: related passages and study mentions."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Confidence(StrEnum):
    """How surely a study mention was resolved to PubMed records (see :mod:`littrack.background.resolve`)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNRESOLVED = "unresolved"


@dataclass(frozen=True)
class RelatedPassage:
    """A background passage that bears on a paper (filled by :mod:`littrack.background.relate`)."""

    document_id: str
    document_title: str
    excerpt: str  # plain text, already shortened
    score: float
    passage_id: str = ""  # the passage's stable id, "healthrising-overview#12" (the claims ledger keys on it)


@dataclass(frozen=True)
class StudyMention:
    """A study a background article mentions, and the PubMed records it resolved to."""

    doc_title: str
    sentence: str
    year: int | None
    description: str  # "2007 · France · subcutaneous ketamine"
    pmids: tuple[int, ...] = ()
    confidence: Confidence = Confidence.UNRESOLVED
