"""Frozen, typed records that cross module boundaries: the one place every layer may import.

Parsing produces them, the store saves and loads them, the evidence and background modules fill them in,
templates and exports receive them. No module passes raw XML or loose dicts across a boundary, and nothing
here imports from another littrack layer (store, network, digest, jobs).

- :mod:`.paper` — a PubMed record and its parts, topics, search results, date windows;
- :mod:`.evidence` — study design, evidence badges, study details (doses, setting, n), corrections;
- :mod:`.safety` — why a paper reports harm from ketamine (the digest's safety lane);
- :mod:`.background` — passages and study mentions of the background (seed) articles;
- :mod:`.trials` — registered trials and the changes to them worth telling a reader.
"""

from littrack.models.background import Confidence, Lookup, RelatedPassage, StudyMention
from littrack.models.evidence import (
    ChangeKind,
    Design,
    Dose,
    Drug,
    Evidence,
    EvidenceSource,
    PaperChange,
    Regimen,
    Setting,
    StudyDetails,
    Subjects,
)
from littrack.models.paper import (
    MONTHS,
    NOT_YET_INDEXED,
    AbstractSection,
    Author,
    CommentCorrection,
    DateWindow,
    MeshHeading,
    Paper,
    PartialDate,
    SearchResult,
    Topic,
)
from littrack.models.safety import Harm, SafetySignal
from littrack.models.trials import (
    Intervention,
    Study,
    StudyReference,
    TrialChange,
    TrialChangeKind,
    TrialFacts,
    TrialsCheck,
    TrialUpdate,
    date_end,
)

__all__ = [
    "MONTHS",
    "NOT_YET_INDEXED",
    "AbstractSection",
    "Author",
    "ChangeKind",
    "CommentCorrection",
    "Confidence",
    "DateWindow",
    "Design",
    "Dose",
    "Drug",
    "Evidence",
    "EvidenceSource",
    "Harm",
    "Intervention",
    "Lookup",
    "MeshHeading",
    "Paper",
    "PaperChange",
    "PartialDate",
    "Regimen",
    "RelatedPassage",
    "SafetySignal",
    "SearchResult",
    "Setting",
    "Study",
    "StudyDetails",
    "StudyMention",
    "StudyReference",
    "Subjects",
    "Topic",
    "TrialChange",
    "TrialChangeKind",
    "TrialFacts",
    "TrialUpdate",
    "TrialsCheck",
    "date_end",
]
