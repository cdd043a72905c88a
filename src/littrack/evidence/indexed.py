"""The design NLM's indexing states: publication types first, then MeSH study-design and species descriptors.

Returns the design with the PubMed term that decided it ("Meta-Analysis", "Letter", "MeSH Animals"), so a
disagreement with the abstract can be shown in PubMed's own words. Two rules protect the clinician:

- a Letter, Comment or Editorial never takes a design from MeSH (the MeSH of a letter often describes the
  paper it discusses): only its own publication types (Case Reports, Randomized Controlled Trial) beat it;
- species MeSH alone do not make a paper preclinical or human; :mod:`littrack.evidence.subjects` reads the
  study itself, and :mod:`littrack.evidence.classify` combines the two.
"""

from __future__ import annotations

from littrack.models import Design, Paper

PT_NOTICE = ("Published Erratum", "Retraction of Publication", "Expression of Concern")
PT_SYSTEMATIC = ("Systematic Review", "Meta-Analysis", "Network Meta-Analysis")
PT_GUIDELINE = (
    "Guideline",
    "Practice Guideline",
    "Consensus Development Conference",
    "Consensus Development Conference, NIH",
)
PT_PROTOCOL = ("Clinical Trial Protocol",)
PT_RCT = ("Randomized Controlled Trial",)
PT_TRIAL = (
    "Clinical Trial",
    "Clinical Trial, Phase I",
    "Clinical Trial, Phase II",
    "Clinical Trial, Phase III",
    "Clinical Trial, Phase IV",
    "Controlled Clinical Trial",
    "Pragmatic Clinical Trial",
    "Equivalence Trial",
    "Adaptive Clinical Trial",
)
PT_CASE = ("Case Reports",)
PT_OBSERVATIONAL = ("Observational Study",)
PT_REVIEW = ("Review", "Scoping Review")
PT_EDITORIAL = ("Editorial", "Letter", "Comment", "News", "Newspaper Article", "Interview")
# MeSH "study design" descriptors NLM assigns to observational research on people.
MESH_OBSERVATIONAL = frozenset(
    {
        "Cohort Studies",
        "Retrospective Studies",
        "Prospective Studies",
        "Case-Control Studies",
        "Cross-Sectional Studies",
        "Longitudinal Studies",
        # The rest of MeSH's "Epidemiologic Studies" branch (E05.318.372): Follow-Up Studies sits under Cohort
        # Studies beside Longitudinal / Prospective / Retrospective, so leaving it out was an inconsistency.
        "Follow-Up Studies",
        "Epidemiologic Studies",
        "Seroepidemiologic Studies",
        "Controlled Before-After Studies",
        "Interrupted Time Series Analysis",
        "Historically Controlled Study",
    }
)
# Cell-culture descriptors: laboratory work even when the cells are human (NLM then adds "Humans").
MESH_IN_VITRO = frozenset(
    {
        "In Vitro Techniques",
        "Cells, Cultured",
        "Cell Line",
        "Cell Line, Tumor",
        "Cell Line, Transformed",
        "HeLa Cells",
        "Hep G2 Cells",
        "HEK293 Cells",
        "MCF-7 Cells",
        "COS Cells",
        "CHO Cells",
        "Caco-2 Cells",
        "Jurkat Cells",
        "HL-60 Cells",
        "K562 Cells",
        "A549 Cells",
        "HT29 Cells",
        "PC12 Cells",
        "3T3 Cells",
        "Vero Cells",
    }
)

# (design, publication types), in order; the first type present decides.
_BY_TYPE: tuple[tuple[Design, tuple[str, ...]], ...] = (
    (Design.NOTICE, PT_NOTICE),
    (Design.SYSTEMATIC_REVIEW, PT_SYSTEMATIC),
    (Design.GUIDELINE, PT_GUIDELINE),
    (Design.PROTOCOL, PT_PROTOCOL),
)
_BY_OWN_DESIGN: tuple[tuple[Design, tuple[str, ...]], ...] = (
    (Design.RCT, PT_RCT),
    (Design.CLINICAL_TRIAL, PT_TRIAL),
    (Design.CASE_REPORT, PT_CASE),
    (Design.OBSERVATIONAL, PT_OBSERVATIONAL),
)


def mesh_set(paper: Paper) -> set[str]:
    return {m.descriptor for m in paper.mesh}


def indexed_species(paper: Paper) -> str | None:
    """'human', 'animal', 'in vitro', 'both' (Humans and Animals) or None, from MeSH alone."""
    mesh = mesh_set(paper)
    if mesh & MESH_IN_VITRO:
        return "in vitro"
    if "Humans" in mesh and "Animals" in mesh:
        return "both"
    if "Humans" in mesh:
        return "human"
    if "Animals" in mesh:
        return "animal"
    return None


def indexed_design(paper: Paper) -> tuple[Design, str] | None:
    """(design, the PubMed term that decided it), or None when the indexing says nothing informative.

    Species are not decided here: an animal-only record comes back as (PRECLINICAL, "MeSH Animals") only
    when no publication type says review, opinion or a human design.
    """
    pts = paper.publication_types
    for design, types in _BY_TYPE:
        if term := _first(pts, types):
            return design, term
    opinion = _first(pts, PT_EDITORIAL)
    review = _first(pts, PT_REVIEW)
    species = indexed_species(paper)
    if species == "animal" and not (opinion or review):
        return Design.PRECLINICAL, "MeSH Animals"
    for design, types in _BY_OWN_DESIGN:
        if term := _first(pts, types):
            return design, term
    if opinion:
        return Design.EDITORIAL, opinion
    # A Review's study-design MeSH describe the studies it reviews ("Prospective Studies" has no "as Topic"
    # form), so the publication type decides before them.
    if review:
        return Design.NARRATIVE_REVIEW, review
    mesh = mesh_set(paper)
    if species in ("human", "both") and mesh & MESH_OBSERVATIONAL:
        return Design.OBSERVATIONAL, "MeSH " + sorted(mesh & MESH_OBSERVATIONAL)[0]
    if species == "in vitro":
        return Design.PRECLINICAL, "MeSH " + sorted(mesh & MESH_IN_VITRO)[0]
    return None


def _first(present: tuple[str, ...], wanted: tuple[str, ...]) -> str | None:
    return next((t for t in wanted if t in present), None)
