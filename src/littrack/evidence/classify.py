"""Study design and evidence tier of one paper, from PubMed indexing or, failing that, its title and abstract.

Precision first: a wrong "RCT" badge misleads a clinician more than an honest "other", so every text rule
needs an explicit cue and anything ambiguous stays "other". Indexing (publication types, MeSH) decides
whenever it says something informative. When it says nothing, the title/abstract rules decide ("from
text"), except that a fully indexed MEDLINE record is never called a trial, systematic review, case
report or protocol from text: NLM indexers would have tagged those.

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

import re
from collections.abc import Iterable

from littrack.evidence.details import extract_details, sample_size
from littrack.models import Design, Evidence, EvidenceSource, Paper

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

INDEXED = EvidenceSource.INDEXED
FROM_TEXT = EvidenceSource.FROM_TEXT

# --- indexing -------------------------------------------------------------------------------------

_PT_NOTICE = {"Published Erratum", "Retraction of Publication", "Expression of Concern"}
_PT_SYSTEMATIC = {"Systematic Review", "Meta-Analysis", "Network Meta-Analysis"}
_PT_GUIDELINE = {
    "Guideline",
    "Practice Guideline",
    "Consensus Development Conference",
    "Consensus Development Conference, NIH",
}
_PT_PROTOCOL = {"Clinical Trial Protocol"}
_PT_RCT = {"Randomized Controlled Trial"}
PT_TRIAL = {
    "Clinical Trial",
    "Clinical Trial, Phase I",
    "Clinical Trial, Phase II",
    "Clinical Trial, Phase III",
    "Clinical Trial, Phase IV",
    "Controlled Clinical Trial",
    "Pragmatic Clinical Trial",
    "Equivalence Trial",
    "Adaptive Clinical Trial",
}
_PT_CASE = {"Case Reports"}
_PT_OBSERVATIONAL = {"Observational Study"}
_PT_REVIEW = {"Review", "Scoping Review"}
_PT_EDITORIAL = {"Editorial", "Letter", "Comment", "News", "Newspaper Article", "Interview"}
# MeSH "study design" descriptors NLM assigns to observational research on people.
_MESH_OBSERVATIONAL = {
    "Cohort Studies",
    "Retrospective Studies",
    "Prospective Studies",
    "Case-Control Studies",
    "Cross-Sectional Studies",
    "Longitudinal Studies",
}


# Cell-culture descriptors: laboratory work even when the cells are human (NLM then adds "Humans").
MESH_IN_VITRO = {
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


def _indexed_design(paper: Paper) -> str | None:
    """The design the publication types / MeSH imply, or None when they say nothing informative."""
    pts = set(paper.publication_types)
    mesh = {m.descriptor for m in paper.mesh}
    animals_only = "Animals" in mesh and "Humans" not in mesh
    if pts & _PT_NOTICE:
        return "notice"
    if pts & _PT_SYSTEMATIC:
        return "systematic_review"
    if pts & _PT_GUIDELINE:
        return "guideline"
    if pts & _PT_PROTOCOL:
        return "protocol"
    if animals_only and not pts & (_PT_REVIEW | _PT_EDITORIAL):
        return "preclinical"
    if pts & _PT_RCT:
        return "rct"
    if pts & PT_TRIAL:
        return "clinical_trial"
    if pts & _PT_CASE:
        return "case_report"
    if pts & _PT_OBSERVATIONAL or ("Humans" in mesh and mesh & _MESH_OBSERVATIONAL):
        return "observational"
    if mesh & MESH_IN_VITRO and not pts & (_PT_REVIEW | _PT_EDITORIAL):
        return "preclinical"
    if pts & _PT_REVIEW:
        return "narrative_review"
    if pts & _PT_EDITORIAL:
        return "editorial"
    return None


_INDEXERS_TAG = frozenset({"rct", "clinical_trial", "systematic_review", "case_report", "protocol"})


def _indexed_human(paper: Paper) -> bool | None:
    mesh = {m.descriptor for m in paper.mesh}
    if "Humans" in mesh:
        return True
    if "Animals" in mesh:
        return False
    return None


# --- text -----------------------------------------------------------------------------------------


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.MULTILINE)


_NOTICE_TITLE = _rx(
    r"^\s*(?:erratum|corrigendum|addendum)\b"
    r"|^\s*corrections?\s*(?:[.:]|to\b|for\b|of article\b|$)"
    r"|^\s*(?:retraction(?: note| notice| statement)?|notice of retraction|withdrawal)\s*(?:[.:]|to\b|for\b|$)"
    r"|^\s*expression of concern\b"
)
_SYSTEMATIC = _rx(
    r"\b(?:systematic(?:al)? (?:literature )?review|meta-?analy[sz][ie]s|meta-regression|umbrella review)"
)
_SYSTEMATIC_ABSTRACT = _rx(
    r"\b(?:we|this study|authors?) (?:conducted|performed|undertook|carried out|present) an? "
    r"(?:updated )?(?:systematic review|meta-analysis)"
    r"|\bwe (?:systematically )?searched (?:the )?(?:\w+ ){0,3}(?:medline|pubmed|embase|cochrane|web of science|"
    r"scopus|cinahl|psycinfo|electronic|databases?|literature)"
    r"|^(?:search (?:strategy|methods)|selection criteria|data sources|data collection and analysis)\s*:"
)
_PROTOCOL_TITLE = _rx(r"\bprotocol\b")
_PROTOCOL_OF = _rx(r"\b(?:trial|review|study|meta-analysis)\b")
_FUTURE = _rx(r"\bwill (?:be|receive|undergo|include|assess|evaluate|compare|investigate|provide)\b")
_GUIDELINE = _rx(
    r"\b(?:clinical practice guidelines?|practice guidelines?|clinical guidelines?|consensus (?:statement|guidelines?|"
    r"recommendations?)|position (?:statement|paper)|expert consensus|guidelines? (?:for|on) the (?:management|"
    r"treatment|diagnosis))\b"
)
_RANDOMIZED = r"randomi[sz]ed"
_RCT_TITLE = _rx(
    rf"\b{_RANDOMIZED}\b[^.:;]{{0,80}}\btrial\b|\b{_RANDOMIZED},? (?:double|single|triple)[- ]blind"
    rf"|\b{_RANDOMIZED},? placebo[- ]controlled|\bRCT\b"
)
_RCT_ACTION = _rx(
    r"\b(?:were|was|been|being) (?:randomi[sz]ed|randomly (?:assigned|allocated|divided))"
    r"|\bwe (?:randomi[sz]ed|randomly (?:assigned|allocated))\b"
    r"|\brandomi[sz]ed (?:\d+|[a-z]+) (?:patients|participants|subjects|adults|volunteers)"
    r"|\b(?:in|this|a|our) (?:(?:prospective|multicent(?:er|re)|pilot|phase [0-9iv/]+|single[- ]cent(?:er|re)|"
    r"double[- ]blind(?:ed)?|placebo[- ]controlled|parallel[- ]group|crossover|cross-over),? )*"
    r"randomi[sz]ed[^.]{0,60}\btrial\b"
    r"|\bdesign\s*:?\s*(?:a )?(?:prospective,? )?(?:double[- ]blind(?:ed)?,? )?randomi[sz]ed"
)
_RCT_CONFIRM = _rx(r"\b(?:placebo|double[- ]blind|single[- ]blind|triple[- ]blind|trial|sham)")
_SECONDARY = _rx(
    r"\b(?:secondary|post[- ]hoc|exploratory|pooled) analys[ie]s\b|\bsub-?stud(?:y|ies)\b|\blong[- ]term follow[- ]up\b"
)
_TRIAL_TITLE = _rx(
    r"\b(?:phase\s+(?:i{1,3}|iv|[1-4])(?:[ab])?(?:/(?:i{1,3}|[1-4]))?|open[- ]label|single[- ]arm|"
    r"non-?randomi[sz]ed|uncontrolled)\b[^.:;]{0,40}\b(?:trial|study)\b|\bpilot (?:clinical )?trial\b"
)
_TRIAL_ABSTRACT = _rx(
    r"\b(?:in this|this|an|a) (?:prospective,? )?"
    r"(?:open[- ]label|single[- ]arm|non-?randomi[sz]ed|phase (?:i{1,3}|iv|[1-4]))[^.]{0,40}\btrial\b"
)
_CASE_TITLE = _rx(
    r"\bcase (?:report|series|study and review)\b|\ba (?:rare |unusual |novel |fatal |first )?case of\b"
    r"|\breport of (?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|\d+) (?:\w+ )?cases?\b"
    r"|:\s*(?:a )?case(?![- ]control)\b"
)
_CASE_ABSTRACT = _rx(
    r"\bwe (?:report|describe|present|discuss) (?:a|an|the|two|three|four|five|\d+) (?:\w+[- ]){0,3}"
    r"(?:case|cases|patient|patients|man|woman|boy|girl|child|infant)\b"
    r"|\b(?:a|an) \d{1,3}[- ]year[- ]old (?:\w+ ){0,2}"
    r"(?:man|woman|male|female|boy|girl|patient|child|infant|lady|gentleman)\b"
    r"|\bthis case (?:report|illustrates|highlights|demonstrates)\b"
)
_OBS_TITLE = _rx(
    r"\b(?:cohort|retrospective|cross[- ]sectional|case[- ]control|observational|registry|population[- ]based|"
    r"longitudinal study|nationwide|chart review|survey)\b"
)
_OBS_ABSTRACT = _rx(
    r"\b(?:retrospective(?:ly)? (?:cohort|study|analysis|review|chart)|(?:prospective|retrospective|population-based|"
    r"birth|longitudinal) cohort|cohort study|cross[- ]sectional (?:study|survey|analysis)|case[- ]control study|"
    r"observational (?:study|cohort)|registry[- ]based|medical records? (?:of|were)|chart review)\b"
)
_REVIEW_TITLE = _rx(
    r"\b(?:review|overview|state of the art|state-of-the-art|an update|current concepts|current perspectives)\b"
)
_REVIEW_ABSTRACT = _rx(
    r"\b(?:this|the present|in this|our) (?:narrative |brief |mini[- ]|short |comprehensive |literature )?review\b"
    r"|\bwe (?:review|summari[sz]e|discuss) (?:the|current|recent)\b"
)
_EDITORIAL_TITLE = _rx(
    r"^\s*(?:editorial|letter|reply|in reply|comment|commentary|author'?s'? reply|authors'? response)\b"
    r"|^\s*re\s*:|^\s*response to (?:the )?(?:letter|comment|editorial|correspondence|\w+ et al)"
    r"|\bletter to the editor\b|^\s*(?:a )?comment on\b"
)
_LITERATURE_REVIEW = _rx(r"\b(?:and|with) (?:a )?(?:review of (?:the )?literature|literature review)\b")
_ANIMAL = _rx(
    r"\b(?:rats?|mice|mouse|murine|rodents?|rabbits?|dogs?|canine|cats?|feline|pigs?|piglets?|porcine|swine|"
    r"sheep|ovine|monkeys?|macaques?|primates?|zebrafish|drosophila|guinea pigs?|hamsters?|animal models?|"
    r"sprague[- ]dawley|wistar|c57bl/6|in vivo)\b"
)
_IN_VITRO = _rx(r"\b(?:in vitro|cell lines?|cultured (?:\w+ )?cells|cell cultures?)\b")
_HUMAN = _rx(
    r"\b(?:patients?|participants?|volunteers?|women|men|children|adolescents|adults|infants|inpatients|"
    r"outpatients|veterans|clinicians|physicians|nurses|pregnan\w+|humans? subjects?)\b"
)


def _text_design(title: str, abstract: str) -> str:
    """The design the title and abstract imply; "other" unless a rule is confident."""
    text = f"{title}\n{abstract}"
    if _NOTICE_TITLE.search(title):
        return "notice"
    if _PROTOCOL_TITLE.search(title) and _PROTOCOL_OF.search(title) and (not abstract or _FUTURE.search(abstract)):
        return "protocol"
    if _SYSTEMATIC.search(title) or _SYSTEMATIC_ABSTRACT.search(abstract):
        return "systematic_review"
    if _GUIDELINE.search(title):
        return "guideline"
    if _EDITORIAL_TITLE.search(title):
        return "editorial"
    if _CASE_TITLE.search(title) or (_LITERATURE_REVIEW.search(title) and _CASE_ABSTRACT.search(abstract)):
        return "case_report"
    if _REVIEW_TITLE.search(title) or _REVIEW_ABSTRACT.search(abstract):
        return "narrative_review"
    human = bool(_HUMAN.search(text))
    if not human and (_ANIMAL.search(text) or _IN_VITRO.search(text)):
        return "preclinical"
    if human and not _SECONDARY.search(title):
        randomized = _RCT_TITLE.search(title) or _RCT_ACTION.search(abstract)
        if randomized and _RCT_CONFIRM.search(text) and not _ANIMAL.search(title):
            return "rct"
    if _CASE_ABSTRACT.search(abstract):
        return "case_report"
    if human and (_TRIAL_TITLE.search(title) or _TRIAL_ABSTRACT.search(abstract)):
        return "clinical_trial"
    if human and (_OBS_TITLE.search(title) or _OBS_ABSTRACT.search(abstract)):
        return "observational"
    return "other"


def _text_human(design: str, text: str) -> bool | None:
    if design == "preclinical":
        return False
    return True if _HUMAN.search(text) else None


# --- public ---------------------------------------------------------------------------------------


def classify(paper: Paper, *, use_indexing: bool = True) -> Evidence:
    """Classify ``paper``'s study design, with its tier, deciding source and detail chips.

    ``use_indexing=False`` hides publication types and MeSH (used to measure the text rules).
    """
    title, abstract = paper.title_plain, paper.abstract_plain
    design: str | None = None
    source: EvidenceSource = INDEXED
    human: bool | None = None
    if use_indexing:
        design = _indexed_design(paper)
        human = _indexed_human(paper)
    if design is None:
        design, source = _text_design(title, abstract), FROM_TEXT
        # A MEDLINE record is fully indexed: NLM would have tagged a trial, systematic review, case
        # report or protocol, so the text may not claim one; it may still spot e.g. an untagged guideline.
        if use_indexing and paper.status == "MEDLINE" and design in _INDEXERS_TAG:
            design, source = "other", INDEXED
        elif human is None or design == "preclinical":
            human = _text_human(design, f"{title}\n{abstract}")
    elif design == "preclinical":
        human = False
    label, tier = DESIGNS[design]
    return Evidence(
        design=Design(design),
        label=label,
        tier=tier,
        source=EvidenceSource(source),
        human=human,
        chips=extract_details(paper),
        sample_size=sample_size(paper),
    )


def classify_all(papers: Iterable[Paper], *, use_indexing: bool = True) -> dict[int, Evidence]:
    """Classify many papers, keyed by PMID."""
    return {p.pmid: classify(p, use_indexing=use_indexing) for p in papers}
