"""Real recorded PubMed records, sliced verbatim out of recorded EFetch replies, for the fake server.

Each ``<PubmedArticle>`` / ``<PubmedBookArticle>`` element is kept as the exact bytes NCBI sent, keyed
by PMID, with its real Entrez date (``History/PubMedPubDate[@PubStatus="pubmed"]``) so date-window
searches behave like ``datetype=edat``. Nothing is invented: a record the files lack does not exist.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from littrack.replay import recorded_path

# What the fake server replays (and `littrack demo` shows): the ~310 records of these E-utilities sources.
# The tree's bigger test corpora (metapub-wheel, fatcat's NLM baseline sample) stay out of it.
REPLAY_SOURCES = ("biocommons-eutils", "biopython", "hawc", "metapub")
_RECORD_RE = re.compile(rb"<(PubmedArticle|PubmedBookArticle)(?:\s[^>]*)?>.*?</\1>", re.DOTALL)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


@dataclass(frozen=True, slots=True)
class RecordedArticle:
    """One real record: its PMID, real Entrez date, verbatim XML bytes and the file it came from."""

    pmid: int
    entrez_date: dt.date | None
    xml: bytes
    source: str


class Corpus:
    """An immutable set of recorded records, newest Entrez date first (NCBI's "most recent" order)."""

    def __init__(self, records: Iterable[RecordedArticle]) -> None:
        by_pmid: dict[int, RecordedArticle] = {}
        for rec in records:
            by_pmid.setdefault(rec.pmid, rec)  # the same PMID recorded twice: keep the first
        self._by_pmid = by_pmid
        self._ordered = tuple(
            sorted(by_pmid.values(), key=lambda r: (r.entrez_date or dt.date.min, r.pmid), reverse=True)
        )

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> Corpus:
        """Slice every record out of the given EFetch reply files."""
        return cls(rec for p in paths for rec in slice_records(Path(p).read_bytes(), Path(p).name))

    def __len__(self) -> int:
        return len(self._by_pmid)

    def __contains__(self, pmid: object) -> bool:
        return pmid in self._by_pmid

    def __iter__(self) -> Iterator[RecordedArticle]:
        return iter(self._ordered)

    def get(self, pmid: int) -> RecordedArticle | None:
        return self._by_pmid.get(pmid)

    @property
    def pmids(self) -> tuple[int, ...]:
        """All PMIDs, newest Entrez date first."""
        return tuple(r.pmid for r in self._ordered)

    def in_window(self, start: dt.date | None, end: dt.date | None) -> tuple[int, ...]:
        """PMIDs whose Entrez date falls within ``start..end`` (inclusive; None = open), newest first."""
        return tuple(
            r.pmid
            for r in self._ordered
            if r.entrez_date is not None
            and (start is None or r.entrez_date >= start)
            and (end is None or r.entrez_date <= end)
        )


def slice_records(body: bytes, source: str = "") -> Iterator[RecordedArticle]:
    """Yield each record element of an EFetch reply, bytes untouched."""
    for match in _RECORD_RE.finditer(body):
        xml = match.group(0)
        root = etree.fromstring(xml, _PARSER)
        pmid_text = root.findtext("MedlineCitation/PMID") or root.findtext("BookDocument/PMID")
        if not pmid_text or not pmid_text.strip().isdigit():
            continue
        yield RecordedArticle(int(pmid_text), _entrez_date(root), xml, source)


def _entrez_date(root: etree._Element) -> dt.date | None:
    for history in ("PubmedData/History", "PubmedBookData/History"):
        node = root.find(f"{history}/PubMedPubDate[@PubStatus='pubmed']")
        if node is not None:
            try:
                return dt.date(
                    int(node.findtext("Year") or 0), int(node.findtext("Month") or 1), int(node.findtext("Day") or 1)
                )
            except ValueError:
                return None
    return None


def recorded_efetch_files(sources: Iterable[str] = REPLAY_SOURCES) -> list[Path]:
    """The shipped EFetch replies of these ``recorded/pubmed/`` sources (every ``.xml`` holding PubMed records)."""
    files = (p for source in sources for p in recorded_path("pubmed", source).rglob("*.xml"))
    return sorted(p for p in files if b"<PubmedArticleSet" in p.read_bytes()[:2048])


@functools.cache
def default_corpus() -> Corpus:
    """Every record in the replayed sources (:data:`REPLAY_SOURCES`: 310 real PubMed records)."""
    return Corpus.from_files(recorded_efetch_files())
