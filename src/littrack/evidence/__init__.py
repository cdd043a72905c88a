"""What kind of evidence a paper is, the details a clinician looks for, ranking and corrections.

Pure functions over frozen records: :class:`littrack.models.Paper` in, :class:`littrack.models.Evidence`
(with its :class:`littrack.models.StudyDetails`) and :class:`littrack.models.PaperChange` out. No network,
no store, no templates. Modules: ``classify`` (combines), ``indexed`` (publication types, MeSH),
``text_design`` (title/abstract rules), ``subjects`` (human / animal / in vitro), ``details`` (the
StudyDetails record and its chips) with ``sample``, ``numbers``, ``dosing``, ``setting``, ``summary``;
``rank``; ``corrections``.
"""

from littrack.evidence.classify import DESIGNS, classify, classify_all
from littrack.evidence.corrections import detect_changes, is_retracted
from littrack.evidence.details import extract_details, sample_size
from littrack.evidence.rank import rank_key

__all__ = [
    "DESIGNS",
    "classify",
    "classify_all",
    "detect_changes",
    "extract_details",
    "is_retracted",
    "rank_key",
    "sample_size",
]
