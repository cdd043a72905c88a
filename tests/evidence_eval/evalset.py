"""NLM-gold evaluation set for the text-only classifier, from every real PubMed record in the recorded tree.

Gold labels come from NLM's own indexing (publication types and MeSH), mapped to littrack's designs by the
explicit table ``LABEL_RULES`` (first matching rule wins). The classifier then runs with ``use_indexing=False``:
it sees the title, abstract, journal, pagination, year and CommentsCorrections, never MeSH or the types.

The set is split once and for all by a hash of the PMID (``held_out``): rules are tuned on the development
part only, and the held-out part is reported separately. Records whose indexing says nothing are labelled
only when fully indexed (status MEDLINE: NLM would have tagged a trial, review or case report, so "other");
not-yet-indexed records have no trustworthy label and are left out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

from littrack.eutils.pubmed_xml import iter_papers
from littrack.evidence.classify import DESIGNS, classify
from littrack.evidence.indexed import MESH_IN_VITRO, MESH_OBSERVATIONAL, PT_TRIAL
from littrack.models import Paper
from littrack.replay import recorded_path

PUBMED = recorded_path("pubmed")
HELD_OUT_SHARE = 3  # in 10: about 30 % of records are held out


def held_out(pmid: int) -> bool:
    """True for the fixed held-out part (never used to tune a rule)."""
    return hashlib.sha256(f"littrack-evidence-{pmid}".encode()).digest()[0] % 10 < HELD_OUT_SHARE


def _pt(*types: str) -> Callable[[Paper], bool]:
    return lambda p: bool(set(p.publication_types) & set(types))


def _mesh(p: Paper) -> set[str]:
    return {m.descriptor for m in p.mesh}


def _animals_only(p: Paper) -> bool:
    return "Animals" in _mesh(p) and "Humans" not in _mesh(p)


_OPINION = ("Editorial", "Letter", "Comment", "News", "Newspaper Article", "Interview")
_REVIEW_OR_OPINION = ("Review", "Scoping Review", *_OPINION)

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
        _pt(*PT_TRIAL),
    ),
    ("case_report", "PT Case Reports", _pt("Case Reports")),
    ("observational", "PT Observational Study", _pt("Observational Study")),
    (
        "editorial",
        "PT Editorial | Letter | Comment | News | Newspaper Article | Interview (before any MeSH-derived design: "
        "the MeSH of a letter may describe the paper it discusses)",
        _pt(*_OPINION),
    ),
    (
        "narrative_review",
        "PT Review | Scoping Review (before MeSH study-design descriptors: on a review they describe the studies "
        "it reviews)",
        _pt("Review", "Scoping Review"),
    ),
    (
        "observational",
        "MeSH Humans + a descriptor of MeSH's Epidemiologic Studies branch (Cohort / Follow-Up / Longitudinal / "
        "Prospective / Retrospective / Case-Control / Cross-Sectional / Seroepidemiologic / Epidemiologic Studies, "
        "Controlled Before-After Studies, Interrupted Time Series Analysis, Historically Controlled Study)",
        lambda p: "Humans" in _mesh(p) and bool(_mesh(p) & MESH_OBSERVATIONAL),
    ),
    (
        "preclinical",
        "MeSH cell-culture descriptor (In Vitro Techniques, Cells Cultured, Cell Line[, Tumor, Transformed], "
        "named cell lines), PT not a review",
        lambda p: bool(_mesh(p) & MESH_IN_VITRO) and not _pt("Review", "Scoping Review")(p),
    ),
    (
        "other",
        "none of the above, Status MEDLINE (fully indexed), and MeSH not both Humans and Animals (that pair says "
        "nothing about whether the study itself is preclinical: no trustworthy label)",
        lambda p: p.status == "MEDLINE" and not {"Humans", "Animals"} <= _mesh(p),
    ),
)
# The first pass's table (its figures are reported beside the current ones, RESULTS.md): MeSH observational
# before PT Review, six cohort / case-control / cross-sectional descriptors only, and "other" also for records
# whose MeSH lists both Humans and Animals.
_FIRST_PASS_MESH_OBSERVATIONAL = frozenset(
    {
        "Cohort Studies",
        "Retrospective Studies",
        "Prospective Studies",
        "Case-Control Studies",
        "Cross-Sectional Studies",
        "Longitudinal Studies",
    }
)
FIRST_PASS_LABEL_RULES: tuple[tuple[str, str, Callable[[Paper], bool]], ...] = (
    *LABEL_RULES[: [name for name, _, _ in LABEL_RULES].index("narrative_review")],
    (
        "observational",
        "MeSH Humans + Cohort / Retrospective / Prospective / Case-Control / Cross-Sectional / Longitudinal Studies",
        lambda p: "Humans" in _mesh(p) and bool(_mesh(p) & _FIRST_PASS_MESH_OBSERVATIONAL),
    ),
    LABEL_RULES[-2],
    ("narrative_review", "PT Review | Scoping Review", _pt("Review", "Scoping Review")),
    ("other", "none of the above and Status MEDLINE (fully indexed)", lambda p: p.status == "MEDLINE"),
)


def first_pass_label(paper: Paper) -> str | None:
    """The label by the first pass's table (to report figures with the old mapping too)."""
    return label(paper, FIRST_PASS_LABEL_RULES)


def label(paper: Paper, rules: tuple[tuple[str, str, Callable[[Paper], bool]], ...] = LABEL_RULES) -> str | None:
    """The design NLM's indexing implies (by ``rules``), or None when the record carries no trustworthy label."""
    for name, _, rule in rules:
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


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float] | None:
    """95 % Wilson score interval of k successes in n trials (None when n is 0)."""
    if n == 0:
        return None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


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
    name: str
    records: int  # distinct records in the corpus part
    labelled: int  # records with a trustworthy label
    correct: int
    scores: tuple[ClassScore, ...]
    confusions: tuple[tuple[int, str, str, str], ...]  # (pmid, label, predicted, title) where they differ

    @property
    def accuracy(self) -> float:
        return self.correct / self.labelled if self.labelled else 0.0

    def score(self, design: str) -> ClassScore:
        return next(s for s in self.scores if s.design == design)


def evaluate(
    papers: Iterable[Paper], name: str = "all", labeller: Callable[[Paper], str | None] | None = None
) -> Evaluation:
    """Run the text-only classifier on the labelled records and score it per class (gold: ``labeller``, by
    default :func:`label`)."""
    labeller = labeller or label
    pairs = []
    confusions = []
    total = 0
    for paper in papers:
        total += 1
        truth = labeller(paper)
        if truth is None:
            continue
        predicted = _text_design(paper)
        pairs.append((truth, predicted))
        if truth != predicted:
            confusions.append((paper.pmid, truth, predicted, paper.title_plain[:90]))
    support = Counter(t for t, _ in pairs)
    guessed = Counter(p for _, p in pairs)
    correct = Counter(t for t, p in pairs if t == p)
    scores = tuple(ClassScore(d, support[d], guessed[d], correct[d]) for d in DESIGNS)
    return Evaluation(name, total, len(pairs), sum(correct.values()), scores, tuple(confusions))


@cache
def _text_design(paper: Paper) -> str:
    """The text-only design, computed once per record (the sets and label tables share the records)."""
    return str(classify(paper, use_indexing=False).design)


def split(papers: Iterable[Paper]) -> tuple[tuple[Paper, ...], tuple[Paper, ...]]:
    """(development, held-out) parts of ``papers`` by :func:`held_out`."""
    papers = tuple(papers)
    return tuple(p for p in papers if not held_out(p.pmid)), tuple(p for p in papers if held_out(p.pmid))


def _ratio(k: int, n: int) -> str:
    if n == 0:
        return "–"
    low, high = wilson(k, n) or (0.0, 0.0)
    return f"{k}/{n} = {k / n:.2f} ({low:.2f}–{high:.2f})"


def table(evaluation: Evaluation) -> str:
    """Per-class precision and recall with 95 % Wilson intervals, as a Markdown table."""
    lines = [
        f"**{evaluation.name}**: {evaluation.labelled} labelled of {evaluation.records} records; accuracy "
        f"{_ratio(evaluation.correct, evaluation.labelled)}",
        "",
        "| design | labelled | predicted | precision (95% CI) | recall (95% CI) |",
        "|---|---:|---:|---|---|",
    ]
    for s in evaluation.scores:
        if s.support or s.predicted:
            lines.append(
                f"| {s.design} | {s.support} | {s.predicted} | {_ratio(s.correct, s.predicted)} | "
                f"{_ratio(s.correct, s.support)} |"
            )
    return "\n".join(lines)
