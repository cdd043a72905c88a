"""littrack.eutils.pubmed_xml against real recorded EFetch replies (``recorded_path("pubmed")``, see PROVENANCE.md).

Every recorded PubmedArticleSet is parsed and cross-checked against Biopython's Entrez.read as an independent
reference; the edge cases below were checked by hand against the XML. Inputs built here (a hostile title,
cut-off bytes, an eFetchResult error) are SYNTHETIC and say so.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import pytest
from Bio import Entrez
from lxml import etree

from littrack.errors import ParseError
from littrack.eutils.pubmed_xml import iter_papers, parse_papers
from littrack.markup import to_plain
from littrack.models import Author, CommentCorrection, MeshHeading, Paper, PartialDate
from littrack.replay import recorded_path

PUBMED = recorded_path("pubmed")
PUBMED_FILES = sorted(p for p in PUBMED.rglob("*.xml") if b"<PubmedArticleSet" in p.read_bytes()[:4096])
METAPUB = "metapub/tests/fixtures/pmid_xml"
FATCAT = "fatcat/python/tests/files/pubmedsample_2019.xml"
HAWC = "hawc/extracted_bodies"
BIOPYTHON = "biopython/Tests/Entrez"

# Safe markup: after removing the allowed tags no markup character may remain unescaped.
_ALLOWED_TAG = re.compile(r"</?(?:i|b|sup|sub|u)>")
_RAW_MARKUP = re.compile(r"[<>]|&(?!(?:amp|lt|gt|quot|#x?[0-9a-fA-F]+);)")


def _read(rel: str) -> bytes:
    return (PUBMED / rel).read_bytes()


def _one(rel: str, pmid: int | None = None) -> Paper:
    papers = parse_papers(_read(rel))
    if pmid is None:
        assert len(papers) == 1
        return papers[0]
    return next(p for p in papers if p.pmid == pmid)


def _assert_safe_markup(text: str) -> None:
    assert not _RAW_MARKUP.search(_ALLOWED_TAG.sub("", text)), text


def _ids(rel: str) -> str:
    return str(Path(rel).relative_to(PUBMED))


# --- every recorded reply ------------------------------------------------------------------------


def test_the_recorded_corpus_is_present() -> None:
    # 246 distinct recorded PubmedArticleSet bodies (the 265 files of the old tests/recorded/ held 19 byte-identical
    # metapub copies): a failed copy must not silently shrink the parametrised tests.
    assert len(PUBMED_FILES) >= 246


@pytest.mark.parametrize("path", PUBMED_FILES, ids=_ids)
def test_every_recorded_reply_gives_one_paper_per_record(path: Path) -> None:
    data = path.read_bytes()
    root = etree.fromstring(data, etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    expected = [int(e.findtext("MedlineCitation/PMID")) for e in root.iterfind("PubmedArticle")]
    expected += [int(e.findtext("BookDocument/PMID")) for e in root.iterfind("PubmedBookArticle")]

    papers = parse_papers(data)

    assert sorted(p.pmid for p in papers) == sorted(expected)
    for paper in papers:
        assert paper.title, paper.pmid
        _assert_safe_markup(paper.title)
        for section in paper.abstract:
            _assert_safe_markup(section.text)
        assert paper.entrez_date is not None
        assert paper.journal
        assert paper.year is not None
        assert paper.doi is None or paper.doi.startswith("10.")
        assert paper.pmcid is None or re.fullmatch(r"PMC\d+", paper.pmcid)


def _biopython_records(data: bytes) -> list[dict]:  # type: ignore[type-arg]
    if b"<!DOCTYPE" not in data[:1000]:
        # Biopython refuses XML without a DTD; some metapub files were saved without the DOCTYPE line.
        at = data.index(b"<PubmedArticleSet")
        doctype = b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
        doctype += b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
        data = data[:at] + doctype + data[at:]
    parsed = Entrez.read(io.BytesIO(data), validate=False)  # type: ignore[no-untyped-call]
    return [*parsed["PubmedArticle"], *parsed["PubmedBookArticle"]]


def _squash(text: object) -> str:
    return " ".join(str(text).split())


def _biopython_view(rec: dict) -> dict[str, object]:  # type: ignore[type-arg]
    mc = rec["MedlineCitation"]
    art = mc["Article"]
    ids = {i.attributes["IdType"]: str(i).strip() for i in reversed(rec["PubmedData"]["ArticleIdList"])}
    eloc = [str(e).strip() for e in art.get("ELocationID", []) if e.attributes["EIdType"] == "doi"]
    abstract = art.get("Abstract", {}).get("AbstractText", [])
    return {
        "pmid": int(mc["PMID"]),
        "status": mc.attributes.get("Status", ""),
        # Biopython keeps inline tags as literal text and unescapes the rest: compare like with like.
        "title": _squash(art["ArticleTitle"]),
        "abstract": [_squash(a) for a in abstract if _squash(a) or a.attributes.get("Label")],
        "authors": len([a for a in art.get("AuthorList", []) if a.attributes.get("ValidYN") != "N"]),
        "mesh": [
            (str(h["DescriptorName"]), h["DescriptorName"].attributes["MajorTopicYN"] == "Y")
            for h in mc.get("MeshHeadingList", [])
        ],
        "types": [str(t) for t in art["PublicationTypeList"]],
        "languages": list(dict.fromkeys(str(lang) for lang in art["Language"])),
        "doi": ids.get("doi") or (eloc[0] if eloc else None),
        "pmcid": ids["pmc"].split(".")[0] if "pmc" in ids else None,
        "links": [
            (c.attributes["RefType"], int(c["PMID"]) if "PMID" in c else None)
            for c in mc.get("CommentsCorrectionsList", [])
        ],
        "journal": _squash(art["Journal"]["Title"]),
        "volume": art["Journal"]["JournalIssue"].get("Volume"),
    }


def _littrack_view(p: Paper) -> dict[str, object]:
    return {
        "pmid": p.pmid,
        "status": p.status,
        "title": _squash(html.unescape(p.title)),
        "abstract": [_squash(html.unescape(s.text)) for s in p.abstract],
        "authors": len(p.authors),
        "mesh": [(m.descriptor, m.major) for m in p.mesh],
        "types": list(p.publication_types),
        "languages": list(p.languages),
        "doi": p.doi,
        "pmcid": p.pmcid,
        "links": [(c.ref_type, c.pmid) for c in p.comments_corrections],
        "journal": p.journal,
        "volume": p.volume,
    }


@pytest.mark.parametrize("path", PUBMED_FILES, ids=_ids)
def test_every_recorded_article_agrees_with_biopython(path: Path) -> None:
    data = path.read_bytes()
    papers = parse_papers(data)
    reference = _biopython_records(data)
    assert len(papers) == len(reference)
    has_mathml = b"MathML" in data  # littrack renders MathML as sub/sup, Biopython as loose text
    for paper, rec in zip(papers, reference, strict=True):
        if paper.kind == "book":
            assert paper.pmid == int(rec["BookDocument"]["PMID"])
            continue
        ours, theirs = _littrack_view(paper), _biopython_view(rec)
        if has_mathml:
            for key in ("title", "abstract"):
                del ours[key], theirs[key]
        assert ours == theirs


# --- hand-checked edge cases ---------------------------------------------------------------------


def test_inline_markup_in_title_is_kept_as_safe_markup() -> None:
    paper = _one(f"{HAWC}/TestPubMedFetch.test_title_with_child_text__0_efetch.xml")
    assert paper.pmid == 27933116
    assert paper.title == (
        "<i>Phoenix dactylifera</i> mediated green synthesis of Cu<sub>2</sub>O particles"
        " for arsenite uptake from water."
    )
    assert paper.title_plain.startswith("Phoenix dactylifera mediated green synthesis of Cu2O particles")


def test_sub_in_title_is_kept_exactly_as_pubmed_spaces_it() -> None:
    paper = _one(f"{METAPUB}/38914053.xml")
    assert paper.title.startswith("Doped SnO<sub>2</sub>thin films fabricated at low temperature")
    assert paper.abstract[0].text.startswith("Nb-doped SnO<sub>2</sub>(NTO) thin films")


def test_mathml_is_reduced_to_text_with_scripts() -> None:
    pubmed6 = _one(f"{BIOPYTHON}/pubmed6.xml")
    assert pubmed6.pmid == 30108519
    assert "maximal oxygen uptake ( V\u0307O<sub>2max</sub> ) 67.6 ± 4.1" in pubmed6.abstract[0].text
    pubmed7 = _one(f"{BIOPYTHON}/pubmed7.xml")
    assert "(1)\xa0inhaled <sup>3</sup>He/<sup>129</sup>Xe\u2009MRI ventilation" in pubmed7.abstract[0].text
    assert "mml" not in pubmed7.abstract[0].text and "math" not in pubmed7.abstract[0].text


def test_structured_abstract_keeps_labels_and_nlm_categories() -> None:
    paper = _one(f"{METAPUB}/23657305.xml")
    assert [(s.label, s.category) for s in paper.abstract] == [
        ("CONTEXT", "BACKGROUND"),
        ("OBJECTIVES", "OBJECTIVE"),
        ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSION", "CONCLUSIONS"),
    ]
    assert paper.abstract_plain.startswith("CONTEXT: ")


def test_record_without_abstract_has_no_sections() -> None:
    papers = parse_papers(_read(f"{BIOPYTHON}/pubmed1.xml"))
    first = next(p for p in papers if p.pmid == 12091962)
    assert first.abstract == ()
    assert first.title == "The treatment of AIDS behind the walls of correctional facilities."
    assert first.pub_date == PartialDate(year=1990, season="Spring")


def test_record_without_author_list_has_no_authors() -> None:
    paper = _one(f"{METAPUB}/38962805.xml")
    assert paper.authors == ()
    assert paper.title == "Correction."
    assert paper.publication_types == ("Journal Article", "Published Erratum")
    assert paper.comments_corrections[0].ref_type == "ErratumFor"
    assert paper.comments_corrections[0].pmid == 38446048


def test_collective_name_author() -> None:
    paper = _one(f"{METAPUB}/34843274.xml")
    assert paper.authors == (
        Author(collective_name="Guideline Development Panel for the Treatment of Depressive Disorders"),
    )
    assert paper.authors[0].display == "Guideline Development Panel for the Treatment of Depressive Disorders"


def test_group_author_after_people_in_an_rct_with_a_trial_registration() -> None:
    paper = _one("biomcp/testdata/sources/pubmed/efetch_citation_22663011.xml")
    assert paper.authors[0] == Author("Flaherty", "Keith T", "KT", None, paper.authors[0].affiliations)
    assert paper.authors[-1] == Author(collective_name="METRIC Study Group")
    assert paper.databanks == (("ClinicalTrials.gov", "NCT01245062"),)
    assert "Randomized Controlled Trial" in paper.publication_types
    assert paper.pages == "107-14"
    assert paper.electronic_date == dt.date(2012, 6, 4)
    assert paper.entrez_date == dt.date(2012, 6, 6)


def test_medline_date_and_season_are_kept_as_pubmed_writes_them() -> None:
    papers = {p.pmid: p for p in parse_papers(_read(FATCAT))}
    jaw = papers[14316043]
    assert jaw.pub_date == PartialDate(medline_date="1965 Dec-1966 Jan")
    assert jaw.pub_date.display == "1965 Dec-1966 Jan"
    assert jaw.year == 1965
    fall = papers[973217]
    assert fall.pub_date == PartialDate(year=1976, season="Fall")
    assert fall.pub_date.display == "1976 Fall"
    assert papers[18122624].pub_date.medline_date == "1947-1948"


def test_vernacular_title_beside_bracketed_translation() -> None:
    paper = _one(f"{METAPUB}/38048813.xml")
    assert paper.title == "[A Broader Scope - Bio-Psycho-Social Medicine In Global Focus]."
    assert paper.vernacular_title == "A Broader Scope \u2013 Bio-psycho-soziale Medizin im globalen Fokus."
    assert paper.languages == ("ger",)
    assert paper.abstract == ()


def test_two_languages_and_a_vernacular_title_with_a_non_breaking_space() -> None:
    paper = _one(f"{METAPUB}/36987902.xml")
    assert paper.languages == ("eng", "nor")
    assert paper.vernacular_title == (
        "Pasienter over 75\xa0år innlagt ved Brannskadeavdelinga, Haukeland universitetssjukehus 2000\u201319."
    )
    assert [s.label for s in paper.abstract] == ["BACKGROUND", "MATERIAL AND METHOD", "RESULTS", "INTERPRETATION"]


def test_doi_and_pmc_id_come_from_the_articles_own_id_list() -> None:
    paper = _one(f"{METAPUB}/36156117.xml")
    assert paper.doi == "10.1093/cid/ciac769"
    assert paper.pmcid == "PMC9619446"
    assert paper.pmc_url == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC9619446/"
    # The reference list holds other articles' ids; they must not leak in.
    assert paper.comments_corrections == (
        CommentCorrection(
            "UpdateOf", "Res Sq. 2022 Jun 29:rs.3.rs-1800050. doi: 10.21203/rs.3.rs-1800050/v1.", 35794888
        ),
    )


def test_erratum_link() -> None:
    paper = _one(f"{METAPUB}/35649368.xml")
    assert paper.comments_corrections == (
        CommentCorrection(
            "ErratumIn", "Cell Rep. 2022 Jun 28;39(13):111044. doi: 10.1016/j.celrep.2022.111044.", 35767954
        ),
    )


def test_retracted_publication_and_its_retraction_notice() -> None:
    papers = {p.pmid: p for p in parse_papers(_read(FATCAT))}
    retracted = papers[11543891]
    assert "Retracted Publication" in retracted.publication_types
    assert CommentCorrection("RetractionIn", "Suciu-Foca N, Lewis R. Hum Immunol. 2001 Oct;62(10):1063", 11600210) in (
        retracted.comments_corrections
    )
    notice = papers[11600210]
    assert notice.publication_types == ("Retraction of Publication",)
    assert [(c.ref_type, c.pmid) for c in notice.comments_corrections] == [("RetractionOf", 11543891)]


def test_author_marked_invalid_is_left_out() -> None:
    # PMID 9634358 lists "Whitely RJ" with ValidYN="N" next to the valid "Whitley RJ".
    paper = _one(FATCAT, 9634358)
    names = [a.display for a in paper.authors]
    assert "Whitley RJ" in names
    assert "Whitely RJ" not in names


def test_mesh_major_topic_flags_on_descriptor_and_qualifiers() -> None:
    paper = _one(FATCAT, 8655018)
    assert MeshHeading("Cardiovascular Diseases", False, (("etiology", False), ("mortality", True))) in paper.mesh


def test_not_yet_indexed_statuses() -> None:
    publisher = _one(FATCAT, 27687975)
    assert publisher.status == "Publisher"
    assert not publisher.indexed
    assert publisher.mesh == ()
    in_process = _one("metapub-wheel/39607518.xml")
    assert in_process.status == "In-Process"
    assert in_process.title == "[Microsurgery]."
    assert in_process.pages == "305-306"
    assert in_process.pub_date == PartialDate(year=2024, month=12)


def test_book_record() -> None:
    paper = _one(f"{HAWC}/TestPubMedFetch.test_book__0_efetch.xml")
    assert paper.kind == "book"
    assert paper.pmid == 26468569
    title = "Application of Modern Toxicology Approaches for Predicting Acute Toxicity for Chemical Defense"
    assert paper.title == title
    assert paper.journal == title
    assert paper.publisher == "National Academies Press (US)"
    assert paper.doi == "10.17226/21775"
    assert paper.pub_date == PartialDate(year=2015, month=9, day=1)
    assert paper.entrez_date == dt.date(2015, 9, 1)
    assert len(paper.authors) == 6
    # The name is split over two lines in the XML.
    assert paper.authors[0].collective_name == (
        "Committee on Predictive-Toxicology Approaches for Military Assessments of Acute Exposures"
    )
    assert paper.abstract[0].text.startswith("The US Department of Defense (DOD)")
    assert "<i>Application of Modern Toxicology Approaches" in paper.abstract[0].text


def test_book_chapter_credits_chapter_authors_not_book_editors() -> None:
    paper = _one(f"{HAWC}/TestPubMedFetch.test_book_chapter__0_efetch.xml")
    assert paper.kind == "book"
    assert paper.pmid == 20301382
    assert paper.title == "Single Large-Scale Mitochondrial DNA Deletion Syndromes"
    assert paper.journal == "GeneReviews\xae"
    assert paper.publisher == "University of Washington, Seattle"
    assert [a.display for a in paper.authors] == ["Goldstein A", "Falk MJ"]
    assert paper.abstract[0].label == "CLINICAL CHARACTERISTICS"
    assert paper.pub_date == PartialDate(year=1993)
    assert paper.entrez_date == dt.date(2023, 9, 28)
    assert len(paper.keywords) == len(set(paper.keywords))


def test_baseline_delete_citation_is_skipped() -> None:
    papers = parse_papers(_read(FATCAT))
    assert len(papers) == 176
    assert 23203860 not in {p.pmid for p in papers}  # listed only inside <DeleteCitation>


def test_empty_article_set_is_a_valid_reply_with_no_papers() -> None:
    assert parse_papers(_read(f"{METAPUB}/37909814.xml")) == []


def test_path_file_and_bytes_sources_give_the_same_papers() -> None:
    path = PUBMED / f"{METAPUB}/35830032.xml"
    from_bytes = parse_papers(path.read_bytes())
    with path.open("rb") as handle:
        from_file = list(iter_papers(handle))
    assert list(iter_papers(path)) == list(iter_papers(str(path))) == from_file == from_bytes


# --- replies that are not PubMed XML -------------------------------------------------------------


def test_html_reply_raises_parse_error_naming_retmode() -> None:
    with pytest.raises(ParseError, match=r"HTML where XML was expected \(did the request omit retmode=xml\?\)"):
        parse_papers(_read(f"{BIOPYTHON}/pubmed3.html"))


def test_truncated_reply_raises_parse_error() -> None:
    data = _read(f"{HAWC}/TestPubmed.test_import__0_efetch.xml")
    with pytest.raises(ParseError, match=r"^PubMed reply is not complete XML \(.+\); it will be retried$"):
        parse_papers(data[: len(data) // 2])  # SYNTHETIC: a real reply cut in half


def test_truncated_stream_yields_whole_records_before_failing() -> None:
    data = _read(f"{HAWC}/TestPubmed.test_import__0_efetch.xml")
    seen: list[int] = []
    with pytest.raises(ParseError):
        for paper in iter_papers(data[: len(data) // 2]):  # SYNTHETIC: cut in half
            seen.append(paper.pmid)
    assert 0 < len(seen) < 20


def test_recorded_truncated_document_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="not complete XML"):
        parse_papers(_read(f"{BIOPYTHON}/einfo4.xml"))


@pytest.mark.parametrize(
    ("rel", "message"),
    [
        (f"{BIOPYTHON}/esummary8.xml", "Neither query_key nor id specified"),
        (f"{BIOPYTHON}/epost2.xml", "Invalid db name specified: nothing"),
    ],
)
def test_recorded_error_body_raises_parse_error_with_ncbi_text(rel: str, message: str) -> None:
    with pytest.raises(ParseError, match=f"NCBI answered with an error instead of records: {message}"):
        parse_papers(_read(rel))


def test_efetch_error_body_raises_parse_error() -> None:
    # SYNTHETIC body; the message is the one NCBI sent during the July 2025 outage (shared/NCBI.md).
    body = b"<eFetchResult><ERROR>Search Backend failed: Database is not supported: pubmed</ERROR></eFetchResult>"
    with pytest.raises(ParseError, match="Search Backend failed: Database is not supported: pubmed"):
        parse_papers(body)


def test_json_rate_limit_body_raises_parse_error() -> None:
    # SYNTHETIC copy of the HTTP 429 body quoted in shared/NCBI.md.
    body = b'{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"5","limit":"3"}'
    with pytest.raises(ParseError, match="JSON where XML was expected"):
        parse_papers(body)


def test_empty_body_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_papers(b"")


def test_other_xml_document_raises_parse_error() -> None:
    with pytest.raises(ParseError, match="<eSearchResult> document, not the PubmedArticleSet"):
        parse_papers(_read(f"{BIOPYTHON}/esearch1.xml"))


# --- hostile text --------------------------------------------------------------------------------

# SYNTHETIC record: not a real PubMed citation. Its title carries escaped script/img markup and raw
# attributes on an allowed tag, which must come out as inert escaped text.
_HOSTILE = b"""<?xml version="1.0"?>
<PubmedArticleSet><PubmedArticle><MedlineCitation Status="MEDLINE"><PMID Version="1">1</PMID>
<Article><Journal><Title>Synthetic &amp; Test</Title>
<JournalIssue><PubDate><Year>2024</Year></PubDate></JournalIssue></Journal>
<ArticleTitle>Ketamine &lt;script&gt;alert(1)&lt;/script&gt; "&gt;&lt;img onerror=x&gt;
 <i onclick="x()">ok</i> <a href="javascript:x">link</a></ArticleTitle>
<Abstract><AbstractText Label="&lt;b&gt;">1 &lt; 2 &amp;&amp; <sup>3</sup></AbstractText></Abstract>
</Article></MedlineCitation>
<PubmedData><History><PubMedPubDate PubStatus="pubmed">
<Year>2024</Year><Month>1</Month><Day>2</Day></PubMedPubDate></History></PubmedData>
</PubmedArticle></PubmedArticleSet>"""


def test_hostile_title_text_comes_out_escaped() -> None:
    (paper,) = parse_papers(_HOSTILE)
    assert paper.title == ('Ketamine &lt;script&gt;alert(1)&lt;/script&gt; "&gt;&lt;img onerror=x&gt; <i>ok</i> link')
    _assert_safe_markup(paper.title)
    assert "<script" not in paper.title and "<img" not in paper.title and "onclick" not in paper.title
    assert to_plain(paper.title) == 'Ketamine <script>alert(1)</script> "><img onerror=x> ok link'
    assert paper.abstract[0].text == "1 &lt; 2 &amp;&amp; <sup>3</sup>"
    assert paper.journal == "Synthetic & Test"  # plain text, escaped by whoever renders it
