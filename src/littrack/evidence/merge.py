"""One change per paper and kind, whichever source saw it first, every source that reported it named.

PubMed (CommentsCorrections, the "Retracted Publication" type) and Crossref (``updated-by`` notices from the
publisher or Retraction Watch) report the same events at different times. :func:`place` decides, for one report
(an :class:`Observation`), whether it is a new change or another source's report of a change already recorded.
Kinds stay apart: an erratum never merges into a retraction, nor a retraction into an expression of concern.
Pure: the caller reads the known changes from the store and applies the decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from littrack.models import RETRACTION_KINDS, ChangeKind, CrossrefNotice, NoticeKind, Paper, PaperChange

PUBMED = "PubMed"

_NOTICE_CHANGES: dict[NoticeKind, tuple[ChangeKind, str, str]] = {
    NoticeKind.RETRACTION: (ChangeKind.RETRACTION_IN, "Retracted", "retraction notice"),
    NoticeKind.EXPRESSION_OF_CONCERN: (ChangeKind.EXPRESSION_OF_CONCERN_IN, "Expression of concern", "notice"),
    NoticeKind.CORRECTION: (ChangeKind.ERRATUM_IN, "Correction published", "correction"),
}


@dataclass(frozen=True)
class Observation:
    """One source reporting one change of one paper."""

    change: PaperChange
    source: str  # PUBMED, "Crossref (publisher)", "Crossref (Retraction Watch)", …
    notice: str  # how that source names the notice: "PMID 123", "doi:10.1/x", or ""


@dataclass(frozen=True)
class KnownChange:
    id: int
    pmid: int
    kind: ChangeKind
    sources: Mapping[str, str] = field(default_factory=dict)  # source → the notice it named


@dataclass(frozen=True)
class Placement:
    """``new`` (insert a change), ``attach`` (add a source to change ``change_id``) or ``known`` (nothing to do)."""

    action: str
    change_id: int | None = None


def _same_kind(a: ChangeKind, b: ChangeKind) -> bool:
    return a == b or (a in RETRACTION_KINDS and b in RETRACTION_KINDS)


def place(obs: Observation, known: Sequence[KnownChange]) -> Placement:
    """Where ``obs`` goes among the ``known`` changes of its paper (see the module docstring)."""
    mine = sorted(
        (k for k in known if k.pmid == obs.change.pmid and _same_kind(k.kind, obs.change.kind)), key=lambda k: k.id
    )
    if any(k.sources.get(obs.source) == obs.notice for k in mine):
        return Placement("known")
    if obs.change.kind in RETRACTION_KINDS and mine:
        # A paper is retracted once: every later report, from any source or notice, names the same event.
        first = mine[0]
        return Placement("known") if obs.source in first.sources else Placement("attach", first.id)
    if obs.change.kind == ChangeKind.CITES_RETRACTED:
        # One change per retracted reference, named "PMID n" by every reference list that cites it.
        same = [k for k in mine if obs.notice in k.sources.values()]
        if not same:
            return Placement("new")
        return Placement("known") if obs.source in same[0].sources else Placement("attach", same[0].id)
    for k in mine:
        if obs.source not in k.sources:
            return Placement("attach", k.id)
    return Placement("new")


def source_name(notice: CrossrefNotice) -> str:
    """'Crossref (publisher)', 'Crossref (Retraction Watch)'."""
    where = "Retraction Watch" if notice.source == "retraction-watch" else notice.source
    return f"Crossref ({where})"


def crossref_observation(paper: Paper, notice: CrossrefNotice) -> Observation:
    """A Crossref notice about a stored paper, worded like PubMed's changes."""
    kind, what, noun = _NOTICE_CHANGES[notice.kind]
    label = notice.label.strip()
    # Crossref's own label is more precise inside a class ("Partial Retraction" is a correction-class notice).
    if label and label.lower() not in {what.lower(), noun.lower(), "correction", "retraction"}:
        what = label
    when = f", {notice.date.isoformat()}" if notice.date else ""
    change = PaperChange(
        pmid=paper.pmid,
        title=paper.title,
        kind=kind,
        description=f"{what} — see {noun} doi:{notice.notice_doi}{when}",
        notice_doi=notice.notice_doi,
        notice_source=source_name(notice),
    )
    return Observation(change, source_name(notice), f"doi:{notice.notice_doi}")


def cites_retracted_observation(review: Paper, retracted: Paper, reference_source: str) -> Observation:
    """A review whose reference list (``reference_source``: "PubMed" or "Crossref") includes a retracted paper."""
    change = PaperChange(
        pmid=review.pmid,
        title=review.title,
        kind=ChangeKind.CITES_RETRACTED,
        description=f"Includes a retracted study: {retracted.title_plain} (PMID {retracted.pmid})",
        notice_pmid=retracted.pmid,
    )
    return Observation(change, f"{reference_source} reference list", f"PMID {retracted.pmid}")


def pubmed_observation(change: PaperChange) -> Observation:
    """A change :func:`littrack.evidence.corrections.detect_changes` found in a PubMed record."""
    return Observation(change, PUBMED, f"PMID {change.notice_pmid}" if change.notice_pmid else "")
