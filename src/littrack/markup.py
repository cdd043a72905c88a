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


def to_plain(safe_markup: str) -> str:
    """Drop the allowed tags and unescape: the text a reader would see."""
    return html.unescape(_TAG_RE.sub("", safe_markup))


def escape_text(text: str) -> str:
    """Escape plain text so it can be embedded in safe markup."""
    return html.escape(text, quote=False)
