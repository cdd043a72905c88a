"""Reference-manager exports of papers: RIS, BibTeX, CSL-JSON and CSV, as strings.

Pure formatting of :class:`littrack.models.Paper` records; writing the files and choosing the papers
(a digest's, or the store filtered by topic/date) is the caller's job. RIS goes through ``rispy``; BibTeX
is written here because its escaping rules need care (LaTeX specials, balanced braces); CSL-JSON and CSV
use the standard library. Every format is plain text, so bidi override controls are stripped from it
(:func:`littrack.markup.strip_bidi_controls`); CSV cells are also defused against formula injection.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import rispy

from littrack.evidence.classify import classify
from littrack.evidence.corrections import is_retracted
from littrack.markup import strip_bidi_controls
from littrack.models import Author, Evidence, Paper

FORMATS = ("ris", "bibtex", "csl-json", "csv")
EXTENSIONS = {"ris": ".ris", "bibtex": ".bib", "csl-json": ".json", "csv": ".csv"}

_PAGE_RANGE = re.compile(r"^([A-Za-z]*)(\d+)\s*[-–]\s*([A-Za-z]*)(\d+)$")


def page_range(pages: str | None) -> tuple[str | None, str | None]:
    """('123', '129') from MEDLINE's abbreviated '123-9'; ('e1234', None) for a single page."""
    if not pages:
        return None, None
    first = pages.split(",")[0].strip()
    match = _PAGE_RANGE.match(first)
    if not match:
        return first or None, None
    prefix, start, end_prefix, end = match.groups()
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    return f"{prefix}{start}", f"{end_prefix or prefix}{end}"


def _full_pages(paper: Paper) -> str | None:
    start, end = page_range(paper.pages)
    if start and end:
        return f"{start}-{end}"
    return start


def _is_chapter(paper: Paper) -> bool:
    return paper.kind == "book" and bool(paper.journal) and paper.title_plain != paper.journal


# --- RIS ------------------------------------------------------------------------------------------


def _ris_author(author: Author) -> str:
    if author.collective_name:
        return author.collective_name
    return ", ".join(p for p in (author.last_name, author.fore_name or author.initials) if p)


def _ris_entry(paper: Paper) -> dict[str, Any]:
    kind = "CHAP" if _is_chapter(paper) else "BOOK" if paper.kind == "book" else "JOUR"
    start, end = page_range(paper.pages)
    entry: dict[str, Any] = {
        "type_of_reference": kind,
        "title": paper.title_plain,
        "authors": [_ris_author(a) for a in paper.authors if _ris_author(a)],
        "accession_number": str(paper.pmid),
        "name_of_database": "PubMed",
        "urls": [paper.pubmed_url],
    }
    optional = {
        "secondary_title": paper.journal if paper.kind == "article" or _is_chapter(paper) else None,
        "journal_name": paper.journal_iso,
        "publisher": paper.publisher,
        "volume": paper.volume,
        "number": paper.issue,
        "start_page": start,
        "end_page": end,
        "year": str(paper.year) if paper.year else None,
        "date": _ris_date(paper),
        "doi": paper.doi,
        "abstract": paper.abstract_plain or None,
        "language": paper.languages[0] if paper.languages else None,
    }
    entry.update({k: v for k, v in optional.items() if v})
    # RIS is one tag per line: a newline inside a value would start a bogus tag line.
    entry = {k: _one_line(v) for k, v in entry.items()}
    if paper.keywords:
        entry["keywords"] = list(paper.keywords)
    notes = [f"PMID: {paper.pmid}"] + ([f"PMCID: {paper.pmcid}"] if paper.pmcid else [])
    if is_retracted(paper):
        notes.append("RETRACTED publication")
    entry["notes"] = notes
    return entry


def _one_line(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list):
        return [" ".join(v.split()) for v in value]
    return value


def _ris_date(paper: Paper) -> str | None:
    d = paper.pub_date
    if not d.year:
        return None
    return "/".join((str(d.year), f"{d.month:02d}" if d.month else "", f"{d.day:02d}" if d.day and d.month else "", ""))


class _PlainRisWriter(rispy.RisWriter):  # type: ignore[misc]  # rispy ships no type hints
    """rispy's writer without its "1." counter lines, which are not RIS tags."""

    def set_header(self, count: int) -> str:
        return ""


def to_ris(papers: Iterable[Paper]) -> str:
    """RIS records (TY … ER) for Zotero, EndNote, Mendeley."""
    return strip_bidi_controls(str(rispy.dumps([_ris_entry(p) for p in papers], implementation=_PlainRisWriter)))


# --- BibTeX ---------------------------------------------------------------------------------------

_LATEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
}
_STOPWORDS = {"a", "an", "the", "of", "on", "in", "for", "and", "to", "with", "by", "at", "from", "is", "are"}


def bibtex_escape(text: str) -> str:
    """Escape LaTeX specials so braces stay balanced; non-ASCII stays UTF-8 (Zotero, biber read it)."""
    return "".join(_LATEX_SPECIALS.get(ch, ch) for ch in " ".join(text.split()))


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", folded)


def bibtex_key(paper: Paper) -> str:
    """'Smith2024ketamine_38011560': first author, year, first significant title word, PMID (unique)."""
    first = paper.authors[0] if paper.authors else None
    name = ""
    if first is not None:
        name = _ascii_word(first.last_name or "") or _ascii_word((first.collective_name or "").split(" ")[0])
    words = [_ascii_word(w) for w in paper.title_plain.split()]
    word = next((w.lower() for w in words if w and w.lower() not in _STOPWORDS), "")
    return f"{name or 'Anon'}{paper.year or ''}{word}_{paper.pmid}"


def _bibtex_author(author: Author) -> str:
    if author.collective_name:
        # Double braces keep a group name from being split into first/last names.
        return "{" + bibtex_escape(author.collective_name) + "}"
    last = bibtex_escape(author.last_name or "")
    given = bibtex_escape(author.fore_name or author.initials or "")
    return f"{{{last}}}, {given}" if given else f"{{{last}}}"


def _bibtex_entry(paper: Paper) -> str:
    chapter = _is_chapter(paper)
    kind = "incollection" if chapter else "book" if paper.kind == "book" else "article"
    start, end = page_range(paper.pages)
    fields: list[tuple[str, str | None]] = [
        ("author", " and ".join(_bibtex_author(a) for a in paper.authors) or None),
        ("title", paper.title_plain),
        ("journal", paper.journal if kind == "article" else None),
        ("booktitle", paper.journal if chapter else None),
        ("publisher", paper.publisher),
        ("year", str(paper.year) if paper.year else None),
        ("month", _MONTH_NAMES[paper.pub_date.month - 1] if paper.pub_date.month else None),
        ("volume", paper.volume),
        ("number", paper.issue),
        ("pages", f"{start}--{end}" if start and end else start),
        ("doi", paper.doi),
        ("pmid", str(paper.pmid)),
        ("pmcid", paper.pmcid),
        ("url", paper.pubmed_url),
        ("note", "Retracted publication" if is_retracted(paper) else None),
        ("abstract", paper.abstract_plain or None),
    ]
    lines = [f"@{kind}{{{bibtex_key(paper)},"]
    for name, value in fields:
        if not value:
            continue
        text = value if name == "author" else bibtex_escape(value)
        if name in {"doi", "url"}:
            text = value.replace("{", "").replace("}", "").replace("\\", "")
        lines.append(f"  {name} = {{{text}}},")
    lines.append("}")
    return "\n".join(lines)


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def to_bibtex(papers: Iterable[Paper]) -> str:
    """BibTeX entries (@article, @book, @incollection), one per paper, keys unique by PMID."""
    return strip_bidi_controls("\n\n".join(_bibtex_entry(p) for p in papers) + "\n")


# --- CSL-JSON -------------------------------------------------------------------------------------


def _csl_author(author: Author) -> dict[str, str]:
    if author.collective_name:
        return {"literal": author.collective_name}
    out = {"family": author.last_name or ""}
    if author.fore_name or author.initials:
        out["given"] = author.fore_name or author.initials or ""
    return out


def csl_item(paper: Paper) -> dict[str, Any]:
    """One CSL-JSON item (the format Zotero, citeproc and Pandoc read)."""
    chapter = _is_chapter(paper)
    item: dict[str, Any] = {
        "id": f"pmid:{paper.pmid}",
        "type": "chapter" if chapter else "book" if paper.kind == "book" else "article-journal",
        "title": paper.title_plain,
        "PMID": str(paper.pmid),
        "URL": paper.pubmed_url,
    }
    if paper.authors:
        item["author"] = [_csl_author(a) for a in paper.authors]
    d = paper.pub_date
    if d.year:
        item["issued"] = {
            "date-parts": [[d.year, *([d.month] if d.month else []), *([d.day] if d.month and d.day else [])]]
        }
        if d.season:
            item["issued"]["season"] = d.season
    elif paper.year:
        # MedlineDate ("1965 Dec-1966 Jan"): the year is reliable, the rest is free text.
        item["issued"] = {"date-parts": [[paper.year]], "literal": d.medline_date or str(paper.year)}
    optional = {
        "container-title": paper.journal if paper.kind == "article" or chapter else None,
        "container-title-short": paper.journal_iso,
        "publisher": paper.publisher,
        "volume": paper.volume,
        "issue": paper.issue,
        "page": _full_pages(paper),
        "DOI": paper.doi,
        "PMCID": paper.pmcid,
        "abstract": paper.abstract_plain or None,
        "language": paper.languages[0] if paper.languages else None,
        "note": "Retracted publication" if is_retracted(paper) else None,
    }
    item.update({k: v for k, v in optional.items() if v})
    return item


def to_csl_json(papers: Iterable[Paper]) -> str:
    """A CSL-JSON array of items."""
    return strip_bidi_controls(json.dumps([csl_item(p) for p in papers], ensure_ascii=False, indent=2) + "\n")


# --- CSV ------------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "pmid",
    "title",
    "authors",
    "journal",
    "year",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmcid",
    "publication_types",
    "design",
    "design_label",
    "tier",
    "evidence_source",
    "details",
    "retracted",
    "status",
    "url",
)


# OWASP's CSV-injection advice: a spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell a spreadsheet shows as text: a leading formula character gets a ``'`` in front (OWASP)."""
    if isinstance(value, str):
        value = strip_bidi_controls(value)
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def to_csv(papers: Iterable[Paper], evidence: Mapping[int, Evidence] | None = None) -> str:
    """CSV with a header row; ``evidence`` by PMID, classified here for papers it lacks.

    Every cell is quoted (a spreadsheet splitting on ``;`` cannot start a new cell inside one) and passes
    :func:`csv_cell`.
    """
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for paper in papers:
        ev = (evidence or {}).get(paper.pmid) or classify(paper)
        row = {
            "pmid": paper.pmid,
            "title": paper.title_plain,
            "authors": "; ".join(a.display for a in paper.authors),
            "journal": paper.journal or "",
            "year": paper.year or "",
            "volume": paper.volume or "",
            "issue": paper.issue or "",
            "pages": paper.pages or "",
            "doi": paper.doi or "",
            "pmcid": paper.pmcid or "",
            "publication_types": "; ".join(paper.publication_types),
            "design": ev.design,
            "design_label": ev.label,
            "tier": ev.tier,
            "evidence_source": ev.source,
            "details": "; ".join(ev.chips),
            "retracted": "yes" if is_retracted(paper) else "no",
            "status": paper.status,
            "url": paper.pubmed_url,
        }
        writer.writerow({k: csv_cell(v) for k, v in row.items()})
    return buffer.getvalue()


def export(papers: Iterable[Paper], fmt: str) -> str:
    """Dispatch on a format name from :data:`FORMATS`."""
    writers = {"ris": to_ris, "bibtex": to_bibtex, "csl-json": to_csl_json, "csv": to_csv}
    if fmt not in writers:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return writers[fmt](papers)
