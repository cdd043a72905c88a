"""A second, independent held-out set: real MEDLINE records from Europe PMC search replies (``data/europepmc/``).

Provenance per file: ``data/europepmc/PROVENANCE.md``. Two sets come out of these replies:

- **core**: the 25 records of ``search_cancer_core.json`` (``resultType=core``): title, abstract, journal,
  pagination, year, publication types and MeSH. They are scored exactly like the NLM-gold set
  (:func:`evalset.label` on the types and MeSH, the classifier seeing neither). Europe PMC does not give the
  citation status, so a record counts as fully indexed (and may be labelled "other") only when it carries MeSH.
- **titles**: every MEDLINE record (``source == "MED"``) of the lite replies (``search_1000results_cancer.json``,
  ``search_post_cancer.json``): title, journal, year and the ``pubType`` string, no abstract. It measures the
  title rules alone. A lite reply does not say whether a record has an abstract, so the pagination is withheld
  (the "no abstract, a few pages" rule is not measured here). Records whose types name no design ("journal
  article" only, the usual state before indexing) have no label: a prediction on them is counted apart.

Europe PMC's ``pubType`` mixes PubMed's publication types with the publisher's JATS article types
("research-article", "review-article", "case-report", "article-commentary", "correction"). Only PubMed's own
names (``PUBMED_TYPES``) are kept as gold; the JATS ones are dropped, so the gold stays NLM's vocabulary.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from evidence_eval.evalset import label
from littrack.evidence.indexed import PT_TRIAL
from littrack.markup import escape_text
from littrack.models import AbstractSection, MeshHeading, Paper, PartialDate

DATA = Path(__file__).resolve().parent / "data" / "europepmc"
CORE = DATA / "search_cancer_core.json"
LITE = (DATA / "search_1000results_cancer.json", DATA / "search_post_cancer.json")

# PubMed publication types the label table reads (LABEL_RULES), by their lower-case form in the lite replies.
PUBMED_TYPES = {
    t.lower(): t
    for t in (
        "Journal Article",
        "Published Erratum",
        "Retraction of Publication",
        "Expression of Concern",
        "Systematic Review",
        "Meta-Analysis",
        "Network Meta-Analysis",
        "Guideline",
        "Practice Guideline",
        "Consensus Development Conference",
        "Consensus Development Conference, NIH",
        "Clinical Trial Protocol",
        "Randomized Controlled Trial",
        *PT_TRIAL,
        "Case Reports",
        "Observational Study",
        "Editorial",
        "Letter",
        "Comment",
        "News",
        "Newspaper Article",
        "Interview",
        "Review",
        "Scoping Review",
    )
}
_TAG = re.compile(r"<[^>]+>")


def _plain(markup: str) -> str:
    import html

    return html.unescape(_TAG.sub("", markup)).strip()


def _pubmed_types(types: Iterable[str]) -> tuple[str, ...]:
    return tuple(PUBMED_TYPES[t.strip().lower()] for t in types if t.strip().lower() in PUBMED_TYPES)


def _sections(abstract: str) -> tuple[AbstractSection, ...]:
    """Europe PMC writes structured abstracts as ``<h4>Label</h4>text``; one section per heading."""
    parts = re.split(r"<h4>(.*?)</h4>", abstract)
    sections = []
    if _plain(parts[0]):
        sections.append(AbstractSection(escape_text(_plain(parts[0]))))
    for heading, text in zip(parts[1::2], parts[2::2], strict=True):
        if _plain(text):
            sections.append(AbstractSection(escape_text(_plain(text)), label=_plain(heading) or None))
    return tuple(sections)


def _year(record: dict[str, Any]) -> int | None:
    year = str(record.get("pubYear") or "")
    return int(year) if year.isdigit() else None


def core_paper(record: dict[str, Any]) -> Paper:
    """A core-result record as littrack's Paper (status MEDLINE only when it carries MeSH)."""
    mesh = tuple(
        MeshHeading(m["descriptorName"], major=m.get("majorTopic_YN") == "Y")
        for m in record.get("meshHeadingList", {}).get("meshHeading", [])
    )
    journal = record.get("journalInfo", {}).get("journal", {}).get("title")
    return Paper(
        pmid=int(record["pmid"]),
        title=escape_text(_plain(record["title"])),
        abstract=_sections(record.get("abstractText", "")),
        journal=journal,
        pages=record.get("pageInfo"),
        pub_date=PartialDate(year=_year(record)),
        publication_types=_pubmed_types(record.get("pubTypeList", {}).get("pubType", [])),
        mesh=mesh,
        status="MEDLINE" if mesh else "Publisher",
    )


def title_paper(record: dict[str, Any]) -> Paper:
    """A lite-result record: title, journal, year and the PubMed part of ``pubType``; no pagination (see above)."""
    return Paper(
        pmid=int(record["pmid"]),
        title=escape_text(_plain(record["title"])),
        journal=record.get("journalTitle"),
        pub_date=PartialDate(year=_year(record)),
        publication_types=_pubmed_types(str(record.get("pubType", "")).split(";")),
        status="Publisher",  # not known: never labelled "other" from the absence of a type
    )


def _results(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["resultList"]["result"])


@cache
def core_set() -> tuple[Paper, ...]:
    return tuple(core_paper(r) for r in _results(CORE) if r.get("source") == "MED" and r.get("pmid"))


@cache
def title_set() -> tuple[Paper, ...]:
    papers: dict[int, Paper] = {}
    for path in LITE:
        for r in _results(path):
            if r.get("source") == "MED" and r.get("pmid"):
                papers.setdefault(int(r["pmid"]), title_paper(r))
    return tuple(papers[k] for k in sorted(papers))


def title_label(paper: Paper) -> str | None:
    """The gold label of a title-set record: the label table on its PubMed types, None when they name no design."""
    found = label(paper)
    return None if found in (None, "other") else found
