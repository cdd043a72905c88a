"""Render a :class:`~littrack.digest.view.DigestView` to HTML (digest file, e-mail) and plain text.

Pure functions: a view in, a string out. No file or network I/O here (see :mod:`littrack.digest.files`
for writing, :mod:`littrack.mail` for sending). Templates ship in ``littrack/digest/templates``.

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

from littrack.digest.view import DigestView, PaperEntry
from littrack.markup import strip_bidi_controls, to_plain
from littrack.models import Author, Paper

MAX_AUTHORS = 3
_DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
_PMCID_RE = re.compile(r"^PMC\d+$")
_NCT_RE = re.compile(r"^NCT\d{8}$")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_TOKEN_RE = re.compile(r"(</?(?:i|b|sup|sub|u)>)|(&#?\w+;)|([^<&]+)|([<&])")
_TAG_NAME_RE = re.compile(r"</?(\w+)>")
_ENTITY_END_RE = re.compile(r"&#?\w+;$")

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
    "Cites Retracted": "Cites a retracted study",
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


def iso_human(value: str | None) -> str:
    """'3 Mar 2027, 06:00 UTC' from the store's ISO times; the text itself when it is not one."""
    if not value:
        return "an unknown time"
    try:
        return human_datetime(dt.datetime.fromisoformat(value))
    except ValueError:
        return value


def month_year(value: dt.date | None) -> str:
    """'March 2025' (the brief form a "now published" note uses); 'an unknown month' without a date."""
    return f"{value:%B %Y}" if value else "an unknown month"


def names_short(names: Iterable[str]) -> str:
    """Europe PMC's author names, the first three then 'et al.'."""
    listed = [n for n in names if n]
    return ", ".join(listed[:MAX_AUTHORS]) + (", et al." if len(listed) > MAX_AUTHORS else "")


def shorten_markup(safe_markup: str, limit: int) -> tuple[str, bool]:
    """Cut safe markup to about ``limit`` visible characters at a word boundary, closing open tags.

    Returns ``(markup, cut)``. Entities count as one character and are never split.
    """
    if len(to_plain(safe_markup)) <= limit:
        return safe_markup, False
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    for tag, entity, text, stray in _TOKEN_RE.findall(safe_markup):
        if tag:
            name = _TAG_NAME_RE.match(tag).group(1)  # type: ignore[union-attr]
            if tag.startswith("</"):
                if name in open_tags:
                    open_tags.remove(name)
            else:
                open_tags.append(name)
            out.append(tag)
            continue
        piece = entity or text or stray
        visible = 1 if entity else len(piece)
        if used + visible <= limit:
            out.append(piece)
            used += visible
            continue
        if text:
            # One character of look-ahead: a cut just before a space keeps the whole last word.
            room = text[: limit - used + 1]
            cut_at = room.rfind(" ")
            if cut_at >= 0:
                out.append(room[:cut_at])
            elif used == 0:  # a single over-long word: cut inside it rather than show nothing
                out.append(room[:-1])
        break
    shortened = "".join(out).rstrip()
    if shortened[-1:] in {",", ";", ":"} and not _ENTITY_END_RE.search(shortened):
        shortened = shortened[:-1]
    return shortened + "".join(f"</{t}>" for t in reversed(open_tags)) + "…", True


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
        iso_human=iso_human,
        month_year=month_year,
        names_short=names_short,
        authors_short=authors_short,
        authors_isolated=authors_isolated,
        citation=citation,
        languages=languages,
        pub_types=pub_types,
        change_label=change_label,
        trial_label=trial_label,
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


def _short_abstract(entry: PaperEntry, limit: int) -> tuple[list[tuple[str | None, Markup]], bool]:
    """Abstract sections trimmed to ``limit`` visible characters in total, for the e-mail."""
    out: list[tuple[str | None, Markup]] = []
    left = limit
    for section in entry.paper.abstract:
        if left <= 0:
            return out, True
        text, cut = shorten_markup(section.text, left)
        out.append((section.label, Markup(text)))
        if cut:
            return out, True
        left -= len(to_plain(section.text))
    return out, False


def render_html(view: DigestView) -> str:
    """The self-contained digest file (inline CSS, no scripts, collapsed abstracts)."""
    return environment().get_template("digest.html").render(view=view, email=False, abstracts={}, full_url=None)


def render_email_html(view: DigestView, *, abstract_chars: int) -> str:
    """The e-mail's HTML part: same content, shortened abstracts, CSS in one <style> block to inline."""
    entries = [*(e for s in view.sections for e in s.entries), *view.pubmed_preprints]
    abstracts = {e.paper.pmid: _short_abstract(e, abstract_chars) for e in entries}
    full_url = safe_href(view.full_digest_url)
    return (
        environment().get_template("digest.html").render(view=view, email=True, abstracts=abstracts, full_url=full_url)
    )


def render_text(view: DigestView, *, abstract_chars: int) -> str:
    """The e-mail's plain-text alternative."""
    abstracts = {}
    for section in view.sections:
        for e in section.entries:
            plain = e.paper.abstract_plain
            if len(plain) > abstract_chars:
                cut = (
                    plain[:abstract_chars].rsplit(" ", 1)[0]
                    if " " in plain[:abstract_chars]
                    else plain[:abstract_chars]
                )
                abstracts[e.paper.pmid] = (cut.rstrip(" ,;:") + "…", True)
            else:
                abstracts[e.paper.pmid] = (plain, False)
    full_url = safe_href(view.full_digest_url)
    text = environment().get_template("digest.txt").render(view=view, abstracts=abstracts, full_url=full_url)
    return strip_bidi_controls(text)
