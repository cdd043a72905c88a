"""The claims ledger of the four shipped seeds against a real SQLite store of real recorded records.

Lookups of the cited studies, topic matches, corrections "found" by re-checks and passage relations are
SYNTHETIC where a test says so (no recorded PubMed reply answers the seeds' searches, and no recorded record is
about ketamine for fibromyalgia); the records, the seeds, the mention extraction and the store are real.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from evidence_samples import (
    CRPS,
    FM,
    NARRATIVE,
    PRECLINICAL,
    RCT_2012,
    RCT_2013,
    RCT_WITH_ERRATA,
    RETRACTED,
    SR_2018,
    SR_2021,
    config,
    deliver,
    found_erratum,
    looked_up,
    open_filled,
)
from littrack.config import Config
from littrack.evidence_page import claims
from littrack.evidence_page.gather import gather
from littrack.evidence_page.model import ArticleLedger, Snapshot
from littrack.models import ClaimChange, ClaimEntry, ClaimFlag, Confidence, Lookup, RelatedPassage
from littrack.store import Store
from littrack.store import claims as claim_store

STEPHANIE = "healthrising-stephanie"
OVERVIEW = "healthrising-overview"
NEUROPAIN = "neuropain-systematic-review"
LIPTAN_TITLE = "This Could Be Big: Intravenous Ketamine for Fibromyalgia"
OVERVIEW_TITLE = "Ketamine and Fibromyalgia: An Overview"
STEPHANIE_TITLE = (
    "A deteriorating back turned Stephanie's life around: ketamine, pain and fibromyalgia (untitled in the saved text)"
)
STORE = {FM: [RCT_WITH_ERRATA, RETRACTED, RCT_2012, SR_2021, RCT_2013, NARRATIVE], CRPS: [PRECLINICAL]}
LOOKUPS: dict[int | str, list[int]] = {
    1997: [RCT_WITH_ERRATA],
    2000: [RETRACTED],
    2007: [RCT_2012],
    2011: [SR_2018],  # a real record the store does not hold
    "Advances in Rheumatology": [SR_2021],
}


def entries(ledger: tuple[ArticleLedger, ...]) -> list[ClaimEntry]:
    return [e for a in ledger for e in a.entries]


def by_year(ledger: tuple[ArticleLedger, ...], doc: str) -> dict[int | None, ClaimEntry]:
    """A document's entries by the year the article gives the cited study (None: no year; the last one wins)."""
    return {int(e.cited[:4]) if e.cited[:4].isdigit() else None: e for e in entries(ledger) if e.doc_id == doc}


def snapshot(tmp_path: Path, *, lookups: bool = True, resolve: bool = True) -> Snapshot:
    cfg = config(tmp_path, background={"resolve_mentions": resolve})
    with open_filled(cfg, STORE) as store:
        if lookups:
            looked_up(store, cfg, LOOKUPS)
        return gather(cfg, store)


def test_ledger_lists_the_studies_the_seeds_cite_with_their_lookup_state(tmp_path: Path) -> None:
    ledger = claims.article_ledgers(snapshot(tmp_path))
    assert [a.doc_id for a in ledger] == ["liptan-iv-ketamine", STEPHANIE, NEUROPAIN, OVERVIEW]
    assert [len(a.entries) for a in ledger] == [3, 11, 2, 10]
    stephanie = by_year(ledger, STEPHANIE)
    assert {y: stephanie[y].lookup for y in (1995, 1997, 2000, 2002, 2011)} == {
        1995: Lookup.NO_MATCH,
        1997: Lookup.MATCHED,
        2000: Lookup.MATCHED,
        2002: Lookup.NO_MATCH,
        2011: Lookup.MATCHED,
    }
    assert by_year(ledger, OVERVIEW)[2007].lookup == Lookup.MATCHED
    (review,) = [e for e in entries(ledger) if "6 trials · 115 patients" in e.cited]
    assert review.doc_id == NEUROPAIN and review.lookup == Lookup.MATCHED and review.confidence == Confidence.HIGH
    assert [r.pmid for r in review.records] == [SR_2021] and review.records[0].in_store
    # Too vague to search for: no year, author, country or size ("In one study, more than half …").
    assert entries(ledger)[0].lookup == Lookup.TOO_VAGUE


def test_before_any_lookup_entries_say_not_looked_up_and_why(tmp_path: Path) -> None:
    on = by_year(claims.article_ledgers(snapshot(tmp_path, lookups=False)), STEPHANIE)
    (tmp_path / "off").mkdir()
    off = by_year(claims.article_ledgers(snapshot(tmp_path / "off", lookups=False, resolve=False)), STEPHANIE)
    assert on[1995].lookup == Lookup.NOT_YET and on[1995].lookup_label == "not looked up yet"
    assert off[1995].lookup == Lookup.OFF and off[1995].lookup_label == "not looked up (resolution off)"


def test_a_cited_record_with_a_retraction_or_erratum_flags_the_entry(tmp_path: Path) -> None:
    ledger = claims.article_ledgers(snapshot(tmp_path))
    stephanie = by_year(ledger, STEPHANIE)
    assert stephanie[2000].flags == (ClaimFlag.RETRACTED,)
    assert by_year(ledger, OVERVIEW)[2000].flags == (ClaimFlag.RETRACTED,)  # the Danish study, same lookup
    assert stephanie[1997].flags == (ClaimFlag.CORRECTED,)
    assert stephanie[1997].records[0].corrections[0].startswith("Erratum published")
    assert stephanie[2011].flags == () and not stephanie[2011].records[0].in_store
    assert stephanie[2011].labels == ("cited study found",)


def related_to(snap: Snapshot, pmids: dict[int, str]) -> Snapshot:
    """SYNTHETIC relations: each PMID's paper bears on the given passage (no recorded record is about FM)."""
    facts = tuple(
        dataclasses.replace(f, related=(RelatedPassage("", "", "", 0.5, passage_id=pmids[f.paper.pmid]),))
        if f.paper.pmid in pmids
        else f
        for f in snap.facts
    )
    return dataclasses.replace(snap, facts=facts)


def test_a_newer_systematic_review_bearing_on_a_claim_is_newer_higher_tier_evidence(tmp_path: Path) -> None:
    passage = f"{STEPHANIE}#15"  # the 1995, 1997, 2000, 2002 and 2011 claims
    snap = related_to(snapshot(tmp_path), {SR_2021: passage, RCT_2013: passage, NARRATIVE: passage})
    stephanie = by_year(claims.article_ledgers(snap), STEPHANIE)
    # "A 2011 study …": a study the article does not describe further is at best an RCT; only the 2021 review
    # outranks it (the 2013 RCT is newer but not higher; the 2023 narrative review is lower).
    assert ClaimFlag.NEWER_EVIDENCE in stephanie[2011].flags
    assert [(b.pmid, b.newer_higher_tier) for b in stephanie[2011].bearing] == [
        (NARRATIVE, False),
        (SR_2021, True),
        (RCT_2013, False),
    ]
    assert stephanie[2011].flag_reason.startswith("Newer than the cited study (2011")
    # "A 2002 review" (narrative): the 2013 RCT and the 2021 review both outrank it.
    assert [b.pmid for b in stephanie[2002].bearing if b.newer_higher_tier] == [SR_2021, RCT_2013]


def test_papers_on_another_condition_do_not_bear_on_a_claim(tmp_path: Path) -> None:
    # PRECLINICAL is in the CRPS topic only: related to the fibromyalgia passage, it still does not bear on it.
    snap = related_to(snapshot(tmp_path), {PRECLINICAL: f"{STEPHANIE}#15"})
    assert by_year(claims.article_ledgers(snap), STEPHANIE)[2011].bearing == ()


def test_a_repeated_passage_in_a_second_article_gets_the_same_papers(tmp_path: Path) -> None:
    # The CRPS paragraphs are printed in two seeds; the relater names only the first copy.
    snap = snapshot(tmp_path)
    copies = [p for p, canon in snap.same_text.items() if canon != p]
    assert f"{OVERVIEW}#27" in copies and snap.same_text[f"{OVERVIEW}#27"] == f"{STEPHANIE}#18"


def test_the_real_relater_finds_the_depression_review_bearing_on_the_depression_claim(tmp_path: Path) -> None:
    ledger = claims.article_ledgers(snapshot(tmp_path))
    (iadarola,) = [e for e in entries(ledger) if "Iadarola" in e.cited]
    assert [b.pmid for b in iadarola.bearing] == [NARRATIVE]
    assert iadarola.bearing[0].design == "Narrative review"


def test_the_first_digest_records_every_status_and_shows_only_retractions_and_corrections(tmp_path: Path) -> None:
    ledger = claims.article_ledgers(snapshot(tmp_path))
    statuses, shown = claims.changes(ledger, {})
    assert len(statuses) == 26
    assert [c.message for c in shown] == [  # in the ledger's order: the 1997, then the 2000 study, then the Danish one
        f"A study cited by '{STEPHANIE_TITLE}' was corrected",
        f"A study cited by '{STEPHANIE_TITLE}' was retracted",
        f"A study cited by '{OVERVIEW_TITLE}' was retracted",
    ]
    assert claims.changes(ledger, statuses) == ({}, ())


def tell(store: Store, cfg: Config) -> tuple[int, tuple[ClaimChange, ...]]:
    """What a delivered digest would show and record about the ledger, as the digest job does it."""
    statuses, shown = claims.changes(
        claims.article_ledgers(gather(cfg, store)), claim_store.reported_statuses(store, "")
    )
    digest = deliver(store, [])
    with store.transaction() as conn:
        claim_store.save_reports(conn, "", digest, statuses, shown)
    return digest, shown


def test_a_correction_found_after_a_digest_is_told_once_in_the_next(tmp_path: Path) -> None:
    cfg = config(tmp_path, background={"resolve_mentions": True})
    with open_filled(cfg, STORE) as store:
        looked_up(store, cfg, LOOKUPS)
        first, _ = tell(store, cfg)
        found_erratum(store, RCT_2012)  # SYNTHETIC: a re-check found an erratum for the 2007 study's record
        second, shown = tell(store, cfg)
        assert [(c.message, c.before, c.after) for c in shown] == [
            (
                f"A study cited by '{OVERVIEW_TITLE}' was corrected",
                "cited study found",
                "cited study corrected; cited study found",
            )
        ]
        assert tell(store, cfg)[1] == ()
        assert claim_store.reported_in(store, second) == list(shown)
        assert len(claim_store.reported_in(store, first)) == 3


def test_a_study_found_later_is_told_as_found(tmp_path: Path) -> None:
    cfg = config(tmp_path, background={"resolve_mentions": True})
    with open_filled(cfg, STORE) as store:
        before = claims.article_ledgers(gather(cfg, store))  # nothing looked up yet
        statuses, _ = claims.changes(before, {})
        looked_up(store, cfg, LOOKUPS)
        _, shown = claims.changes(claims.article_ledgers(gather(cfg, store)), statuses)
    messages = {c.message for c in shown}
    assert f"A study cited by '{OVERVIEW_TITLE}' was retracted" in messages
    assert f"The study a claim in '{OVERVIEW_TITLE}' cites was found in PubMed" in messages
    assert f"No PubMed record matched the study a claim in '{LIPTAN_TITLE}' cites" not in messages  # too vague
