"""How stored trial events read in a digest: one row per trial with every change of the period, and whether
ClinicalTrials.gov could be reached.

Reads the store (:mod:`littrack.store.trials`, the run ledger) and decides what a reader sees; the digest job
puts the rows in its view and, once delivered, marks their ``event_ids`` reported.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from littrack.models import DEFAULT_PROFILE, Study, TrialChange, TrialChangeKind, TrialsCheck, TrialUpdate
from littrack.store import Store
from littrack.store import trials as trial_store
from littrack.store.runs import last_run
from littrack.store.trials import TrialEvent
from littrack.trials import changes as ch
from littrack.trials.describe import date_label, facts, planned_enrollment, status_label

# Reading order in the digest, of the rows (by their headline) and of the changes within a row: what happened to
# known trials first, then new registrations, then the flags time raises.
_ORDER = {ch.STATUS: 0, ch.RESULTS: 1, ch.NEW: 2, ch.NO_PUBLICATION: 3, ch.COMPLETION_PASSED: 4, ch.ENROLLMENT: 5}
_ERROR_CHARS = 200

__all__ = ["PendingTrialChange", "pending_trial_changes", "status_label", "trials_check"]


@dataclass(frozen=True)
class PendingTrialChange:
    """A trial's row for the digest, and the event ids to mark reported once the digest is delivered."""

    change: TrialChange
    event_ids: tuple[int, ...]


def pending_trial_changes(
    store: Store,
    *,
    reported_in: int | None = None,
    topic_names: Mapping[str, str] | None = None,
    synthetic: Collection[str] = (),
    profile: str = DEFAULT_PROFILE,
    since: str = "",
    topics: Collection[str] | None = None,
) -> tuple[PendingTrialChange, ...]:
    """Unreported changes (or, with ``reported_in``, those that digest reported), one row per trial.

    A trial first seen since the last digest is ``new``, shown with its current status; what else changed in the
    same period is already in its current state, so only a "no publication" flag joins it. A known trial's row
    lists each kind of change once, first-before → last-after (a status that went back where it was is not
    shown). A "no publication" flag is dropped once a paper links. ``topic_names`` maps topic ids to the names
    shown; ``synthetic`` names trials whose changes the offline demo staged from a made-up earlier state.
    ``profile``: not yet reported to it, detected ``since`` its registration; ``topics``: only trials of these.
    """
    by_trial: dict[str, list[TrialEvent]] = defaultdict(list)
    states: dict[str, Study] = {}
    for event, study in trial_store.event_states(store, reported_in=reported_in, profile=profile, since=since):
        by_trial[event.nct_id].append(event)
        states[event.nct_id] = study
    linked = trial_store.papers_for_trials(store, list(by_trial))
    of_trial = trial_store.topics_for_trials(store, list(by_trial))
    names = topic_names or {}
    rows: list[tuple[int, str, PendingTrialChange]] = []
    for nct_id, events in by_trial.items():
        if topics is not None and not set(of_trial.get(nct_id, ())) & set(topics):
            continue
        study = states[nct_id]
        updates = _updates(study, events, has_paper=nct_id in linked)
        if not updates:
            continue
        history = [s for _, s in trial_store.trial_history(store, nct_id)]
        change = TrialChange(
            nct_id,
            study.title,
            status_label(study.overall_status),
            updates[0].what,
            updates[0].before,
            updates[0].after,
            linked.get(nct_id, ()),
            updates=updates,
            facts=facts(
                study,
                planned=planned_enrollment(history),
                topics=[names.get(t, t) for t in of_trial.get(nct_id, ())],
            ),
            synthetic=nct_id in synthetic,
        )
        rows.append((_ORDER[updates[0].what], nct_id, PendingTrialChange(change, tuple(e.id for e in events))))
    return tuple(p for _, _, p in sorted(rows, key=lambda t: (t[0], t[1])))


def _updates(study: Study, events: Sequence[TrialEvent], *, has_paper: bool) -> tuple[TrialUpdate, ...]:
    kinds: dict[TrialChangeKind, list[TrialEvent]] = defaultdict(list)
    for e in events:
        kinds[TrialChangeKind(e.kind)].append(e)
    flags = []
    if kinds.get(ch.NO_PUBLICATION) and not has_paper:
        flags.append(TrialUpdate(ch.NO_PUBLICATION, None, kinds[ch.NO_PUBLICATION][-1].after))
    if ch.NEW in kinds:
        return (TrialUpdate(ch.NEW, None, status_label(study.overall_status) or None), *flags)
    out = list(flags)
    for kind, group in kinds.items():
        before, after = group[0].before, group[-1].after
        if kind == ch.NO_PUBLICATION or before == after:
            continue
        if kind == ch.STATUS:
            before, after = status_label(before) or None, status_label(after) or None
        elif kind == ch.RESULTS:  # the label says it all ("no results → results posted" would only repeat it)
            before = after = None
        elif kind == ch.COMPLETION_PASSED:
            after = date_label(after) or after
        out.append(TrialUpdate(kind, before, after))
    return tuple(sorted(out, key=lambda u: _ORDER.get(u.what, 9)))


def trials_check(store: Store, *, as_of: str | None = None) -> TrialsCheck:
    """How the latest trials sync (started before ``as_of``, an ISO time; default: any) went, and when the last
    good one ended (``TrialsCheck()``, all empty, when trials were never synced)."""
    latest = last_run(store, "trials", before=as_of)
    if latest is None:
        return TrialsCheck()
    good = last_run(store, "trials", "ok", before=as_of)
    last_ok_at = _time(good.ended_at) if good else None
    if latest.status in {"ok", "running"}:  # running: a sync under way now; the last good one still stands
        return TrialsCheck(last_ok_at=last_ok_at)
    error = " ".join((latest.error or latest.status).split())
    if len(error) > _ERROR_CHARS:
        error = error[: _ERROR_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return TrialsCheck(last_ok_at=last_ok_at, failed_at=_time(latest.ended_at or latest.started_at), error=error)


def _time(iso: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(iso) if iso else None
