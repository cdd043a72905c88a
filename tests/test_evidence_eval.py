"""Quality gate: issue 12's targets for the text-only classifier and the details, on real labelled records.

Design figures: NLM-gold labels from every recorded PubMed record, the classifier seeing no MeSH or
publication types (tests/evidence_eval/evalset.py). Details: the hand-labelled real abstracts
(tests/evidence_eval/hand_labels.yaml). A target this corpus does not reach yet is marked xfail (strict),
so the gate says so plainly and turns red the day it is reached without the mark being removed.
Figures with intervals: tests/evidence_eval/RESULTS.md.
"""

from __future__ import annotations

import pytest

from evidence_eval import details_eval
from evidence_eval.evalset import Evaluation, evaluate, label, load_corpus
from littrack.evidence.classify import DESIGNS
from littrack.evidence.indexed import indexed_design


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(load_corpus())


@pytest.fixture(scope="module")
def details() -> details_eval.DetailsScore:
    return details_eval.score()


def test_eval_set_covers_every_recorded_pubmed_record(evaluation: Evaluation) -> None:
    assert evaluation.records >= 680
    assert evaluation.labelled >= 600


def test_hand_labelled_set_has_at_least_sixty_real_abstracts_with_provenance() -> None:
    records = details_eval.hand_labels()
    assert len(records) >= 60
    assert all(r["file"] and r["repository"] and r["commit"] and r["licence"] for r in records)


def test_text_classifier_rct_precision_at_least_095_at_recall_080(evaluation: Evaluation) -> None:
    rct = evaluation.score("rct")
    assert rct.precision is not None and rct.precision >= 0.95
    assert rct.recall is not None and rct.recall >= 0.80


def test_text_classifier_systematic_review_precision_at_least_090(evaluation: Evaluation) -> None:
    sr = evaluation.score("systematic_review")
    assert sr.precision is not None and sr.precision >= 0.90


@pytest.mark.parametrize(
    "design",
    [
        "narrative_review",
        "editorial",
        pytest.param(
            "observational",
            marks=pytest.mark.xfail(strict=True, reason="0.56 on this corpus: see RESULTS.md (target 0.60)"),
        ),
    ],
)
def test_text_classifier_recall_at_least_060(evaluation: Evaluation, design: str) -> None:
    recall = evaluation.score(design).recall
    assert recall is not None and recall >= 0.60


@pytest.mark.xfail(strict=True, reason="0.77 on this corpus (toxicology-heavy): see RESULTS.md (target 0.80)")
def test_text_classifier_accuracy_at_least_080(evaluation: Evaluation) -> None:
    assert evaluation.accuracy >= 0.80


def test_shown_sample_size_is_correct_at_least_95_percent(details: details_eval.DetailsScore) -> None:
    value = details.n_correct_when_shown.value
    assert value is not None and value >= 0.95


@pytest.mark.xfail(strict=True, reason="0.74 on the hand-labelled set: see RESULTS.md (target 0.80)")
def test_a_sample_size_is_shown_for_at_least_80_percent_of_abstracts_that_state_one(
    details: details_eval.DetailsScore,
) -> None:
    value = details.n_shown_when_stated.value
    assert value is not None and value >= 0.80


def test_no_sample_size_is_shown_when_the_abstract_states_none(details: details_eval.DetailsScore) -> None:
    assert details.n_silent_when_not_stated.value == 1.0


def test_every_shown_dose_chip_is_bound_to_the_right_drug(details: details_eval.DetailsScore) -> None:
    assert details.dose_precision.value == 1.0


def test_labels_use_every_design_key_known_to_the_classifier() -> None:
    assert {label(p) for p in load_corpus()} - {None} <= set(DESIGNS)


def test_indexed_rules_agree_with_the_label_table() -> None:
    # The indexed rules and the label table are written separately; they must say the same thing (species
    # corrections from the text are applied later, in classify, and are tested on their own).
    disagreements = [
        p.pmid
        for p in load_corpus()
        if (truth := label(p)) not in (None, "other") and (found := indexed_design(p)) is not None and found[0] != truth
    ]
    assert disagreements == []
