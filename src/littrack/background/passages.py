"""Split a background document into paragraph-sized passages, each labelled body, comment or furniture.

Saved web pages carry page furniture (repeated titles and captions, bylines, share buttons, signup and
donation banners, previous/next links, author bios) and, on blogs, reader comments after the article.
Only ``body`` passages are the article's claims; ``comment`` passages are patient reports, kept and
labelled but never related to papers; ``furniture`` is kept only so that passage indexes stay stable.
Pure functions over text: no I/O.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from littrack.background.documents import BackgroundDoc

BODY, COMMENT, FURNITURE = "body", "comment", "furniture"

# A block that is exactly one of these (case-insensitive) starts the reader comments.
_COMMENTS_START = re.compile(
    r"^(?:newest\s+oldest|oldest\s+newest|notify\s+of|\d+\s+(?:comments?|responses?|replies)|comments?|responses?|"
    r"leave\s+a\s+(?:comment|reply)|join\s+the\s+discussion|what\s+readers\s+say)\b.{0,40}$",
    re.IGNORECASE | re.DOTALL,
)
# Page furniture recognised by what it says.
_FURNITURE = re.compile(
    r"^(?:by\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}(?:,\s*\w+)?|authored\s+by\b|editor[’']?s\s+note\b|"
    r"share(?:\s+this)?\b|pin\s+it\b|tweet\b|previous\b|next\b|subscribe\b|sign\s+up\b|"
    r"related\s+(?:posts|articles)\b|learn\s+more\b|read\s+more\b|for\s+more\s+information\b|advertisement\b|"
    r"stay\s+(?:on\s+top|up\s+to\s+date)\b|like\s+the\s+blog\b|thank\s+you\s+for\s+signing|enter\s+your\s+email|"
    r"[•·*-]?\s*update!)",
    re.IGNORECASE,
)
_FURNITURE_ANYWHERE = re.compile(
    r"\b(?:donation\s+drive|donate\b|fundrais|sign(?:ing)?\s+up|subscribe|newsletter|contact\s+us|"
    r"click\s+here|find\s+out\s+more|cookie|all\s+rights\s+reserved|free\s+(?:[\w/']+\s+){0,5}blogs?\b)",
    re.IGNORECASE,
)
# A commenter's byline or time stamp ("Jane says:", "March 3, 2016 at 4:12 pm", "Reply") also starts them.
_COMMENT_STAMP = re.compile(
    r"^(?:[A-Z][\w.'’-]*(?:\s+[\w.'’-]+){0,3}\s+(?:says|said|wrote|replied)\s*:?\s*"
    r"(?:(?:on\s+)?(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4}).{0,30})?$|"
    r"(?:on\s+)?[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4}(?:\s+at\s+\d{1,2}:\d{2}\s*(?:[ap]\.?m\.?)?)?$|"
    r"\d{1,2}\s+[A-Z][a-z]{2,8}\s+\d{4}(?:\s+at\s+\d{1,2}:\d{2})?$|reply$|\d+\s+(?:years?|months?|days?)\s+ago$)",
    re.IGNORECASE,
)
# Everything after an author bio heading and before the comments is about the author, not the topic.
_BIO_START = re.compile(r"^(?:authored\s+by|about\s+the\s+author)\b", re.IGNORECASE)
# "Cindy May", "Gail christmas": a commenter's name on its own line.
_NAME_LINE = re.compile(r"^[A-Z][\w'’.-]+(?:\s+[A-Za-z][\w'’.-]+){0,2}$")
_SENTENCE_END = re.compile(r"[.!?…”\"')\]]\s*$")


@dataclass(frozen=True)
class Passage:
    """A paragraph of a background document. ``index`` counts every block, furniture included."""

    doc_id: str
    index: int
    text: str
    kind: str  # "body" | "comment" | "furniture"

    @property
    def id(self) -> str:
        """Stable identifier, e.g. 'healthrising-overview#12'."""
        return f"{self.doc_id}#{self.index}"


def split_passages(doc: BackgroundDoc) -> tuple[Passage, ...]:
    """Split ``doc.text`` at blank lines and label each block."""
    return tuple(
        Passage(doc.id, i, text, kind) for i, (text, kind) in enumerate(classify_blocks(blocks(doc.text), doc.title))
    )


def split_all(docs: Iterable[BackgroundDoc]) -> tuple[Passage, ...]:
    """Passages of several documents, in order."""
    return tuple(p for d in docs for p in split_passages(d))


def blocks(text: str) -> list[str]:
    """Paragraph blocks: separated by blank lines, inner whitespace collapsed, empty ones dropped."""
    out = []
    for raw in re.split(r"\n[ \t\u00a0]*\n", text.replace("\r\n", "\n")):
        lines = [" ".join(line.split()) for line in raw.split("\n")]
        block = "\n".join(line for line in lines if line)
        if block:
            out.append(block)
    return out


def classify_blocks(items: list[str], title: str = "") -> list[tuple[str, str]]:
    """Label each block body, comment or furniture (see the module docstring for the rules)."""
    counts = Counter(_norm(b) for b in items)
    title_key = _norm(title)
    in_comments = in_bio = False
    out: list[tuple[str, str]] = []
    for block in items:
        flat = " ".join(block.split())
        if (_COMMENTS_START.match(flat) or _COMMENT_STAMP.match(flat)) and len(flat) < 80:
            in_comments, in_bio = True, False
            out.append((flat, FURNITURE))
            continue
        if _BIO_START.match(flat):
            in_bio = True
        furniture = in_bio or _is_furniture(flat, counts[_norm(block)], title_key)
        if in_comments:
            kind = FURNITURE if furniture or _NAME_LINE.match(flat) else COMMENT
        else:
            kind = FURNITURE if furniture else BODY
        out.append((flat, kind))
    return out


def _is_furniture(flat: str, repeats: int, title_key: str) -> bool:
    key = _norm(flat)
    words = re.findall(r"[A-Za-z]+", flat)
    if len(words) <= 3:  # "Previous", "75000", "+100%-", "Ketamine Is….."
        return True
    if repeats > 1 and len(flat) < 200:  # titles and captions printed twice
        return True
    if title_key and key == title_key:
        return True
    if _FURNITURE.match(flat) or (_FURNITURE_ANYWHERE.search(flat) and len(words) < 40):
        return True
    if flat.endswith(":") and len(words) < 12:  # "For more information and a list of providers:"
        return True
    # Headings, captions and link titles: short and without sentence punctuation, or in Title Case.
    if not _SENTENCE_END.search(flat) and len(words) < 25:
        return True
    long_words = [w for w in words if len(w) > 3]
    capitalised = sum(w[0].isupper() for w in long_words)
    return len(words) < 15 and len(long_words) >= 3 and capitalised >= 0.8 * len(long_words)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


# Abbreviations after which a full stop does not end a sentence. "et al." is left out: before a capital
# letter it ends the sentence in these blog texts ("… depression. Iadarola et. al.").
_ABBREVIATIONS = frozenset(
    str.split(
        "dr mr mrs ms prof vs etc e.g i.e fig no nos vol pt st jr sr approx ca cf inc ltd co jan feb mar apr "
        "jun jul aug sep sept oct nov dec u.s u.k mg kg"
    )
)
_SENTENCE_BREAK = re.compile(r"(?<=[.!?…])([”\"')\]]*)\s+(?=[“\"'(\[]?\s?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; abbreviations (Dr., et al., e.g., Pt.) and initials do not end one."""
    flat = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _SENTENCE_BREAK.finditer(flat):
        before = flat[start : m.start()]
        last = before.rsplit(None, 1)[-1].lower().strip("([“\"'.") if before.split() else ""
        if not m.group(1) and (last in _ABBREVIATIONS or (len(last) == 1 and last.isalpha())):
            continue
        out.append(flat[start : m.start() + len(m.group(1))].strip())
        start = m.end()
    tail = flat[start:].strip()
    if tail:
        out.append(tail)
    return [s for s in out if s]
