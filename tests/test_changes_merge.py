"""One change per paper and kind, whichever source saw it first, every source named (littrack.evidence.merge),
and the flag on systematic reviews that cite a retracted paper (littrack.fetch.retracted), on a real SQLite store."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from background_eval.recorded_papers import recorded_papers
from littrack.config import load_config
from littrack.eutils.pubmed_xml import iter_papers
from littrack.evidence.corrections import detect_changes
from littrack.evidence.merge import (
    KnownChange,
    Observation,
    crossref_observation,
    place,
    pubmed_observation,
)
from littrack.fetch.changes import record_observations
from littrack.fetch.retracted import flag_reviews
from littrack.fetch.steps import StepContext
from littrack.models import ChangeKind, CrossrefNotice, NoticeKind, Paper, PaperChange, Reference
from littrack.replay import recorded_path
from littrack.store import open_store
from littrack.store.digests import pending_changes
from littrack.store.papers import save_papers
from littrack.store.sources import save_crossref_references

NLM_SAMPLE = recorded_path("pubmed", "fatcat", "python", "tests", "files", "pubmedsample_2019.xml")
RETRACTED_PMID = 11543891  # real: RetractionIn + "Retracted Publication" (no DOI)
REVIEW_PMID = 36318760  # real: a systematic review with 49 references


def _paper(pmid: int) -> Paper:
    """A real recorded record (the NLM sample's, for the retracted one)."""
    if pmid == RETRACTED_PMID:
        return next(p for p in iter_papers(NLM_SAMPLE.read_bytes()) if p.pmid == pmid)
    return recorded_papers()[pmid]


def _notice(kind: NoticeKind, notice: str = "10.5555/notice", source: str = "publisher") -> CrossrefNotice:
    return CrossrefNotice("10.5555/paper", notice, kind, kind.value.title(), source, dt.date(2027, 3, 1))


PAPER = Paper(pmid=1, title="A paper", doi="10.5555/paper")


def _known(*changes: tuple[int, ChangeKind, dict[str, str]]) -> list[KnownChange]:
    return [KnownChange(cid, 1, kind, sources) for cid, kind, sources in changes]


def test_a_report_of_a_kind_not_yet_known_is_a_new_change():
    obs = crossref_observation(PAPER, _notice(NoticeKind.CORRECTION))
    assert place(obs, []).action == "new"


def test_pubmed_reporting_a_retraction_crossref_saw_first_joins_that_change():
    known = _known((7, ChangeKind.RETRACTION_IN, {"Crossref (Retraction Watch)": "doi:10.5555/notice"}))
    obs = pubmed_observation(PaperChange(1, "A paper", ChangeKind.RETRACTED_PUBLICATION, "Retracted"))
    placement = place(obs, known)
    assert (placement.action, placement.change_id) == ("attach", 7)


def test_a_paper_is_retracted_once_however_many_notices_a_source_lists():
    known = _known((7, ChangeKind.RETRACTION_IN, {"PubMed": "PMID 5"}))
    obs = pubmed_observation(PaperChange(1, "A paper", ChangeKind.RETRACTION_IN, "Retracted", notice_pmid=6))
    assert place(obs, known).action == "known"


def test_an_erratum_never_merges_into_a_retraction_or_an_expression_of_concern():
    known = _known(
        (7, ChangeKind.RETRACTION_IN, {"PubMed": "PMID 5"}),
        (8, ChangeKind.EXPRESSION_OF_CONCERN_IN, {"PubMed": "PMID 6"}),
    )
    assert place(crossref_observation(PAPER, _notice(NoticeKind.CORRECTION)), known).action == "new"


def test_the_same_notice_seen_again_by_the_same_source_changes_nothing():
    obs = crossref_observation(PAPER, _notice(NoticeKind.CORRECTION))
    known = _known((9, ChangeKind.ERRATUM_IN, {obs.source: obs.notice}))
    assert place(obs, known).action == "known"


def test_a_second_erratum_from_a_source_that_already_reported_one_is_a_second_change():
    known = _known((9, ChangeKind.ERRATUM_IN, {"Crossref (publisher)": "doi:10.5555/first"}))
    obs = crossref_observation(PAPER, _notice(NoticeKind.CORRECTION, "10.5555/second"))
    assert place(obs, known).action == "new"


def test_crossref_wording_keeps_a_partial_retraction_apart_from_a_retraction():
    notice = dataclasses.replace(_notice(NoticeKind.CORRECTION), label="Partial Retraction")
    obs = crossref_observation(PAPER, notice)
    assert obs.change.kind == ChangeKind.ERRATUM_IN
    assert obs.change.description.startswith("Partial Retraction — see correction doi:10.5555/notice")


@pytest.fixture
def ctx(tmp_path: Path) -> StepContext:
    cfg_path = tmp_path / "config.yaml"
    cfg_path.write_text("ncbi: {email: t@example.org}\ntopics: [{id: t, query: q}]\n", encoding="utf-8")
    store = open_store(tmp_path / "store.sqlite3")
    return StepContext(load_config(cfg_path, environ={}), store, None, dt.date(2027, 3, 1))  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_systematic_review_citing_a_retracted_paper_is_flagged_once_naming_both_reference_lists(ctx):
    retracted = _paper(RETRACTED_PMID)
    # SYNTHETIC: the real review's reference list with the retracted paper added (no recorded review cites it).
    review = dataclasses.replace(
        _paper(REVIEW_PMID), references=(*_paper(REVIEW_PMID).references, Reference(pmid=RETRACTED_PMID))
    )
    narrative = dataclasses.replace(_paper(38270460), references=(Reference(pmid=RETRACTED_PMID),))  # real review
    with ctx.store.transaction() as conn:
        save_papers(conn, [retracted, review, narrative], topic_id="t", run_id=None)
        record_observations(conn, [pubmed_observation(c) for c in detect_changes(None, retracted)])
    assert flag_reviews(ctx) == 1
    assert flag_reviews(ctx) == 0  # already flagged
    # SYNTHETIC row: Crossref's reference list of the review cites the same work. (Crossref names references by DOI;
    # the retracted record has none, so the row carries its PMID, which is what the store matches on.)
    with ctx.store.transaction() as conn:
        conn.execute(
            "INSERT INTO paper_references (pmid, source, ref_pmid, ref_doi) VALUES (?, 'crossref', ?, NULL)",
            (REVIEW_PMID, RETRACTED_PMID),
        )
    assert flag_reviews(ctx) == 0
    flags = [c for _, c in pending_changes(ctx.store, "") if c.kind == ChangeKind.CITES_RETRACTED]
    assert len(flags) == 1 and flags[0].pmid == REVIEW_PMID and flags[0].notice_pmid == RETRACTED_PMID
    assert flags[0].description.startswith("Includes a retracted study: The origin of Palestinians")
    assert [s.name for s in flags[0].sources] == ["PubMed reference list", "Crossref reference list"]


def test_crossref_references_are_replaced_not_added_on_each_check(ctx):
    review = _paper(REVIEW_PMID)
    with ctx.store.transaction() as conn:
        save_papers(conn, [review], topic_id="t", run_id=None)
        save_crossref_references(conn, REVIEW_PMID, ["10.1/a", "10.1/b"])
        save_crossref_references(conn, REVIEW_PMID, ["10.1/a"])
    rows = ctx.store.conn.execute(
        "SELECT source, count(*) FROM paper_references WHERE pmid = ? GROUP BY source", (REVIEW_PMID,)
    ).fetchall()
    assert dict(map(tuple, rows)) == {"crossref": 1, "pubmed": len(review.references)}


def test_observation_records_in_the_store_the_first_source_and_time(ctx):
    paper = _paper(RETRACTED_PMID)
    with ctx.store.transaction() as conn:
        save_papers(conn, [paper], topic_id="t", run_id=None)
        first = Observation(
            PaperChange(paper.pmid, paper.title, ChangeKind.RETRACTION_IN, "Retracted — Crossref", notice_doi="10.1/n"),
            "Crossref (Retraction Watch)",
            "doi:10.1/n",
        )
        assert record_observations(conn, [first]) == 1
        assert record_observations(conn, [pubmed_observation(c) for c in detect_changes(None, paper)]) == 0
    ((_, change),) = pending_changes(ctx.store, "")
    assert change.description == "Retracted — Crossref"  # the first source's words
    assert [s.name for s in change.sources] == ["Crossref (Retraction Watch)", "PubMed"]
