"""Changes to registered trials worth telling a reader (decided by :mod:`littrack.trials.changes`)."""

from __future__ import annotations

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
