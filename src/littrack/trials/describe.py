"""A registered study as a clinician reads it: status, phase, enrollment, dates and interventions as display text.

Pure functions, no I/O. Registry codes become words ("ACTIVE_NOT_RECRUITING" → "Active, not recruiting",
"PHASE2", "PHASE3" → "Phase 2/3"); dates keep the registry's precision ("2016-07" → "Jul 2016") and say when
they are estimates; a dose is only ever the registry's own sentence (:func:`littrack.trials.parse.registered_dose`),
never computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from littrack.models import Intervention, Study, TrialFacts

ACTUAL = "ACTUAL"
ESTIMATED = "ESTIMATED"
_STATUS_LABELS = {
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "APPROVED_FOR_MARKETING": "Approved for marketing",
    "TEMPORARILY_NOT_AVAILABLE": "Temporarily not available",
    "NO_LONGER_AVAILABLE": "No longer available",
    "UNKNOWN": "Unknown (not verified for over two years)",
}
_PHASES = {"EARLY_PHASE1": "Early phase 1", "PHASE1": "1", "PHASE2": "2", "PHASE3": "3", "PHASE4": "4"}
_TYPES = {"DRUG": "Drug", "BIOLOGICAL": "Biological", "DEVICE": "Device", "PROCEDURE": "Procedure",
          "BEHAVIORAL": "Behavioral", "DIETARY_SUPPLEMENT": "Dietary supplement", "RADIATION": "Radiation",
          "GENETIC": "Genetic", "COMBINATION_PRODUCT": "Combination product", "DIAGNOSTIC_TEST": "Diagnostic test",
          "OTHER": "Other"}  # fmt: skip


def status_label(status: str | None) -> str:
    """'RECRUITING' → 'Recruiting', 'ACTIVE_NOT_RECRUITING' → 'Active, not recruiting'."""
    if not status:
        return ""
    return _STATUS_LABELS.get(status) or status.replace("_", " ").capitalize()


def phase_label(phases: Sequence[str]) -> str:
    """('PHASE2', 'PHASE3') → 'Phase 2/3'; ('NA',) → 'Not applicable' (not a drug trial); () → ''."""
    if not phases:
        return ""
    if all(p == "NA" for p in phases):
        return "Not applicable"
    named = [_PHASES.get(p, p) for p in phases if p != "NA"]
    if named[0].startswith("Early"):
        return "/".join(named)
    return "Phase " + "/".join(named)


def date_label(text: str | None, kind: str | None = None) -> str:
    """'2016-07' → 'Jul 2016', '2019-12-20' → '20 Dec 2019', with ' (estimated)' for an estimate; '' if absent."""
    if not text:
        return ""
    parts = text.split("-")
    try:
        if len(parts) == 3:
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            shown = f"{day.day} {day:%b %Y}"
        elif len(parts) == 2:
            shown = f"{dt.date(int(parts[0]), int(parts[1]), 1):%b %Y}"
        else:
            shown = str(int(parts[0]))
    except ValueError:
        shown = text  # an unexpected form: show what the registry says
    return f"{shown} (estimated)" if kind == ESTIMATED else shown


def enrollment_text(study: Study, planned: int | None = None) -> str:
    """'planned 40, actual 31' once the actual count is in (``planned``: the last estimate littrack saw),
    'planned 120' while it is an estimate, '31 (actual)' when no estimate was seen, '' when none is registered."""
    n = study.enrollment
    if n is None:
        return ""
    if study.enrollment_type == ESTIMATED:
        return f"planned {n}"
    if study.enrollment_type == ACTUAL:
        return f"planned {planned}, actual {n}" if planned is not None else f"{n} (actual)"
    return str(n)


def planned_enrollment(history: Sequence[Study]) -> int | None:
    """The last estimated enrollment among a study's stored states, oldest first (None if never estimated)."""
    estimates = [s.enrollment for s in history if s.enrollment_type == ESTIMATED and s.enrollment is not None]
    return estimates[-1] if estimates else None


def intervention_text(item: Intervention) -> str:
    """'Drug: repaglinide (repaglinide 0.5 mg before each meal 3-4 times a day for 2 years.)'."""
    kind = _TYPES.get(item.type or "", (item.type or "").replace("_", " ").capitalize())
    name = f"{kind}: {item.name}" if kind else item.name
    return f"{name} (as registered: {item.dose})" if item.dose else name


def facts(study: Study, *, planned: int | None = None, topics: Sequence[str] = ()) -> TrialFacts:
    """Everything the digest shows about ``study`` beside its changes; ``topics`` are topic names."""
    return TrialFacts(
        conditions=study.conditions,
        interventions=tuple(intervention_text(i) for i in study.interventions),
        phase=phase_label(study.phases),
        sponsor=study.sponsor or "",
        enrollment=enrollment_text(study, planned),
        start=date_label(study.start_date, study.start_date_type),
        completion=date_label(study.completion_date, study.completion_date_type),
        topics=tuple(topics),
        results_posted=study.has_results,
        why_stopped=study.why_stopped or "",
    )
