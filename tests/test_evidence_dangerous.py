"""Regression tests for every error issue 12 calls dangerous to a clinician.

Every input here is SYNTHETIC: a paraphrase, written for these tests, of a real record's problem as the
issue describes it (no PubMed record is quoted). ``_paper`` builds a record as PubMed delivers it before
indexing (status Publisher, no MeSH) unless the test gives indexing.
"""

from __future__ import annotations

import re

import pytest

from littrack.evidence.classify import classify
from littrack.evidence.details import extract_details
from littrack.evidence.sample import sample_size
from littrack.models import AbstractSection, CommentCorrection, MeshHeading, Paper, Setting, Subjects


def _paper(
    title: str,
    abstract: str = "",
    *,
    types: tuple[str, ...] = (),
    mesh: tuple[str, ...] = (),
    status: str = "Publisher",
    comments: tuple[CommentCorrection, ...] = (),
    pages: str | None = None,
) -> Paper:
    """SYNTHETIC record (see the module docstring)."""
    return Paper(
        pmid=1,
        title=title,
        abstract=(AbstractSection(abstract),) if abstract else (),
        publication_types=types,
        mesh=tuple(MeshHeading(m) for m in mesh),
        status=status,
        comments_corrections=comments,
        pages=pages,
    )


# --- a comment never takes the design of the paper it discusses -------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Ketamine for complex regional pain syndrome. Commentary on: Low-dose ketamine infusion for refractory "
        "CRPS: a multicentre, randomised, placebo-controlled trial",
        "Re: Intravenous ketamine for fibromyalgia: a randomized double-blind trial",
        "Reply to: Ketamine versus placebo in chronic pain, a randomised controlled trial",
        "Comment on: Esketamine nasal spray in treatment-resistant depression: a randomized trial",
        "Letter to the editor regarding a meta-analysis of ketamine for postoperative pain",
    ],
)
def test_a_comment_on_a_trial_is_an_editorial_not_an_rct(title: str) -> None:
    assert classify(_paper(title), use_indexing=False).design == "editorial"


def test_a_record_linked_by_comment_on_is_an_editorial_even_with_trial_words() -> None:
    paper = _paper(
        "Ketamine infusions: randomised placebo-controlled evidence at last",
        comments=(CommentCorrection("CommentOn", "Pain. 2024;165:1", 12345678),),
    )
    assert classify(paper, use_indexing=False).design == "editorial"


def test_a_publisher_supplied_letter_type_decides_before_indexing() -> None:
    paper = _paper("Ketamine in a randomized trial of fibromyalgia", types=("Letter",), status="Publisher")
    assert classify(paper).design == "editorial"


# --- systematic reviews --------------------------------------------------------------------------------------


def test_a_data_sources_heading_alone_does_not_make_a_systematic_review() -> None:
    paper = _paper(
        "Caring for patients with chronic pain: what nurses need to know",
        "DATA SOURCES: Published literature and clinical guidelines. CONCLUSION: Nurses play a key role in "
        "pain assessment. IMPLICATIONS FOR NURSING PRACTICE: This article reviews non-drug options.",
    )
    assert classify(paper, use_indexing=False).design != "systematic_review"


def test_a_paper_presenting_a_risk_of_bias_tool_is_not_a_systematic_review() -> None:
    paper = _paper(
        "A revised tool for assessing risk of bias in randomised trials included in systematic reviews",
        "We describe the development of a tool to assess risk of bias in randomised trials.",
    )
    assert classify(paper, use_indexing=False).design != "systematic_review"


def test_a_chart_review_is_observational_not_a_narrative_review() -> None:
    paper = _paper(
        "Outpatient ketamine infusions for refractory pain: a retrospective review",
        "We performed a retrospective review of 49 patients' charts who received ketamine infusions for "
        "chronic pain between 2015 and 2020.",
    )
    assert classify(paper, use_indexing=False).design == "observational"


def test_pubmed_meta_analysis_and_an_abstract_saying_narrative_review_show_both_and_rank_as_the_weaker() -> None:
    paper = _paper(
        "Ketamine for chronic pain: facts and myths",
        "OBJECTIVE: The purpose of this narrative review is to discuss the evidence on ketamine for chronic pain.",
        types=("Journal Article", "Meta-Analysis", "Review"),
        status="MEDLINE",
        mesh=("Humans", "Ketamine"),
    )
    evidence = classify(paper)
    assert evidence.display == "PubMed: Meta-Analysis · abstract: narrative review"
    assert evidence.design == "narrative_review" and evidence.tier > 1


def test_a_letter_indexed_with_cohort_mesh_is_a_letter_not_an_observational_study() -> None:
    paper = _paper(
        "Ketamine use among inpatients",
        types=("Letter",),
        mesh=("Humans", "Retrospective Studies", "Ketamine"),
        status="MEDLINE",
    )
    assert classify(paper).design == "editorial"


# --- animal and in-vitro work --------------------------------------------------------------------------------

_RAT_ABSTRACT = (
    "Ketamine is used in patients with complex regional pain syndrome. We tested whether ketamine reverses "
    "allodynia in a rat model of CRPS. Male Sprague-Dawley rats received ketamine 10 mg/kg or saline after "
    "tibia fracture and cast immobilization. Ketamine reduced mechanical allodynia for 3 days."
)


def test_a_rat_model_opening_with_patients_is_an_animal_study_without_a_dose_chip() -> None:
    evidence = classify(_paper("Ketamine reverses allodynia in a rat fracture model of CRPS", _RAT_ABSTRACT))
    assert (evidence.design, evidence.human) == ("preclinical", False)
    assert evidence.display == "Preclinical: animal study"
    assert not any("10 mg/kg" in chip for chip in evidence.chips)


def test_mesh_with_both_humans_and_animals_does_not_make_a_rat_study_human() -> None:
    paper = _paper(
        "Ketamine reverses allodynia in a rat fracture model of CRPS",
        _RAT_ABSTRACT,
        types=("Journal Article",),
        mesh=("Animals", "Humans", "Rats", "Ketamine"),
        status="MEDLINE",
    )
    evidence = classify(paper)
    assert (evidence.design, evidence.human, evidence.details.subjects) == ("preclinical", False, Subjects.ANIMAL)


def test_an_in_vitro_assay_indexed_as_a_case_report_is_in_vitro() -> None:
    paper = _paper(
        "Ketamine toxicity in cultured human hepatocytes",
        "Primary human hepatocytes were cultured and exposed to ketamine for 24 h; viability was measured.",
        types=("Case Reports",),
        mesh=("Humans", "Hepatocytes", "Ketamine"),
        status="MEDLINE",
    )
    evidence = classify(paper)
    assert (evidence.design, evidence.display) == ("preclinical", "Preclinical: in vitro")


def test_a_study_with_human_participants_stays_human_despite_animal_experiments() -> None:
    paper = _paper(
        "Ketamine and pain sensitivity in mice and in healthy volunteers",
        "We first studied ketamine in mice. Then 24 healthy volunteers were randomized to ketamine or placebo "
        "in a double-blind crossover trial.",
    )
    evidence = classify(paper, use_indexing=False)
    assert evidence.human is True and evidence.design == "rct"


# --- doses belong to their drug ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abstract", "ketamine", "never"),
    [
        (
            "Patients were randomized to intravenous ketamine 0.5 mg/kg versus lidocaine 1.5 mg/kg.",
            {"ketamine 0.5 mg/kg IV"},
            "1.5 mg/kg",
        ),
        ("Morphine 10 mg was compared with ketamine infusion in 40 patients.", set(), "10 mg"),
        (
            "Twenty patients received S(+)-ketamine 0.5 mg/kg or midazolam 5 mg as active placebo.",
            {"esketamine 0.5 mg/kg"},
            "5 mg",
        ),
    ],
)
def test_another_drugs_dose_is_never_shown_as_ketamines(abstract: str, ketamine: set[str], never: str) -> None:
    chips = extract_details(_paper("SYNTHETIC", abstract))
    assert ketamine <= set(chips)
    other_dose = re.compile(rf"(?<![\d.]){re.escape(never)}")
    assert not any(other_dose.search(chip) for chip in chips)


# --- sample size ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abstract", "n"),
    [
        ("Forty-eight patients were randomized to ketamine or placebo.", 48),
        ("One hundred thirty-two patients were enrolled in this double-blind trial.", 132),
        ("We randomized 123 African Americans with chronic pain to two arms.", 123),
        (
            "A total of 240 patients, all with CRPS, were randomized to ketamine (n = 120) or placebo (n = 120).",
            240,
        ),
    ],
)
def test_sample_size_reads_totals_in_digits_and_words(abstract: str, n: int) -> None:
    assert sample_size("SYNTHETIC", abstract) == n


def test_sample_size_reads_a_count_in_the_title() -> None:
    assert sample_size("Ketamine analgesia in 40 chronic renal failure patients", "") == 40


@pytest.mark.parametrize(
    "abstract",
    [
        "Pain relief (VAS ≤30 mm) was achieved in 25 patients after the infusion.",  # an outcome count
        "Allodynia resolved in 10 patients in the ketamine group.",  # one arm
    ],
)
def test_sample_size_never_shows_an_outcome_count_or_one_arm(abstract: str) -> None:
    assert sample_size("SYNTHETIC", abstract) is None


# --- setting and drug ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("abstract", "setting"),
    [
        (
            "Sixty patients undergoing spine surgery received intraoperative ketamine 0.5 mg/kg/h.",
            Setting.PERIOPERATIVE,
        ),
        ("In the emergency department, 90 adults with acute pain were randomized to ketamine.", Setting.EMERGENCY),
        ("Thirty outpatients with fibromyalgia received ketamine infusions over 5 days.", Setting.CHRONIC_PAIN),
    ],
)
def test_setting_tells_an_infusion_clinic_trial_from_a_perioperative_one(abstract: str, setting: Setting) -> None:
    evidence = classify(_paper("SYNTHETIC", abstract), use_indexing=False)
    assert evidence.details.setting == setting
    assert setting.value in evidence.chips


# Found in the second pass (issue 12): a randomized trial reported without the word "trial" or a blinding
# word was read as an observational study (a tier-1 design shown as tier 4).
def test_a_randomized_prospective_study_of_either_arm_is_an_rct_not_observational() -> None:
    paper = _paper(
        "Early versus late removal of the urinary catheter after hip surgery.",
        "In a randomized, prospective study, 90 patients undergoing elective hip replacement were managed with "
        "catheter removal either on the first or on the third day. Urinary retention was compared.",
    )
    assert classify(paper, use_indexing=False).design == "rct"


def test_a_randomly_selected_survey_sample_is_not_an_rct() -> None:
    paper = _paper(
        "Attitudes of general practitioners to opioid tapering.",
        "A randomly selected sample of 400 general practitioners was surveyed by post; either a paper or an "
        "online questionnaire was offered. 212 responded.",
    )
    assert classify(paper, use_indexing=False).design != "rct"


def test_a_case_report_that_reviews_the_literature_is_a_case_report_not_a_narrative_review() -> None:
    paper = _paper(
        "Complex regional pain syndrome after a minor wrist sprain.",
        "We report a rare presentation of complex regional pain syndrome in a teenager and review the "
        "literature. The patient was treated with graded motor imagery and recovered within six months.",
    )
    assert classify(paper, use_indexing=False).design == "case_report"


@pytest.mark.parametrize(
    "abstract",
    [
        "Between 2009 and 2019, 214 patients with fibromyalgia were treated with low-dose naltrexone at our clinic; "
        "pain scores at six months are reported.",
        "We analysed data from the national prescription register for all adults dispensed esketamine.",
        "A secondary analysis of the ACTIVE cohort study examined sleep and widespread pain in 2,400 older adults.",
        "Data were retrieved from the hospital's electronic records for 118 consecutive patients with CRPS.",
        "Design: a descriptive, longitudinal study of pain trajectories in 76 adults after knee replacement.",
    ],
)
def test_strobe_wording_reads_as_an_observational_study(abstract: str) -> None:
    paper = _paper("Pain outcomes in routine care.", abstract)
    assert classify(paper, use_indexing=False).design == "observational"


# Second pass (issue 12): the common ways an abstract states its whole sample, and the look-alikes that are a
# group, an arm or an age. All SYNTHETIC.
@pytest.mark.parametrize(
    ("abstract", "n"),
    [
        ("Participants included 38 adults with fibromyalgia referred to a pain clinic.", 38),
        ("All participants (n = 1,204) completed the baseline pain questionnaire.", 1204),
        ("A total of 85 patients and 8 carers who looked after them participated in the interviews.", 93),
        ("We measured ketamine metabolites in 120 cases and 240 matched controls from two cohorts.", 360),
        ("Fifty-nine adults, 23 with CRPS and 36 healthy volunteers, had quantitative sensory testing.", 59),
        ("PATIENTS AND METHODS: Ketamine infusions were given in 52 patients over three years.", 52),
        ("Allodynia improved in 9 of 14 patients after the infusion series.", 14),
        ("In all, 120 participants completed the survey on infusion clinics.", 120),
        ("A cross-sectional analysis was conducted among 2,310 adult patients with chronic pain.", 2310),
        ("Of 412 patients screened, 96 were randomized to ketamine or placebo.", 96),
    ],
)
def test_sample_size_reads_the_whole_sample_in_common_phrasings(abstract: str, n: int) -> None:
    assert sample_size("SYNTHETIC", abstract) == n


@pytest.mark.parametrize(
    "abstract",
    [
        "Pain relief was achieved in 8 of 20 patients in the ketamine group and 3 of 20 in the placebo group.",
        "Response occurred in 6 of 12 patients and relapse in 3 of 9 patients.",
        "Participants were 45 years old on average and most were women.",
        "METHODS: In the ketamine group, 20 patients received an infusion; the others received saline.",
        "Of the participants, 120 (60%) women reported pain.",
    ],
)
def test_sample_size_never_shows_a_group_an_arm_or_an_age(abstract: str) -> None:
    assert sample_size("SYNTHETIC", abstract) is None


@pytest.mark.parametrize(
    "abstract",
    [
        "Ketamine was infused in 40 patients. Among the 12 patients with CRPS, allodynia resolved in 7.",
        "Outcomes of 80 infusions were reviewed. Repeat infusion, performed in 14 cases, relieved pain.",
        "METHODS: Pain thresholds were measured in 30 patients with CRPS and in 25 with fibromyalgia.",
    ],
)
def test_sample_size_never_takes_a_subgroup_named_after_the_sample(abstract: str) -> None:
    assert sample_size("SYNTHETIC", abstract) not in (12, 14, 30)


# Found on the Europe PMC titles (second pass): "Letter Re: <a case series>" took the case-report badge.
@pytest.mark.parametrize(
    "title",
    [
        "Letter Re: Ketamine infusions for refractory CRPS: a case series.",
        "Comment regarding: A randomised trial of intranasal esketamine.",
    ],
)
def test_a_letter_or_comment_about_a_paper_never_takes_its_design(title: str) -> None:
    assert classify(_paper(title), use_indexing=False).design == "editorial"
