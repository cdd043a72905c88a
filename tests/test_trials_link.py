"""Paper ⇄ trial linking with a real PubMed record that cites an NCT id, on a real SQLite file.

PMID 22663011 (NEJM 2012, METRIC trial) carries NCT01245062 in its DataBankList and in its abstract
(littrack/replay/recorded/PROVENANCE.md). Studies that list the paper in their registry references are SYNTHETIC
(a real recorded study with a referencesModule added), because the trimmed recordings carry none.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from littrack.eutils.pubmed_xml import iter_papers
from littrack.models import Paper, Study
from littrack.replay import recorded_path
from littrack.replay.ctgov import recorded_json
from littrack.store import Store, open_store
from littrack.store.papers import save_papers
from littrack.store.trials import (
    mark_trial_changes_reported,
    paper_links,
    papers_for_trials,
    trial_events,
    trial_ids_for_papers,
)
from littrack.trials import link
from littrack.trials.link import link_papers, link_stored_papers, link_studies
from littrack.trials.parse import parse_page
from littrack.trials.report import pending_trial_changes
from littrack.trials.sync import record_date_flags, record_studies

NOW = dt.datetime(2026, 8, 12, 6, 0, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(tmp_path / "littrack.sqlite3") as s:
        yield s


@pytest.fixture(scope="module")
def metric_paper() -> Paper:
    metric = recorded_path("pubmed", "biomcp", "testdata", "sources", "pubmed", "efetch_citation_22663011.xml")
    (paper,) = iter_papers(metric.read_bytes())
    return paper


def study_citing(pmid: int) -> Study:
    """SYNTHETIC: real recorded study NCT02710084 with a RESULT reference to ``pmid`` added."""
    page = copy.deepcopy(recorded_json("search_phelan_limit50"))
    obj = page["studies"][0]
    obj["protocolSection"]["referencesModule"] = {
        "references": [{"pmid": str(pmid), "type": "RESULT", "citation": "x"}]
    }
    return parse_page({"studies": [obj]})[0]


def nct_ids_in_paper(paper: Paper) -> tuple[str, ...]:
    """The NCT ids a PubMed record cites in its DataBankList or its title/abstract, in order of appearance."""
    return tuple(dict.fromkeys(nct for nct, _ in link.paper_links(paper)))


def test_nct_ids_come_from_the_databank_list_and_the_abstract(metric_paper: Paper) -> None:
    assert metric_paper.pmid == 22663011
    assert nct_ids_in_paper(metric_paper) == ("NCT01245062",)


def test_paper_without_trial_ids_has_none() -> None:
    source = recorded_path("pubmed", "biopython", "Tests", "Entrez", "pubmed4.xml")
    (paper,) = iter_papers(source.read_bytes())
    assert nct_ids_in_paper(paper) == ()


def test_linking_a_stored_paper_records_both_sources_and_reads_both_ways(store: Store, metric_paper: Paper) -> None:
    with store.transaction() as conn:
        save_papers(conn, [metric_paper], topic_id=None, run_id=None)
        assert link_papers(conn, [metric_paper], now=NOW) == 2
        assert link_papers(conn, [metric_paper], now=NOW) == 0  # idempotent
    assert paper_links(store, 22663011) == (("NCT01245062", "abstract"), ("NCT01245062", "databank"))
    assert trial_ids_for_papers(store, [22663011, 1]) == {22663011: ("NCT01245062",)}
    assert papers_for_trials(store, ["NCT01245062"]) == {"NCT01245062": (22663011,)}


def test_registry_reference_links_a_study_saved_after_the_paper(store: Store, metric_paper: Paper) -> None:
    study = study_citing(metric_paper.pmid)
    with store.transaction() as conn:
        save_papers(conn, [metric_paper], topic_id=None, run_id=None)
        record_studies(conn, [study], topic_id="ketamine-fibromyalgia", now=NOW)
        assert link_studies(conn, [study], now=NOW) == 1
    assert ("NCT02710084", "registry-reference") in paper_links(store, 22663011)
    (pending,) = pending_trial_changes(store)
    assert pending.change.linked_pmids == (22663011,)


def test_registry_reference_links_a_paper_saved_after_the_study(store: Store, metric_paper: Paper) -> None:
    with store.transaction() as conn:
        record_studies(conn, [study_citing(metric_paper.pmid)], topic_id="ketamine-fibromyalgia", now=NOW)
        assert link_studies(conn, [study_citing(metric_paper.pmid)], now=NOW) == 0  # paper not stored yet
        save_papers(conn, [metric_paper], topic_id=None, run_id=None)
        link_papers(conn, [metric_paper], now=NOW)
    assert trial_ids_for_papers(store, [22663011]) == {22663011: ("NCT01245062", "NCT02710084")}


def test_link_stored_papers_backfills_papers_saved_before_trials_were_tracked(
    store: Store, metric_paper: Paper
) -> None:
    with store.transaction() as conn:
        save_papers(conn, [metric_paper], topic_id=None, run_id=None)
    assert link_stored_papers(store) == 2
    assert trial_ids_for_papers(store, [22663011]) == {22663011: ("NCT01245062",)}


def test_a_linked_paper_withdraws_a_pending_no_publication_flag(store: Store, metric_paper: Paper) -> None:
    real = parse_page(recorded_json("search_phelan_limit50"))[0]  # NCT02710084, COMPLETED 2020-07-29
    with store.transaction() as conn:
        record_studies(conn, [real], topic_id="ketamine-fibromyalgia", now=NOW)
        record_date_flags(conn, today=NOW.date(), no_publication_after_days=365, now=NOW)
        # Digest 1 reported the registration; the flag, raised later, is still pending (marking by event kind:
        # a digest built now would carry both in the trial's one row).
        mark_trial_changes_reported(conn, 1, [e.id for e in trial_events(store) if e.kind == "new"])
    assert [p.change.what for p in pending_trial_changes(store)] == ["no publication"]
    with store.transaction() as conn:
        save_papers(conn, [metric_paper], topic_id=None, run_id=None)
        link_studies(conn, [study_citing(metric_paper.pmid)], now=NOW)  # the registry now lists the paper
    assert pending_trial_changes(store) == ()
