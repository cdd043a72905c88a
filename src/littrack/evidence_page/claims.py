"""The claims ledger: every claim of the background articles that cites a study, and where that study stands.

Pure assembly over a :class:`~littrack.evidence_page.model.Snapshot`. A claim is a sentence the study-mention
extractor (:mod:`littrack.background.mentions`, measured in ``tests/background_eval/``) found citing a study;
claims that cite nothing are not entries (no measured extractor finds them). Per entry:

- **lookup** of the cited study: the stored PubMed resolution (:mod:`littrack.background.resolve`) as found
  (with its confidence) or not found; "too vague" when the sentence gives nothing to search by; "not looked up"
  when no fetch has resolved it yet, or resolution is off;
- **flags**: *retracted* / *corrected* when a record the study resolved to carries a retraction, erratum,
  expression of concern or update (its own CommentsCorrections and the re-checks' findings); *newer
  higher-tier evidence* when a paper in the store that bears on the claim is newer than the cited study and of
  a higher evidence tier (rule below);
- **papers that bear on it**: papers whose related background passages (:meth:`Relater.relate`, the digest's
  own relation) include the claim's passage, or a near-identical copy of it in another article, limited to the
  topics about the claim's condition when a topic is; newest first.

Higher tier: designs rank by :data:`littrack.evidence.DESIGNS` tier, a systematic review above an RCT within
tier 1. The cited study's rank is its record's when the store holds it, else what the sentence says: "systematic
review", "review" (narrative), "case report"; a study the sentence does not describe further ("a 2011 study")
ranks as the best a single study can be (an RCT), so only a newer systematic review outranks it. Only papers on
people (or not stated), not retracted, and published after the cited study's year count; no year, no flag.

Nothing here says whether a claim is true: the entry shows evidence, the clinician judges.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from littrack.background.mentions import Mention
from littrack.background.resolve import Resolution, lookup_of, strict_query
from littrack.evidence_page.conditions import topics_for
from littrack.evidence_page.model import RETRACTION_KINDS, ArticleLedger, PaperFacts, Snapshot
from littrack.models import (
    LOOKUP_LABELS,
    BearingPaper,
    CitedRecord,
    ClaimChange,
    ClaimEntry,
    ClaimFlag,
    Confidence,
    Design,
    Lookup,
)

Rank = tuple[int, int]
_SINGLE_STUDY_BEST: Rank = (1, 1)  # an RCT: what "a study" can be at most
_MENTION_RANKS: dict[str, Rank | None] = {
    "systematic review": (1, 0),
    "randomized controlled trial": (1, 1),
    "case report": (5, 1),
    "review": (6, 1),
    "ongoing trial": None,  # no results yet: nothing to be newer than
}


def rank(design: Design, tier: int) -> Rank:
    """Smaller is stronger: the tier, then a systematic review before anything else of its tier."""
    return (tier, 0 if design == Design.SYSTEMATIC_REVIEW else 1)


def article_ledgers(snapshot: Snapshot) -> tuple[ArticleLedger, ...]:
    """Every background article with its ledger entries, in the articles' order (articles without any too)."""
    by_pmid = {f.paper.pmid: f for f in snapshot.facts}
    by_passage: dict[str, list[PaperFacts]] = {}
    for f in snapshot.facts:
        for passage in dict.fromkeys(snapshot.same_text.get(r.passage_id, r.passage_id) for r in f.related):
            by_passage.setdefault(passage, []).append(f)
    titles = {d.id: d.title for d in snapshot.documents}
    entries: dict[str, list[ClaimEntry]] = {d.id: [] for d in snapshot.documents}
    for m in snapshot.mentions:
        if m.doc_id not in entries:
            continue
        passage = f"{m.doc_id}#{m.passage_index}"
        topics = topics_for(m.condition, snapshot.topics)
        bearing = [
            f
            for f in by_passage.get(snapshot.same_text.get(passage, passage), ())
            if not topics or set(f.topic_ids) & set(topics)
        ]
        entries[m.doc_id].append(
            entry(m, titles[m.doc_id], snapshot.resolutions.get(m.key), snapshot.resolve_on, by_pmid, bearing)
        )
    return tuple(
        ArticleLedger(d.id, d.title, d.publisher, d.date_label, tuple(entries[d.id])) for d in snapshot.documents
    )


def entry(
    m: Mention,
    article: str,
    resolution: Resolution | None,
    resolve_on: bool,
    by_pmid: Mapping[int, PaperFacts],
    bearing: Sequence[PaperFacts],
) -> ClaimEntry:
    """One ledger entry (see the module docstring for every rule)."""
    lookup = _lookup(m, resolution, resolve_on)
    found = resolution.pmids if resolution is not None and lookup == Lookup.MATCHED else ()
    records = tuple(_record(pmid, by_pmid.get(pmid)) for pmid in found)
    cited = [by_pmid[p] for p in found if p in by_pmid]
    flags = []
    if any(f.retracted for f in cited):
        flags.append(ClaimFlag.RETRACTED)
    if any(c.kind not in RETRACTION_KINDS for f in cited for c in f.corrections):
        flags.append(ClaimFlag.CORRECTED)
    cited_rank = min((rank(f.evidence.design, f.evidence.tier) for f in cited), default=None)
    if cited_rank is None:  # not found, or the store does not hold the record: the sentence is all there is
        cited_rank = _MENTION_RANKS.get(m.design, _SINGLE_STUDY_BEST)
    cited_year = max((f.paper.year for f in cited if f.paper.year), default=None) or m.year
    newer = {
        f.paper.pmid
        for f in bearing
        if cited_rank is not None
        and cited_year is not None
        and (f.paper.year or 0) > cited_year
        and f.evidence.human is not False
        and not f.retracted
        and rank(f.evidence.design, f.evidence.tier) < cited_rank
    }
    reason = ""
    if newer:
        flags.append(ClaimFlag.NEWER_EVIDENCE)
        reason = _reason([f for f in bearing if f.paper.pmid in newer], cited_year, bool(cited))
    return ClaimEntry(
        key=m.key,
        doc_id=m.doc_id,
        article=article,
        sentence=m.sentence,
        cited=m.description,
        lookup=lookup,
        confidence=resolution.confidence if resolution is not None and found else Confidence.UNRESOLVED,
        records=records,
        flags=tuple(flags),
        bearing=tuple(_bearing(f, f.paper.pmid in newer) for f in _newest_first(bearing)),
        flag_reason=reason,
    )


def _lookup(m: Mention, resolution: Resolution | None, resolve_on: bool) -> Lookup:
    """The stored lookup's outcome (:func:`littrack.background.resolve.lookup_of`); a sentence with nothing to
    search by is too vague whether or not a fetch has looked at it yet."""
    if strict_query(m) is None:
        return Lookup.TOO_VAGUE
    if resolution is not None:
        return lookup_of(resolution)
    return Lookup.NOT_YET if resolve_on else Lookup.OFF


def _record(pmid: int, facts: PaperFacts | None) -> CitedRecord:
    if facts is None:
        return CitedRecord(pmid)
    return CitedRecord(
        pmid=pmid,
        in_store=True,
        title=facts.paper.title_plain,
        year=facts.paper.year,
        design=facts.evidence.display,
        corrections=tuple(c.description for c in facts.corrections),
        notice_pmids=tuple(c.notice_pmid for c in facts.corrections if c.notice_pmid),
    )


def _bearing(f: PaperFacts, newer: bool) -> BearingPaper:
    return BearingPaper(
        pmid=f.paper.pmid,
        title=f.paper.title_plain,
        year=f.paper.year,
        design=f.evidence.display,
        tier=f.evidence.tier,
        human=f.evidence.human,
        retracted=f.retracted,
        newer_higher_tier=newer,
    )


def _newest_first(papers: Iterable[PaperFacts]) -> list[PaperFacts]:
    def key(f: PaperFacts) -> tuple[int, int, int]:
        date = f.paper.entrez_date or f.paper.electronic_date
        return (-(f.paper.year or 0), -(date.toordinal() if date else 0), -f.paper.pmid)

    return sorted(papers, key=key)


def _reason(newer: Sequence[PaperFacts], cited_year: int | None, from_record: bool) -> str:
    """'Newer than the cited study (2011) and of a higher evidence tier: 2 systematic reviews (2021, 2024).'"""
    labels: dict[str, list[int]] = {}
    for f in _newest_first(newer):
        labels.setdefault(f.evidence.label, []).append(f.paper.year or 0)
    parts = [f"{len(ys)} × {label} ({', '.join(str(y) for y in sorted(set(ys)))})" for label, ys in labels.items()]
    basis = "its PubMed record" if from_record else "the article's description"
    return f"Newer than the cited study ({cited_year}, design from {basis}) and of a higher evidence tier: " + (
        "; ".join(parts)
    )


# --- what changed since the last digest --------------------------------------------------------------------

_NAMES = {**{k.name.lower(): v for k, v in LOOKUP_LABELS.items()}, **{v.name.lower(): str(v) for v in ClaimFlag}}


def labels_of(status: str) -> str:
    """The status labels of a stored status string, '; '-joined ('cited study found; …')."""
    return "; ".join(_NAMES.get(part.split(":")[0], part) for part in status.split("|") if part)


def changes(
    ledger: Iterable[ArticleLedger], reported: Mapping[str, str]
) -> tuple[dict[str, str], tuple[ClaimChange, ...]]:
    """(statuses to record, changes to show) against what the last digest recorded.

    A claim seen for the first time is recorded silently unless its cited study is already retracted or
    corrected: the first digest with the ledger should not list every claim as news.
    """
    record: dict[str, str] = {}
    shown: list[ClaimChange] = []
    for article in ledger:
        for e in article.entries:
            before = reported.get(e.key)
            if before == e.status:
                continue
            record[e.key] = e.status
            message = _message(e, before)
            if message:
                shown.append(
                    ClaimChange(e.key, e.article, e.sentence, message, labels_of(before or ""), "; ".join(e.labels))
                )
    return record, tuple(shown)


def _message(e: ClaimEntry, before: str | None) -> str | None:
    a = f"'{e.article}'"
    old = set(before.split("|")[1:]) if before else set()
    gained = {f for f in e.flags if f.name.lower() not in old}
    if ClaimFlag.RETRACTED in gained:
        return f"A study cited by {a} was retracted"
    if ClaimFlag.CORRECTED in gained:
        return f"A study cited by {a} was corrected"
    if before is None:
        return None
    if ClaimFlag.NEWER_EVIDENCE in gained:
        return f"Newer higher-tier evidence bears on a claim in {a}"
    old_lookup = before.split("|")[0]
    new_lookup = e.status.split("|")[0]
    if new_lookup != old_lookup:
        if e.lookup == Lookup.MATCHED and old_lookup.startswith("matched"):
            return f"The PubMed match for a study cited by {a} changed"
        if e.lookup == Lookup.MATCHED:
            return f"The study a claim in {a} cites was found in PubMed"
        if old_lookup.startswith("matched"):
            return f"The study a claim in {a} cites no longer matches a PubMed record"
        if e.lookup == Lookup.NO_MATCH:
            return f"No PubMed record matched the study a claim in {a} cites"
        return f"The lookup of a study cited by {a} changed"
    return f"The status of a claim in {a} changed"
