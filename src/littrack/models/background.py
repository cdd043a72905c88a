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


class Lookup(StrEnum):
    """Whether littrack searched PubMed for a study mention, and what came back."""

    MATCHED = "matched"  # one to three records, with a confidence
    NO_MATCH = "no match"  # searched; no record (or too many to tell apart) matched
    TOO_VAGUE = "too vague"  # the sentence gives no year, author, country or size to search by
    NOT_YET = "not looked up yet"  # resolution is on but no fetch has looked it up (or the lookup failed)
    OFF = "resolution off"  # background.resolve_mentions is false


@dataclass(frozen=True)
class RelatedPassage:
    """A background passage that bears on a paper (filled by :mod:`littrack.background.relate`)."""

    document_id: str
    document_title: str
    excerpt: str  # plain text, already shortened
    score: float


@dataclass(frozen=True)
class StudyMention:
    """A study a background article mentions, and the PubMed records it resolved to."""

    doc_title: str
    sentence: str
    year: int | None
    description: str  # "2007 · France · subcutaneous ketamine"
    pmids: tuple[int, ...] = ()
    confidence: Confidence = Confidence.UNRESOLVED
    lookup: Lookup = Lookup.NO_MATCH
    key: str = ""  # the mention's stable id (document id + sentence hash), to notice a changed resolution

    @property
    def looked_up(self) -> bool:
        return self.lookup in (Lookup.MATCHED, Lookup.NO_MATCH)

    @property
    def state(self) -> str:
        """What the digest remembers to tell whether a resolution changed: the answer, or that there was none."""
        if self.lookup == Lookup.MATCHED:
            return f"{self.confidence}:{','.join(map(str, self.pmids))}"
        return str(self.lookup)
