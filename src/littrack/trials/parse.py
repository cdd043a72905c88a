"""ClinicalTrials.gov API v2 JSON → :class:`~littrack.models.Study` records.

Pure functions, no I/O. The API omits whole modules when a study has nothing to say (and recorded
replies are trimmed further), so every module and field is optional except ``nctId``. A reply that is not
the documented shape at all raises :class:`~littrack.errors.TrialsError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from littrack.errors import TrialsError
from littrack.models import Intervention, Study, StudyReference

NCT_RE = re.compile(r"\bNCT\d{8}\b")
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_PMID_TEXT_RE = re.compile(r"\bPMID:?\s*(\d{1,9})\b")
# An amount with a dosing unit: "0.5 mg/kg/h", "300 mg", "2-4 µg/kg", "10 mL", "5000 IU". Not "20 grams of
# carbohydrate" (a meal, not a dose) nor bare numbers.
_DOSE_RE = re.compile(
    r"(?<![\w.])\d+(?:[.,]\d+)?(?:\s*(?:-|–|to)\s*\d+(?:[.,]\d+)?)?\s*"
    r"(?:mg|µg|μg|mcg|ug|ng|g|ml|IU|units?|mmol|meq)(?:\s*/\s*(?:kg|m2|m²|h|hr|hour|min|day|d|dose))*(?![a-zA-Z])",
    re.IGNORECASE,
)
_SENTENCE_RE = re.compile(r"(?<=[.;!?])\s+(?=[A-Z0-9(])")
MAX_DOSE_CHARS = 220


def parse_page(page: Mapping[str, Any]) -> tuple[Study, ...]:
    """The studies of one ``GET /studies`` reply (``{"studies": [...], "nextPageToken": ...}``)."""
    studies = page.get("studies", [])
    if not isinstance(studies, list):
        raise TrialsError(f"ClinicalTrials.gov reply has 'studies' as {type(studies).__name__}, expected a list")
    return tuple(parse_study(s) for s in studies)


def parse_study(obj: Any) -> Study:
    """One study object (an element of ``studies``, or the whole ``GET /studies/{nctId}`` reply)."""
    if not isinstance(obj, Mapping):
        raise TrialsError(f"ClinicalTrials.gov study is {type(obj).__name__}, expected an object")
    proto = _module(obj, "protocolSection")
    ident = _module(proto, "identificationModule")
    nct_id = ident.get("nctId")
    if not isinstance(nct_id, str) or not re.fullmatch(r"NCT\d{8}", nct_id):
        raise TrialsError(f"ClinicalTrials.gov study without a valid nctId ({nct_id!r}); the API reply format changed")
    status = _module(proto, "statusModule")
    design = _module(proto, "designModule")
    enrollment = _module(design, "enrollmentInfo")
    sponsor = _module(_module(proto, "sponsorCollaboratorsModule"), "leadSponsor")
    locations = _list(_module(proto, "contactsLocationsModule"), "locations")
    count = enrollment.get("count")
    completion = "completionDateStruct" if _date_of(status, "completionDateStruct") else "primaryCompletionDateStruct"
    return Study(
        nct_id=nct_id,
        title=_text(ident.get("briefTitle")) or _text(ident.get("officialTitle")) or nct_id,
        overall_status=_text(status.get("overallStatus")) or "",
        conditions=_strings(_list(_module(proto, "conditionsModule"), "conditions")),
        interventions=_interventions(_module(proto, "armsInterventionsModule")),
        phases=_strings(_list(design, "phases")),
        enrollment=count if isinstance(count, int) and not isinstance(count, bool) else None,
        enrollment_type=_text(enrollment.get("type")),
        start_date=_date_of(status, "startDateStruct"),
        start_date_type=_date_of(status, "startDateStruct", "type"),
        completion_date=_date_of(status, completion),
        completion_date_type=_date_of(status, completion, "type"),
        why_stopped=_text(status.get("whyStopped")),
        countries=_strings(loc.get("country") for loc in locations if isinstance(loc, Mapping)),
        sponsor=_text(sponsor.get("name")),
        last_update=_date_of(status, "lastUpdatePostDateStruct"),
        has_results=obj.get("hasResults") is True,
        references=_references(_list(_module(proto, "referencesModule"), "references")),
    )


def _interventions(module: Mapping[str, Any]) -> tuple[Intervention, ...]:
    """Each named intervention once, with its type and the dose its own or its arms' descriptions state."""
    arms = [a for a in _list(module, "armGroups") if isinstance(a, Mapping)]
    out: dict[str, Intervention] = {}
    for item in _list(module, "interventions"):
        name = _text(item.get("name")) if isinstance(item, Mapping) else None
        if not name or name in out:
            continue
        kind = _text(item.get("type"))
        labels = set(_strings(item.get("armGroupLabels") or ()))
        listed = f"{kind}: {name}".lower() if kind else None
        arm_texts = [
            _text(a.get("description")) or ""
            for a in arms
            if a.get("label") in labels
            or (listed and listed in (str(n).lower() for n in a.get("interventionNames") or ()))
        ]
        out[name] = Intervention(name, kind, registered_dose(name, [_text(item.get("description")) or "", *arm_texts]))
    return tuple(out.values())


def registered_dose(name: str, texts: Sequence[str]) -> str | None:
    """The registry's own sentence giving ``name``'s dose, or None when no sentence states an amount.

    Sentences naming the intervention win over ones that do not (an arm may list two drugs); among those the
    shortest wins (the arm's "repaglinide 0.5 mg before each meal" over the eligibility-laden intervention text).
    """
    sentences = [s.strip() for text in texts for s in _SENTENCE_RE.split(text) if _DOSE_RE.search(s)]
    if not sentences:
        return None
    head = name.lower().split(" (")[0]
    named = [s for s in sentences if head in s.lower()]
    best = min(named or sentences, key=len)
    return best if len(best) <= MAX_DOSE_CHARS else best[: MAX_DOSE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _references(items: Sequence[Any]) -> tuple[StudyReference, ...]:
    out: list[StudyReference] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        citation = _text(item.get("citation")) or ""
        pmid = _pmid(item.get("pmid")) or _pmid(_first(_PMID_TEXT_RE, citation))
        doi_match = _DOI_RE.search(citation)
        doi = doi_match.group(1).rstrip(".,;)") if doi_match else None
        if pmid is not None or doi:
            out.append(StudyReference(pmid=pmid, doi=doi, type=_text(item.get("type"))))
    return tuple(out)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(1) if m else None


def _pmid(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and int(text) > 0 else None


def _module(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key, {})
    if not isinstance(value, Mapping):
        raise TrialsError(f"ClinicalTrials.gov study has {key} as {type(value).__name__}, expected an object")
    return value


def _list(parent: Mapping[str, Any], key: str) -> list[Any]:
    value = parent.get(key, [])
    if not isinstance(value, list):
        raise TrialsError(f"ClinicalTrials.gov study has {key} as {type(value).__name__}, expected a list")
    return value


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _strings(values: Any) -> tuple[str, ...]:
    """Non-empty strings, de-duplicated in order (locations repeat their country per site)."""
    return tuple(dict.fromkeys(t for t in (_text(v) for v in values) if t))


def _date_of(status: Mapping[str, Any], key: str, field: str = "date") -> str | None:
    struct = status.get(key)
    return _text(struct.get(field)) if isinstance(struct, Mapping) else None
