"""Corrections to papers already sent, on NLM's real retraction and erratum records.

Where an "old" state is needed it is the real record with its CommentsCorrections removed
(``dataclasses.replace(new, comments_corrections=())``): the earlier state constructed from the real record.
"""

from __future__ import annotations

import dataclasses

from evidence_eval.records import NLM_SAMPLE, metapub, record
from littrack.evidence.corrections import detect_changes, is_retracted


def test_detect_changes_reports_a_new_retraction_with_the_notice() -> None:
    new = record(NLM_SAMPLE, 11543891)  # Retracted Publication + RetractionIn 11600210
    old = dataclasses.replace(new, comments_corrections=(), publication_types=("Journal Article",))
    (change,) = detect_changes(old, new)
    assert change.kind == "RetractionIn"
    assert change.notice_pmid == 11600210
    assert change.description == (
        "Retracted — see retraction notice PMID 11600210 (Suciu-Foca N, Lewis R. Hum Immunol. 2001 Oct;62(10):1063)"
    )
    assert change.pmid == 11543891 and change.title == new.title


def test_detect_changes_reports_retraction_before_erratum_when_both_are_new() -> None:
    new = record(NLM_SAMPLE, 8863847)  # ErratumIn (no PMID) and RetractionIn 9499167
    kinds = [c.kind for c in detect_changes(None, new)]
    assert kinds == ["RetractionIn", "ErratumIn"]
    erratum = detect_changes(None, new)[1]
    assert erratum.notice_pmid is None
    assert erratum.description == "Erratum published — see correction (Mol Pharmacol 1997 Mar;51(3):533)"


def test_detect_changes_reports_an_erratum_added_since_the_paper_was_sent() -> None:
    new = metapub(35649368)  # ErratumIn 35767954
    old = dataclasses.replace(new, comments_corrections=())
    (change,) = detect_changes(old, new)
    assert (change.kind, change.notice_pmid) == ("ErratumIn", 35767954)
    assert change.description.startswith("Erratum published — see correction PMID 35767954 (Cell Rep.")


def test_detect_changes_reports_an_update() -> None:
    new = record(NLM_SAMPLE, 11034741)  # Cochrane review, UpdateIn 11406024
    (change,) = detect_changes(dataclasses.replace(new, comments_corrections=()), new)
    assert (change.kind, change.notice_pmid) == ("UpdateIn", 11406024)


def test_detect_changes_is_empty_when_nothing_changed() -> None:
    new = record(NLM_SAMPLE, 8863847)
    assert detect_changes(new, new) == ()


def test_detect_changes_only_counts_links_that_are_new() -> None:
    new = record(NLM_SAMPLE, 8863847)
    erratum_only = tuple(c for c in new.comments_corrections if c.ref_type == "ErratumIn")
    old = dataclasses.replace(new, comments_corrections=erratum_only)
    assert [c.kind for c in detect_changes(old, new)] == ["RetractionIn"]


def test_detect_changes_ignores_links_that_are_not_corrections() -> None:
    new = metapub(25364329)  # CommentIn only
    assert {c.ref_type for c in new.comments_corrections} == {"CommentIn"}
    assert detect_changes(None, new) == ()


def test_a_new_retracted_type_without_a_link_is_reported_once() -> None:
    real = record(NLM_SAMPLE, 8655018)  # Retracted Publication + RetractionIn
    new = dataclasses.replace(real, comments_corrections=())
    old = dataclasses.replace(new, publication_types=tuple(t for t in new.publication_types if "Retracted" not in t))
    (change,) = detect_changes(old, new)
    assert change.kind == "Retracted Publication"
    assert change.description.startswith("Retracted")
    # With the link present too, one retraction gives one line.
    assert [c.kind for c in detect_changes(old, real)] == ["RetractionIn"]


def test_is_retracted_on_real_records() -> None:
    assert is_retracted(record(NLM_SAMPLE, 11543891))
    assert is_retracted(record(NLM_SAMPLE, 8655018))
    assert not is_retracted(metapub(35649368))  # erratum only
    assert not is_retracted(record(NLM_SAMPLE, 9634358))  # the retraction *notice* itself
