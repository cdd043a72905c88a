"""How stored trial events read in a digest: one row per (trial, kind), collapsed, labelled and ordered.

Reads the store (:mod:`littrack.store.trials`) and decides what a reader sees; the digest job puts the rows in
its view and, once delivered, marks their ``event_ids`` reported.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from littrack.models import Study, TrialChange, TrialChangeKind
from littrack.store import Store
from littrack.store import trials as trial_store
from littrack.store.trials import TrialEvent
from littrack.trials import changes as ch

# Reading order in the digest: what happened to known trials first, then new registrations, then the dates.
_ORDER = {ch.STATUS: 0, ch.RESULTS: 1, ch.NEW: 2, ch.NO_PUBLICATION: 3, ch.COMPLETION_PASSED: 4, ch.ENROLLMENT: 5}
_STATUS_LABELS = {
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "NO_LONGER_AVAILABLE": "No longer available",
}


@dataclass(frozen=True)
class PendingTrialChange:
    """A change for the digest, and the event ids to mark reported once the digest is delivered."""

    change: TrialChange
    event_ids: tuple[int, ...]


def status_label(status: str | None) -> str:
    """'RECRUITING' → 'Recruiting', 'ACTIVE_NOT_RECRUITING' → 'Active, not recruiting'."""
    if not status:
        return ""
    return _STATUS_LABELS.get(status) or status.replace("_", " ").capitalize()


def pending_trial_changes(store: Store, *, reported_in: int | None = None) -> tuple[PendingTrialChange, ...]:
    """Unreported changes (or, with ``reported_in``, those that digest reported), one row per (trial, kind).

    Repeated changes of one kind collapse to first-before → last-after (a status that went back where it was
    is not shown). A trial that is new since the last digest shows as ``new`` with its current status; its
    other changes ride along in the same ``event_ids``. A "no publication" flag is dropped once a paper links.
    """
    by_trial: dict[str, list[TrialEvent]] = defaultdict(list)
    states: dict[str, Study] = {}
    for event, study in trial_store.event_states(store, reported_in=reported_in):
        by_trial[event.nct_id].append(event)
        states[event.nct_id] = study
    linked = trial_store.papers_for_trials(store, list(by_trial))
    out: list[tuple[int, str, PendingTrialChange]] = []
    for nct_id, events in by_trial.items():
        study = states[nct_id]
        pmids = linked.get(nct_id, ())
        kinds: dict[TrialChangeKind, list[TrialEvent]] = defaultdict(list)
        for e in events:
            kinds[TrialChangeKind(e.kind)].append(e)
        no_pub = kinds.pop(ch.NO_PUBLICATION, [])
        if no_pub and not pmids:
            row = _pending(study, pmids, ch.NO_PUBLICATION, None, no_pub[-1].after, [e.id for e in no_pub])
            out.append((_ORDER[ch.NO_PUBLICATION], nct_id, row))
        if ch.NEW in kinds:
            ids = sorted(e.id for group in kinds.values() for e in group)
            row = _pending(study, pmids, ch.NEW, None, study.overall_status or None, ids)
            out.append((_ORDER[ch.NEW], nct_id, row))
            continue
        for kind, group in kinds.items():
            before, after = group[0].before, group[-1].after
            if before == after:
                continue
            row = _pending(study, pmids, kind, before, after, [e.id for e in group])
            out.append((_ORDER.get(kind, 9), nct_id, row))
    return tuple(p for _, _, p in sorted(out, key=lambda t: (t[0], t[1])))


def _pending(
    study: Study,
    pmids: tuple[int, ...],
    kind: TrialChangeKind,
    before: str | None,
    after: str | None,
    ids: Sequence[int],
) -> PendingTrialChange:
    if kind in (ch.STATUS, ch.NEW):
        before, after = status_label(before) or None, status_label(after) or None
    change = TrialChange(study.nct_id, study.title, status_label(study.overall_status), kind, before, after, pmids)
    return PendingTrialChange(change, tuple(ids))
