"""Ranking inside a topic: tier, human before preclinical, sample size, recency, PMID."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from evidence_eval.records import by_pmid
from littrack.digest.view import PaperEntry
from littrack.evidence.classify import DESIGNS, classify
from littrack.evidence.rank import rank_key
from littrack.models import Topic

TOPIC = Topic(id="t", name="T", query="q")


def _entry(pmid: int, *, entrez: dt.date | None = None, **evidence_changes: object) -> PaperEntry:
    paper = by_pmid(pmid)
    if entrez is not None:
        paper = dataclasses.replace(paper, entrez_date=entrez)
    evidence = dataclasses.replace(classify(paper), **evidence_changes)  # type: ignore[arg-type]
    return PaperEntry(paper=paper, topics=(TOPIC,), evidence=evidence)


def rank(entries: Iterable[PaperEntry]) -> tuple[PaperEntry, ...]:
    """Entries best first by :func:`rank_key`."""
    return tuple(sorted(entries, key=lambda e: rank_key(e.paper, e.evidence)))


def test_rank_puts_rcts_and_reviews_before_case_reports_and_editorials() -> None:
    entries = [_entry(34529508), _entry(25364329), _entry(23435529), _entry(33856845)]
    designs = [e.evidence.design for e in rank(entries) if e.evidence]
    assert designs[:2] in (["rct", "systematic_review"], ["systematic_review", "rct"])
    assert designs[2:] == ["case_report", "editorial"]


def test_rank_puts_human_work_before_preclinical_work_of_the_same_tier() -> None:
    human = _entry(23435529, tier=7, human=True)
    animal = _entry(99598, tier=7, human=False)
    assert rank([animal, human]) == (human, animal)


def test_rank_prefers_larger_known_samples_then_unknown() -> None:
    big = _entry(23121403, tier=1, sample_size=822)
    small = _entry(23435529, tier=1, sample_size=408)
    unknown = _entry(22663011, tier=1, sample_size=None)
    assert rank([unknown, small, big]) == (big, small, unknown)


def test_rank_falls_back_to_newest_entrez_date_then_highest_pmid() -> None:
    older = _entry(23435529, entrez=dt.date(2020, 1, 1), tier=1, sample_size=None)
    newer = _entry(22663011, entrez=dt.date(2024, 1, 1), tier=1, sample_size=None)
    assert rank([older, newer]) == (newer, older)
    same_a = _entry(23435529, entrez=dt.date(2024, 1, 1), tier=1, sample_size=None)
    assert rank([same_a, newer]) == (same_a, newer)  # 23435529 > 22663011


def test_rank_key_treats_missing_evidence_as_unknown_design() -> None:
    paper = by_pmid(23435529)
    assert rank_key(paper, None)[:2] == (DESIGNS["other"][1], 0)
