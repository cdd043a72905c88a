"""Which PubMed record is the published version of a preprint. Pure functions over records.

Identifier links come first, most trustworthy first (:class:`~littrack.models.LinkMethod`): Europe PMC's "Preprint
of" PMID, PubMed's own ``UpdateOf`` link naming the preprint's DOI, Crossref's ``has-preprint`` /
``is-preprint-of`` relations. Only when none exists does :func:`title_match` compare title, first author and year,
and it is strict on purpose: the same first author and year window, and titles that differ by little more than
punctuation and case. A missed link shows a preprint and its paper as two items until an identifier arrives; a
wrong link would tell a clinician that an unrelated preprint was peer-reviewed. Its precision on the recorded
data is measured in ``tests/preprint_eval`` (see ``benchmarks/README.md``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence

from littrack.models import LinkMethod, Paper, Preprint, PreprintLink

TITLE_THRESHOLD = 0.92  # SequenceMatcher ratio of normalised titles; see the precision measurement
YEARS_AFTER = 3  # a journal version appears up to this many years after the preprint
_UPDATE_OF_DOI = re.compile(r"doi:\s*(10\.\d{4,9}/\S+)", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(r"(/v\d+|v\d+)$")
_TAGS = re.compile(r"<[^>]+>")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Records that share a study's title without being its report: notices, comments, and protocols of the same trial.
_NOT_A_REPORT = frozenset(
    {"Published Erratum", "Comment", "Editorial", "Letter", "Retraction of Publication", "Expression of Concern"}
)
_PROTOCOL = re.compile(r"\bprotocol\b", re.IGNORECASE)


def fold(text: str) -> str:
    """Lower-case ASCII words: accents, markup and punctuation gone, spaces collapsed."""
    ascii_text = unicodedata.normalize("NFKD", _TAGS.sub(" ", text)).encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub(" ", ascii_text.lower()).strip()


def doi_key(doi: str | None) -> str | None:
    """A DOI compared across sources: lower case, without a trailing version (Research Square's ``/v1``)."""
    if not doi:
        return None
    d = doi.strip().lower().rstrip(".")
    return _VERSION_SUFFIX.sub("", d) if d.startswith(("10.21203/", "10.20944/")) else d


def update_of_dois(paper: Paper) -> set[str]:
    """Preprint DOIs a PubMed record names in its ``UpdateOf`` links ("medRxiv. 2023 Apr 05… doi: 10.1101/…")."""
    out = set()
    for link in paper.comments_corrections:
        if link.ref_type == "UpdateOf":
            m = _UPDATE_OF_DOI.search(link.source)
            if m and (key := doi_key(m.group(1))):
                out.add(key)
    return out


def title_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, fold(a), fold(b), autojunk=False).ratio()


def _surname(paper: Paper) -> str:
    if not paper.authors:
        return ""
    first = paper.authors[0]
    return fold(first.last_name or first.collective_name or "")


def title_match(preprint: Preprint, papers: Iterable[Paper]) -> PreprintLink | None:
    """The one paper with the same first author, a year in the window and a near-identical title; None if there
    is none, or more than one equally good (ambiguity is not a match)."""
    surname = fold(preprint.first_author_surname)
    if not surname or preprint.year is None:
        return None
    scored: list[tuple[float, int]] = []
    for paper in papers:
        year = paper.year
        if year is None or not (preprint.year - 1 <= year <= preprint.year + YEARS_AFTER):
            continue
        if _surname(paper) != surname or _NOT_A_REPORT.intersection(paper.publication_types):
            continue
        if bool(_PROTOCOL.search(paper.title_plain)) != bool(_PROTOCOL.search(preprint.title)):
            continue  # "…: protocol for a randomised trial" is not the trial's report, however close the words
        score = title_similarity(preprint.title, paper.title_plain)
        if score >= TITLE_THRESHOLD:
            scored.append((score, paper.pmid))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    score, pmid = scored[0]
    return PreprintLink(preprint.id, pmid, LinkMethod.TITLE, round(score, 4))


def find_links(
    preprints: Sequence[Preprint],
    papers: Sequence[Paper],
    *,
    crossref_relations: Mapping[str, str] | None = None,
) -> list[PreprintLink]:
    """Links for ``preprints`` among ``papers`` (each preprint at most once, by the best method that finds it).

    ``crossref_relations`` maps a preprint DOI key to the journal version's DOI key (from Crossref's relations).
    A paper already taken by one preprint is not given to another by title.
    """
    by_pmid = {p.pmid: p for p in papers}
    by_doi = {k: p for p in papers if (k := doi_key(p.doi))}
    by_update_of = {doi: p for p in papers for doi in update_of_dois(p)}
    relations = crossref_relations or {}
    links: list[PreprintLink] = []
    unmatched: list[Preprint] = []
    for pp in preprints:
        key = doi_key(pp.doi)
        if pp.published_pmid is not None and pp.published_pmid in by_pmid:
            links.append(PreprintLink(pp.id, pp.published_pmid, LinkMethod.EUROPEPMC))
        elif key and key in by_update_of:
            links.append(PreprintLink(pp.id, by_update_of[key].pmid, LinkMethod.PUBMED))
        elif key and relations.get(key) in by_doi:
            links.append(PreprintLink(pp.id, by_doi[relations[key]].pmid, LinkMethod.CROSSREF))
        else:
            unmatched.append(pp)
    taken = {link.pmid for link in links}
    by_surname: dict[str, list[Paper]] = {}
    for p in papers:
        by_surname.setdefault(_surname(p), []).append(p)
    for pp in unmatched:
        candidates = [p for p in by_surname.get(fold(pp.first_author_surname), []) if p.pmid not in taken]
        link = title_match(pp, candidates)
        if link is not None:
            links.append(link)
            taken.add(link.pmid)
    return links
