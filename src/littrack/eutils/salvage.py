"""Reading what can be read of an EFetch reply that holds a malformed record.

Parsing only: bytes in, records out. A reply that passed :func:`littrack.eutils.client.validate_efetch` is
whole, XML and no NCBI error, so if it still does not parse, one of its records is malformed: a control
character (``&#x1b;`` or a raw ESC byte), bytes that are not UTF-8, an entity bomb. The streaming parser has
yielded every record before that one; :func:`read_papers` keeps them and says where reading stopped, and the
fetch code (:mod:`littrack.fetch.batches`) finds and sets aside the malformed record.

lxml's ``recover`` mode is never used on records: it silently drops text, or whole elements, to get past a
fault, and a record read that way may say something else than PubMed does. The one repair here is removing
C0 control characters, which XML 1.0 forbids and which carry no text, so no field can change meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from littrack.errors import ParseError
from littrack.eutils.pubmed_xml import iter_papers
from littrack.models import Paper

# Raw bytes XML 1.0 forbids everywhere (C0 controls other than tab, LF and CR), and character references.
_RAW_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CHAR_REF = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
_CDATA = re.compile(rb"(<!\[CDATA\[.*?\]\]>)", re.DOTALL)
_POSITION = re.compile(r",? line \d+, column \d+$")


@dataclass(frozen=True)
class Reading:
    """The records read from a reply, in order, and why reading stopped early (None: it did not)."""

    papers: tuple[Paper, ...]
    fault: str | None = None


def read_papers(body: bytes) -> Reading:
    """Every record up to the first malformed one; ``fault`` says what was wrong there."""
    papers: list[Paper] = []
    try:
        papers.extend(iter_papers(body))
    except ParseError as exc:
        return Reading(tuple(papers), _fault(exc))
    return Reading(tuple(papers))


def without_control_characters(body: bytes) -> bytes | None:
    """``body`` without the control characters XML forbids, raw or as references; None if it has none.

    A character reference inside CDATA is literal text (``&#x1b;`` there means those six characters), so
    references are removed outside CDATA sections only.
    """
    parts = _CDATA.split(_RAW_CONTROL.sub(b"", body))
    cleaned = b"".join(p if p.startswith(b"<![CDATA[") else _CHAR_REF.sub(_drop_forbidden, p) for p in parts)
    return cleaned if cleaned != body else None


def _drop_forbidden(match: re.Match[bytes]) -> bytes:
    digits = match.group(1)
    code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    # XML 1.0's Char production
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code >= 0x10000
    return match.group(0) if allowed else b""


def _fault(exc: ParseError) -> str:
    """libxml2's own words, without the position: a line and column of one reply mean nothing later."""
    cause = exc.__cause__
    text = cause.msg if isinstance(cause, etree.XMLSyntaxError) and cause.msg else str(exc)
    return _POSITION.sub("", " ".join(text.split())).removesuffix(", see xmlCtxtSetMaxAmplification.")
