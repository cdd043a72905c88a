"""Registered trials (ClinicalTrials.gov) as littrack tracks them, and the changes worth telling a reader
(decided by :mod:`littrack.trials.changes`)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class TrialChangeKind(StrEnum):
    """What happened to a registered trial."""

    NEW = "new"
    STATUS = "status"
    RESULTS = "results posted"
    ENROLLMENT = "enrollment"
    COMPLETION_PASSED = "completion date passed"
    NO_PUBLICATION = "no publication"


@dataclass(frozen=True)
class TrialUpdate:
    """One thing that happened to a trial in a digest's period; ``before``/``after`` are display text."""

    what: TrialChangeKind
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class TrialFacts:
    """What a clinician reads about a registered trial, as display text ('' or () where the registry is silent)."""

    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()  # "Drug: Repaglinide (repaglinide 0.5 mg before each meal …)"
    phase: str = ""  # "Phase 2", "Phase 2/3", "Not applicable"
    sponsor: str = ""
    enrollment: str = ""  # "planned 40, actual 31", "planned 120", "31 (actual)"
    start: str = ""  # "Nov 2006", "1 Feb 2024 (estimated)"
    completion: str = ""
    topics: tuple[str, ...] = ()  # names of the topics whose trial query found it
    results_posted: bool = False
    why_stopped: str = ""


@dataclass(frozen=True)
class TrialChange:
    """One registered trial in a digest: new, or changed in ways that matter, with every change of the period.

    ``what``/``before``/``after`` are the headline (``new`` with the trial's status for a new trial); ``updates``
    lists every change in reading order (the headline first). ``synthetic`` marks a change staged by the offline
    demo from a made-up earlier state, which the digest must say.
    """

    nct_id: str
    title: str
    status: str
    what: TrialChangeKind
    before: str | None = None
    after: str | None = None
    linked_pmids: tuple[int, ...] = ()
    updates: tuple[TrialUpdate, ...] = ()
    facts: TrialFacts | None = None
    synthetic: bool = False

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"

    @property
    def is_new(self) -> bool:
        return self.what == TrialChangeKind.NEW

    @property
    def changes(self) -> tuple[TrialUpdate, ...]:
        """Every change to show, the headline first (a row built with only a headline has just that one)."""
        return self.updates or (TrialUpdate(self.what, self.before, self.after),)


@dataclass(frozen=True)
class TrialsCheck:
    """How the last look at ClinicalTrials.gov went, so a digest can say so instead of dropping the section.

    ``failed_at``/``error``: the latest sync did not finish (None when it worked); ``last_ok_at``: the end of the
    last sync that did (None: never). All None: trials were never synced.
    """

    last_ok_at: dt.datetime | None = None
    failed_at: dt.datetime | None = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.failed_at is not None


# Reference types whose PMID reports the study itself (CT.gov adds DERIVED ones when a PubMed record
# cites the NCT id); BACKGROUND references are earlier literature and do not count as "published".
RESULT_TYPES = frozenset({"RESULT", "DERIVED"})


@dataclass(frozen=True, slots=True)
class StudyReference:
    """One ``referencesModule.references`` entry: its PMID and/or DOI and its type (RESULT, DERIVED, BACKGROUND)."""

    pmid: int | None = None
    doi: str | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Intervention:
    """One registered intervention: its name, its type (DRUG, PROCEDURE, …) and, where the registry states one,
    the dose in the registry's own words (a sentence of the intervention's or its arm's description)."""

    name: str
    type: str | None = None
    dose: str | None = None


@dataclass(frozen=True, slots=True)
class Study:
    """One registered study as littrack tracks it. Dates keep the registry's precision ("2016-07", "2019-12-20")."""

    nct_id: str
    title: str
    overall_status: str = ""
    conditions: tuple[str, ...] = ()
    interventions: tuple[Intervention, ...] = ()
    phases: tuple[str, ...] = ()
    enrollment: int | None = None
    enrollment_type: str | None = None  # ACTUAL | ESTIMATED
    start_date: str | None = None
    start_date_type: str | None = None  # ACTUAL | ESTIMATED (absent on older records)
    completion_date: str | None = None  # overall completion, else primary completion
    completion_date_type: str | None = None  # of the date above
    why_stopped: str | None = None  # the registry's reason, for WITHDRAWN, TERMINATED or SUSPENDED studies
    countries: tuple[str, ...] = ()
    sponsor: str | None = None
    last_update: str | None = None  # lastUpdatePostDateStruct.date
    has_results: bool = False
    references: tuple[StudyReference, ...] = ()

    @property
    def reference_pmids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(r.pmid for r in self.references if r.pmid is not None))

    @property
    def result_pmids(self) -> tuple[int, ...]:
        """PMIDs the registry lists as this study's own publications."""
        return tuple(dict.fromkeys(r.pmid for r in self.references if r.pmid is not None and r.type in RESULT_TYPES))

    @property
    def reference_dois(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.doi for r in self.references if r.doi))

    @property
    def completion_end(self) -> dt.date | None:
        """The last day the completion date can mean ("2024-03" → 2024-03-31); None if absent or unreadable."""
        return date_end(self.completion_date)

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"


def date_end(text: str | None) -> dt.date | None:
    """Last day of a registry date of any precision: "2024" → Dec 31, "2024-03" → Mar 31, "2024-03-05" → itself."""
    if not text:
        return None
    parts = text.strip().split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return dt.date(year, 12, 31)
        month = int(parts[1])
        if len(parts) == 2:
            return dt.date(year, month, calendar.monthrange(year, month)[1])
        return dt.date(year, month, int(parts[2]))
    except (ValueError, IndexError):
        return None
