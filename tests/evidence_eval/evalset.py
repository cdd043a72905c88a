"""Labelled evaluation set for the text classifier, built from every real recorded PubMed record.

The labels come from NLM's own indexing (publication types and MeSH), mapped to littrack's designs by the
explicit table ``LABEL_RULES`` below (first matching rule wins). The classifier is then run with
``use_indexing=False``, so it sees only the title and abstract, and precision / recall are computed per class.

Records whose indexing says nothing are labelled only when they are fully indexed (status MEDLINE): NLM
would have tagged a trial, review or case report, so they are "other". Not-yet-indexed or publisher-only
records with no informative type have no trustworthy label and are left out.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from littrack.eutils.pubmed_xml import iter_papers
from littrack.evidence.classify import DESIGNS, MESH_IN_VITRO, PT_TRIAL, classify
from littrack.models import Paper
from littrack.replay import recorded_path

PUBMED = recorded_path("pubmed")


def _pt(*types: str) -> Callable[[Paper], bool]:
    return lambda p: bool(set(p.publication_types) & set(types))


def _mesh(p: Paper) -> set[str]:
    return {m.descriptor for m in p.mesh}


def _animals_only(p: Paper) -> bool:
    return "Animals" in _mesh(p) and "Humans" not in _mesh(p)


_REVIEW_OR_OPINION = (
    "Review",
    "Scoping Review",
    "Editorial",
    "Letter",
    "Comment",
    "News",
    "Newspaper Article",
    "Interview",
)
_OBSERVATIONAL_MESH = {
    "Cohort Studies",
    "Retrospective Studies",
    "Prospective Studies",
    "Case-Control Studies",
    "Cross-Sectional Studies",
    "Longitudinal Studies",
}
# The label for cell-culture work uses the same MeSH list as the classifier's indexed path: one list to keep.
_IN_VITRO_MESH = MESH_IN_VITRO

# (label, what the rule says, predicate), first match wins.
LABEL_RULES: tuple[tuple[str, str, Callable[[Paper], bool]], ...] = (
    (
        "notice",
        "PT Published Erratum | Retraction of Publication | Expression of Concern",
        _pt("Published Erratum", "Retraction of Publication", "Expression of Concern"),
    ),
    (
        "systematic_review",
        "PT Systematic Review | Meta-Analysis | Network Meta-Analysis",
        _pt("Systematic Review", "Meta-Analysis", "Network Meta-Analysis"),
    ),
    (
        "guideline",
        "PT Guideline | Practice Guideline | Consensus Development Conference[, NIH]",
        _pt(
            "Guideline",
            "Practice Guideline",
            "Consensus Development Conference",
            "Consensus Development Conference, NIH",
        ),
    ),
    ("protocol", "PT Clinical Trial Protocol", _pt("Clinical Trial Protocol")),
    (
        "preclinical",
        "MeSH Animals without MeSH Humans, and PT not a review/editorial/letter/comment/news",
        lambda p: _animals_only(p) and not _pt(*_REVIEW_OR_OPINION)(p),
    ),
    ("rct", "PT Randomized Controlled Trial", _pt("Randomized Controlled Trial")),
    (
        "clinical_trial",
        "PT Clinical Trial[, Phase I-IV] | Controlled / Pragmatic / Adaptive Clinical Trial | Equivalence Trial",
        _pt(*sorted(PT_TRIAL)),  # the same list the classifier's indexed path uses
    ),
    ("case_report", "PT Case Reports", _pt("Case Reports")),
    (
        "observational",
        "PT Observational Study, or MeSH Humans + Cohort / Retrospective / Prospective / "
        "Case-Control / Cross-Sectional / Longitudinal Studies",
        lambda p: _pt("Observational Study")(p) or ("Humans" in _mesh(p) and bool(_mesh(p) & _OBSERVATIONAL_MESH)),
    ),
    (
        "preclinical",
        "MeSH cell-culture descriptor (In Vitro Techniques, Cells Cultured, Cell Line[, Tumor, "
        "Transformed], named cell lines), PT not a review/editorial/letter/comment/news",
        lambda p: bool(_mesh(p) & _IN_VITRO_MESH) and not _pt(*_REVIEW_OR_OPINION)(p),
    ),
    ("narrative_review", "PT Review | Scoping Review", _pt("Review", "Scoping Review")),
    (
        "editorial",
        "PT Editorial | Letter | Comment | News | Newspaper Article | Interview",
        _pt("Editorial", "Letter", "Comment", "News", "Newspaper Article", "Interview"),
    ),
    ("other", "none of the above and Status MEDLINE (fully indexed)", lambda p: p.status == "MEDLINE"),
)


def label(paper: Paper) -> str | None:
    """The design NLM's indexing implies, or None when the record carries no trustworthy label."""
    for name, _, rule in LABEL_RULES:
        if rule(paper):
            return name
    return None


@cache
def load_corpus(root: Path = PUBMED) -> tuple[Paper, ...]:
    """Every distinct PubMed record (by PMID) in the recorded XML bodies, in PMID order."""
    papers: dict[int, Paper] = {}
    for path in sorted(root.rglob("*.xml")):
        data = path.read_bytes()
        if b"<PubmedArticle" not in data and b"<PubmedBookArticle" not in data:
            continue
        for paper in iter_papers(data):
            papers.setdefault(paper.pmid, paper)
    return tuple(papers[k] for k in sorted(papers))


@dataclasses.dataclass(frozen=True)
class ClassScore:
    design: str
    support: int  # labelled records of this class
    predicted: int  # records the text classifier put in this class
    correct: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.correct / self.support if self.support else None


@dataclasses.dataclass(frozen=True)
class Evaluation:
    records: int  # distinct records in the corpus
    labelled: int  # records with a trustworthy label
    scores: tuple[ClassScore, ...]
    confusions: tuple[tuple[int, str, str, str], ...]  # (pmid, label, predicted, title) where they differ


def evaluate(papers: Iterable[Paper]) -> Evaluation:
    """Run the text-only classifier on the labelled records and score it per class."""
    pairs = []
    confusions = []
    total = 0
    for paper in papers:
        total += 1
        truth = label(paper)
        if truth is None:
            continue
        predicted = classify(paper, use_indexing=False).design
        pairs.append((truth, predicted))
        if truth != predicted:
            confusions.append((paper.pmid, truth, predicted, paper.title_plain[:90]))
    support = Counter(t for t, _ in pairs)
    guessed = Counter(p for _, p in pairs)
    correct = Counter(t for t, p in pairs if t == p)
    scores = tuple(ClassScore(d, support[d], guessed[d], correct[d]) for d in DESIGNS)
    return Evaluation(total, len(pairs), scores, tuple(confusions))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def table(evaluation: Evaluation) -> str:
    """The per-class figures as a Markdown table."""
    lines = [
        "| design | labelled | predicted | correct | precision | recall |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for s in evaluation.scores:
        lines.append(
            f"| {s.design} | {s.support} | {s.predicted} | {s.correct} | {_pct(s.precision)} | {_pct(s.recall)} |"
        )
    return "\n".join(lines)
