"""The view model a digest template receives: frozen records only, assembled by the digest job.

Each optional part (evidence, background passages, corrections, trials) is filled by its own module and
stays empty when that module has nothing to say; templates render a section only when it has rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from littrack.models import DateWindow, Paper, Topic


@dataclass(frozen=True)
class Evidence:
    """What kind of evidence a paper is (filled by littrack.evidence)."""

    design: str  # machine key, e.g. "rct", "systematic_review", "case_report", "preclinical", "other"
    label: str  # human label, e.g. "Randomized controlled trial"
    tier: int  # 1 = read first
    source: str  # "indexed" (publication types/MeSH) or "from text" (title/abstract)
    human: bool | None = None  # False for animal / in-vitro work
    chips: tuple[str, ...] = ()  # "n = 45", "8 weeks", "IV", "esketamine", "0.5 mg/kg"
    sample_size: int | None = None


@dataclass(frozen=True)
class RelatedPassage:
    """A background passage that bears on a paper (filled by littrack.background)."""

    document_id: str
    document_title: str
    excerpt: str  # plain text, already shortened
    score: float


@dataclass(frozen=True)
class PaperEntry:
    paper: Paper
    topics: tuple[Topic, ...]  # every topic whose query matched, in config order
    evidence: Evidence | None = None
    related: tuple[RelatedPassage, ...] = ()  # at most two
    retracted: bool = False
    trial_ids: tuple[str, ...] = ()  # NCT ids linked to this paper


@dataclass(frozen=True)
class TopicSection:
    topic: Topic
    count: int  # papers this query matched in the period (including ones shown under another topic)
    entries: tuple[PaperEntry, ...]  # papers whose first matching topic is this one, best first


@dataclass(frozen=True)
class PaperChange:
    """A correction to a paper already sent: retraction, erratum, expression of concern, update."""

    pmid: int
    title: str  # safe markup
    kind: str  # "RetractionIn" | "ErratumIn" | "ExpressionOfConcernIn" | "UpdateIn" | "Retracted Publication"
    description: str  # one line for the reader
    notice_pmid: int | None = None
    notice_source: str = ""


@dataclass(frozen=True)
class BackgroundDocument:
    """A seed/background article and the new papers that bear on it."""

    doc_id: str
    title: str
    publisher: str
    date_label: str
    new_papers: tuple[tuple[int, str], ...] = ()  # (pmid, plain title)


@dataclass(frozen=True)
class StudyMention:
    """A study a background article mentions, and the PubMed records it resolved to."""

    doc_title: str
    sentence: str
    year: int | None
    description: str  # "2007 · France · subcutaneous ketamine"
    pmids: tuple[int, ...] = ()
    confidence: str = "unresolved"  # "high" | "medium" | "low" | "unresolved"


@dataclass(frozen=True)
class TrialChange:
    """A registered trial that is new or changed in a way that matters (filled by littrack.trials)."""

    nct_id: str
    title: str
    status: str
    what: str  # "new", "status", "results posted", "completion date passed", "enrollment", "no publication"
    before: str | None = None
    after: str | None = None
    linked_pmids: tuple[int, ...] = ()

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"


@dataclass(frozen=True)
class DigestView:
    title: str
    profile: str | None
    period: DateWindow | None  # Entrez dates covered; None when nothing was fetched yet
    generated_at: dt.datetime
    sections: tuple[TopicSection, ...]
    total: int
    retrying: bool = False  # some papers were in a digest that failed to deliver
    changes: tuple[PaperChange, ...] = ()
    background: tuple[BackgroundDocument, ...] = ()
    mentions: tuple[StudyMention, ...] = ()
    trials: tuple[TrialChange, ...] = ()
    exports: tuple[tuple[str, str], ...] = field(default=())  # (label, relative href), e.g. ("RIS", "2026-11-21.ris")
    digest_id: int | None = None
    full_digest_url: str | None = None  # for the e-mail's "read the full digest" link
    notice: str | None = None  # a plain-text banner, e.g. the offline demo's "replayed data" warning
