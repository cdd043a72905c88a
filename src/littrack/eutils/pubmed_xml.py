"""Parse PubMed EFetch XML (``db=pubmed&retmode=xml``) into :class:`littrack.models.Paper` records.

Boundary: bytes, a binary file or a path in; frozen ``Paper`` records out. No network, no storage.
Parsing streams with ``lxml.etree.iterparse`` and discards each record once it is converted, so memory
stays flat however many records a reply (or a baseline file) holds. DTDs are never loaded and entities
never resolved, so a reply cannot make the parser touch the network or the disk.

Titles and abstract sections are *safe markup* (see :mod:`littrack.markup`): escaped text in which only
``<i> <b> <sup> <sub> <u>`` survive, without attributes; other tags keep their text, and MathML becomes text
with ``<sub>``/``<sup>`` for its scripts. Every other string (names, journal, labels, vernacular title,
keywords) is plain text that renderers must escape.
"""

# one piece: the module walks PubMed's DTD from <PubmedArticleSet> down to a single <Month>; the record
# assembler and the element readers share one draft record and one set of date rules, and split apart they
# would only trade one long file for two that must always be read together. Inline markup lives in
# :mod:`littrack.eutils.inline`.

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import os
from collections.abc import Callable, Iterator
from typing import BinaryIO

from lxml import etree

from littrack.errors import ParseError
from littrack.eutils.inline import markup as _markup
from littrack.eutils.inline import plain as _plain
from littrack.eutils.inline import text as _text
from littrack.markup import escape_text
from littrack.models import (
    MONTHS,
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    Paper,
    PartialDate,
    Reference,
)

log = logging.getLogger(__name__)

Source = bytes | BinaryIO | str | os.PathLike[str]

_RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation", "ERROR")
_MONTH_NUMBERS = {name.lower(): i for i, name in enumerate(MONTHS, start=1)}
_HEAD_BYTES = 2048
# Which History date counts as "added to PubMed": NCBI's edat is PubStatus="pubmed"; older records
# and books sometimes carry only "entrez" or "medline".
_ENTREZ_STATUSES = ("pubmed", "entrez", "medline")


def parse_papers(data: bytes) -> list[Paper]:
    """Parse a whole EFetch reply; all-or-nothing, so a truncated reply yields no partial list."""
    return list(iter_papers(data))


def iter_papers(source: Source) -> Iterator[Paper]:
    """Yield one :class:`Paper` per ``PubmedArticle``/``PubmedBookArticle`` in ``source``.

    ``source`` is the reply body (bytes), an open binary file, or a path. ``DeleteCitation`` blocks of
    baseline files are skipped. Raises :class:`ParseError` for truncated or malformed XML, an HTML or
    JSON body, an NCBI ``<ERROR>`` body, or a document that is not a ``PubmedArticleSet``; papers
    before the fault have already been yielded, so callers that need all-or-nothing collect first.
    """
    if isinstance(source, bytes):
        data = source
        return _stream(io.BytesIO(data), lambda: data[:_HEAD_BYTES])
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        # libxml2 reads a path itself, faster than through Python; the head is read only to explain a failure.
        return _stream(path, lambda: _file_head(path))
    reader = _HeadRecorder(source)
    return _stream(reader, lambda: reader.head)


def _file_head(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read(_HEAD_BYTES)
    except OSError:
        return b""


class _HeadRecorder:
    """Keeps the first bytes read so a failure can say what came back instead of XML."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if len(self.head) < _HEAD_BYTES:
            self.head += data[: _HEAD_BYTES - len(self.head)]
        return data


def _stream(source: str | io.BytesIO | _HeadRecorder, head: Callable[[], bytes]) -> Iterator[Paper]:
    context = etree.iterparse(
        source,
        events=("end",),
        tag=_RECORD_TAGS,
        load_dtd=False,
        no_network=True,
        resolve_entities=False,
        remove_comments=True,
    )
    try:
        for _event, elem in context:
            tag = elem.tag
            paper: Paper | None = None
            if tag == "PubmedArticle":
                paper = _article(elem)
            elif tag == "PubmedBookArticle":
                paper = _book(elem)
            elif tag == "ERROR":
                parent = elem.getparent()
                if parent is not None and parent.getparent() is not None:
                    continue  # an element that happens to be named ERROR inside a record: the record's content
                text = " ".join("".join(elem.itertext()).split()) or "no message"
                raise ParseError(f"NCBI answered with an error instead of records: {text}; it will be retried")
            # Free the record and every earlier sibling: without this lxml keeps the whole tree.
            elem.clear(keep_tail=True)
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
            if paper is not None:
                yield paper
        root_tag = context.root.tag if context.root is not None else None
    except etree.XMLSyntaxError as exc:
        raise _diagnose(head(), str(exc)) from exc
    if root_tag != "PubmedArticleSet":
        if _looks_like_html(head()) or str(root_tag).lower() == "html":
            raise _html_error()
        raise ParseError(
            f"PubMed reply is a <{root_tag}> document, not the PubmedArticleSet EFetch returns; "
            "check the request was EFetch with db=pubmed&retmode=xml"
        )


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip()[:512].lower()
    return start.startswith(b"<html") or b"<!doctype html" in start or b"<html" in start


def _html_error() -> ParseError:
    return ParseError(
        "PubMed returned HTML where XML was expected (did the request omit retmode=xml?); check the EFetch parameters"
    )


def _diagnose(head: bytes, detail: str) -> ParseError:
    start = head.lstrip()
    if not start:
        return ParseError("PubMed reply is empty where XML was expected; it will be retried")
    if start.startswith(b"{"):
        snippet = start[:200].decode("utf-8", "replace")
        return ParseError(f"PubMed returned JSON where XML was expected ({snippet}); it will be retried")
    if _looks_like_html(head):
        return _html_error()
    return ParseError(f"PubMed reply is not complete XML ({detail}); it will be retried")


# --- records ---------------------------------------------------------------------------------------


class _Draft:
    """Mutable fields gathered while walking one record, frozen into a Paper at the end."""

    def __init__(self) -> None:
        self.pmid: int | None = None
        self.title = ""
        self.abstract: tuple[AbstractSection, ...] = ()
        self.authors: tuple[Author, ...] = ()
        self.journal: str | None = None
        self.journal_iso: str | None = None
        self.volume: str | None = None
        self.issue: str | None = None
        self.pages: str | None = None
        self.pii: str | None = None
        self.pub_date = PartialDate()
        self.electronic_date: dt.date | None = None
        self.entrez_date: dt.date | None = None
        self.doi: str | None = None
        self.eloc_doi: str | None = None
        self.pmcid: str | None = None
        self.languages: list[str] = []
        self.vernacular_title: str | None = None
        self.publication_types: list[str] = []
        self.mesh: tuple[MeshHeading, ...] = ()
        self.keywords: list[str] = []
        self.status = ""
        self.indexing_method: str | None = None
        self.comments: tuple[CommentCorrection, ...] = ()
        self.databanks: list[tuple[str, str]] = []
        self.kind = "article"
        self.publisher: str | None = None
        self.references: list[Reference] = []

    def build(self) -> Paper | None:
        if self.pmid is None or self.pmid <= 0:
            log.warning("skipping a PubMed record without a usable PMID")
            return None
        return Paper(
            pmid=self.pmid,
            title=self.title or (escape_text(self.vernacular_title) if self.vernacular_title else ""),
            abstract=self.abstract,
            authors=self.authors,
            journal=self.journal,
            journal_iso=self.journal_iso,
            volume=self.volume,
            issue=self.issue,
            pages=self.pages or self.pii,
            pub_date=self.pub_date,
            electronic_date=self.electronic_date,
            entrez_date=self.entrez_date,
            doi=self.doi or self.eloc_doi,
            pmcid=self.pmcid,
            languages=tuple(self.languages),
            vernacular_title=self.vernacular_title,
            publication_types=tuple(self.publication_types),
            mesh=self.mesh,
            keywords=tuple(self.keywords),
            status=self.status,
            indexing_method=self.indexing_method,
            comments_corrections=self.comments,
            databanks=tuple(self.databanks),
            kind=self.kind,
            publisher=self.publisher,
            references=tuple(self.references),
        )


def _article(elem: etree._Element) -> Paper | None:
    d = _Draft()
    for part in elem:
        if part.tag == "MedlineCitation":
            d.status = part.get("Status", "")
            d.indexing_method = part.get("IndexingMethod") or None
            _medline_citation(part, d)
        elif part.tag == "PubmedData":
            _pubmed_data(part, d)
    return d.build()


def _medline_citation(mc: etree._Element, d: _Draft) -> None:
    for c in mc:
        tag = c.tag
        if tag == "PMID":
            d.pmid = _int(c.text)
        elif tag == "Article":
            _journal_article(c, d)
        elif tag == "MeshHeadingList":
            d.mesh = _mesh_list(c)
        elif tag == "KeywordList":
            _add_keywords(c, d)
        elif tag == "CommentsCorrectionsList":
            d.comments = tuple(_comment(cc) for cc in c if cc.tag == "CommentsCorrections")


def _journal_article(article: etree._Element, d: _Draft) -> None:
    for c in article:
        tag = c.tag
        if tag == "Journal":
            _journal(c, d)
        elif tag == "ArticleTitle":
            d.title = _markup(c)
        elif tag == "Pagination":
            d.pages = _pagination(c)
        elif tag == "ELocationID":
            _elocation(c, d)
        elif tag == "Abstract":
            d.abstract = _abstract(c)
        elif tag == "AuthorList":
            d.authors = _authors(c)
        elif tag == "Language":
            _add_language(c, d)
        elif tag == "DataBankList":
            _databanks(c, d)
        elif tag == "PublicationTypeList":
            d.publication_types.extend(_text(p) for p in c if p.tag == "PublicationType")
        elif tag == "VernacularTitle":
            d.vernacular_title = _plain(c) or None
        elif tag == "ArticleDate" and c.get("DateType") == "Electronic":
            d.electronic_date = _full_date(c)


def _journal(journal: etree._Element, d: _Draft) -> None:
    for c in journal:
        tag = c.tag
        if tag == "JournalIssue":
            for ji in c:
                if ji.tag == "Volume":
                    d.volume = _text(ji) or None
                elif ji.tag == "Issue":
                    d.issue = _text(ji) or None
                elif ji.tag == "PubDate":
                    d.pub_date = _partial_date(ji)
        elif tag == "Title":
            d.journal = _plain(c) or None
        elif tag == "ISOAbbreviation":
            d.journal_iso = _text(c) or None


def _pubmed_data(pdata: etree._Element, d: _Draft) -> None:
    for c in pdata:
        if c.tag == "History":
            _history(c, d)
        elif c.tag == "ArticleIdList":
            _article_ids(c, d)
        elif c.tag == "ReferenceList":
            _references(c, d)


def _references(ref_list: etree._Element, d: _Draft) -> None:
    """Cited works that carry a PMID or DOI (``ReferenceList`` may nest further ReferenceLists)."""
    for ref in ref_list.iter("Reference"):
        pmid: int | None = None
        doi: str | None = None
        for aid in ref.iterfind("ArticleIdList/ArticleId"):
            kind = aid.get("IdType")
            if kind == "pubmed" and pmid is None:
                pmid = _int(aid.text)
            elif kind == "doi" and doi is None:
                doi = _doi(aid.text)
        if pmid is not None or doi is not None:
            found = Reference(pmid=pmid, doi=doi.lower() if doi else None)
            if found not in d.references:
                d.references.append(found)


def _book(elem: etree._Element) -> Paper | None:
    d = _Draft()
    d.kind = "book"
    author_lists: list[tuple[str, tuple[Author, ...]]] = []
    book_title = ""
    chapter_title = ""
    for part in elem:
        if part.tag == "PubmedBookData":
            _pubmed_data(part, d)
        elif part.tag != "BookDocument":
            continue
        for c in part:
            tag = c.tag
            if tag == "PMID":
                d.pmid = _int(c.text)
            elif tag == "ArticleIdList":
                _article_ids(c, d)
            elif tag == "Book":
                for b in c:
                    btag = b.tag
                    if btag == "Publisher":
                        d.publisher = _plain(b.find("PublisherName")) or None
                    elif btag == "BookTitle":
                        book_title = _markup(b)
                        d.journal = _plain(b) or None
                    elif btag == "PubDate":
                        d.pub_date = _partial_date(b)
                    elif btag == "AuthorList":
                        author_lists.append((b.get("Type", ""), _authors(b)))
                    elif btag == "Volume":
                        d.volume = _text(b) or None
                    elif btag == "ELocationID":
                        _elocation(b, d)
            elif tag == "ArticleTitle":
                chapter_title = _markup(c)
            elif tag == "VernacularTitle":
                d.vernacular_title = _plain(c) or None
            elif tag == "Language":
                _add_language(c, d)
            elif tag == "AuthorList":
                author_lists.append((c.get("Type", ""), _authors(c)))
            elif tag == "PublicationType":
                d.publication_types.append(_text(c))
            elif tag == "Abstract":
                d.abstract = _abstract(c)
            elif tag == "KeywordList":
                _add_keywords(c, d)
    d.title = chapter_title or book_title
    # A chapter lists the book's editors and the chapter's authors; credit the authors.
    preferred = [a for t, a in author_lists if t == "authors"] or [a for _t, a in author_lists]
    d.authors = preferred[0] if preferred else ()
    return d.build()


# --- pieces ----------------------------------------------------------------------------------------


def _abstract(abstract: etree._Element) -> tuple[AbstractSection, ...]:
    sections = []
    for at in abstract:
        if at.tag != "AbstractText":
            continue
        text = _markup(at)
        label = at.get("Label") or None
        if text or label:
            sections.append(AbstractSection(text=text, label=label, category=at.get("NlmCategory") or None))
    return tuple(sections)


def _authors(author_list: etree._Element) -> tuple[Author, ...]:
    # The hottest loop (a dozen authors per record): plain reads, inline strips, few helper calls.
    authors = []
    for a in author_list:
        # ValidYN="N" marks a misspelt duplicate that NLM keeps for searching, not for display.
        if a.get("ValidYN") == "N" or a.tag != "Author":
            continue
        last = fore = initials = collective = None
        affiliations: list[str] = []
        for c in a:
            tag = c.tag
            if tag == "LastName":
                last = c.text
            elif tag == "ForeName":
                fore = c.text
            elif tag == "Initials":
                initials = c.text
            elif tag == "AffiliationInfo":
                aff = _plain(c[0]) if len(c) and c[0].tag == "Affiliation" else ""
                if aff:
                    affiliations.append(aff)
            elif tag == "CollectiveName":
                collective = _plain(c) or None
        if last or fore or collective:
            authors.append(
                Author(
                    last.strip() or None if last else None,
                    fore.strip() or None if fore else None,
                    initials.strip() or None if initials else None,
                    collective,
                    tuple(affiliations),
                )
            )
    return tuple(authors)


def _mesh_list(mesh_list: etree._Element) -> tuple[MeshHeading, ...]:
    headings = []
    for h in mesh_list:
        descriptor = ""
        major = False
        qualifiers = []
        for c in h:
            if c.tag == "DescriptorName":
                descriptor = (c.text or "").strip()
                major = c.get("MajorTopicYN") == "Y"
            elif c.tag == "QualifierName":
                qualifiers.append(((c.text or "").strip(), c.get("MajorTopicYN") == "Y"))
        if descriptor:
            headings.append(_mesh_heading(descriptor, major, tuple(qualifiers)))
    return tuple(headings)


@functools.lru_cache(maxsize=16384)
def _mesh_heading(descriptor: str, major: bool, qualifiers: tuple[tuple[str, bool], ...]) -> MeshHeading:
    # The same few thousand headings recur across records; sharing the frozen objects saves
    # a third of the MeSH cost and memory for callers that keep many papers.
    return MeshHeading(descriptor, major, qualifiers)


def _add_keywords(keyword_list: etree._Element, d: _Draft) -> None:
    for c in keyword_list:
        if c.tag == "Keyword":
            keyword = _plain(c)
            # Books repeat the same keywords in several lists (one per owner).
            if keyword and keyword not in d.keywords:
                d.keywords.append(keyword)


def _comment(cc: etree._Element) -> CommentCorrection:
    source = ""
    pmid = None
    for c in cc:
        if c.tag == "RefSource":
            source = _plain(c)
        elif c.tag == "PMID":
            pmid = _int(c.text)
    return CommentCorrection(cc.get("RefType", ""), source, pmid)


def _databanks(databank_list: etree._Element, d: _Draft) -> None:
    for bank in databank_list:
        name = _text(bank.find("DataBankName"))
        for acc in bank.iterfind("AccessionNumberList/AccessionNumber"):
            number = _text(acc)
            if number:
                d.databanks.append((name, number))


def _add_language(c: etree._Element, d: _Draft) -> None:
    lang = _text(c)
    if lang and lang not in d.languages:
        d.languages.append(lang)


def _pagination(pagination: etree._Element) -> str | None:
    start = end = ""
    for c in pagination:
        if c.tag == "MedlinePgn":
            pgn = _text(c)
            if pgn:
                return pgn
        elif c.tag == "StartPage":
            start = _text(c)
        elif c.tag == "EndPage":
            end = _text(c)
    if start and end and end != start:
        return f"{start}-{end}"
    return start or None


def _elocation(eloc: etree._Element, d: _Draft) -> None:
    if eloc.get("ValidYN") == "N":
        return
    kind = eloc.get("EIdType")
    if kind == "doi" and d.eloc_doi is None:
        d.eloc_doi = _doi(eloc.text)
    elif kind == "pii" and d.pii is None:
        d.pii = _text(eloc) or None


def _article_ids(id_list: etree._Element, d: _Draft) -> None:
    for c in id_list:
        kind = c.get("IdType")
        if kind == "doi" and d.doi is None:
            d.doi = _doi(c.text)
        elif kind == "pmc" and d.pmcid is None:
            pmc = _text(c).upper().split(".", 1)[0]  # baseline files carry versions: PMC3706072.1
            if pmc.isdigit():
                pmc = "PMC" + pmc
            if pmc.startswith("PMC") and pmc[3:].isdigit():
                d.pmcid = pmc


def _doi(raw: str | None) -> str | None:
    if not raw:
        return None
    doi = raw.strip()
    for prefix in ("https://doi.org/", "http://dx.doi.org/", "doi:"):
        if doi.lower().startswith(prefix):
            doi = doi[len(prefix) :].strip()
    return doi if doi.startswith("10.") and "/" in doi else None


def _history(history: etree._Element, d: _Draft) -> None:
    if d.entrez_date is not None:
        return
    by_status: dict[str, etree._Element] = {}
    for c in history:
        status = c.get("PubStatus")
        if status == "pubmed":  # the usual case: no need to look further
            date = _full_date(c)
            if date is not None:
                d.entrez_date = date
                return
        elif status in _ENTREZ_STATUSES:
            by_status.setdefault(status, c)
    for status in _ENTREZ_STATUSES:
        if status in by_status:
            d.entrez_date = _full_date(by_status[status])
            if d.entrez_date is not None:
                return


def _partial_date(pub_date: etree._Element) -> PartialDate:
    year = month = day = None
    season = medline = None
    for c in pub_date:
        tag = c.tag
        if tag == "Year":
            year = _int(c.text)
        elif tag == "Month":
            month = _month(c.text)
        elif tag == "Day":
            day = _int(c.text)
            if day is not None and not 1 <= day <= 31:
                day = None
        elif tag == "Season":
            season = _text(c) or None
        elif tag == "MedlineDate":
            medline = _plain(c) or None
    return PartialDate(year, month, day, season, medline)


def _full_date(elem: etree._Element) -> dt.date | None:
    year = month = day = None
    for c in elem:
        tag = c.tag
        if tag == "Year":
            year = _int(c.text)
        elif tag == "Month":
            month = _month(c.text)
        elif tag == "Day":
            day = _int(c.text)
    if year is None or month is None or day is None:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month(raw: str | None) -> int | None:
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        m = int(raw)
        return m if 1 <= m <= 12 else None
    return _MONTH_NUMBERS.get(raw[:3].lower())


def _int(raw: str | None) -> int | None:
    try:
        return int(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
