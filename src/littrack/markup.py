"""PubMed inline markup kept in a safe form.

Titles and abstracts in the store hold *safe markup*: text that is already HTML-escaped, in which only
the tags in ``ALLOWED_TAGS`` appear, without attributes. Templates may therefore mark them safe; every
other consumer (plain-text email, exports, classifiers) calls :func:`to_plain`.
"""

from __future__ import annotations

import html
import re

ALLOWED_TAGS = frozenset({"i", "b", "sup", "sub", "u"})
_TAG_RE = re.compile(r"</?(?:i|b|sup|sub|u)>")
# Embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI); the marks LRM/RLM/ALM stay.
_BIDI_CONTROLS_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


def to_plain(safe_markup: str) -> str:
    """Drop the allowed tags and unescape: the text a reader would see."""
    return html.unescape(_TAG_RE.sub("", safe_markup))


def escape_text(text: str) -> str:
    """Escape plain text so it can be embedded in safe markup."""
    return html.escape(text, quote=False)


def strip_bidi_controls(text: str) -> str:
    """Drop bidi embedding, override and isolate controls from plain text.

    HTML isolates each record field (``<bdi>``); plain text (e-mail, exports) has nothing to end an override
    at a field's end, so one U+202E in a title would reverse the rest of the line for the reader.
    """
    return _BIDI_CONTROLS_RE.sub("", text)
