"""Quality gate: the text classifier's precision on the labelled recorded set must not regress.

Floors are the figures measured in tests/evidence_eval/RESULTS.md minus a small margin. Labels come from
NLM indexing; the classifier sees only title and abstract (use_indexing=False).
"""

from __future__ import annotations

import pytest

from evidence_eval.evalset import Evaluation, evaluate, label, load_corpus
from littrack.evidence.classify import DESIGNS, classify

MARGIN = 0.05
MEASURED_PRECISION = {"rct": 1.00, "systematic_review": 0.62, "case_report": 0.91, "preclinical": 0.91}


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(load_corpus())


def test_eval_set_covers_every_recorded_pubmed_record(evaluation: Evaluation) -> None:
    assert evaluation.records >= 680
    assert evaluation.labelled >= 600


@pytest.mark.parametrize("design", sorted(MEASURED_PRECISION))
def test_text_classifier_precision_does_not_regress(evaluation: Evaluation, design: str) -> None:
    score = next(s for s in evaluation.scores if s.design == design)
    assert score.predicted > 0, f"the text rules no longer predict {design} at all"
    assert score.precision is not None
    assert score.precision >= MEASURED_PRECISION[design] - MARGIN


def test_labels_use_every_design_key_known_to_the_classifier() -> None:
    papers = load_corpus()
    assert {label(p) for p in papers} - {None} <= set(DESIGNS)


def test_indexed_classification_agrees_with_the_labels(evaluation: Evaluation) -> None:
    # The indexed path and the label table are written separately; they must say the same thing.
    disagreements = [
        p.pmid for p in load_corpus() if (truth := label(p)) not in (None, "other") and classify(p).design != truth
    ]
    assert disagreements == []
