"""Quality gate: issue 12's targets for the text-only classifier and the details, on real labelled records.

Design figures: NLM-gold labels from every recorded PubMed record, the classifier seeing no MeSH or
publication types (tests/evidence_eval/evalset.py). Details: the hand-labelled real abstracts
(tests/evidence_eval/hand_labels.yaml). A target this corpus does not reach yet is marked xfail (strict),
so the gate says so plainly and turns red the day it is reached without the mark being removed.
Figures with intervals: tests/evidence_eval/RESULTS.md.
"""

from __future__ import annotations

import pytest

from evidence_eval import details_eval, europepmc
from evidence_eval.evalset import Evaluation, evaluate, first_pass_label, label, load_corpus, split
from littrack.evidence.classify import DESIGNS
from littrack.evidence.indexed import indexed_design


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    return evaluate(load_corpus())


@pytest.fixture(scope="module")
def details() -> details_eval.DetailsScore:
    return details_eval.score()


@pytest.fixture(scope="module")
def sets() -> dict[str, Evaluation]:
    """Each set a target must hold on: the development and held-out parts, and the Europe PMC full records."""
    dev, held = split(load_corpus())
    return {
        "development": evaluate(dev, "development"),
        "held-out": evaluate(held, "held-out"),
        "europepmc": evaluate(europepmc.core_set(), "europepmc"),
    }


def test_eval_set_covers_every_recorded_pubmed_record(evaluation: Evaluation) -> None:
    assert evaluation.records >= 680
    # 607 until the label table stopped calling "other" the 25 records whose MeSH lists both Humans and Animals
    # (test below): their NLM label said nothing about whether the study itself is preclinical.
    assert evaluation.labelled >= 580


def test_only_records_with_both_humans_and_animals_mesh_lost_their_other_label() -> None:
    dropped = [p for p in load_corpus() if first_pass_label(p) is not None and label(p) is None]
    assert len(dropped) == 25
    assert all(
        first_pass_label(p) == "other" and {"Humans", "Animals"} <= {m.descriptor for m in p.mesh} for p in dropped
    )


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


@pytest.mark.parametrize("design", ["narrative_review", "editorial", "observational"])
def test_text_classifier_recall_at_least_060(evaluation: Evaluation, design: str) -> None:
    recall = evaluation.score(design).recall
    assert recall is not None and recall >= 0.60


@pytest.mark.parametrize(
    "part",
    [
        "development",
        pytest.param(
            "held-out",
            marks=pytest.mark.xfail(
                strict=True, reason="0/2 on the held-out part (2 observational records): see RESULTS.md (target 0.60)"
            ),
        ),
        "europepmc",
    ],
)
def test_text_classifier_observational_recall_at_least_060_on_each_set(sets: dict[str, Evaluation], part: str) -> None:
    recall = sets[part].score("observational").recall
    assert recall is not None and recall >= 0.60


def test_text_classifier_accuracy_at_least_080(evaluation: Evaluation) -> None:
    assert evaluation.accuracy >= 0.80


@pytest.mark.parametrize(
    "part",
    [
        "development",
        "held-out",
        pytest.param(
            "europepmc",
            marks=pytest.mark.xfail(
                strict=True,
                reason="13/21 = 0.62 (0.41-0.79) on the Europe PMC full records: see RESULTS.md (target 0.80)",
            ),
        ),
    ],
)
def test_text_classifier_accuracy_at_least_080_on_each_set(sets: dict[str, Evaluation], part: str) -> None:
    assert sets[part].accuracy >= 0.80


def test_shown_sample_size_is_correct_at_least_95_percent(details: details_eval.DetailsScore) -> None:
    value = details.n_correct_when_shown.value
    assert value is not None and value >= 0.95


def test_a_sample_size_is_shown_for_at_least_80_percent_of_abstracts_that_state_one(
    details: details_eval.DetailsScore,
) -> None:
    value = details.n_shown_when_stated.value
    assert value is not None and value >= 0.80


def test_no_sample_size_is_shown_when_the_abstract_states_none(details: details_eval.DetailsScore) -> None:
    assert details.n_silent_when_not_stated.value == 1.0


@pytest.fixture(scope="module")
def detail_sets(details: details_eval.DetailsScore) -> dict[str, details_eval.DetailsScore]:
    """The hand-labelled sets: the first pass's (tuned on), and the two labelled for the second pass."""
    return {
        "development": details,
        "held-out": details_eval.score(details_eval.HAND_LABELS_HELDOUT),
        "europepmc": details_eval.score(details_eval.HAND_LABELS_EUROPEPMC, europepmc.core_set()),
    }


_HELD_OUT_N = "see RESULTS.md (target 0.80): phrasings of a sample are long-tailed"


@pytest.mark.parametrize(
    "part",
    [
        "development",
        pytest.param("held-out", marks=pytest.mark.xfail(strict=True, reason=f"1/7 = 0.14 (0.03-0.51); {_HELD_OUT_N}")),
        pytest.param(
            "europepmc", marks=pytest.mark.xfail(strict=True, reason=f"5/9 = 0.56 (0.27-0.81); {_HELD_OUT_N}")
        ),
    ],
)
def test_a_sample_size_is_shown_for_at_least_80_percent_on_each_set(
    detail_sets: dict[str, details_eval.DetailsScore], part: str
) -> None:
    value = detail_sets[part].n_shown_when_stated.value
    assert value is not None and value >= 0.80


@pytest.mark.parametrize("part", ["development", "held-out", "europepmc"])
def test_shown_sample_size_is_correct_and_silent_when_none_is_stated_on_each_set(
    detail_sets: dict[str, details_eval.DetailsScore], part: str
) -> None:
    score = detail_sets[part]
    assert score.n_correct_when_shown.value is not None and score.n_correct_when_shown.value >= 0.95
    assert score.n_silent_when_not_stated.value == 1.0


def test_held_out_hand_labels_are_new_real_records_with_provenance() -> None:
    held = details_eval.hand_labels(details_eval.HAND_LABELS_HELDOUT)
    assert len(held) >= 40
    assert not {r["pmid"] for r in held} & {r["pmid"] for r in details_eval.hand_labels()}
    assert all(r["file"] and r["repository"] and r["commit"] and r["licence"] for r in held)


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
