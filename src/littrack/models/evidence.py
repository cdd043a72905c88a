"""What kind of evidence a paper is, and corrections to papers already sent (filled by :mod:`littrack.evidence`)."""

from __future__ import annotations

from dataclasses import dataclass, field
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


class Subjects(StrEnum):
    """Who or what the study itself was done on (not who the introduction mentions)."""

    HUMAN = "human"
    ANIMAL = "animal study"
    IN_VITRO = "in vitro"
    UNKNOWN = "unknown"


class Setting(StrEnum):
    """Where the ketamine was given: acute-care trials are not chronic-pain evidence."""

    PERIOPERATIVE = "perioperative"  # surgery, anaesthesia, post-operative analgesia, PACU, procedural sedation
    EMERGENCY = "emergency department"  # ED and pre-hospital
    CHRONIC_PAIN = "chronic pain / infusion clinic"  # outpatient infusions or oral/nasal courses for chronic pain
    OTHER = "other setting"  # depression, ICU sedation, palliative care, … stated but none of the above
    UNKNOWN = "setting not stated"


class Drug(StrEnum):
    """Ketamine and its enantiomers as the abstract names them."""

    KETAMINE = "ketamine"  # named without saying which form: in practice the racemate
    RACEMIC = "racemic ketamine"
    ESKETAMINE = "esketamine"
    ARKETAMINE = "arketamine"


@dataclass(frozen=True)
class Dose:
    """One dose bound to the drug the sentence gives it to, e.g. ketamine 0.5 mg/kg/h IV."""

    drug: str  # lower-case name as written ("ketamine", "esketamine", "lidocaine")
    amount: str  # as written, "0.5" or "0.15-0.3"
    unit: str  # "mg", "µg", "g", "mL"
    per_kg: bool = False
    rate: str | None = None  # "h", "min", "day" for an infusion rate or daily dose
    route: str | None = None  # "IV", "intranasal", "oral", "sublingual", "IM", "subcutaneous", "topical"

    @property
    def quantity(self) -> str:
        """'0.5 mg/kg/h'."""
        return f"{self.amount} {self.unit}" + ("/kg" if self.per_kg else "") + (f"/{self.rate}" if self.rate else "")

    @property
    def chip(self) -> str:
        """'ketamine 0.5 mg/kg/h IV'."""
        return " ".join(p for p in (self.drug, self.quantity, self.route) if p)


@dataclass(frozen=True)
class Regimen:
    """Parts of an infusion or dosing course, each only when the abstract states it."""

    hours_per_day: str | None = None  # "4 h/day"
    infusion_length: str | None = None  # "40-minute infusion"
    days: int | None = None  # consecutive days of treatment
    sessions: int | None = None  # separate infusions / administrations
    total_dose: str | None = None  # "total dose 0.5 mg/kg", "80 mg"

    @property
    def chips(self) -> tuple[str, ...]:
        out = []
        if self.infusion_length:
            out.append(self.infusion_length)
        if self.hours_per_day:
            out.append(self.hours_per_day)
        if self.days:
            out.append(f"{self.days} days")
        if self.sessions:
            out.append(f"{self.sessions} sessions")
        if self.total_dose:
            out.append(f"total {self.total_dose}")
        return tuple(out)


@dataclass(frozen=True)
class StudyDetails:
    """What a clinician scans an abstract for, each part only when stated explicitly (never guessed)."""

    subjects: Subjects = Subjects.UNKNOWN
    sample_size: int | None = None
    doses: tuple[Dose, ...] = ()  # ketamine-family doses first, then comparators', each bound to its drug
    routes: tuple[str, ...] = ()  # ketamine routes
    drugs: tuple[Drug, ...] = ()  # which ketamine the study gave
    setting: Setting = Setting.UNKNOWN
    regimen: Regimen = field(default_factory=Regimen)
    follow_up: str | None = None  # "12-week follow-up"
    conclusion: str | None = None  # the CONCLUSIONS section, else the closing sentence (plain text)
    population: str | None = None  # "patients with fibromyalgia", when the abstract says it plainly

    @property
    def ketamine_doses(self) -> tuple[Dose, ...]:
        return tuple(d for d in self.doses if d.drug.endswith("ketamine"))


@dataclass(frozen=True)
class Evidence:
    """What kind of evidence a paper is.

    ``design``/``label``/``tier`` are what the digest ranks by: when PubMed's indexing and the abstract
    disagree, the weaker of the two (``indexed_as`` and ``text_design`` keep both for display).
    """

    design: Design
    label: str  # human label, e.g. "Randomized controlled trial"
    tier: int  # 1 = read first
    source: EvidenceSource
    human: bool | None = None  # False for animal / in-vitro work
    chips: tuple[str, ...] = ()  # display chips derived from ``details``: "n = 45", "ketamine 0.5 mg/kg IV", …
    sample_size: int | None = None
    details: StudyDetails = field(default_factory=StudyDetails)
    indexed_as: str | None = None  # PubMed's own type that decided an indexed label, e.g. "Meta-Analysis"
    text_design: Design | None = None  # what the abstract says, kept only when it disagrees with indexing
    text_label: str | None = None
    automated: bool = False  # the indexing came from NLM's automated indexing (IndexingMethod="Automated")

    @property
    def disagreement(self) -> bool:
        return self.text_design is not None

    @property
    def display(self) -> str:
        """The badge text: 'PubMed: Meta-Analysis · abstract: narrative review' when the two disagree."""
        if self.text_design is not None and self.indexed_as:
            return f"PubMed: {self.indexed_as} · abstract: {(self.text_label or '').lower()}"
        if self.details.subjects in (Subjects.ANIMAL, Subjects.IN_VITRO) and self.design == Design.PRECLINICAL:
            return f"Preclinical: {self.details.subjects.value}"
        return self.label

    @property
    def source_note(self) -> str:
        """'indexed', 'indexed (automated)' or 'from text'."""
        if self.source == EvidenceSource.INDEXED and self.automated:
            return "indexed (automated)"
        return str(self.source)


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
