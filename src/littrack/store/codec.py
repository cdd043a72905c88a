"""Records ⇄ JSON for the store: :class:`~littrack.models.Paper` (``papers.record``),
:class:`~littrack.models.Study` (``trials.state``), :class:`~littrack.models.Preprint` (``preprints.record``) and
:class:`~littrack.models.Evidence` (``evidence_cache.evidence``). Each round-trips every field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from typing import Any

from littrack.models import (
    AbstractSection,
    Author,
    CommentCorrection,
    Design,
    Dose,
    Drug,
    Evidence,
    EvidenceSource,
    Intervention,
    MeshHeading,
    Paper,
    PartialDate,
    Preprint,
    Reference,
    Regimen,
    Setting,
    Study,
    StudyDetails,
    StudyReference,
    Subjects,
)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def paper_to_json(paper: Paper) -> str:
    """Stable JSON (sorted keys) so equal papers give equal text and equal hashes."""
    return json.dumps(_plain(paper), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(record_json: str) -> str:
    return hashlib.sha256(record_json.encode("utf-8")).hexdigest()


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def paper_from_json(text: str) -> Paper:
    d = json.loads(text)
    return Paper(
        pmid=d["pmid"],
        title=d["title"],
        abstract=tuple(AbstractSection(**s) for s in d.get("abstract", ())),
        authors=tuple(Author(**{**a, "affiliations": tuple(a.get("affiliations", ()))}) for a in d.get("authors", ())),
        journal=d.get("journal"),
        journal_iso=d.get("journal_iso"),
        volume=d.get("volume"),
        issue=d.get("issue"),
        pages=d.get("pages"),
        pub_date=PartialDate(**d.get("pub_date", {})),
        electronic_date=_date(d.get("electronic_date")),
        entrez_date=_date(d.get("entrez_date")),
        doi=d.get("doi"),
        pmcid=d.get("pmcid"),
        languages=tuple(d.get("languages", ())),
        vernacular_title=d.get("vernacular_title"),
        publication_types=tuple(d.get("publication_types", ())),
        mesh=tuple(
            MeshHeading(m["descriptor"], m.get("major", False), tuple((q[0], q[1]) for q in m.get("qualifiers", ())))
            for m in d.get("mesh", ())
        ),
        keywords=tuple(d.get("keywords", ())),
        status=d.get("status", ""),
        indexing_method=d.get("indexing_method"),
        comments_corrections=tuple(CommentCorrection(**c) for c in d.get("comments_corrections", ())),
        databanks=tuple((b[0], b[1]) for b in d.get("databanks", ())),
        kind=d.get("kind", "article"),
        publisher=d.get("publisher"),
        references=tuple(Reference(**r) for r in d.get("references", ())),
    )


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
        interventions=tuple(_intervention(i) for i in d.get("interventions", ())),
        phases=tuple(d.get("phases", ())),
        enrollment=d.get("enrollment"),
        enrollment_type=d.get("enrollment_type"),
        start_date=d.get("start_date"),
        start_date_type=d.get("start_date_type"),
        completion_date=d.get("completion_date"),
        completion_date_type=d.get("completion_date_type"),
        why_stopped=d.get("why_stopped"),
        countries=tuple(d.get("countries", ())),
        sponsor=d.get("sponsor"),
        last_update=d.get("last_update"),
        has_results=bool(d.get("has_results", False)),
        references=tuple(StudyReference(**r) for r in d.get("references", ())),
    )


def preprint_to_json(preprint: Preprint) -> str:
    """Stable JSON (sorted keys) of a preprint (``preprints.record``)."""
    return json.dumps(_plain(preprint), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def preprint_from_json(text: str) -> Preprint:
    d = json.loads(text)
    return Preprint(
        id=d["id"],
        title=d["title"],
        server=d.get("server", "preprint server"),
        doi=d.get("doi"),
        version=d.get("version"),
        authors=tuple(d.get("authors", ())),
        first_published=_date(d.get("first_published")),
        year=d.get("year"),
        abstract=d.get("abstract", ""),
        published_pmid=d.get("published_pmid"),
    )
def _intervention(item: Any) -> Intervention:
    # States stored before interventions carried a type and dose hold the bare name.
    return Intervention(item) if isinstance(item, str) else Intervention(**item)


def evidence_to_json(evidence: Evidence) -> str:
    """Stable JSON (sorted keys) of a classification, enums as their values."""
    return json.dumps(_plain(evidence), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def evidence_from_json(text: str) -> Evidence:
    d = json.loads(text)
    det = d.get("details", {})
    details = StudyDetails(
        subjects=Subjects(det.get("subjects", Subjects.UNKNOWN)),
        sample_size=det.get("sample_size"),
        doses=tuple(Dose(**x) for x in det.get("doses", ())),
        routes=tuple(det.get("routes", ())),
        drugs=tuple(Drug(x) for x in det.get("drugs", ())),
        setting=Setting(det.get("setting", Setting.UNKNOWN)),
        regimen=Regimen(**det.get("regimen", {})),
        follow_up=det.get("follow_up"),
        conclusion=det.get("conclusion"),
        population=det.get("population"),
    )
    return Evidence(
        design=Design(d["design"]),
        label=d["label"],
        tier=d["tier"],
        source=EvidenceSource(d["source"]),
        human=d.get("human"),
        chips=tuple(d.get("chips", ())),
        sample_size=d.get("sample_size"),
        details=details,
        indexed_as=d.get("indexed_as"),
        text_design=Design(d["text_design"]) if d.get("text_design") else None,
        text_label=d.get("text_label"),
        automated=d.get("automated", False),
    )
