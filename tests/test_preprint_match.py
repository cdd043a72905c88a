"""Linking a preprint to the PubMed record of its published version (littrack.sources.match), and the matcher's
measured precision on the pairs the recordings allow (tests/preprint_eval/pairs.py says what each set is)."""

from __future__ import annotations

import dataclasses

import pytest

from littrack.models import Author, LinkMethod, Paper, PartialDate, Preprint
from littrack.sources.match import TITLE_THRESHOLD, doi_key, find_links, title_match, update_of_dois
from preprint_eval.pairs import crossref_relation_pairs, measure, pubmed_records, real_preprints


@pytest.fixture(scope="module")
def figures():
    return measure()


def _paper(pmid: int, title: str, surname: str, year: int, **kw: object) -> Paper:
    return Paper(pmid=pmid, title=title, authors=(Author(last_name=surname),), pub_date=PartialDate(year=year), **kw)


@pytest.mark.slow
def test_no_false_link_among_forty_thousand_real_non_pairs_of_the_same_weeks_and_surnames(figures):
    assert figures.negatives_pairs > 39_000 and figures.negatives_same_surname > 100
    assert figures.false_links == 0
    # The margin: the most similar same-surname non-pair is far below the threshold.
    assert figures.best_negative_similarity < TITLE_THRESHOLD - 0.3


@pytest.mark.slow
def test_every_real_pubmed_update_of_link_to_a_preprint_doi_is_found(figures):
    assert (figures.identifier_found, figures.identifier_pairs) == (3, 3)


@pytest.mark.slow
def test_synthetic_journal_versions_with_small_title_edits_are_found(figures):
    assert figures.synthetic_recall["identical"] == (24, 24)
    assert figures.synthetic_recall["case and punctuation"] == (24, 24)


def test_pubmed_names_the_preprint_doi_in_its_update_of_link():
    paper = next(p for p in pubmed_records() if p.pmid == 36156117)  # real: Res Sq preprint → J Infect Dis
    assert update_of_dois(paper) == {"10.21203/rs.3.rs-1800050"}  # version suffix dropped for comparison
    assert doi_key("10.21203/rs.3.rs-1800050/v1") == doi_key("10.21203/RS.3.RS-1800050/v2")


def test_a_europe_pmc_link_beats_a_title_match_and_a_paper_is_never_given_to_two_preprints():
    pp = real_preprints()[0]
    # SYNTHETIC papers: one Europe PMC names, one with the preprint's exact title and first author.
    named = _paper(1, "A different journal title", "Nobody", 2026)
    twin = _paper(2, pp.title, pp.first_author_surname, 2026)
    links = find_links(
        [dataclasses.replace(pp, published_pmid=1), dataclasses.replace(pp, id="PPR-copy")], [named, twin]
    )
    assert [(link.preprint_id, link.pmid, link.method) for link in links] == [
        (pp.id, 1, LinkMethod.EUROPEPMC),
        ("PPR-copy", 2, LinkMethod.TITLE),
    ]


def test_a_crossref_relation_links_by_doi():
    (pre, journal) = crossref_relation_pairs()[0]  # real: 10.1101/2024.07.14.24310389 → 10.1371/journal.pgen.1011490
    pp = Preprint(id="SYNTHETIC", title="not recorded", server="medRxiv", doi=pre)
    paper = _paper(3, "GWAS and 3D chromatin mapping", "Someone", 2024, doi=journal)
    (link,) = find_links([pp], [paper], crossref_relations={pre: journal})
    assert (link.pmid, link.method) == (3, LinkMethod.CROSSREF)


def test_title_matching_needs_the_same_first_author_and_a_year_in_the_window():
    pp = real_preprints()[0]  # 2025
    assert title_match(pp, [_paper(4, pp.title, "Other", 2025)]) is None
    assert title_match(pp, [_paper(5, pp.title, pp.first_author_surname, 2030)]) is None
    link = title_match(pp, [_paper(6, pp.title.upper(), pp.first_author_surname, 2026)])
    assert link is not None and link.pmid == 6 and link.score == 1.0


def test_two_equally_good_candidates_are_ambiguous_and_link_nothing():
    pp = real_preprints()[0]
    twins = [_paper(7, pp.title, pp.first_author_surname, 2026), _paper(8, pp.title, pp.first_author_surname, 2026)]
    assert title_match(pp, twins) is None


def test_an_erratum_or_a_protocol_with_the_same_title_is_not_the_published_version():
    # SYNTHETIC: the notices and protocols a real journal version shares its title with.
    pp = Preprint(
        id="PPR1",
        title="Ketamine infusion for fibromyalgia: a randomised trial",
        server="medRxiv",
        authors=("Smith J",),
        year=2025,
    )
    erratum = _paper(9, pp.title, "Smith", 2026, publication_types=("Published Erratum",))
    protocol = _paper(10, "Ketamine infusion for fibromyalgia: protocol for a randomised trial", "Smith", 2025)
    assert title_match(pp, [erratum, protocol]) is None
