"""Parse one ESearch reply (``eSearchResult`` XML) into a :class:`~littrack.models.SearchResult`.

Pure: bytes in, a frozen record or an exception out. What counts as an answer and what as a failure
follows NCBI's real replies: zero hits arrive as HTTP 200 with ``ErrorList/PhraseNotFound`` and the
warning "No items found." (a valid, empty answer), while back-end failures arrive as HTTP 200 with an
``<ERROR>`` element (retryable, never "zero new papers"). The 9,999-record cap is its own exception.
"""

from __future__ import annotations

import re

from lxml import etree

from littrack.errors import ParseError, PubMedError, ResultCapExceeded
from littrack.models import SearchResult

PUBMED_CAP = 9999  # ESearch hands out at most this many PubMed records per query

# NCBI's wordings for "past the 9,999 cap" (NBK25499; biopython issues 4189/4193).
_CAP_RE = re.compile(r"Restrictions achieved|cannot be larger than 9998|out of acceptable range \[9999", re.IGNORECASE)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


class BackendError(PubMedError):
    """NCBI answered HTTP 200 with an ``<ERROR>`` element; usually a transient back-end failure."""


def parse_esearch(body: bytes) -> SearchResult:
    """Parse an ESearch XML reply.

    Raises :class:`ParseError` when the body is not an ``eSearchResult``, :class:`ResultCapExceeded`
    when NCBI reports the 9,999-record cap, and :class:`BackendError` for any other ``<ERROR>``.
    """
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"ESearch reply is not XML ({exc.msg}); starts with {_snippet(body)!r}") from None
    if root.tag != "eSearchResult":
        raise ParseError(f"ESearch reply is a <{root.tag}>, not an <eSearchResult>")
    count_text = root.findtext("Count")
    errors = [(e.text or "").strip() for e in root.iterfind("ERROR")]
    warnings = tuple(
        f"{child.tag}: {(child.text or '').strip()}"
        for section in ("ErrorList", "WarningList")
        for holder in root.iterfind(section)
        for child in holder
    )
    for message in (*errors, *warnings):
        if _CAP_RE.search(message):
            raise ResultCapExceeded(
                f"PubMed reports more than {PUBMED_CAP} results ({_one_line(message)}); split the date window",
                count=int(count_text) if count_text and count_text.strip().isdigit() else None,
            )
    if errors:
        raise BackendError(f"NCBI ESearch answered with an error: {_one_line('; '.join(errors))}")
    if count_text is None or not count_text.strip().isdigit():
        raise ParseError("ESearch reply has no <Count>")
    return SearchResult(
        count=int(count_text),
        ids=tuple(int(i.text) for i in root.iterfind("IdList/Id") if i.text and i.text.strip().isdigit()),
        webenv=(root.findtext("WebEnv") or "").strip() or None,
        query_key=(root.findtext("QueryKey") or "").strip() or None,
        warnings=warnings,
    )


def _one_line(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _snippet(body: bytes) -> str:
    return _one_line(body[:80].decode("utf-8", "replace"), 60)
