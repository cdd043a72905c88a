"""The view model a digest template receives: frozen records only, assembled by the digest job.

Records other layers share (evidence, safety signals, passages, corrections, mentions, trial changes) live in
:mod:`littrack.models`; this module holds only what is the digest's own.

Where a paper appears: every paper is shown in full exactly once, at its *home* — the safety lane when it
reports harm from ketamine, else the first topic (config order) whose query matched it — and as one line
pointing there ("also under Ketamine for fibromyalgia ↑") in every other topic that matched it. So a reader
of one topic sees all of that topic's papers, and a topic's count is the same in the summary, its heading,
the e-mail and the text part.

Each optional part (evidence, background passages, corrections, trials, mentions) is filled by its own
module and stays empty when that module has nothing to say; templates render a section only when it has rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from littrack.models import (
    ClaimChange,
    DateWindow,
    Evidence,
    LinkMethod,
    OpenAccessLocation,
    Paper,
    PaperChange,
    Preprint,
    RelatedPassage,
    SafetySignal,
    SourceOutage,
    StudyMention,
    Topic,
    TrialChange,
    TrialsCheck,
)

SAFETY = "safety"  # the home of papers in the safety lane (topics are homes by their id)


@dataclass(frozen=True)
class PaperEntry:
    paper: Paper
    topics: tuple[Topic, ...]  # every topic whose query matched, in config order
    evidence: Evidence | None = None
    related: tuple[RelatedPassage, ...] = ()  # at most two
    retracted: bool = False
    trial_ids: tuple[str, ...] = ()  # NCT ids linked to this paper
    late: bool = False  # found by a reconciliation sweep after the window of its Entrez date had passed
    safety: SafetySignal | None = None  # set when the paper reports harm from ketamine
    home: str = ""  # SAFETY or a topic id: where the full entry is; "" means the first topic
    open_access: OpenAccessLocation | None = None  # Unpaywall's best free copy
    preprint_version: Preprint | None = None  # the preprint this paper is the published version of

    @property
    def is_preprint(self) -> bool:
        """PubMed indexes some preprints itself (publication type "Preprint"); they are not peer-reviewed."""
        return "Preprint" in self.paper.publication_types

    @property
    def home_id(self) -> str:
        if self.home:
            return self.home
        return self.topics[0].id if self.topics else ""

    @property
    def home_name(self) -> str:
        """'the safety lane' or the home topic's name, for "also under …" lines."""
        if self.home_id == SAFETY:
            return "Safety reports"
        return next((t.name for t in self.topics if t.id == self.home_id), "")

    @property
    def preclinical(self) -> bool:
        return self.evidence is not None and self.evidence.human is False

    def shown_in_full_in(self, section_id: str) -> bool:
        return self.home_id == section_id


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
    """One topic: every paper its query matched. Those at home here in full, the others as one line."""

    topic: Topic
    entries: tuple[PaperEntry, ...]  # studies on people (or not stated), best first
    preclinical: tuple[PaperEntry, ...] = ()  # animal and in-vitro work, best first: folded at the end

    @property
    def count(self) -> int:
        """Papers this query matched in the period (the number shown everywhere for this topic)."""
        return len(self.entries) + len(self.preclinical)

    @property
    def at_home(self) -> tuple[PaperEntry, ...]:
        """The papers shown in full here."""
        return tuple(e for e in (*self.entries, *self.preclinical) if e.shown_in_full_in(self.topic.id))


@dataclass(frozen=True)
class BackgroundDocument:
    """A seed/background article and the new papers that bear on it."""

    doc_id: str
    title: str
    publisher: str
    date_label: str
    new_papers: tuple[tuple[int, str], ...] = ()  # (pmid, plain title)


@dataclass(frozen=True)
class MentionsSection:
    """"Studies the background articles refer to": in full, or one line pointing to the background page.

    In full in a profile's first digest and whenever a resolution changed since the last delivered digest
    (``changed`` holds those mentions' keys); otherwise the digest says nothing changed and links ``page``,
    which always lists them all.
    """

    mentions: tuple[StudyMention, ...]
    full: bool = True
    changed: frozenset[str] = frozenset()
    page: str | None = None  # relative href of the background page (digests/background.html)


@dataclass(frozen=True)
class Count:
    """One figure of the briefing: '2 RCTs', linking to the section that lists them."""

    n: int
    label: str  # already pluralised: "RCTs", "retraction"
    anchor: str = ""  # "#safety", "" for none

    def __str__(self) -> str:
        return f"{self.n} {self.label}"


@dataclass(frozen=True)
class Briefing:
    """"What matters this period": the counts by design and event, and the few papers to read first."""

    counts: tuple[Count, ...]  # design counts, safety reports, events, then "other papers"
    top: tuple[PaperEntry, ...]  # 3-5 studies on people, best first (fewer when the period has fewer)
    subject: str  # the same in short, for the e-mail subject: "2 RCTs, 1 retraction, 14 new papers"

    @property
    def line(self) -> str:
        """'2 RCTs · 1 systematic review · 1 retraction · 14 other papers'."""
        return " · ".join(str(c) for c in self.counts)


@dataclass(frozen=True)
class DigestView:
    title: str
    profile: str | None
    period: DateWindow | None  # Entrez dates covered; None when nothing was fetched yet
    generated_at: dt.datetime
    sections: tuple[TopicSection, ...]
    total: int  # distinct new papers
    retrying: bool = False  # some papers were in a digest that failed to deliver
    changes: tuple[PaperChange, ...] = ()
    safety: tuple[PaperEntry, ...] = ()  # the safety lane, best first (each paper's home)
    background: tuple[BackgroundDocument, ...] = ()
    mentions: MentionsSection | None = None
    trials: tuple[TrialChange, ...] = ()  # one row per trial
    trials_check: TrialsCheck | None = None  # how the last ClinicalTrials.gov sync went; None: trials off
    exports: tuple[tuple[str, str], ...] = field(default=())  # (label, relative href), e.g. ("RIS", "2026-11-21.ris")
    digest_id: int | None = None
    full_digest_url: str | None = None  # for the e-mail's "read the full digest" link
    notice: str | None = None  # a plain-text banner, e.g. the offline demo's "replayed data" warning
    unreadable: tuple[int, ...] = ()  # PMIDs a fetch could not read (it asks for them again every time)
    briefing: Briefing | None = None  # filled by littrack.digest.briefing (build_view does it)
    claim_changes: tuple[ClaimChange, ...] = ()  # claims ledger entries whose status changed since the last digest
    evidence_href: str | None = None  # the evidence page, relative to the digest file ("evidence.html")
    evidence_url: str | None = None  # the same at digest.public_url, for the e-mail
    preprints: tuple[PreprintEntry, ...] = ()  # from Europe PMC, newest first
    pubmed_preprints: tuple[PaperEntry, ...] = ()  # PubMed records of type "Preprint", kept out of the topics
    published_preprints: tuple[PublishedPreprintNote, ...] = ()
    outages: tuple[SourceOutage, ...] = ()  # sources beside PubMed that could not be reached, and since when
    profile_lines: tuple[str, ...] = ()  # a profile's digest: what it follows, and since when (its first digest)

    @property
    def papers(self) -> tuple[PaperEntry, ...]:
        """Every distinct paper once, in reading order: the safety lane, each topic's own papers, then PubMed's
        preprints (delivered like every paper, shown only in the preprint section)."""
        seen: dict[int, PaperEntry] = {e.paper.pmid: e for e in self.safety}
        for section in self.sections:
            for e in section.at_home:
                seen.setdefault(e.paper.pmid, e)
        for e in self.pubmed_preprints:
            seen.setdefault(e.paper.pmid, e)
        return tuple(seen.values())

    @property
    def preprint_count(self) -> int:
        return len(self.preprints) + len(self.pubmed_preprints)
