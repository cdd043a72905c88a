"""Why a paper belongs in the digest's safety lane: which harm of ketamine it reports and what said so."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Harm(StrEnum):
    """The harms of ketamine a pain clinician is asked about, in the words the lane shows."""

    URINARY = "bladder and urinary tract"
    LIVER = "liver and bile ducts"
    PSYCHIATRIC = "dissociative, psychotic or cognitive effects"
    MISUSE = "abuse, misuse or dependence"
    CARDIOVASCULAR = "heart and circulation"
    ADVERSE_EVENTS = "adverse events"  # pharmacovigilance and side-effect reports that name no single organ


@dataclass(frozen=True)
class SafetySignal:
    """A paper reports harm from ketamine: the harms it concerns and the evidence for saying so.

    ``reasons`` are short and literal, e.g. ``MeSH Ketamine/adverse effects*`` or ``title: “ketamine-induced
    cystitis”``, so a reader can check the decision against the record.
    """

    harms: tuple[Harm, ...]
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        """'bladder and urinary tract · abuse, misuse or dependence'."""
        return " · ".join(h.value for h in self.harms)

    @property
    def reason(self) -> str:
        """'MeSH Ketamine/adverse effects*; title: “ketamine-induced cystitis”'."""
        return "; ".join(self.reasons)
