"""Parsing real recorded CT.gov API v2 replies into Study records (synthetic inputs are marked)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from littrack.errors import TrialsError
from littrack.models import Intervention, Study, date_end
from littrack.replay.ctgov import recorded_json, recorded_study
from littrack.store.codec import study_from_json, study_to_json
from littrack.trials.parse import parse_page, parse_study, registered_dose


def test_single_study_reply_parses_every_tracked_field() -> None:
    study = parse_study(recorded_json("get_nct02576665"))
    assert study.nct_id == "NCT02576665"
    assert study.title.startswith("A Study of Toca 511, a Retroviral Replicating Vector")
    assert study.overall_status == "TERMINATED"
    assert study.phases == ("PHASE1",)
    assert study.enrollment == 21
    assert study.enrollment_type is None  # trimmed reply: no enrollmentInfo.type
    assert study.start_date == "2016-07"  # the registry's precision is kept
    assert study.completion_date == "2019-12-20"
    assert study.sponsor == "Tocagen Inc."
    assert [i.name for i in study.interventions] == ["Toca 511", "Toca FC"]
    assert all(i.type is None and i.dose is None for i in study.interventions)  # trimmed: names only
    assert study.countries == ("United States",)  # three US sites, one country
    assert "Melanoma" in study.conditions and len(study.conditions) == 12
    assert study.has_results is False and study.last_update is None and study.references == ()


def test_search_page_parses_each_study_and_tolerates_trimmed_modules() -> None:
    studies = parse_page(recorded_json("search_phelan_limit5"))
    assert [s.nct_id for s in studies] == ["NCT02710084", "NCT05105685", "NCT01525901", "NCT03493607", "NCT07119606"]
    first = studies[0]
    assert first.title == "Piloting Treatment With Intranasal Oxytocin in Phelan-McDermid Syndrome"
    assert (first.overall_status, first.enrollment, first.completion_date) == ("COMPLETED", 18, "2020-07-29")
    assert first.countries == ()  # the search asked for no location fields


def test_observational_study_without_phases_parses() -> None:
    study = parse_study(recorded_json("get_nct06604689"))
    assert study.phases == ()
    assert study.overall_status == "RECRUITING"


def _synthetic_full_study() -> dict[str, Any]:
    """SYNTHETIC: a real recorded study with the modules the trimmed recording lacks added by hand."""
    obj: dict[str, Any] = copy.deepcopy(recorded_json("get_nct02576665"))
    proto = obj["protocolSection"]
    proto["identificationModule"]["officialTitle"] = "An official title"
    proto["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2021-03-04", "type": "ACTUAL"}
    proto["statusModule"]["primaryCompletionDateStruct"] = {"date": "2019-06", "type": "ACTUAL"}
    proto["designModule"]["enrollmentInfo"]["type"] = "ACTUAL"
    proto["referencesModule"] = {
        "references": [
            {
                "pmid": "22663011",
                "type": "RESULT",
                "citation": "Flaherty KT et al. N Engl J Med. 2012. doi: 10.1056/NEJMoa1203421.",
            },
            {"type": "BACKGROUND", "citation": "Someone. A background paper. doi:10.1000/xyz123"},
            {"type": "BACKGROUND", "citation": "No identifiers at all."},
        ]
    }
    obj["hasResults"] = True
    return obj


def test_references_results_and_update_date_are_read_when_present() -> None:
    study = parse_study(_synthetic_full_study())
    assert study.has_results is True
    assert study.last_update == "2021-03-04"
    assert study.enrollment_type == "ACTUAL"
    assert study.completion_date == "2019-12-20"  # overall completion wins over primary
    assert study.reference_pmids == (22663011,)
    assert study.result_pmids == (22663011,)
    assert study.reference_dois == ("10.1056/NEJMoa1203421", "10.1000/xyz123")


def test_primary_completion_is_used_when_overall_is_missing() -> None:
    obj = _synthetic_full_study()
    del obj["protocolSection"]["statusModule"]["completionDateStruct"]
    assert parse_study(obj).completion_date == "2019-06"


@pytest.mark.parametrize(
    "bad",
    [
        [],  # not an object
        {"protocolSection": {"identificationModule": {}}},  # no nctId
        {"protocolSection": {"identificationModule": {"nctId": "NCT1"}}},  # not an NCT id
        {"protocolSection": {"identificationModule": {"nctId": "NCT02576665"}, "statusModule": "COMPLETED"}},
    ],
)
def test_malformed_study_raises_trials_error(bad: Any) -> None:  # all SYNTHETIC shapes
    with pytest.raises(TrialsError):
        parse_study(bad)


def test_page_whose_studies_is_not_a_list_raises() -> None:
    with pytest.raises(TrialsError, match="expected a list"):
        parse_page({"studies": {"oops": 1}})  # SYNTHETIC


def test_study_round_trips_through_json() -> None:
    study = parse_study(_synthetic_full_study())
    assert study_from_json(study_to_json(study)) == study
    plain = parse_study(recorded_json("get_nct06382129"))
    assert study_from_json(study_to_json(plain)) == plain


@pytest.mark.parametrize(
    ("text", "end"),
    [
        ("2026", dt.date(2026, 12, 31)),
        ("2024-02", dt.date(2024, 2, 29)),
        ("2019-12-20", dt.date(2019, 12, 20)),
        (None, None),
        ("soon", None),
    ],
)
def test_date_end_reads_any_registry_precision(text: str | None, end: dt.date | None) -> None:
    assert date_end(text) == end


def test_study_url_points_at_the_registry_page() -> None:
    assert Study("NCT02576665", "t").url == "https://clinicaltrials.gov/study/NCT02576665"


def _whole(nct_id: str) -> Study:
    """A whole recorded single-study record (AACT's specs): every module, descriptions included."""
    return parse_study(json.loads(recorded_study(nct_id).read_bytes()))


def test_whole_record_reads_intervention_types_and_the_dose_in_the_registrys_words() -> None:
    repaglinide = _whole("NCT00763412")
    assert repaglinide.interventions == (
        # The placebo's "1 pill ... more than 20 grams of carbohydrate" is a meal, not a dose.
        Intervention("placebo", "DRUG", None),
        # The arm's short sentence wins over the intervention's eligibility-laden one that says the same.
        Intervention("repaglinide", "DRUG", "repaglinide 0.5 mg before each meal 3-4 times a day for 2 years."),
    )
    dupilumab, placebo = _whole("NCT02210780").interventions
    assert dupilumab.dose is not None and dupilumab.dose.startswith("Two subcutaneous injections of Dupilumab 300 mg")
    assert placebo == Intervention("Placebo", "DRUG", None)  # its arm names no amount
    assert _whole("NCT03475563").interventions == (
        Intervention("Coronary angioplasty with stent implantation", "PROCEDURE", None),
    )


def test_whole_record_reads_date_types_enrollment_type_and_why_stopped() -> None:
    withdrawn = _whole("NCT00973089")
    assert (withdrawn.overall_status, withdrawn.enrollment, withdrawn.enrollment_type) == ("WITHDRAWN", 0, "ACTUAL")
    assert withdrawn.why_stopped == "recruiting or enrolling participants has halted prematurely and will not resume"
    assert (withdrawn.start_date, withdrawn.start_date_type) == ("2010-05", None)  # recorded without a type
    planned = _whole("NCT06171568")
    assert (planned.start_date, planned.start_date_type) == ("2024-02-01", "ESTIMATED")
    assert (planned.completion_date, planned.completion_date_type) == ("2025-02-01", "ESTIMATED")
    assert (planned.enrollment, planned.enrollment_type) == (400, "ESTIMATED")
    assert _whole("NCT00763412").why_stopped is None


@pytest.mark.parametrize("nct_id", ["NCT00763412", "NCT00973089", "NCT02210780", "NCT03475563", "NCT05594173"])
def test_whole_records_round_trip_through_json(nct_id: str) -> None:
    study = _whole(nct_id)
    assert study_from_json(study_to_json(study)) == study


def test_a_state_stored_before_interventions_had_types_still_loads() -> None:
    stored = study_to_json(_whole("NCT00763412")).replace(
        '"interventions":[{"dose":null,"name":"placebo","type":"DRUG"},{"dose":"repaglinide 0.5 mg before each meal'
        ' 3-4 times a day for 2 years.","name":"repaglinide","type":"DRUG"}]',
        '"interventions":["placebo","repaglinide"]',
    )
    assert '"interventions":["placebo","repaglinide"]' in stored  # the old shape: bare names
    assert [i.name for i in study_from_json(stored).interventions] == ["placebo", "repaglinide"]


@pytest.mark.parametrize(
    ("texts", "dose"),
    [
        (["Ketamine 0.5 mg/kg/h IV over 4 hours. Placebo saline."], "Ketamine 0.5 mg/kg/h IV over 4 hours."),
        (["Given daily.", "Arm B: ketamine 10-20 mg orally."], "Arm B: ketamine 10-20 mg orally."),
        (["Participants eat 20 grams of protein."], None),
        (["Infusion over 4 weeks; no dose stated."], None),
        ([""], None),
    ],
)
def test_registered_dose_is_a_sentence_stating_an_amount_never_a_guess(texts: list[str], dose: str | None) -> None:
    assert registered_dose("Ketamine", texts) == dose  # SYNTHETIC description texts
