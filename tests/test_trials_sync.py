"""The trials sync job and change tracking: fake CT.gov on loopback, a real SQLite file.

First states are real recorded API v2 replies; every second state is SYNTHETIC (a real study with its status,
results flag or enrollment edited by :func:`synthetic_second_state`), as are error replies.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from littrack.config import DEFAULT_TRIAL_QUERIES, TrialQuery, TrialsConfig, load_config
from littrack.errors import TrialsError
from littrack.eutils.pubmed_xml import iter_papers
from littrack.ratelimit import RateLimiter
from littrack.replay import recorded_path
from littrack.replay.ctgov import FakeCtgov, Reply, recorded_json
from littrack.store import Store, open_store
from littrack.store.papers import save_papers
from littrack.store.runs import last_run
from littrack.store.trials import (
    add_paper_links,
    get_trial,
    last_trials_sync,
    mark_trial_changes_reported,
    trial_events,
    trial_history,
    trial_ids_for_papers,
)
from littrack.trials.client import CtgovClient
from littrack.trials.parse import parse_page
from littrack.trials.report import pending_trial_changes
from littrack.trials.sync import queries_for, record_studies, sync_trials

TOPIC = "ketamine-fibromyalgia"
QUERY = TrialQuery(condition="Fibromyalgia", intervention="ketamine OR esketamine")
FIRST_DAY = dt.date(2026, 8, 12)
FIRST_NOW = dt.datetime(2026, 8, 12, 6, 0, tzinfo=dt.UTC)
MELANOMA_TOKEN = recorded_json("search_melanoma_recruiting_limit3")["nextPageToken"]


@pytest.fixture
def fake() -> Iterator[FakeCtgov]:
    with FakeCtgov() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "littrack.sqlite3") as s:
        yield s


def config(fake: FakeCtgov, **kw: Any) -> TrialsConfig:
    return TrialsConfig(base_url=fake.base_url, queries={TOPIC: QUERY}, requests_per_second=50.0, **kw)


def client(cfg: TrialsConfig, max_retries: int = 4) -> CtgovClient:
    limiter = RateLimiter(cfg.requests_per_second, sleep=lambda s: None)
    return CtgovClient(cfg, sleep=lambda s: None, limiter=limiter, backoff_base=0.0, max_retries=max_retries)


def serve_melanoma(fake: FakeCtgov) -> None:
    """Three real RECRUITING studies; the recorded page's next token gets a SYNTHETIC empty last page."""
    fake.on("studies", Reply.recorded("search_melanoma_recruiting_limit3"))
    fake.on("studies", Reply.json({"studies": []}), params={"pageToken": MELANOMA_TOKEN})


def synthetic_second_state() -> dict[str, Any]:
    """SYNTHETIC reply: two of the real melanoma studies as they might look months later.

    NCT06970236 completed (results posted, actual enrollment 38 instead of 40); NCT04114136 terminated.
    NCT04318717 did not change, so a last-update-filtered search would not return it.
    """
    page = copy.deepcopy(recorded_json("search_melanoma_recruiting_limit3"))
    done, stopped = page["studies"][0], page["studies"][1]
    done["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"
    done["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": "2027-01-20", "type": "ACTUAL"}
    done["protocolSection"]["designModule"]["enrollmentInfo"] = {"count": 38, "type": "ACTUAL"}
    done["hasResults"] = True
    stopped["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    return {"studies": [done, stopped]}


def first_sync(fake: FakeCtgov, store: Store, cfg: TrialsConfig) -> None:
    serve_melanoma(fake)
    sync_trials(cfg, store, client(cfg), topics=[TOPIC], today=FIRST_DAY, now=FIRST_NOW)
    with store.transaction() as conn:
        mark_trial_changes_reported(conn, 1, [i for p in pending_trial_changes(store) for i in p.event_ids])
    fake.reset()


def test_first_sync_stores_every_study_as_new(fake: FakeCtgov, store: Store) -> None:
    cfg = config(fake)
    serve_melanoma(fake)
    summary = sync_trials(cfg, store, client(cfg), topics=[TOPIC], today=FIRST_DAY, now=FIRST_NOW)
    assert (summary.new, summary.changed, summary.requests, summary.studies) == (3, 0, 2, 3)
    assert summary.line() == "trials: 3 new, 0 changed (3 studies in 1 topic, 2 requests)"
    pending = pending_trial_changes(store)
    assert [(p.change.nct_id, p.change.what, p.change.after) for p in pending] == [
        ("NCT04114136", "new", "Recruiting"),
        ("NCT04318717", "new", "Recruiting"),
        ("NCT06970236", "new", "Recruiting"),
    ]
    assert all(p.change.status == "Recruiting" and len(p.event_ids) == 1 for p in pending)
    stored = get_trial(store, "NCT06970236")
    assert stored is not None and stored.topic_ids == (TOPIC,) and stored.study.enrollment == 40
    run = last_run(store, "trials")
    assert run is not None and (run.status, run.new_count, run.requests) == ("ok", 3, 2)
    assert last_trials_sync(store, TOPIC) == FIRST_DAY
    assert "filter.advanced" not in fake.requests[0].params


def test_second_sync_reports_status_results_enrollment_and_passed_completion(fake: FakeCtgov, store: Store) -> None:
    cfg = config(fake)
    first_sync(fake, store, cfg)
    fake.on("studies", Reply.json(synthetic_second_state()))
    later = dt.date(2027, 2, 1)
    summary = sync_trials(
        cfg, store, client(cfg), topics=[TOPIC], today=later, now=dt.datetime(2027, 2, 1, 6, tzinfo=dt.UTC)
    )

    # Incremental: only studies updated since the last sync (one day of overlap).
    assert fake.requests[0].params["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2026-08-11,MAX]"
    assert (summary.new, summary.changed) == (0, 5)
    # One row per trial, every change of the period in it (issue 13 §4; it was one row per kind of change).
    rows = [
        (p.change.nct_id, [(u.what, u.before, u.after) for u in p.change.changes]) for p in pending_trial_changes(store)
    ]
    assert rows == [
        ("NCT04114136", [("status", "Recruiting", "Terminated")]),
        (
            "NCT06970236",
            [
                ("status", "Recruiting", "Completed"),
                ("results posted", None, None),
                ("completion date passed", None, "Dec 2026"),
                ("enrollment", "40", "38 (actual)"),
            ],
        ),
    ]
    assert [s.overall_status for _, s in trial_history(store, "NCT06970236")] == ["RECRUITING", "COMPLETED"]
    assert len(trial_history(store, "NCT04318717")) == 1
    assert last_trials_sync(store, TOPIC) == later


def test_unchanged_study_returned_again_raises_no_event(fake: FakeCtgov, store: Store) -> None:
    cfg = config(fake)
    first_sync(fake, store, cfg)
    serve_melanoma(fake)
    summary = sync_trials(cfg, store, client(cfg), topics=[TOPIC], today=FIRST_DAY, now=FIRST_NOW)
    assert (summary.new, summary.changed) == (0, 0)
    assert pending_trial_changes(store) == ()


def test_failed_sync_is_recorded_and_does_not_advance_the_topic(fake: FakeCtgov, store: Store) -> None:
    cfg = config(fake)
    first_sync(fake, store, cfg)
    fake.on("studies", Reply(502, b"Bad Gateway"))  # SYNTHETIC outage
    with pytest.raises(TrialsError, match="HTTP 502 after 2 attempts"):
        sync_trials(cfg, store, client(cfg, max_retries=1), topics=[TOPIC], today=dt.date(2027, 2, 1))
    run = last_run(store, "trials")
    assert run is not None and run.status == "failed" and run.requests == 2
    assert run.error is not None and "ClinicalTrials.gov kept failing" in run.error
    assert last_trials_sync(store, TOPIC) == FIRST_DAY
    assert pending_trial_changes(store) == ()


def test_changed_query_starts_the_topic_over(fake: FakeCtgov, store: Store) -> None:
    cfg = config(fake)
    first_sync(fake, store, cfg)
    serve_melanoma(fake)
    edited = dataclasses.replace(cfg, queries={TOPIC: TrialQuery("Fibromyalgia", "ketamine")})
    sync_trials(edited, store, client(edited), topics=[TOPIC], today=dt.date(2026, 9, 1))
    assert "filter.advanced" not in fake.requests[0].params


def test_completed_study_without_paper_is_flagged_once(fake: FakeCtgov, store: Store) -> None:
    cfg = config(fake, no_publication_after_days=365)
    # Three real COMPLETED studies (completed 2016, 2020, 2021); one already has a linked paper.
    fake.on("studies", Reply.recorded("search_phelan_limit50"))
    with store.transaction() as conn:
        add_paper_links(conn, [(22663011, "NCT05105685", "abstract")])  # SYNTHETIC link, for the rule only
    summary = sync_trials(cfg, store, client(cfg), topics=[TOPIC], today=FIRST_DAY, now=FIRST_NOW)
    assert summary.flags == 2
    # A new trial's row carries its flag (issue 13 §4: one row per trial; the flag was a row of its own).
    flagged = [
        (p.change.what, p.change.nct_id, u.after)
        for p in pending_trial_changes(store)
        for u in p.change.changes
        if u.what == "no publication"
    ]
    assert flagged == [
        ("new", "NCT01525901", "completed 2016-08-23; no linked paper after 365 days"),
        ("new", "NCT02710084", "completed 2020-07-29; no linked paper after 365 days"),
    ]
    with store.transaction() as conn:
        mark_trial_changes_reported(conn, 7, [i for p in pending_trial_changes(store) for i in p.event_ids])
    again = sync_trials(cfg, store, client(cfg), topics=[TOPIC], today=FIRST_DAY + dt.timedelta(days=30))
    assert again.flags == 0 and pending_trial_changes(store) == ()


def test_recently_completed_study_is_not_flagged_before_the_grace_period(fake: FakeCtgov, store: Store) -> None:
    cfg = config(fake, no_publication_after_days=365 * 20)
    fake.on("studies", Reply.recorded("search_phelan_limit50"))
    assert sync_trials(cfg, store, client(cfg), topics=[TOPIC], today=FIRST_DAY).flags == 0


def test_repeated_changes_collapse_to_first_before_and_last_after(store: Store) -> None:
    real = parse_page(recorded_json("search_melanoma_recruiting_limit3"))[0]
    states = [
        real,
        dataclasses.replace(real, overall_status="ACTIVE_NOT_RECRUITING"),
        dataclasses.replace(real, overall_status="COMPLETED"),
    ]  # SYNTHETIC later states
    with store.transaction() as conn:
        record_studies(conn, [states[0]], topic_id=TOPIC, now=FIRST_NOW)
        mark_trial_changes_reported(conn, 1, [e.id for e in trial_events(store)])
        for i, state in enumerate(states[1:], start=1):
            record_studies(conn, [state], topic_id=TOPIC, now=FIRST_NOW + dt.timedelta(days=i))
    (pending,) = pending_trial_changes(store)
    assert (pending.change.what, pending.change.before, pending.change.after) == ("status", "Recruiting", "Completed")
    assert len(pending.event_ids) == 2
    with store.transaction() as conn:
        assert mark_trial_changes_reported(conn, 2, pending.event_ids) == 2
        assert mark_trial_changes_reported(conn, 3, pending.event_ids) == 0  # already reported
    assert pending_trial_changes(store) == ()


def test_new_study_that_also_changed_shows_once_as_new(store: Store) -> None:
    real = parse_page(recorded_json("search_melanoma_recruiting_limit3"))[0]
    with store.transaction() as conn:
        record_studies(conn, [real], topic_id=TOPIC, now=FIRST_NOW)
        record_studies(
            conn, [dataclasses.replace(real, overall_status="COMPLETED")], topic_id=TOPIC, now=FIRST_NOW
        )  # SYNTHETIC
    (pending,) = pending_trial_changes(store)
    assert (pending.change.what, pending.change.status, pending.change.after) == ("new", "Completed", "Completed")
    assert len(pending.event_ids) == 2


def test_default_queries_cover_the_shipped_topics_when_config_names_none(tmp_path: Path) -> None:
    shipped = ("ketamine-fibromyalgia", "ketamine-crps", "unknown")
    topics = "".join(f"  - {{id: {t}, query: ketamine}}\n" for t in shipped)
    (tmp_path / "c.yaml").write_text(f"ncbi: {{email: a@b.org}}\ntopics:\n{topics}")
    cfg = load_config(tmp_path / "c.yaml", environ={}).trials
    assert queries_for(cfg, ["ketamine-fibromyalgia", "ketamine-crps", "unknown"]) == {
        "ketamine-fibromyalgia": DEFAULT_TRIAL_QUERIES["ketamine-fibromyalgia"],
        "ketamine-crps": DEFAULT_TRIAL_QUERIES["ketamine-crps"],
    }
    assert set(DEFAULT_TRIAL_QUERIES) == {"ketamine-fibromyalgia", "ketamine-crps", "ketamine-chronic-pain"}
    own = TrialsConfig(queries={"ketamine-crps": QUERY})
    assert queries_for(own, ["ketamine-fibromyalgia", "ketamine-crps"]) == {"ketamine-crps": QUERY}


def test_first_sync_links_papers_stored_before_trials_were_tracked(fake: FakeCtgov, store: Store) -> None:
    metric = recorded_path("pubmed", "biomcp", "testdata", "sources", "pubmed", "efetch_citation_22663011.xml")
    (paper,) = iter_papers(metric.read_bytes())  # real, cites NCT01245062
    with store.transaction() as conn:
        save_papers(conn, [paper], topic_id=None, run_id=None)
    cfg = config(fake)
    serve_melanoma(fake)
    summary = sync_trials(cfg, store, client(cfg), topics=[TOPIC], today=FIRST_DAY, now=FIRST_NOW)
    assert summary.links == 2  # DataBankList and abstract
    assert trial_ids_for_papers(store, [22663011]) == {22663011: ("NCT01245062",)}
