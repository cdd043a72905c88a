"""The records of the evidence page: what :mod:`.gather` reads, and what :mod:`.tables` and :mod:`.claims` build.

:class:`Snapshot` is everything read from the store and the background documents, each paper classified and
related once; :class:`EvidencePage` is what the template and the CSV receive. Frozen, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from littrack.background.documents import BackgroundDoc
from littrack.background.mentions import Mention
from littrack.background.resolve import Resolution
from littrack.evidence.corrections import is_retracted
from littrack.models import (
    ChangeKind,
    ClaimEntry,
    Drug,
    Evidence,
    OpenAccessLocation,
    Paper,
    PaperChange,
    Preprint,
    RelatedPassage,
    Setting,
    Topic,
)

NOT_STATED = "not stated"
RETRACTION_KINDS = frozenset({ChangeKind.RETRACTION_IN, ChangeKind.RETRACTED_PUBLICATION})

# Where the ketamine was given, as the page's setting column says it. "other" carries a mark: the extractor's
# "other setting" is often wrong (tests/evidence_eval/RESULTS.md), the page's key explains the mark.
SETTING_LABELS = {
    Setting.CHRONIC_PAIN: "infusion clinic / chronic pain",
    Setting.PERIOPERATIVE: "perioperative",
    Setting.EMERGENCY: "emergency department",
    Setting.OTHER: "other†",
    Setting.UNKNOWN: NOT_STATED,
}
DRUG_LABELS = {
    Drug.KETAMINE: "ketamine (form not stated)",
    Drug.RACEMIC: "racemic ketamine",
    Drug.ESKETAMINE: "esketamine",
    Drug.ARKETAMINE: "arketamine",
}


@dataclass(frozen=True)
class PaperFacts:
    """One stored paper with everything the page derives from it, computed once per snapshot."""

    paper: Paper
    topic_ids: tuple[str, ...]
    evidence: Evidence
    corrections: tuple[PaperChange, ...] = ()  # the record's own links and the re-checks' findings, merged
    trial_ids: tuple[str, ...] = ()
    related: tuple[RelatedPassage, ...] = ()  # background passages the paper bears on
    first_seen_at: str = ""  # when the store first saw it (ISO 8601)
    open_access: OpenAccessLocation | None = None  # Unpaywall's best free copy, when looked up
    preprint: Preprint | None = None  # the preprint this paper is the journal version of, when known

    @property
    def retracted(self) -> bool:
        return is_retracted(self.paper) or any(c.kind in RETRACTION_KINDS for c in self.corrections)


@dataclass(frozen=True)
class Snapshot:
    """What the page is built from: the store's papers and the background articles, read at one moment."""

    topics: tuple[Topic, ...]
    facts: tuple[PaperFacts, ...]
    documents: tuple[BackgroundDoc, ...] = ()
    mentions: tuple[Mention, ...] = ()
    resolutions: Mapping[str, Resolution] = field(default_factory=dict)  # stored lookups, by mention key
    resolve_on: bool = True  # background.resolve_mentions
    same_text: Mapping[str, str] = field(default_factory=dict)  # passage id → the passage it repeats
    latest_digest: int | None = None  # the profile's latest delivered digest
    latest_digest_at: str | None = None
    earlier_pmids: frozenset[int] = frozenset()  # delivered before that digest: every other paper is "new"
    preprints: tuple[tuple[Preprint, tuple[str, ...]], ...] = ()  # (preprint, topic ids), journal version unknown


@dataclass(frozen=True)
class EvidenceRow:
    """One paper in a topic table (or a topic's preclinical / notice list)."""

    facts: PaperFacts
    new: bool = False

    @property
    def paper(self) -> Paper:
        return self.facts.paper

    @property
    def evidence(self) -> Evidence:
        return self.facts.evidence

    @property
    def retracted(self) -> bool:
        return self.facts.retracted

    @property
    def first_author(self) -> str:
        authors = [a.display for a in self.paper.authors if a.display]
        if not authors:
            return ""
        return authors[0] + (" et al." if len(authors) > 1 else "")

    @property
    def sample_size(self) -> str:
        n = self.evidence.details.sample_size
        return f"{n:,}" if n is not None else NOT_STATED

    @property
    def setting(self) -> str:
        return SETTING_LABELS[self.evidence.details.setting]

    @property
    def drugs(self) -> str:
        return ", ".join(DRUG_LABELS[d] for d in self.evidence.details.drugs) or NOT_STATED

    @property
    def routes(self) -> str:
        details = self.evidence.details
        found = dict.fromkeys([*details.routes, *(d.route for d in details.ketamine_doses if d.route)])
        return ", ".join(found) or NOT_STATED

    @property
    def regimen(self) -> str:
        """Doses (bound to their drug), infusion length, hours per day, days, sessions, total dose."""
        details = self.evidence.details
        parts = [d.chip for d in details.ketamine_doses] + list(details.regimen.chips)
        return "; ".join(parts) or NOT_STATED

    @property
    def follow_up(self) -> str:
        return self.evidence.details.follow_up or NOT_STATED

    @property
    def population(self) -> str:
        return self.evidence.details.population or NOT_STATED

    @property
    def conclusion(self) -> str:
        if not self.paper.abstract:
            return "no abstract in PubMed"
        return self.evidence.details.conclusion or NOT_STATED

    @property
    def status(self) -> str:
        """'retracted', 'corrected' or '' (the template and the CSV show the notices themselves)."""
        if self.retracted:
            return "retracted"
        return "corrected" if self.facts.corrections else ""


@dataclass(frozen=True)
class Headline:
    """'3 RCTs with 142 participants, 2 systematic reviews, latest 2024', counted over the rows not retracted."""

    rcts: int = 0
    participants: int = 0
    rcts_without_n: int = 0
    reviews: int = 0
    latest: int | None = None  # the newest year among those RCTs and systematic reviews
    retracted: int = 0  # rows left out of the counts

    @property
    def text(self) -> str:
        rcts = f"{self.rcts} RCT{'s' if self.rcts != 1 else ''}"
        if self.rcts:
            rcts += f" with {self.participants:,} participant{'s' if self.participants != 1 else ''}"
            if self.rcts_without_n:
                rcts += f" (n not stated in {self.rcts_without_n})"
        reviews = f"{self.reviews} systematic review{'s' if self.reviews != 1 else ''}"
        latest = f", latest {self.latest}" if self.latest else ""
        return f"{rcts}, {reviews}{latest}"


@dataclass(frozen=True)
class SizeStatement:
    """What a background article says about the size of the evidence, from its study mentions."""

    article: str
    publisher: str
    date_label: str
    sentence: str
    design: str  # "systematic review"
    n_trials: int | None
    n_patients: int | None
    anchor: str  # the claim's entry in the ledger

    @property
    def text(self) -> str:
        """'a systematic review: 6 trials, 115 patients'."""
        sizes = [
            f"{self.n_trials} trials" if self.n_trials else "",
            f"{self.n_patients} patients" if self.n_patients else "",
        ]
        return f"a {self.design}: " + ", ".join(s for s in sizes if s)


@dataclass(frozen=True)
class TopicTable:
    topic: Topic
    rows: tuple[EvidenceRow, ...]  # human (or unstated) studies, best tier first, newest first within a tier
    headline: Headline
    background: tuple[SizeStatement, ...] = ()
    preclinical: tuple[EvidenceRow, ...] = ()
    notices: tuple[EvidenceRow, ...] = ()  # errata and retraction notices as records of their own
    preprints: tuple[Preprint, ...] = ()  # not peer-reviewed: listed apart, never in the table or its counts

    @property
    def new_count(self) -> int:
        return sum(r.new for r in self.rows)


@dataclass(frozen=True)
class ArticleLedger:
    """One background article and its claims that cite studies, in the article's order."""

    doc_id: str
    title: str
    publisher: str
    date_label: str
    entries: tuple[ClaimEntry, ...]


@dataclass(frozen=True)
class EvidencePage:
    title: str
    generated_at: dt.datetime
    tables: tuple[TopicTable, ...]
    ledger: tuple[ArticleLedger, ...]
    papers: int  # every paper in the store that a topic matched
    latest_digest: int | None = None
    latest_digest_at: str | None = None
    notice: str | None = None  # a plain-text banner, e.g. the offline demo's "replayed data" warning

    @property
    def claims(self) -> int:
        return sum(len(a.entries) for a in self.ledger)
