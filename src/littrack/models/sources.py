"""Records from the sources beside PubMed: preprints (Europe PMC), free full text (Unpaywall), and what Crossref
says about a work (corrections, retractions, preprint relations, references).

Filled by :mod:`littrack.sources`, saved by :mod:`littrack.store`, shown by the digest. Nothing here talks to the
network or the store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Source(StrEnum):
    """A web source littrack reads besides PubMed; the value is the run-ledger kind and the name in ``status``."""

    EUROPEPMC = "europepmc"
    UNPAYWALL = "unpaywall"
    CROSSREF = "crossref"


@dataclass(frozen=True, slots=True)
class Preprint:
    """One preprint as Europe PMC lists it (``source: PPR``). Never peer-reviewed, never ranked with papers.

    ``first_published`` is Europe PMC's ``firstPublicationDate`` (the watermark's date); ``published_pmid`` is the
    journal version Europe PMC links as "Preprint of", when it knows one.
    """

    id: str  # Europe PMC id, e.g. "PPR1036674"
    title: str  # plain text
    server: str  # "medRxiv", "Research Square", "bioRxiv", "Preprints.org", … ("preprint server" if unknown)
    doi: str | None = None
    version: int | None = None
    authors: tuple[str, ...] = ()  # "Mendez JS" as Europe PMC writes them
    first_published: dt.date | None = None
    year: int | None = None
    abstract: str = ""  # plain text; empty in "lite" replies
    published_pmid: int | None = None

    @property
    def first_author_surname(self) -> str:
        """'Mendez' from 'Mendez JS'; '' when no author is listed."""
        if not self.authors:
            return ""
        parts = self.authors[0].split()
        # Europe PMC writes "Surname INITIALS"; a multi-word surname keeps all but the initials.
        return " ".join(parts[:-1]) if len(parts) > 1 and parts[-1].isupper() else self.authors[0]

    @property
    def url(self) -> str:
        return f"https://europepmc.org/article/PPR/{self.id}"


class OaKind(StrEnum):
    """Unpaywall's ``oa_status`` of a work with a free copy (``closed`` works get no location)."""

    GOLD = "gold"  # the journal is fully open access
    HYBRID = "hybrid"  # open licence in a subscription journal
    BRONZE = "bronze"  # free to read on the publisher's site, no open licence
    GREEN = "green"  # a free copy in a repository (e.g. PMC, a university archive)


@dataclass(frozen=True, slots=True)
class OpenAccessLocation:
    """Unpaywall's best open-access location of one DOI."""

    doi: str
    kind: OaKind
    url: str  # the landing page (or the PDF when that is all Unpaywall has)
    pdf_url: str | None = None
    host_type: str = ""  # "publisher" | "repository"
    version: str = ""  # "publishedVersion" | "acceptedVersion" | "submittedVersion"
    license: str | None = None


class NoticeKind(StrEnum):
    """What a Crossref update notice says about a work, in the classes a reader must keep apart.

    A correction is not a retraction: tools that read every ``updated-by`` as "retracted" raise false alarms.
    ``new_version`` is not a notice at all (PLOS, for one, marks every article as a new version of itself).
    """

    RETRACTION = "retraction"
    EXPRESSION_OF_CONCERN = "expression of concern"
    CORRECTION = "correction"


@dataclass(frozen=True, slots=True)
class CrossrefNotice:
    """One ``updated-by`` entry of a work: a notice that corrects, retracts or raises concern about it."""

    doi: str  # the work being updated
    notice_doi: str
    kind: NoticeKind
    label: str  # Crossref's own words, e.g. "Retraction", "Correction", "Partial Retraction"
    source: str  # "publisher" | "retraction-watch" | …
    date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class CrossrefWork:
    """What littrack reads from one Crossref work: notices, preprint relations, cited DOIs."""

    doi: str
    type: str = ""  # "journal-article", "posted-content", …
    notices: tuple[CrossrefNotice, ...] = ()
    has_preprint: tuple[str, ...] = ()  # DOIs of preprints of this work
    is_preprint_of: tuple[str, ...] = ()  # DOIs of the journal versions of this preprint
    references: tuple[str, ...] = ()  # DOIs this work cites (lower case)


@dataclass(frozen=True, slots=True)
class Reference:
    """A work a paper cites, as PubMed's ``ReferenceList`` or Crossref identifies it."""

    pmid: int | None = None
    doi: str | None = None


class LinkMethod(StrEnum):
    """How a preprint was linked to its published PubMed record, most trustworthy first."""

    EUROPEPMC = "Europe PMC"  # Europe PMC's "Preprint of" link
    PUBMED = "PubMed"  # the paper's CommentsCorrections UpdateOf names the preprint's DOI
    CROSSREF = "Crossref"  # relation has-preprint / is-preprint-of
    TITLE = "title, first author and year"


@dataclass(frozen=True, slots=True)
class PreprintLink:
    """A preprint and the PubMed record of its published version."""

    preprint_id: str
    pmid: int
    method: LinkMethod
    score: float = 1.0  # title similarity for TITLE links, 1.0 for identifier links


@dataclass(frozen=True, slots=True)
class SourceOutage:
    """A source whose runs have failed since ``since`` (its first failure after its last success)."""

    kind: str  # the run-ledger kind: a :class:`Source` value
    name: str  # how a reader knows it: "Europe PMC (preprints)"
    since: str  # ISO time of the first failed run
    error: str
