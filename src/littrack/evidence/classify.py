"""Study design and evidence tier of one paper: NLM's indexing, the paper's own text, and who it studied.

Precision first: a wrong "RCT" badge misleads a clinician more than an honest "other", so every text rule
needs an explicit cue and anything ambiguous stays "other" (:mod:`.text_design`). Indexing decides whenever
it says something informative (:mod:`.indexed`), with three corrections from the text:

- Animal and in-vitro work is preclinical whatever MeSH or the introduction says, unless the study itself
  has human participants (:mod:`.subjects` says how that is read). So a rat study indexed with both Humans
  and Animals, or an in-vitro assay indexed "Case Reports", is preclinical, and an animal-only MeSH record
  whose abstract reports people is not.
- When indexing and the abstract name different designs, both are kept ("PubMed: Meta-Analysis · abstract:
  narrative review") and the paper ranks by the weaker. Rewording of the same design (RCT / clinical trial)
  is not a disagreement; nor is an abstract that says nothing ("other").
- A fully indexed MEDLINE record is never called a trial, systematic review, case report or protocol from
  text alone: NLM indexers would have tagged those.

Tiers (1 = read first):

==================  ====  ==========================================================
design              tier  why
==================  ====  ==========================================================
systematic_review   1     pooled evidence
rct                 1     strongest single-study design
guideline           2     synthesised recommendations, usually built on tier 1
clinical_trial      3     prospective and interventional, but not randomized
observational       4     cohorts, case-control, cross-sectional, registries
case_report         5     single patients or small series
other               6     unknown design; kept above the clearly low tiers so a fresh,
                          not-yet-indexed primary study is not buried under letters
narrative_review    6     expert summary without a systematic search
preclinical         7     animal or in-vitro work
protocol            8     no results yet
editorial           8     editorials, letters, comments, news
notice              9     errata, retraction notices, expressions of concern
==================  ====  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterable

from littrack.evidence.details import chips, study_details
from littrack.evidence.indexed import PT_TRIAL, indexed_design, indexed_species
from littrack.evidence.text_design import explicit, text_design
from littrack.models import Design, Evidence, EvidenceSource, Paper, Subjects

__all__ = ["DESIGNS", "PT_TRIAL", "classify", "classify_all"]

DESIGNS: dict[str, tuple[str, int]] = {
    "systematic_review": ("Systematic review / meta-analysis", 1),
    "rct": ("Randomized controlled trial", 1),
    "guideline": ("Guideline", 2),
    "clinical_trial": ("Clinical trial (non-randomized)", 3),
    "observational": ("Observational study", 4),
    "case_report": ("Case report / series", 5),
    "other": ("Other", 6),
    "narrative_review": ("Narrative review", 6),
    "preclinical": ("Preclinical (animal / in vitro)", 7),
    "protocol": ("Protocol", 8),
    "editorial": ("Editorial / letter / comment", 8),
    "notice": ("Erratum / retraction notice", 9),
}

_INDEXERS_TAG = frozenset(
    {
        Design.RCT,
        Design.CLINICAL_TRIAL,
        Design.SYSTEMATIC_REVIEW,
        Design.CASE_REPORT,
        Design.PROTOCOL,
        Design.OBSERVATIONAL,
    }
)
# Designs about other papers or about no study: species and participants do not change them.
_NOT_A_STUDY = frozenset(
    {
        Design.NARRATIVE_REVIEW,
        Design.EDITORIAL,
        Design.NOTICE,
        Design.SYSTEMATIC_REVIEW,
        Design.GUIDELINE,
        Design.PROTOCOL,
    }
)
_SAME_DESIGN = ({Design.RCT, Design.CLINICAL_TRIAL},)


def _tier(design: Design) -> int:
    return DESIGNS[design][1]


def _with_subjects(design: Design, who: Subjects, species: str | None) -> tuple[Design, Subjects]:
    """Apply the preclinical rule (module docstring) to an indexed design."""
    if design in _NOT_A_STUDY:
        return design, who
    if who in (Subjects.ANIMAL, Subjects.IN_VITRO):
        return Design.PRECLINICAL, who
    if design == Design.PRECLINICAL:
        if who == Subjects.HUMAN:
            return Design.OTHER, who  # people took part: not preclinical, design unknown from MeSH alone
        return design, Subjects.IN_VITRO if species == "in vitro" else Subjects.ANIMAL
    if who == Subjects.UNKNOWN and species in ("human", "both"):
        return design, Subjects.HUMAN
    return design, who


def _disagrees(paper: Paper, indexed: Design, text: Design) -> bool:
    """True when the record itself names a design other than the indexed one (see :func:`.text_design.explicit`)."""
    if text == indexed or any({indexed, text} <= pair for pair in _SAME_DESIGN):
        return False
    return explicit(paper, text)


def classify(paper: Paper, *, use_indexing: bool = True) -> Evidence:
    """Classify ``paper``'s study design, with its tier, deciding source, details and chips.

    ``use_indexing=False`` hides publication types and MeSH (the text-only mode, used to measure it).
    """
    text, who = text_design(paper, publisher_types=use_indexing and not paper.indexed)
    found = indexed_design(paper) if use_indexing else None
    indexed_as: str | None = None
    text_design_kept: Design | None = None
    if found is not None:
        design, indexed_as = found
        design, who = _with_subjects(design, who, indexed_species(paper))
        source = EvidenceSource.INDEXED
        if _disagrees(paper, design, text):
            text_design_kept = text
            if _tier(text) > _tier(design):
                design = text
    else:
        design, source = text, EvidenceSource.FROM_TEXT
        if use_indexing and paper.status == "MEDLINE" and design in _INDEXERS_TAG:
            design, source = Design.OTHER, EvidenceSource.INDEXED
        if use_indexing and who == Subjects.UNKNOWN and indexed_species(paper) in ("human", "both"):
            who = Subjects.HUMAN
    details = study_details(paper, who)
    label, tier = DESIGNS[design]
    if text_design_kept is not None:
        tier = max(_tier(text_design_kept), _tier(found[0]) if found else tier)
    return Evidence(
        design=Design(design),
        label=label,
        tier=tier,
        source=source,
        human=False if design == Design.PRECLINICAL else (True if who == Subjects.HUMAN else None),
        chips=chips(details),
        sample_size=details.sample_size,
        details=details,
        indexed_as=indexed_as if text_design_kept is not None or source == EvidenceSource.INDEXED else None,
        text_design=text_design_kept,
        text_label=DESIGNS[text_design_kept][0] if text_design_kept else None,
        automated=source == EvidenceSource.INDEXED and paper.indexing_method == "Automated",
    )


def classify_all(papers: Iterable[Paper], *, use_indexing: bool = True) -> dict[int, Evidence]:
    """Classify many papers, keyed by PMID."""
    return {p.pmid: classify(p, use_indexing=use_indexing) for p in papers}
