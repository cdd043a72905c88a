"""Render a :class:`~littrack.digest.view.DigestView` to the digest file, the background page and plain text.

Pure functions: a view in, a string out. No file or network I/O here (see :mod:`littrack.digest.files`
for writing, :mod:`littrack.digest.mail` for sending); the e-mail's HTML part is
:mod:`littrack.digest.email_html`. Templates ship in ``littrack/digest/templates``.

Escaping rule: every value is autoescaped except titles and abstract texts, which are *safe markup*
(:mod:`littrack.markup`) and are passed through the ``markup`` filter. Every ``href`` built from data
goes through :func:`doi_url` or :func:`safe_href`, so no ``javascript:`` (or other scheme) link can
come out of a record.
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Iterable
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from littrack.digest.briefing import summarise
from littrack.digest.shorten import short_abstract, shorten_markup
from littrack.digest.view import Briefing, DigestView, PaperEntry
from littrack.markup import strip_bidi_controls, to_plain
from littrack.models import Author, Evidence, Paper

__all__ = [
    "doi_url",
    "environment",
    "page_url",
    "render_background_page",
    "render_html",
    "render_text",
    "safe_href",
    "shorten_markup",
]

MAX_AUTHORS = 3
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_PMCID_RE = re.compile(r"^PMC\d+$")
_NCT_RE = re.compile(r"^NCT\d{8}$")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")

# ISO 639-2 codes PubMed uses most often; anything else is shown as the code itself.
_LANGUAGES = {
    "chi": "Chinese", "dan": "Danish", "dut": "Dutch", "fre": "French", "ger": "German", "ita": "Italian",
    "jpn": "Japanese", "kor": "Korean", "nor": "Norwegian", "pol": "Polish", "por": "Portuguese",
    "rus": "Russian", "spa": "Spanish", "swe": "Swedish", "tur": "Turkish",
}  # fmt: skip


def doi_url(doi: str | None) -> str | None:
    """``https://doi.org/…`` for a well-formed DOI, else None (never a link from an odd value)."""
    if not doi:
        return None
    doi = doi.strip()
    if not _DOI_RE.match(doi):
        return None
    return "https://doi.org/" + urllib.parse.quote(doi, safe="/:;()._-")


def safe_href(url: str | None) -> str | None:
    """The URL if it is http(s) or a plain relative path, else None (``javascript:``, ``data:``, …)."""
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        return None
    m = _SCHEME_RE.match(url)
    if m:
        return url if m.group(1).lower() in {"http", "https"} else None
    # Relative: no colon anywhere (a browser could read one as a scheme) and not protocol-relative.
    return None if ":" in url or url.startswith("//") else url


def pmc_url(paper: Paper) -> str | None:
    return paper.pmc_url if paper.pmcid and _PMCID_RE.match(paper.pmcid) else None


def trial_url(nct_id: str) -> str | None:
    return f"https://clinicaltrials.gov/study/{nct_id}" if _NCT_RE.match(nct_id) else None


def authors_short(authors: Iterable[Author]) -> str:
    """'Smith JA, Doe J, Roe R, et al.' (first three), or '' when PubMed lists none."""
    names = [a.display for a in authors if a.display]
    if len(names) > MAX_AUTHORS:
        return ", ".join(names[:MAX_AUTHORS]) + ", et al."
    return ", ".join(names)


def authors_isolated(authors: Iterable[Author]) -> Markup:
    """:func:`authors_short` for HTML, each name in its own ``<bdi>`` (a bidi override stays in its name)."""
    names = [a.display for a in authors if a.display]
    shown = Markup(", ").join(Markup("<bdi>{}</bdi>").format(n) for n in names[:MAX_AUTHORS])
    return shown + ", et al." if len(names) > MAX_AUTHORS else shown


def citation(paper: Paper) -> str:
    """'2024;12(3):45-56' style volume/issue/pages after the year; '' parts are left out."""
    out = paper.pub_date.display or (str(paper.year) if paper.year else "")
    vol = paper.volume or ""
    if paper.issue:
        vol += f"({paper.issue})"
    if vol:
        out += f";{vol}"
    if paper.pages:
        out += f":{paper.pages}" if vol else f";{paper.pages}"
    return out


def pub_types(paper: Paper) -> tuple[str, ...]:
    """Publication types worth a badge: 'Journal Article' (nearly every record) tells a reader nothing."""
    return tuple(t for t in paper.publication_types if t != "Journal Article")


def languages(paper: Paper) -> str:
    """'German' for a non-English paper, '' for English (or unknown) ones."""
    names = [_LANGUAGES.get(code, code) for code in paper.languages if code not in {"eng", "und"}]
    return ", ".join(names)


_CHANGE_LABELS = {
    "RetractionIn": "Retracted",
    "Retracted Publication": "Retracted",
    "ErratumIn": "Erratum",
    "ExpressionOfConcernIn": "Expression of concern",
    "UpdateIn": "Updated",
}


def change_label(kind: str) -> str:
    """'Erratum' for PubMed's 'ErratumIn', and so on; unknown kinds pass through."""
    return _CHANGE_LABELS.get(kind, kind)


_TRIAL_LABELS = {
    "new": "New trial",
    "status": "Status changed",
    "results posted": "Results posted",
    "completion date passed": "Completion date passed",
    "enrollment": "Enrollment changed",
    "no publication": "Completed, no publication found",
}


def trial_label(what: str) -> str:
    """'Status changed' for the trials module's 'status', and so on; unknown values pass through."""
    return _TRIAL_LABELS.get(what, what)


def human_date(value: dt.date | dt.datetime) -> str:
    return f"{value.day} {value:%b %Y}"


def human_datetime(value: dt.datetime) -> str:
    zone = value.tzname() or ""
    return f"{value.day} {value:%b %Y, %H:%M} {zone}".rstrip()


_SHORT_DESIGNS = {
    "systematic_review": "Systematic review",
    "rct": "RCT",
    "guideline": "Guideline",
    "clinical_trial": "Non-randomized trial",
    "observational": "Observational",
    "case_report": "Case report",
    "other": "Other",
    "narrative_review": "Review",
    "preclinical": "Preclinical",
    "protocol": "Protocol",
    "editorial": "Letter / editorial",
    "notice": "Notice",
}


def short_design(evidence: Evidence) -> str:
    """'RCT', 'Case report': the badge of a one-line entry (the full label is on the card). Both labels when
    PubMed and the abstract disagree, and 'animal study' / 'in vitro' in words, as on the card."""
    if evidence.disagreement or evidence.design == "preclinical":
        return evidence.display
    return _SHORT_DESIGNS.get(str(evidence.design), evidence.label)


def clip(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters at a word boundary, with '…' when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip(" ,;:") + "…"


def _markup(value: str) -> Markup:
    """Mark a title/abstract safe: the parser already escaped text and kept only inline tags."""
    return Markup(value)


@cache
def environment() -> Environment:
    """The shared Jinja2 environment: package templates, autoescape for html/xml, undefined is an error."""
    env = Environment(
        loader=PackageLoader("littrack", "digest/templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "xml"), default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        markup=_markup,
        plain=to_plain,
        human_date=human_date,
        human_datetime=human_datetime,
        authors_short=authors_short,
        authors_isolated=authors_isolated,
        citation=citation,
        languages=languages,
        pub_types=pub_types,
        change_label=change_label,
        trial_label=trial_label,
        short_design=short_design,
        clip=clip,
    )
    env.tests["valid_nct"] = lambda value: bool(_NCT_RE.match(value))
    env.globals.update(
        doi_url=doi_url,
        safe_href=safe_href,
        pmc_url=pmc_url,
        trial_url=trial_url,
        pubmed_url=lambda pmid: f"https://pubmed.ncbi.nlm.nih.gov/{int(pmid)}/",
    )
    return env


def briefing_of(view: DigestView) -> Briefing:
    """The view's briefing (build_view fills it; views built by hand get it computed here)."""
    return view.briefing or summarise(view)


def render_html(view: DigestView) -> str:
    """The self-contained digest file (inline CSS, no scripts, collapsed abstracts and preclinical papers)."""
    return environment().get_template("digest.html").render(view=view, briefing=briefing_of(view))


def render_background_page(view: DigestView) -> str:
    """digests/background.html: the background articles and every study they mention, as of this digest."""
    return environment().get_template("background.html").render(view=view)


def text_abstract(entry: PaperEntry, limit: int) -> tuple[str, bool]:
    """The abstract as plain text for the text part, Results and Conclusions kept (see :mod:`.shorten`)."""
    sections, cut = short_abstract(entry.paper.abstract, limit)
    return "\n".join(f"{label}: {to_plain(text)}" if label else to_plain(text) for label, text in sections), cut


def page_url(view: DigestView) -> str | None:
    """The background page's address when the digests folder is published (``digest.public_url``)."""
    base = safe_href(view.full_digest_url)
    if base is None or view.mentions is None or view.mentions.page is None:
        return None
    return safe_href(urllib.parse.urljoin(base, view.mentions.page))


def render_text(view: DigestView, *, abstract_chars: int, attachment: str | None = None) -> str:
    """The e-mail's plain-text alternative, in the e-mail's shape (see :mod:`.email_html`): the briefing, the
    papers to read first and the first of the safety lane in full, every other paper one line with its link.

    ``attachment``: the file name of the full digest attached to the message, when there is no public URL.
    """
    briefing = briefing_of(view)
    shown = full_entries(view, briefing)
    text = (
        environment()
        .get_template("digest.txt")
        .render(
            view=view,
            briefing=briefing,
            full=shown,
            abstracts={e.paper.pmid: text_abstract(e, abstract_chars) for e in shown},
            full_url=safe_href(view.full_digest_url),
            attachment=attachment,
            page_url=page_url(view),
        )
    )
    return strip_bidi_controls(text)


def full_entries(view: DigestView, briefing: Briefing, *, safety: int = 5, top: int = 5) -> tuple[PaperEntry, ...]:
    """The papers an e-mail shows in full: the first of the safety lane, then the briefing's top papers."""
    chosen = {e.paper.pmid: e for e in view.safety[:safety]}
    for e in briefing.top[:top]:
        chosen.setdefault(e.paper.pmid, e)
    return tuple(chosen.values())
