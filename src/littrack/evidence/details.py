"""A study's details as one frozen record (:class:`~littrack.models.StudyDetails`) and the chips shown from it.

Each part comes from its own module: counts (:mod:`.sample`), doses, routes, forms and regimen
(:mod:`.dosing`), setting (:mod:`.setting`), conclusion and population (:mod:`.summary`). Doses, routes and
setting are kept only for studies on people: a rat's 10 mg/kg is never shown as a dose a clinician might give.
"""

from __future__ import annotations

import re

from littrack.evidence import dosing
from littrack.evidence.sample import sample_size as _sample_size
from littrack.evidence.setting import setting as _setting
from littrack.evidence.subjects import subjects
from littrack.evidence.summary import conclusion, population
from littrack.models import Drug, Paper, Setting, StudyDetails, Subjects

_UNIT = r"(day|week|month|year)s?"
_FOLLOW_UP = (
    re.compile(rf"\b(\d+)[- ]{_UNIT}[- ]follow[- ]?up\b", re.IGNORECASE),
    re.compile(rf"\bfollow[- ]?up (?:period |duration )?of (\d+) {_UNIT}\b", re.IGNORECASE),
    re.compile(rf"\bfollowed(?: up)? for (?:up to )?(\d+) {_UNIT}\b", re.IGNORECASE),
    re.compile(rf"\b(\d+) {_UNIT} of follow[- ]?up\b", re.IGNORECASE),
)
_MAX_DOSE_CHIPS = 3


def follow_up(text: str) -> str | None:
    """'12-month follow-up' when the follow-up length is stated explicitly."""
    for pattern in _FOLLOW_UP:
        match = pattern.search(text)
        if match:
            return f"{match.group(1)}-{match.group(2).lower()} follow-up"
    return None


def sample_size(paper: Paper) -> int | None:
    """The number of people studied, when the title or abstract states it (:mod:`littrack.evidence.sample`)."""
    return _sample_size(paper.title_plain, paper.abstract_plain)


def study_details(paper: Paper, subjects: Subjects) -> StudyDetails:
    """Everything :class:`StudyDetails` holds for ``paper``, given who the study was done on."""
    title, abstract = paper.title_plain, paper.abstract_plain
    text = f"{title}\n{abstract}"
    base = StudyDetails(subjects=subjects, conclusion=conclusion(paper.abstract), follow_up=follow_up(text))
    if subjects in (Subjects.ANIMAL, Subjects.IN_VITRO):
        return base
    return StudyDetails(
        subjects=subjects,
        sample_size=sample_size(paper),
        doses=dosing.doses(text),
        routes=dosing.routes(text),
        drugs=dosing.drugs(text),
        setting=_setting(title, abstract) if subjects == Subjects.HUMAN else Setting.UNKNOWN,
        regimen=dosing.regimen(text),
        follow_up=base.follow_up,
        conclusion=base.conclusion,
        population=population(title, abstract) if subjects == Subjects.HUMAN else None,
    )


def chips(details: StudyDetails) -> tuple[str, ...]:
    """Display chips: n, setting, ketamine form, drug-bound doses, other routes, regimen, follow-up."""
    out: list[str] = []
    if details.sample_size is not None:
        out.append(f"n = {details.sample_size:,}")
    # "other setting" is kept in the record but not shown: its precision is low (RESULTS.md).
    if details.setting not in (Setting.UNKNOWN, Setting.OTHER):
        out.append(details.setting.value)
    out.extend(d.value for d in details.drugs if d != Drug.KETAMINE)
    shown = details.ketamine_doses[:_MAX_DOSE_CHIPS]
    out.extend(d.chip for d in shown)
    dose_routes = {d.route for d in shown}
    out.extend(r for r in details.routes if r not in dose_routes)
    out.extend(details.regimen.chips)
    if details.follow_up:
        out.append(details.follow_up)
    return tuple(out)


def extract_details(paper: Paper) -> tuple[str, ...]:
    """Chips for ``paper``, with who was studied read from its text (for callers without a classification)."""
    who = subjects(paper.title_plain, paper.abstract, paper.abstract_plain)
    return chips(study_details(paper, who))
