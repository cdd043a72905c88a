"""A PubMed record and its parts, watched topics, ESearch results and Entrez-date windows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from littrack.markup import to_plain

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Citation statuses whose publication types and MeSH are not yet assigned by NLM indexers.
NOT_YET_INDEXED = frozenset({"In-Process", "In-Data-Review", "Publisher"})


@dataclass(frozen=True, slots=True)
class Author:
    """A person (last/fore name) or a group (``collective_name``)."""

    last_name: str | None = None
    fore_name: str | None = None
    initials: str | None = None
    collective_name: str | None = None
    affiliations: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """'Smith JA' for people, the group name for collectives."""
        if self.collective_name:
            return self.collective_name
        parts = [p for p in (self.last_name, self.initials or self.fore_name) if p]
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class AbstractSection:
    """One ``AbstractText``; ``text`` is safe markup (see :mod:`littrack.markup`)."""

    text: str
    label: str | None = None
    category: str | None = None


@dataclass(frozen=True, slots=True)
class PartialDate:
    """PubMed's publication date: year/month/day, a Season, or a free-text MedlineDate."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    season: str | None = None
    medline_date: str | None = None

    @property
    def display(self) -> str:
        """'2024 Mar 5', '2019 Spring', '1965 Dec-1966 Jan' or ''."""
        if self.medline_date:
            return self.medline_date
        parts: list[str] = []
        if self.year:
            parts.append(str(self.year))
        if self.month:
            parts.append(MONTHS[self.month - 1])
        elif self.season:
            parts.append(self.season)
        if self.day and self.month:
            parts.append(str(self.day))
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class MeshHeading:
    """A MeSH descriptor with its major-topic flag and qualifiers as (name, major) pairs."""

    descriptor: str
    major: bool = False
    qualifiers: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True, slots=True)
class CommentCorrection:
    """A CommentsCorrections link, e.g. RetractionIn → the notice's PMID."""

    ref_type: str
    source: str = ""
    pmid: int | None = None


@dataclass(frozen=True, slots=True)
class Paper:
    """One PubMed record (``PubmedArticle`` or ``PubmedBookArticle``) as littrack keeps it.

    ``title`` and abstract texts are safe markup. ``journal`` holds the book title for book records.
    """

    pmid: int
    title: str
    abstract: tuple[AbstractSection, ...] = ()
    authors: tuple[Author, ...] = ()
    journal: str | None = None
    journal_iso: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pub_date: PartialDate = field(default_factory=PartialDate)
    electronic_date: dt.date | None = None
    entrez_date: dt.date | None = None
    doi: str | None = None
    pmcid: str | None = None
    languages: tuple[str, ...] = ()
    vernacular_title: str | None = None
    publication_types: tuple[str, ...] = ()
    mesh: tuple[MeshHeading, ...] = ()
    keywords: tuple[str, ...] = ()
    status: str = ""
    # NLM's IndexingMethod attribute: "Automated" (machine-assigned MeSH/types), "Curated" (machine, then
    # checked by an indexer), "Manual"; None when the record does not say (older records, not yet indexed).
    indexing_method: str | None = None
    comments_corrections: tuple[CommentCorrection, ...] = ()
    databanks: tuple[tuple[str, str], ...] = ()  # (DataBankName, AccessionNumber), e.g. NCT ids
    kind: str = "article"  # "article" | "book"
    publisher: str | None = None  # books

    @property
    def year(self) -> int | None:
        """Publication year, falling back to the first year in a MedlineDate, then the Entrez date."""
        if self.pub_date.year:
            return self.pub_date.year
        if self.pub_date.medline_date and self.pub_date.medline_date[:4].isdigit():
            return int(self.pub_date.medline_date[:4])
        return self.entrez_date.year if self.entrez_date else None

    @property
    def indexed(self) -> bool:
        """False while NLM has not yet assigned publication types and MeSH."""
        return self.status not in NOT_YET_INDEXED

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"

    @property
    def pmc_url(self) -> str | None:
        return f"https://www.ncbi.nlm.nih.gov/pmc/articles/{self.pmcid}/" if self.pmcid else None

    @property
    def abstract_plain(self) -> str:
        """The abstract as plain text, sections prefixed by their labels."""
        out = []
        for s in self.abstract:
            text = to_plain(s.text)
            out.append(f"{s.label}: {text}" if s.label else text)
        return "\n".join(out)

    @property
    def title_plain(self) -> str:
        return to_plain(self.title)


@dataclass(frozen=True, slots=True)
class Topic:
    """A watched PubMed query."""

    id: str
    name: str
    query: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What one ESearch reply says."""

    count: int
    ids: tuple[int, ...] = ()
    webenv: str | None = None
    query_key: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DateWindow:
    """An inclusive Entrez-date window."""

    start: dt.date
    end: dt.date

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def halves(self) -> tuple[DateWindow, DateWindow]:
        """Split into two non-overlapping windows (callers ensure ``days >= 2``)."""
        mid = self.start + dt.timedelta(days=self.days // 2 - 1)
        return DateWindow(self.start, mid), DateWindow(mid + dt.timedelta(days=1), self.end)
