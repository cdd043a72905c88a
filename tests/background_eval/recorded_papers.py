"""Real recorded PubMed records (``recorded_path("pubmed")``) as Paper objects, for relation pairs and benchmarks.

Uses littrack's own parser (``littrack.eutils.pubmed_xml.iter_papers``) when it exists; otherwise a
minimal lxml extractor of what relating needs (PMID, title, abstract, keywords, MeSH). Every record is
real and unedited; nothing is invented.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from lxml import etree

from littrack.models import AbstractSection, MeshHeading, Paper
from littrack.replay import recorded_path


def _text(el: etree._Element | None) -> str:
    return html.escape(" ".join("".join(el.itertext()).split()), quote=False) if el is not None else ""


def _minimal(path: Path) -> Iterator[Paper]:
    for _, el in etree.iterparse(str(path), tag=("PubmedArticle", "PubmedBookArticle"), recover=True, huge_tree=True):
        pmid = el.findtext(".//PMID")
        if pmid and pmid.strip().isdigit():
            title = el.find(".//ArticleTitle")
            if title is None:
                title = el.find(".//BookTitle")
            yield Paper(
                pmid=int(pmid),
                title=_text(title),
                abstract=tuple(AbstractSection(_text(a), a.get("Label")) for a in el.iter("AbstractText")),
                keywords=tuple(k.text.strip() for k in el.iter("Keyword") if k.text),
                mesh=tuple(MeshHeading(d.text.strip()) for d in el.iter("DescriptorName") if d.text),
            )
        el.clear()


def _iter_file(path: Path) -> Iterator[Paper]:
    try:
        from littrack.eutils.pubmed_xml import iter_papers  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        yield from _minimal(path)
        return
    try:
        yield from iter_papers(path.read_bytes())
    except Exception:  # a file the real parser rejects (truncated on purpose): take what lxml recovers
        yield from _minimal(path)


@lru_cache(maxsize=1)
def recorded_papers() -> dict[int, Paper]:
    """Every distinct recorded PubMed record, keyed by PMID (first occurrence wins)."""
    out: dict[int, Paper] = {}
    for path in sorted(recorded_path("pubmed").rglob("*.xml")):
        if b"PubmedArticle" not in path.read_bytes()[:200_000]:
            continue
        for paper in _iter_file(path):
            out.setdefault(paper.pmid, paper)
    return out
