"""Study-design classification on real recorded PubMed records (and a few labelled synthetic texts)."""

from __future__ import annotations

import dataclasses

import pytest

from evidence_eval.evalset import load_corpus
from evidence_eval.records import by_pmid
from littrack.evidence.classify import DESIGNS, classify
from littrack.evidence.indexed import MESH_OBSERVATIONAL
from littrack.models import AbstractSection, Paper


def _synthetic(title: str, abstract: str = "") -> Paper:
    """SYNTHETIC record: made-up title/abstract text to pin a text rule; not a real PubMed record."""
    return Paper(pmid=1, title=title, abstract=(AbstractSection(abstract),) if abstract else (), status="Publisher")


@pytest.mark.parametrize(
    ("pmid", "design"),
    [
        (23435529, "rct"),  # PT Randomized Controlled Trial
        (22663011, "rct"),  # RCT + Clinical Trial, Phase III: randomized wins
        (33856845, "systematic_review"),  # PT Systematic Review
        (25364329, "case_report"),  # PT Case Reports
        (38962805, "notice"),  # PT Published Erratum
        (34529508, "editorial"),  # PT Editorial + Comment
        (38011560, "narrative_review"),  # ketamine review
        (99598, "preclinical"),  # MeSH Animals without Humans
    ],
)
def test_classify_uses_indexing_when_it_is_informative(pmid: int, design: str) -> None:
    evidence = classify(by_pmid(pmid))
    assert (evidence.design, evidence.source) == (design, "indexed")
    assert (evidence.label, evidence.tier) == DESIGNS[design]


def test_classify_shows_both_labels_when_indexing_says_meta_analysis_and_the_abstract_narrative_review() -> None:
    # 35830032 is indexed Meta-Analysis + Review; its abstract: "The purpose of this narrative review ...".
    # Until issue 12 this test expected a tier-1 systematic review: PubMed's label won over the abstract.
    evidence = classify(by_pmid(35830032))
    assert evidence.display == "PubMed: Meta-Analysis · abstract: narrative review"
    assert (evidence.design, evidence.tier) == ("narrative_review", DESIGNS["narrative_review"][1])


def test_classify_calls_an_in_vitro_assay_indexed_case_report_preclinical() -> None:
    # 2917345 "Use of primary cultures of human hepatocytes in toxicology studies", PT Case Reports.
    evidence = classify(by_pmid(2917345))
    assert (evidence.design, evidence.human, evidence.display) == ("preclinical", False, "Preclinical: in vitro")


def test_classify_says_when_the_indexing_was_automated() -> None:
    automated = next(p for p in load_corpus() if p.indexing_method == "Automated" and classify(p).source == "indexed")
    assert classify(automated).automated
    assert classify(automated).source_note == "indexed (automated)"
    assert not classify(by_pmid(23435529)).automated


def test_classify_marks_animal_work_as_not_human_and_rcts_as_human() -> None:
    assert classify(by_pmid(99598)).human is False
    assert classify(by_pmid(23435529)).human is True


def test_classify_calls_a_fully_indexed_record_without_design_tags_other() -> None:
    # 9626910 is MEDLINE-indexed with only Journal Article / Research Support types.
    assert classify(by_pmid(9626910)).design == "other"


def test_classify_reads_an_untagged_guideline_of_a_medline_record_from_its_title() -> None:
    # 34843274 "Summary of the clinical practice guideline ..." is MEDLINE with no Guideline type.
    evidence = classify(by_pmid(34843274))
    assert (evidence.design, evidence.source) == ("guideline", "from text")


def test_classify_never_claims_a_trial_from_text_for_a_fully_indexed_record() -> None:
    # The real RCT's indexing with its design tags removed, as a MEDLINE record without them would look
    # (its MeSH "Follow-Up Studies" is a design tag too since the label table follows MeSH's Epidemiologic
    # Studies branch, so it goes with the publication types).
    real = by_pmid(23121403)
    paper = dataclasses.replace(
        real,
        publication_types=("Journal Article",),
        mesh=tuple(m for m in real.mesh if m.descriptor not in MESH_OBSERVATIONAL),
    )
    assert paper.status == "MEDLINE"
    assert classify(paper).design == "other"


def test_indexed_review_is_a_review_whatever_study_design_mesh_it_carries() -> None:
    # 34334504 is indexed Review with MeSH Humans + Prospective Studies ("This review aimed to discuss ...").
    evidence = classify(by_pmid(34334504))
    assert (evidence.design, evidence.indexed_as) == ("narrative_review", "Review")


def test_classify_falls_back_to_text_for_records_not_yet_indexed() -> None:
    paper = by_pmid(28775130)  # In-Data-Review: publication types not assigned yet
    assert not paper.indexed
    assert classify(paper).source == "from text"


def test_classify_reads_an_rct_from_its_abstract_when_indexing_is_hidden() -> None:
    # "We randomly assigned 822 patients ... aspirin ... or placebo"
    evidence = classify(by_pmid(23121403), use_indexing=False)
    assert (evidence.design, evidence.source) == ("rct", "from text")


def test_classify_text_rules_treat_a_not_yet_indexed_copy_of_a_real_rct_as_rct() -> None:
    # The earlier (In-Process) state of a real record: same text, no types or MeSH yet.
    paper = dataclasses.replace(by_pmid(23435529), status="In-Process", publication_types=(), mesh=())
    assert classify(paper).design == "rct"
    assert classify(paper).source == "from text"


@pytest.mark.parametrize(
    "pmid",
    [
        37729413,  # "Mendelian randomization study": not a trial
        11034741,  # Cochrane review whose selection criteria mention randomly allocated participants
        38011560,  # ketamine review that discusses trials
        99598,  # animal study
    ],
)
def test_classify_text_rules_do_not_call_non_trials_rct(pmid: int) -> None:
    assert classify(by_pmid(pmid), use_indexing=False).design != "rct"


@pytest.mark.parametrize(
    ("title", "abstract", "design"),
    [
        (
            "Ketamine for CRPS: a case-control study",
            "We compared 40 patients with CRPS with 80 controls.",
            "observational",
        ),
        (
            "Ketamine for fibromyalgia",
            "Randomized controlled trials are needed in patients with fibromyalgia.",
            "other",
        ),
        (
            "Intravenous ketamine in complex regional pain syndrome: study protocol for a randomised controlled trial",
            "Sixty patients will be randomised to ketamine or placebo.",
            "protocol",
        ),
        ("Ketamine attenuates allodynia in rats", "Male Sprague-Dawley rats received ketamine.", "preclinical"),
        ("Ketamine infusion in fibromyalgia: a systematic review and meta-analysis", "", "systematic_review"),
        ("Correction to: Ketamine for CRPS", "", "notice"),
        ("Correction of hypokalaemia during ketamine infusion", "", "other"),
        (
            "Low-dose ketamine in refractory CRPS",
            "We report a 34-year-old woman with CRPS who received ketamine.",
            "case_report",
        ),
        (
            "Ketamine for fibromyalgia",
            "In this double-blind trial, 60 patients were randomized to ketamine or placebo.",
            "rct",
        ),
    ],
)
def test_classify_text_rules_on_synthetic_phrasings(title: str, abstract: str, design: str) -> None:
    assert classify(_synthetic(title, abstract)).design == design


def test_classify_fills_detail_chips_and_sample_size() -> None:
    evidence = classify(by_pmid(23121403))
    assert evidence.sample_size == 822
    assert "n = 822" in evidence.chips


def test_a_real_rct_without_trial_or_blinding_words_is_read_as_an_rct_from_text() -> None:
    # 9505772: "In a randomized, prospective study, patients ... were managed with either early or late
    # tracheal extubation." (Randomized Controlled Trial). The first pass called it observational.
    assert classify(by_pmid(9505772), use_indexing=False).design == "rct"


def test_a_real_case_report_that_reports_a_unique_case_is_not_a_narrative_review() -> None:
    # 29635139 (Case Reports): "We report a unique case of a young girl ..."; the first pass said narrative review.
    assert classify(by_pmid(29635139), use_indexing=False).design == "case_report"
