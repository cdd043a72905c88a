"""Real recorded PubMed records (``recorded_path("pubmed")``), parsed with littrack's own parser, looked up by PMID."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from littrack.eutils.pubmed_xml import iter_papers
from littrack.models import Paper
from littrack.replay import recorded_path

NLM_SAMPLE = recorded_path("pubmed", "fatcat", "python", "tests", "files", "pubmedsample_2019.xml")
METAPUB = recorded_path("pubmed", "metapub", "tests", "fixtures", "pmid_xml")
METAPUB_WHEEL = recorded_path("pubmed", "metapub-wheel")
HAWC = recorded_path("pubmed", "hawc", "extracted_bodies")


@cache
def _file(path: Path) -> dict[int, Paper]:
    return {p.pmid: p for p in iter_papers(path.read_bytes())}


def record(path: Path, pmid: int) -> Paper:
    """The record ``pmid`` from the recorded XML file ``path``."""
    return _file(path)[pmid]


def metapub(pmid: int) -> Paper:
    """A metapub fixture (one efetch reply per PMID): the 19 chosen from the repository, else the wheel's."""
    path = METAPUB / f"{pmid}.xml"
    return record(path if path.exists() else METAPUB_WHEEL / f"{pmid}.xml", pmid)


def hawc(pmid: int) -> Paper:
    """A record from any of the hawc efetch bodies."""
    for path in sorted(HAWC.glob("*efetch*.xml")):
        found = _file(path).get(pmid)
        if found is not None:
            return found
    raise KeyError(pmid)


@cache
def _corpus() -> dict[int, Paper]:
    from evidence_eval.evalset import load_corpus

    return {p.pmid: p for p in load_corpus()}


def by_pmid(pmid: int) -> Paper:
    """Any recorded record by PMID (first file in path order that holds it)."""
    return _corpus()[pmid]
