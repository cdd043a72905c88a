"""Which differences between two states of a study matter to a reader. Pure functions, no I/O.

The kinds (:class:`littrack.models.TrialChangeKind`, ``what`` in :class:`littrack.models.TrialChange`):

* ``new`` — first time littrack sees the study (before: None, after: its status);
* ``status`` — the overall status changed (RECRUITING → COMPLETED, → TERMINATED, → WITHDRAWN, …);
* ``results posted`` — ``hasResults`` went from false to true;
* ``enrollment`` — the enrollment count changed (after says whether it is now actual or estimated);
* ``completion date passed`` — the completion date went by while littrack was watching the study;
* ``no publication`` — completed, and still no linked paper ``no_publication_after_days`` after completion.

Everything else the registry edits (contacts, wording, sites) is kept in the history but not reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from littrack.models import Study, TrialChangeKind

# Short names for the kinds, as the rules below and the store use them.
NEW = TrialChangeKind.NEW
STATUS = TrialChangeKind.STATUS
RESULTS = TrialChangeKind.RESULTS
ENROLLMENT = TrialChangeKind.ENROLLMENT
COMPLETION_PASSED = TrialChangeKind.COMPLETION_PASSED
NO_PUBLICATION = TrialChangeKind.NO_PUBLICATION
KINDS = tuple(TrialChangeKind)

COMPLETED = "COMPLETED"


@dataclass(frozen=True, slots=True)
class Change:
    """One reportable difference; ``before``/``after`` are short display strings."""

    kind: TrialChangeKind
    before: str | None = None
    after: str | None = None


def diff_states(old: Study | None, new: Study) -> tuple[Change, ...]:
    """What changed from ``old`` (None: never seen) to ``new``, in reading order."""
    if old is None:
        return (Change(NEW, None, new.overall_status or None),)
    out: list[Change] = []
    if old.overall_status != new.overall_status and new.overall_status:
        out.append(Change(STATUS, old.overall_status or None, new.overall_status))
    if new.has_results and not old.has_results:
        out.append(Change(RESULTS, "no results", "results posted"))
    if old.enrollment != new.enrollment and new.enrollment is not None:
        out.append(Change(ENROLLMENT, enrollment_label(old), enrollment_label(new)))
    return tuple(out)


def enrollment_label(study: Study) -> str | None:
    """'120 (estimated)', '98 (actual)', '45' or None."""
    if study.enrollment is None:
        return None
    kind = f" ({study.enrollment_type.lower()})" if study.enrollment_type else ""
    return f"{study.enrollment}{kind}"


def completion_passed(study: Study, *, first_seen: dt.date, today: dt.date) -> bool:
    """True once the completion date has gone by, if it went by after littrack first saw the study.

    A study that had already finished when first seen is reported as ``new`` instead; reporting its long-past
    completion date too would only repeat what the reader sees in the new-study row.
    """
    end = study.completion_end
    return end is not None and first_seen <= end < today


def publication_overdue(study: Study, *, after_days: int, today: dt.date, has_linked_paper: bool) -> bool:
    """A COMPLETED study whose completion date is ``after_days`` behind us, with no paper linked to it.

    Papers the registry itself lists as results (RESULT/DERIVED references, which CT.gov adds when a PubMed
    record cites the NCT id) count as a publication even when that paper is not in littrack's store.
    """
    if study.overall_status != COMPLETED or has_linked_paper or study.result_pmids:
        return False
    end = study.completion_end
    return end is not None and end + dt.timedelta(days=after_days) <= today
