"""Pure builders for the fake E-utilities server's replies, and its term matchers / count overrides.

Record bytes are real (from :mod:`littrack.replay.corpus`); everything built here around them is
SYNTHETIC: eSearchResult envelopes, ID lists, error bodies. Their *shape* copies real NCBI replies
(``recorded/pubmed/biopython/Tests/Entrez/esearch2.xml``, ``esearch8.xml``, ``esummary8.xml``; the 429 JSON body
and the "Search Backend failed" wordings quoted in the project's ``quoted_from_issues/ERROR_BODIES.md``).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping
from xml.sax.saxutils import escape

TermMatcher = Callable[[str], Collection[int] | None]  # None: every record matches
CountOverride = Callable[[str, str | None, str | None], int | None]  # (term, mindate, maxdate) -> count

PUBMED_CAP = 9999
SYNTHETIC = b"<!-- synthetic reply by littrack's fake E-utilities server -->\n"
_ESEARCH_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
EFETCH_HEAD = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
EFETCH_TAIL = b"</PubmedArticleSet>"
# NCBI's wording when retstart passes the PubMed cap (NBK25499; biopython #4193).
CAP_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, ESearch can only "
    "retrieve the first 9,999 records matching the query. To obtain more than 9,999 PubMed records, consider "
    "using EDirect that contains additional logic to batch PubMed search results automatically so that an "
    "arbitrary number can be retrieved. For details see https://www.ncbi.nlm.nih.gov/books/NBK25499/"
)
BACKEND_DOWN = "Search Backend failed: Database is not supported: pubmed"  # biopython #5025, July 2025


def esearch_xml(
    count: int,
    ids: Iterable[int],
    retstart: int,
    term: str,
    *,
    webenv: str | None = None,
    query_key: str | None = None,
    warnings: Iterable[str] = (),
) -> bytes:
    """An eSearchResult in the shape of ``recorded/pubmed/biopython/Tests/Entrez/esearch2.xml`` (SYNTHETIC)."""
    id_list = list(ids)
    parts = [f"<Count>{count}</Count><RetMax>{len(id_list)}</RetMax><RetStart>{retstart}</RetStart>"]
    if webenv and query_key:
        parts.append(f"<QueryKey>{query_key}</QueryKey><WebEnv>{webenv}</WebEnv>")
    parts.append("<IdList>\n" + "".join(f"<Id>{i}</Id>\n" for i in id_list) + "</IdList>" if id_list else "<IdList/>")
    parts.append(f"<TranslationSet/><QueryTranslation>{escape(term)}</QueryTranslation>")
    messages = "".join(f"<OutputMessage>{escape(w)}</OutputMessage>" for w in warnings)
    if messages:
        parts.append(f"<WarningList>{messages}</WarningList>")
    return _ESEARCH_HEAD + SYNTHETIC + b"<eSearchResult>" + "".join(parts).encode() + b"</eSearchResult>\n"


def esearch_count_xml(count: int) -> bytes:
    """``rettype=count``: just the count, as in hawc's recorded count replies (SYNTHETIC)."""
    return _ESEARCH_HEAD + SYNTHETIC + f"<eSearchResult><Count>{count}</Count></eSearchResult>\n".encode()


def error_xml(root: str, message: str) -> bytes:
    """An HTTP-200 error body like ``recorded/pubmed/biopython/Tests/Entrez/esummary8.xml`` (SYNTHETIC)."""
    return (
        b'<?xml version="1.0" encoding="UTF-8" ?>\n'
        + SYNTHETIC
        + f"<{root}>\n\t<ERROR>{escape(message)}</ERROR>\n</{root}>\n".encode()
    )


def efetch_xml(records: Iterable[bytes], *, entity_bomb: bool = False) -> bytes:
    """A PubmedArticleSet around verbatim recorded records (no separator, as NCBI sends them).

    ``entity_bomb`` swaps NCBI's DOCTYPE for one declaring :data:`ENTITY_BOMB` (SYNTHETIC, for hostile tests).
    """
    head = EFETCH_HEAD
    if entity_bomb:
        head = b'<?xml version="1.0" ?>\n' + ENTITY_BOMB + SYNTHETIC + b"<PubmedArticleSet>\n"
    return head + b"".join(records) + EFETCH_TAIL


class Tamper(enum.Enum):
    """SYNTHETIC damage to a real recorded record, as an outside fault campaign served it (issue 11 §5).

    :func:`tamper` inserts it at the start of the title (the CDATA case: of the first abstract section) and
    marks the record with a comment saying so. Only CDATA_ERROR leaves the record well-formed.
    """

    CONTROL_REF = b"&#x1b;"  # a character reference to ESC: XML 1.0 forbids it
    RAW_ESC = b"\x1b"  # the raw ESC byte: forbidden as well
    INVALID_UTF8 = b"M\xfcller \xff "  # Latin-1 bytes in a UTF-8 document
    ENTITY_BOMB = b"&lol9;"  # "billion laughs": needs efetch_xml(entity_bomb=True)
    CDATA_ERROR = b"<![CDATA[<ERROR>x</ERROR>]]> "  # well-formed text that merely looks like an NCBI error


def _entity_bomb() -> bytes:
    # "Billion laughs": each entity is ten of the one before, so &lol9; stands for 10^9 "lol"s.
    lines = [b"<!DOCTYPE PubmedArticleSet [", b'<!ENTITY lol0 "lol">']
    lines += [b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10) for i in range(1, 10)]
    return b"\n".join([*lines, b"]>", b""])


ENTITY_BOMB = _entity_bomb()


def tamper(record: bytes, how: Tamper) -> bytes:
    """``record`` with ``how`` inserted (SYNTHETIC; the rest of the bytes are the recorded ones)."""
    where = b"<AbstractText" if how is Tamper.CDATA_ERROR and b"<AbstractText" in record else b"<ArticleTitle"
    at = record.index(b">", record.index(where)) + 1
    marked = record[:at] + how.value + record[at:]
    first = marked.index(b">") + 1  # after <PubmedArticle>: say what was done, where a reader of the bytes looks
    return marked[:first] + f"<!-- synthetic damage by littrack's fake server: {how.name} -->".encode() + marked[first:]


def rate_limit_json(who: str, count: int, limit: int) -> bytes:
    """NCBI's HTTP 429 body (quoted from biocommons/bioutils#16), JSON even when XML was asked for."""
    return json.dumps(
        {"error": "API rate limit exceeded", "api-key": who, "count": str(count), "limit": str(limit)},
        separators=(",", ":"),
    ).encode()


def http_error_html(status: int, reason: str) -> bytes:
    return (
        f"<!-- synthetic reply by littrack's fake E-utilities server -->\n<html><head><title>{status} {reason}"
        f"</title></head><body><h1>{reason}</h1></body></html>\n"
    ).encode()


def parse_ncbi_date(text: str, *, end: bool) -> dt.date:
    """YYYY, YYYY/MM or YYYY/MM/DD (also with '-') → the first (or, with ``end``, last) day it covers."""
    parts = [int(p) for p in text.strip().replace("-", "/").split("/")]
    if not 1 <= len(parts) <= 3:
        raise ValueError(f"bad date {text!r}")
    year, month, day = [*parts, 0, 0][:3]
    if not month:
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    if not day:
        return dt.date(year, month, calendar.monthrange(year, month)[1] if end else 1)
    return dt.date(year, month, day)


def substring_matcher(
    mapping: Mapping[str, Iterable[int]], default: Collection[int] | None = frozenset()
) -> TermMatcher:
    """A term matches the PMIDs of every key it contains (case-insensitive); ``default`` when none."""
    table = {k.lower(): frozenset(v) for k, v in mapping.items()}

    def match(term: str) -> Collection[int] | None:
        hits = [pmids for key, pmids in table.items() if key in term.lower()]
        return frozenset().union(*hits) if hits else default

    return match


def split_matcher(pmids: Iterable[int], share: float = 0.5) -> TermMatcher:
    """Each distinct term gets a stable pseudo-random ``share`` of the PMIDs; two terms overlap by ~share².

    For the demo: every configured topic query finds its own subset of the real corpus, the same one on
    every run and in every process, with some papers found by several topics.
    """
    universe = tuple(pmids)

    def match(term: str) -> Collection[int] | None:
        key = " ".join(term.lower().split())
        return frozenset(p for p in universe if _unit(f"{key}\0{p}") < share)

    return match


def wide_window_override(max_days: int, count: int = 12_000) -> CountOverride:
    """Pretend windows longer than ``max_days`` match ``count`` (> 9,999) records, to exercise splitting."""

    def override(term: str, mindate: str | None, maxdate: str | None) -> int | None:
        if not (mindate and maxdate):
            return count
        span = parse_ncbi_date(maxdate, end=True) - parse_ncbi_date(mindate, end=False)
        return count if span.days + 1 > max_days else None

    return override


class SyntheticHits:
    """SYNTHETIC search hits for big backfills: ``total`` made-up PMIDs spread over Entrez dates by a weight per
    year (evenly over each year's days, never after ``end``).

    The fake server adds them to every ESearch (counts and ID lists, newest first); EFetch finds no record
    for them, as NCBI omits a PMID it holds no record for. So a backfill of 18,672 hits can be run and its
    requests counted without inventing a single record.
    """

    FIRST_PMID = 900_000_001  # far above any real PMID (about 41 million in 2026)

    def __init__(self, total: int, weights: Mapping[int, float], *, end: dt.date) -> None:
        years = sorted(y for y, w in weights.items() if w > 0)
        mass = sum(weights[y] for y in years)
        shares = {y: total * weights[y] / mass for y in years}
        counts = {y: int(shares[y]) for y in years}
        # Largest remainders get the leftover hits, so the years add up to exactly ``total``.
        for y in sorted(years, key=lambda y: counts[y] - shares[y])[: total - sum(counts.values())]:
            counts[y] += 1
        days: list[dt.date] = []
        for y in years:
            first, last = dt.date(y, 1, 1), min(dt.date(y, 12, 31), end)
            span = (last - first).days + 1
            days += [first + dt.timedelta(days=i * span // counts[y]) for i in range(counts[y])] if span > 0 else []
        self._days = days  # oldest first; PMIDs grow with the date, as PubMed's do
        self.pmids = tuple(range(self.FIRST_PMID, self.FIRST_PMID + len(days)))

    def __len__(self) -> int:
        return len(self._days)

    def in_window(self, start: dt.date | None, end: dt.date | None) -> list[tuple[dt.date, int]]:
        """(Entrez date, PMID) of the hits in ``start..end`` (None = open), newest first."""
        lo = 0 if start is None else bisect.bisect_left(self._days, start)
        hi = len(self._days) if end is None else bisect.bisect_right(self._days, end)
        return [(self._days[i], self.pmids[i]) for i in range(hi - 1, lo - 1, -1)]

    def count(self, start: dt.date | None, end: dt.date | None) -> int:
        lo = 0 if start is None else bisect.bisect_left(self._days, start)
        hi = len(self._days) if end is None else bisect.bisect_right(self._days, end)
        return max(hi - lo, 0)


def _unit(text: str) -> float:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big") / 2**64
