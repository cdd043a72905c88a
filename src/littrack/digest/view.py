"""The view model a digest template receives: frozen records only, assembled by the digest job.

Records other layers share (evidence, passages, corrections, mentions, trial changes) live in
:mod:`littrack.models`; this module holds only what is the digest's own.

Each optional part (evidence, background passages, corrections, trials) is filled by its own module and
stays empty when that module has nothing to say; templates render a section only when it has rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from littrack.models import (
    DateWindow,
    Evidence,
    LinkMethod,
    OpenAccessLocation,
    Paper,
    PaperChange,
    Preprint,
    RelatedPassage,
    SourceOutage,
    StudyMention,
    Topic,
    TrialChange,
    TrialsCheck,
)


@dataclass(frozen=True)
class PaperEntry:
    paper: Paper
    topics: tuple[Topic, ...]  # every topic whose query matched, in config order
    evidence: Evidence | None = None
    related: tuple[RelatedPassage, ...] = ()  # at most two
    retracted: bool = False
    trial_ids: tuple[str, ...] = ()  # NCT ids linked to this paper
    open_access: OpenAccessLocation | None = None  # Unpaywall's best free copy
    preprint_version: Preprint | None = None  # the preprint this paper is the published version of

    @property
    def is_preprint(self) -> bool:
        """PubMed indexes some preprints itself (publication type "Preprint"); they are not peer-reviewed."""
        return "Preprint" in self.paper.publication_types


@dataclass(frozen=True)
class PreprintEntry:
    """A preprint in the digest's preprint section: never ranked with peer-reviewed papers."""

    preprint: Preprint
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class PublishedPreprintNote:
    """'Preprint from March 2025 now published in Pain, PMID …', said once per preprint a reader was sent."""

    preprint: Preprint
    pmid: int
    journal: str
    title: str  # the paper's title, safe markup
    method: LinkMethod


@dataclass(frozen=True)
class TopicSection:
    topic: Topic
    count: int  # papers this query matched in the period (including ones shown under another topic)
    entries: tuple[PaperEntry, ...]  # papers whose first matching topic is this one, best first


@dataclass(frozen=True)
class BackgroundDocument:
    """A seed/background article and the new papers that bear on it."""

    doc_id: str
    title: str
    publisher: str
    date_label: str
    new_papers: tuple[tuple[int, str], ...] = ()  # (pmid, plain title)


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
    trials: tuple[TrialChange, ...] = ()  # one row per trial
    trials_check: TrialsCheck | None = None  # how the last ClinicalTrials.gov sync went; None: trials off
    exports: tuple[tuple[str, str], ...] = field(default=())  # (label, relative href), e.g. ("RIS", "2026-11-21.ris")
    digest_id: int | None = None
    full_digest_url: str | None = None  # for the e-mail's "read the full digest" link
    notice: str | None = None  # a plain-text banner, e.g. the offline demo's "replayed data" warning
    preprints: tuple[PreprintEntry, ...] = ()  # from Europe PMC, newest first
    pubmed_preprints: tuple[PaperEntry, ...] = ()  # PubMed records of type "Preprint", kept out of the topics
    published_preprints: tuple[PublishedPreprintNote, ...] = ()
    outages: tuple[SourceOutage, ...] = ()  # sources that could not be reached, and since when

    @property
    def papers(self) -> tuple[Paper, ...]:
        """Every PubMed record this digest delivers: the topics' papers, then PubMed's preprints."""
        return tuple(e.paper for s in self.sections for e in s.entries) + tuple(e.paper for e in self.pubmed_preprints)

    @property
    def preprint_count(self) -> int:
        return len(self.preprints) + len(self.pubmed_preprints)
