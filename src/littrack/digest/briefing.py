""""What matters this period": the counts and the few papers a clinician reads first, and the e-mail subject.

Pure: a :class:`~littrack.digest.view.DigestView` in, a :class:`~littrack.digest.view.Briefing` out.

- Counts by design for the designs a clinician acts on (systematic reviews, RCTs, guidelines, non-randomized
  trials, observational studies), safety reports, then events (retractions, other corrections, trial changes),
  then "N other papers": the design counts and "other papers" add up to the number of new papers.
- The top papers: up to five studies on people with a design worth reading first (systematic review down to
  case report), ranked as the topic sections rank (:func:`littrack.evidence.rank.rank_key`), retracted ones
  left out.
- The subject says the same in short ("2 RCTs, 1 retraction, 14 new papers"); a digest without new papers
  names its events instead ("1 trial posted results") and never says "0 new papers" when something happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from littrack.digest.view import Briefing, Count, DigestView, PaperEntry
from littrack.evidence.rank import rank_key
from littrack.models import ChangeKind, DateWindow, Design

MAX_TOP = 5

# (design, singular, plural), in the order the briefing names them.
_DESIGNS = (
    (Design.RCT, "RCT", "RCTs"),
    (Design.SYSTEMATIC_REVIEW, "systematic review", "systematic reviews"),
    (Design.GUIDELINE, "guideline", "guidelines"),
    (Design.CLINICAL_TRIAL, "non-randomized trial", "non-randomized trials"),
    (Design.OBSERVATIONAL, "observational study", "observational studies"),
)
_TOP_DESIGNS = frozenset({d for d, _, _ in _DESIGNS} | {Design.CASE_REPORT})
_RETRACTION = frozenset({ChangeKind.RETRACTION_IN, ChangeKind.RETRACTED_PUBLICATION})
# Trial change kinds (TrialChangeKind values) as the briefing says them.
_TRIALS = (
    ("results posted", "trial posted results", "trials posted results"),
    ("new", "new registered trial", "new registered trials"),
    ("status", "trial status change", "trial status changes"),
    ("no publication", "completed trial without publication", "completed trials without publication"),
    ("completion date passed", "trial past its completion date", "trials past their completion date"),
    ("enrollment", "trial enrollment change", "trial enrollment changes"),
)
# What the e-mail subject names before the paper total, in this order of priority, at most this many.
_SUBJECT_LABELS = ("RCT", "safety report", "retraction", "systematic review")
_MAX_SUBJECT_PARTS = 3


def _count(n: int, singular: str, plural: str, anchor: str = "") -> Count:
    return Count(n, singular if n == 1 else plural, anchor)


def summarise(view: DigestView) -> Briefing:
    """The briefing for ``view`` (see the module docstring)."""
    papers = view.papers
    in_lane = {e.paper.pmid for e in view.safety}
    counts: list[Count] = []
    named = 0
    for design, singular, plural in _DESIGNS:
        n = sum(1 for e in papers if e.paper.pmid not in in_lane and e.evidence and e.evidence.design == design)
        if n:
            counts.append(_count(n, singular, plural, "#briefing-top"))
            named += n
    if in_lane:
        counts.append(_count(len(in_lane), "safety report", "safety reports", "#safety"))
        named += len(in_lane)
    events = list(_events(view))
    counts.extend(events)
    if len(papers) - named:
        label = "other paper" if len(papers) - named == 1 else "other papers"
        counts.append(Count(len(papers) - named, label if named else label.replace("other ", "new "), ""))
    return Briefing(tuple(counts), top_papers(papers), _subject(counts, len(papers), events))


def _events(view: DigestView) -> Iterable[Count]:
    retracted = {c.pmid for c in view.changes if c.kind in _RETRACTION}
    retracted |= {e.paper.pmid for e in view.papers if e.retracted}
    if retracted:
        yield _count(len(retracted), "retraction", "retractions", "#changes")
    corrections = sum(1 for c in view.changes if c.kind not in _RETRACTION and c.pmid not in retracted)
    if corrections:
        yield _count(corrections, "correction to a sent paper", "corrections to sent papers", "#changes")
    for kind, singular, plural in _TRIALS:
        # One row per trial with every change of the period; a new trial counts as new, not as its changes.
        n = sum(1 for t in view.trials if (kind == "new") == t.is_new and any(str(u.what) == kind for u in t.changes))
        if n:
            yield _count(n, singular, plural, "#trials")


def top_papers(papers: Iterable[PaperEntry], limit: int = MAX_TOP) -> tuple[PaperEntry, ...]:
    """The studies on people to read first: designs from systematic review to case report, best first."""
    candidates = [
        e
        for e in papers
        if e.evidence is not None
        and e.evidence.human is not False
        and e.evidence.design in _TOP_DESIGNS
        and not e.retracted
    ]
    return tuple(sorted(candidates, key=lambda e: rank_key(e.paper, e.evidence))[:limit])


def _subject(counts: list[Count], total: int, events: list[Count]) -> str:
    if not total:
        return ", ".join(str(c) for c in events[:_MAX_SUBJECT_PARTS]) or "no new papers"
    named = {c.label.removesuffix("s"): c for c in counts}
    parts = [named[label] for label in _SUBJECT_LABELS if label in named][:_MAX_SUBJECT_PARTS]
    return ", ".join([*(str(c) for c in parts), f"{total} new paper{'s' if total != 1 else ''}"])


def short_period(period: DateWindow | None) -> str:
    """'25 Nov–1 Dec', '18–24 Nov', '28 Dec 2025–3 Jan 2026', '1 Dec'; '' without a period."""
    if period is None:
        return ""
    start, end = period.start, period.end
    if start == end:
        return _day(end)
    if start.year != end.year:
        return f"{_day(start)} {start.year}–{_day(end)} {end.year}"
    if start.month == end.month:
        return f"{start.day}–{_day(end)}"
    return f"{_day(start)}–{_day(end)}"


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b}"
