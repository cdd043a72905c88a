"""Registered trials as a clinician reads them in a digest: one row per trial with every change of the period, the
facts that matter (condition, intervention and dose as registered, phase, sponsor, planned vs actual enrollment,
dates, topic), and a plain statement when ClinicalTrials.gov could not be reached.

Current states are whole recorded AACT study records (real); every earlier state is SYNTHETIC and built here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from digest_samples import empty_view
from littrack.digest.render import render_html, render_text
from littrack.models import Study, TrialsCheck
from littrack.replay.ctgov import recorded_study
from littrack.store import Store, open_store
from littrack.store.runs import finish_run, start_run
from littrack.store.trials import mark_trial_changes_reported, trial_events
from littrack.trials.describe import date_label, enrollment_text, phase_label, status_label
from littrack.trials.parse import parse_study
from littrack.trials.report import pending_trial_changes, trials_check
from littrack.trials.sync import record_date_flags, record_studies

TOPIC = "ketamine-fibromyalgia"
NAMES = {TOPIC: "Ketamine for fibromyalgia"}
THEN = dt.datetime(2026, 9, 1, 6, 0, tzinfo=dt.UTC)
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "littrack.sqlite3") as s:
        yield s


def real(nct_id: str) -> Study:
    return parse_study(json.loads(recorded_study(nct_id).read_bytes()))


def earlier_repaglinide() -> Study:
    """SYNTHETIC: NCT00763412 as it might have looked while running (really COMPLETED, results posted, 31 enrolled)."""
    return dataclasses.replace(
        real("NCT00763412"), overall_status="ACTIVE_NOT_RECRUITING", has_results=False, enrollment=40,
        enrollment_type="ESTIMATED",
    )  # fmt: skip


def seen_before(store: Store, study: Study) -> None:
    """The study was in an earlier digest (its first sighting is reported)."""
    with store.transaction() as conn:
        record_studies(conn, [study], topic_id=TOPIC, now=THEN)
        mark_trial_changes_reported(conn, 1, [e.id for e in trial_events(store)])


def test_a_new_completed_trial_is_one_row_shown_as_new_with_its_status_and_its_no_publication_flag(
    store: Store,
) -> None:
    with store.transaction() as conn:
        record_studies(conn, [real("NCT02210780")], topic_id=TOPIC, now=NOW)
        record_date_flags(conn, today=NOW.date(), no_publication_after_days=365, now=NOW)
    (row,) = pending_trial_changes(store, topic_names=NAMES)
    t = row.change
    assert (t.what, t.before, t.after, t.status, t.is_new) == ("new", None, "Completed", "Completed", True)
    assert [(u.what, u.after) for u in t.changes] == [
        ("new", "Completed"),
        ("no publication", "completed 2015-09-15; no linked paper after 365 days"),
    ]
    assert len(row.event_ids) == 2  # both are reported with the one row
    f = t.facts
    assert f is not None
    assert f.phase == "Phase 2" and f.sponsor == "Regeneron Pharmaceuticals"
    assert f.conditions == ("Atopic Dermatitis",)
    assert f.interventions[0].startswith("Drug: Dupilumab (as registered: Two subcutaneous injections of Dupilumab 300")
    assert f.interventions[1] == "Drug: Placebo"
    assert (f.enrollment, f.start, f.completion) == ("194 (actual)", "5 Aug 2014", "15 Sep 2015")
    assert f.topics == ("Ketamine for fibromyalgia",) and f.results_posted is True
    assert t.synthetic is False


def test_every_change_of_a_known_trial_is_in_its_one_row_with_planned_and_actual_enrollment(store: Store) -> None:
    seen_before(store, earlier_repaglinide())
    with store.transaction() as conn:
        record_studies(conn, [real("NCT00763412")], topic_id=TOPIC, now=NOW)
    (row,) = pending_trial_changes(store, topic_names=NAMES, synthetic={"NCT00763412"})
    t = row.change
    assert [(u.what, u.before, u.after) for u in t.changes] == [
        ("status", "Active, not recruiting", "Completed"),
        ("results posted", None, None),
        ("enrollment", "40 (estimated)", "31 (actual)"),
    ]
    assert (t.what, t.before, t.after) == ("status", "Active, not recruiting", "Completed")  # the headline
    assert t.facts is not None and t.facts.enrollment == "planned 40, actual 31"
    assert t.synthetic is True and not t.is_new


def test_a_withdrawn_trial_says_why_it_stopped(store: Store) -> None:
    earlier = dataclasses.replace(real("NCT00973089"), overall_status="NOT_YET_RECRUITING", why_stopped=None)
    seen_before(store, earlier)  # SYNTHETIC earlier state
    with store.transaction() as conn:
        record_studies(conn, [real("NCT00973089")], topic_id=TOPIC, now=NOW)
    (row,) = pending_trial_changes(store)
    assert (row.change.before, row.change.after) == ("Not yet recruiting", "Withdrawn")
    assert row.change.facts is not None
    assert row.change.facts.why_stopped.startswith("recruiting or enrolling participants has halted prematurely")
    assert row.change.facts.topics == (TOPIC,)  # no names given: the id


def test_trials_check_says_when_ctgov_last_failed_and_when_it_last_worked(store: Store) -> None:
    assert trials_check(store) == TrialsCheck()  # never synced
    finish_run(store, start_run(store, "trials"), status="ok")
    ok = trials_check(store)
    assert ok.last_ok_at is not None and not ok.failed
    finish_run(store, start_run(store, "trials"), status="failed", error="ClinicalTrials.gov kept failing: HTTP 503")
    failed = trials_check(store)
    assert failed.failed and failed.last_ok_at == ok.last_ok_at
    assert failed.error == "ClinicalTrials.gov kept failing: HTTP 503"
    assert trials_check(store, as_of="2000-01-01T00:00:00+00:00") == TrialsCheck()  # a rebuild of an old digest


@pytest.mark.parametrize(
    ("phases", "label"),
    [(("PHASE2", "PHASE3"), "Phase 2/3"), (("NA",), "Not applicable"), (("EARLY_PHASE1",), "Early phase 1"), ((), "")],
)
def test_phase_label(phases: tuple[str, ...], label: str) -> None:
    assert phase_label(phases) == label


def test_registry_codes_and_dates_read_as_words() -> None:
    assert status_label("ACTIVE_NOT_RECRUITING") == "Active, not recruiting"
    assert status_label("UNKNOWN").startswith("Unknown (not verified")
    assert date_label("2016-07") == "Jul 2016" and date_label("2024") == "2024"
    assert date_label("2025-02-01", "ESTIMATED") == "1 Feb 2025 (estimated)"
    assert date_label("soon") == "soon" and date_label(None) == ""
    running = dataclasses.replace(real("NCT06171568"))  # 400, ESTIMATED
    assert enrollment_text(running) == "planned 400"
    assert enrollment_text(real("NCT02210780")) == "194 (actual)"
    assert enrollment_text(real("NCT02210780"), planned=180) == "planned 180, actual 194"


def _section(html: str) -> lxml.html.HtmlElement:
    (section,) = lxml.html.fromstring(html).xpath("//section[@id='trials']")
    return section


def test_digest_shows_one_entry_per_trial_with_its_facts_and_never_none_to_status(store: Store) -> None:
    seen_before(store, earlier_repaglinide())
    with store.transaction() as conn:
        record_studies(conn, [real("NCT00763412"), real("NCT02210780")], topic_id=TOPIC, now=NOW)
        record_date_flags(conn, today=NOW.date(), no_publication_after_days=365, now=NOW)
    rows = pending_trial_changes(store, topic_names=NAMES, synthetic={"NCT00763412"})
    view = dataclasses.replace(
        empty_view(), trials=tuple(r.change for r in rows), trials_check=TrialsCheck(last_ok_at=NOW)
    )
    section = _section(render_html(view))
    entries = section.xpath(".//li[@class='trial']")
    assert [e.get("id") for e in entries] == ["trial-NCT00763412", "trial-NCT02210780"]
    text = " ".join(section.text_content().split())
    assert "none →" not in text and "none ->" not in text
    assert "Checked 20 Nov 2026, 06:00 UTC." in text
    changed, new = (" ".join(e.text_content().split()) for e in entries)
    assert "Synthetic change (demo)" in changed and "made up this trial's earlier state" in changed
    assert "Status changed: Active, not recruiting → Completed" in changed
    assert "Enrollment: planned 40, actual 31 · Start: Nov 2006 · Completion: Jan 2013" in changed
    assert "as registered: repaglinide 0.5 mg before each meal" in changed
    assert "Topic: Ketamine for fibromyalgia" in changed
    assert new.startswith("New trial") and "NCT02210780 · Completed · Phase 2 · Sponsor: Regeneron" in new
    assert "Synthetic" not in new and "Results are posted on ClinicalTrials.gov." in new
    plain = render_text(view, abstract_chars=600)
    assert "[Status changed] [Results posted] [Completed, no publication found] [Enrollment changed]" in plain
    assert "[SYNTHETIC change (demo)]" in plain
    assert "  Enrollment: planned 40, actual 31 · Start: Nov 2006 · Completion: Jan 2013" in plain
    assert "none -> " not in plain


def test_digest_says_when_ctgov_could_not_be_reached_and_when_trials_were_last_checked() -> None:
    check = TrialsCheck(
        last_ok_at=dt.datetime(2026, 11, 13, 6, 0, tzinfo=dt.UTC),
        failed_at=dt.datetime(2026, 11, 20, 6, 1, tzinfo=dt.UTC),
        error="ClinicalTrials.gov kept failing: HTTP 503 after 5 attempts; try again later",
    )
    view = dataclasses.replace(empty_view(), trials_check=check)
    text = " ".join(_section(render_html(view)).text_content().split())
    assert "ClinicalTrials.gov could not be reached when littrack last tried (20 Nov 2026, 06:01 UTC:" in text
    assert "HTTP 503 after 5 attempts" in text
    assert "Registered trials were last checked successfully 13 Nov 2026, 06:00 UTC" in text
    plain = render_text(view, abstract_chars=600)
    assert "ClinicalTrials.gov could not be reached when littrack last tried" in plain
    assert "last checked successfully 13 Nov 2026, 06:00 UTC" in plain
    never = dataclasses.replace(check, last_ok_at=None)
    assert "never been checked successfully" in render_html(dataclasses.replace(empty_view(), trials_check=never))


def test_a_quiet_period_says_so_instead_of_dropping_the_section() -> None:
    view = dataclasses.replace(empty_view(), trials_check=TrialsCheck(last_ok_at=NOW))
    assert "No new or changed registered trials since the last digest." in _section(render_html(view)).text_content()
    assert not lxml.html.fromstring(render_html(empty_view())).xpath("//section[@id='trials']")  # trials off
