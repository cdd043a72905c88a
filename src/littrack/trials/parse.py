"""ClinicalTrials.gov API v2 JSON → :class:`Study` records, and Study ⇄ JSON for the store.

Pure functions, no I/O. The API omits whole modules when a study has nothing to say (and recorded
replies are trimmed further), so every module and field is optional except ``nctId``. A reply that is not
the documented shape at all raises :class:`~littrack.errors.TrialsError`.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from littrack.errors import TrialsError

NCT_RE = re.compile(r"\bNCT\d{8}\b")
_DOI_RE = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_PMID_TEXT_RE = re.compile(r"\bPMID:?\s*(\d{1,9})\b")

# Reference types whose PMID reports the study itself (CT.gov adds DERIVED ones when a PubMed record
# cites the NCT id); BACKGROUND references are earlier literature and do not count as "published".
RESULT_TYPES = frozenset({"RESULT", "DERIVED"})


@dataclass(frozen=True, slots=True)
class StudyReference:
    """One ``referencesModule.references`` entry: its PMID and/or DOI and its type (RESULT, DERIVED, BACKGROUND)."""

    pmid: int | None = None
    doi: str | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class Study:
    """One registered study as littrack tracks it. Dates keep the registry's precision ("2016-07", "2019-12-20")."""

    nct_id: str
    title: str
    overall_status: str = ""
    conditions: tuple[str, ...] = ()
    interventions: tuple[str, ...] = ()
    phases: tuple[str, ...] = ()
    enrollment: int | None = None
    enrollment_type: str | None = None  # ACTUAL | ESTIMATED
    start_date: str | None = None
    completion_date: str | None = None  # overall completion, else primary completion
    countries: tuple[str, ...] = ()
    sponsor: str | None = None
    last_update: str | None = None  # lastUpdatePostDateStruct.date
    has_results: bool = False
    references: tuple[StudyReference, ...] = ()

    @property
    def reference_pmids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(r.pmid for r in self.references if r.pmid is not None))

    @property
    def result_pmids(self) -> tuple[int, ...]:
        """PMIDs the registry lists as this study's own publications."""
        return tuple(dict.fromkeys(r.pmid for r in self.references if r.pmid is not None and r.type in RESULT_TYPES))

    @property
    def reference_dois(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.doi for r in self.references if r.doi))

    @property
    def completion_end(self) -> dt.date | None:
        """The last day the completion date can mean ("2024-03" → 2024-03-31); None if absent or unreadable."""
        return date_end(self.completion_date)

    @property
    def url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}"


def date_end(text: str | None) -> dt.date | None:
    """Last day of a registry date of any precision: "2024" → Dec 31, "2024-03" → Mar 31, "2024-03-05" → itself."""
    if not text:
        return None
    parts = text.strip().split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return dt.date(year, 12, 31)
        month = int(parts[1])
        if len(parts) == 2:
            return dt.date(year, month, calendar.monthrange(year, month)[1])
        return dt.date(year, month, int(parts[2]))
    except (ValueError, IndexError):
        return None


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
    return Study(
        nct_id=nct_id,
        title=_text(ident.get("briefTitle")) or _text(ident.get("officialTitle")) or nct_id,
        overall_status=_text(status.get("overallStatus")) or "",
        conditions=_strings(_list(_module(proto, "conditionsModule"), "conditions")),
        interventions=_strings(
            i.get("name")
            for i in _list(_module(proto, "armsInterventionsModule"), "interventions")
            if isinstance(i, Mapping)
        ),
        phases=_strings(_list(design, "phases")),
        enrollment=count if isinstance(count, int) and not isinstance(count, bool) else None,
        enrollment_type=_text(enrollment.get("type")),
        start_date=_date_of(status, "startDateStruct"),
        completion_date=_date_of(status, "completionDateStruct") or _date_of(status, "primaryCompletionDateStruct"),
        countries=_strings(loc.get("country") for loc in locations if isinstance(loc, Mapping)),
        sponsor=_text(sponsor.get("name")),
        last_update=_date_of(status, "lastUpdatePostDateStruct"),
        has_results=obj.get("hasResults") is True,
        references=_references(_list(_module(proto, "referencesModule"), "references")),
    )


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


def _date_of(status: Mapping[str, Any], key: str) -> str | None:
    struct = status.get(key)
    return _text(struct.get("date")) if isinstance(struct, Mapping) else None


# -- Study ⇄ JSON (the store keeps each state as this text) ------------------------------------------


def study_to_json(study: Study) -> str:
    """Stable JSON (sorted keys): equal studies give equal text, so the store can compare states by hash."""
    return json.dumps(dataclasses.asdict(study), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def study_from_json(text: str) -> Study:
    d = json.loads(text)
    return Study(
        nct_id=d["nct_id"],
        title=d["title"],
        overall_status=d.get("overall_status", ""),
        conditions=tuple(d.get("conditions", ())),
        interventions=tuple(d.get("interventions", ())),
        phases=tuple(d.get("phases", ())),
        enrollment=d.get("enrollment"),
        enrollment_type=d.get("enrollment_type"),
        start_date=d.get("start_date"),
        completion_date=d.get("completion_date"),
        countries=tuple(d.get("countries", ())),
        sponsor=d.get("sponsor"),
        last_update=d.get("last_update"),
        has_results=bool(d.get("has_results", False)),
        references=tuple(StudyReference(**r) for r in d.get("references", ())),
    )
