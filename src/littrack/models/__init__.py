"""Frozen, typed records that cross module boundaries: the one place every layer may import.

Parsing produces them, the store saves and loads them, the evidence and background modules fill them in,
templates and exports receive them. No module passes raw XML or loose dicts across a boundary, and nothing
here imports from another littrack layer (store, network, digest, jobs).

- :mod:`.paper` — a PubMed record and its parts, topics, search results, date windows;
- :mod:`.evidence` — study design, evidence badges, study details (doses, setting, n), corrections;
- :mod:`.safety` — why a paper reports harm from ketamine (the digest's safety lane);
- :mod:`.sources` — preprints, free full text and Crossref notices from the sources beside PubMed;
- :mod:`.background` — passages and study mentions of the background (seed) articles;
- :mod:`.claims` — the claims ledger of the background articles and changes to its entries;
- :mod:`.trials` — registered trials and the changes to them worth telling a reader.
"""

from littrack.models.background import Confidence, Lookup, RelatedPassage, StudyMention
from littrack.models.claims import (
    LOOKUP_LABELS,
    BearingPaper,
    CitedRecord,
    ClaimChange,
    ClaimEntry,
    ClaimFlag,
    claim_anchor,
)
from littrack.models.evidence import (
    RETRACTION_KINDS,
    ChangeKind,
    ChangeSource,
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
from littrack.models.sources import (
    CrossrefNotice,
    CrossrefWork,
    LinkMethod,
    NoticeKind,
    OaKind,
    OpenAccessLocation,
    Preprint,
    PreprintLink,
    Reference,
    Source,
    SourceOutage,
)
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

# The profile of a config without ``profiles:`` (issue 16), in every ledger keyed by profile.
DEFAULT_PROFILE = "default"

__all__ = [
    "DEFAULT_PROFILE",
    "LOOKUP_LABELS",
    "MONTHS",
    "NOT_YET_INDEXED",
    "RETRACTION_KINDS",
    "AbstractSection",
    "Author",
    "BearingPaper",
    "ChangeKind",
    "ChangeSource",
    "CitedRecord",
    "ClaimChange",
    "ClaimEntry",
    "ClaimFlag",
    "CommentCorrection",
    "Confidence",
    "CrossrefNotice",
    "CrossrefWork",
    "DateWindow",
    "Design",
    "Dose",
    "Drug",
    "Evidence",
    "EvidenceSource",
    "Harm",
    "Intervention",
    "LinkMethod",
    "Lookup",
    "MeshHeading",
    "NoticeKind",
    "OaKind",
    "OpenAccessLocation",
    "Paper",
    "PaperChange",
    "PartialDate",
    "Preprint",
    "PreprintLink",
    "Reference",
    "Regimen",
    "RelatedPassage",
    "SafetySignal",
    "SearchResult",
    "Setting",
    "Source",
    "SourceOutage",
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
    "claim_anchor",
    "date_end",
]
