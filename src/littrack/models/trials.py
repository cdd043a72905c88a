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
class TrialChange:
    """A registered trial that is new or changed in a way that matters."""

    nct_id: str
    title: str
    status: str
    what: TrialChangeKind
    before: str | None = None
    after: str | None = None
    linked_pmids: tuple[int, ...] = ()

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"


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
class Study:
    """One registered study as littrack tracks it. Dates keep the registry's precision ("2016-07", "2019-12-20")."""

    nct_id: str
    title: str
    overall_status: str = ""
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    enrollment: int | None = None
    enrollment_type: str | None = None  # ACTUAL | ESTIMATED
    start_date: str | None = None
    completion_date: str | None = None  # overall completion, else primary completion
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
