"""PubMed's inline markup inside titles and abstracts, turned into safe markup or plain text.

Boundary: lxml elements in, strings out. Safe markup (see :mod:`littrack.markup`) is escaped text in which only
``<i> <b> <sup> <sub> <u>`` survive; other tags keep their text, and MathML becomes text with ``<sub>``/``<sup>``
for its scripts.
"""

from __future__ import annotations

import re

from lxml import etree

from littrack.markup import ALLOWED_TAGS, escape_text

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_WHITESPACE = re.compile(r"[ \t\r\n]+")


def text(elem: etree._Element | None) -> str:
    """Stripped direct text, for elements that never hold markup (Volume, DescriptorName)."""
    text: str | None = None if elem is None else elem.text
    return text.strip() if text else ""


def plain(elem: etree._Element | None) -> str:
    """All text inside ``elem`` (markup dropped), whitespace collapsed."""
    if elem is None:
        return ""
    if len(elem) == 0:
        return squash(elem.text) if elem.text else ""
    return squash("".join(elem.itertext()))


def markup(elem: etree._Element) -> str:
    """Safe markup for ArticleTitle/AbstractText/BookTitle: escaped text plus the allowed inline tags."""
    if len(elem) == 0:
        return squash(escape_text(elem.text)) if elem.text else ""
    out: list[str] = []
    _walk(elem, out)
    return squash("".join(out))


def squash(text: str) -> str:
    """Collapse runs of ASCII whitespace (pretty-printed files indent inside text) and strip.

    Non-breaking and other Unicode spaces are content (``75&#xa0;år``) and are kept.
    """
    # Checking first is much cheaper than a regex pass over the usual single-line abstract.
    if "\n" in text or "  " in text or "\t" in text or "\r" in text:
        text = _WHITESPACE.sub(" ", text)
    return text.strip(" ")


def _walk(elem: etree._Element, out: list[str]) -> None:
    if elem.text:
        out.append(escape_text(elem.text))
    for child in elem:
        tag = child.tag
        if isinstance(tag, str):
            if tag in ALLOWED_TAGS:
                out.append(f"<{tag}>")
                _walk(child, out)
                out.append(f"</{tag}>")
            elif tag.startswith(_MATHML) or tag == "math":
                out.append(_mathml(child))
            else:
                _walk(child, out)  # unknown markup: keep its text, drop the tag
        if child.tail:
            out.append(escape_text(child.tail))


def _mathml(elem: etree._Element) -> str:
    """MathML as safe markup: scripts become <sub>/<sup>, a dot accent stays a dot, the rest is text."""
    tag = elem.tag
    name = tag[len(_MATHML) :] if isinstance(tag, str) and tag.startswith(_MATHML) else tag
    kids = [c for c in elem if isinstance(c.tag, str)]
    if not kids:
        if name == "mspace":
            return " "
        if not elem.text:
            return ""
        # Indentation around <mi>/<mn> is layout; an <mtext> space is a real word break.
        return escape_text(elem.text if name == "mtext" else elem.text.strip())
    parts = [_mathml(c) for c in kids]
    if name == "msub" and len(parts) == 2:
        return f"{parts[0]}<sub>{parts[1]}</sub>"
    if name == "msup" and len(parts) == 2:
        return f"{parts[0]}<sup>{parts[1]}</sup>"
    if name == "msubsup" and len(parts) == 3:
        return f"{parts[0]}<sub>{parts[1]}</sub><sup>{parts[2]}</sup>"
    if name == "mmultiscripts":
        names = [str(c.tag).rsplit("}", 1)[-1] for c in kids]
        split = names.index("mprescripts") if "mprescripts" in names else len(parts)
        post, pre = parts[1:split], parts[split + 1 :]
        return _scripts(pre) + parts[0] + _scripts(post)
    if name == "mover" and len(parts) == 2 and parts[1] in (".", "\u02d9"):
        return parts[0] + "\u0307"  # combining dot above: V-dot, the flow-rate notation
    if name == "mfrac" and len(parts) == 2:
        return f"{parts[0]}/{parts[1]}"
    return "".join(parts)


def _scripts(pairs: list[str]) -> str:
    out = []
    for i in range(0, len(pairs) - 1, 2):
        sub, sup = pairs[i], pairs[i + 1]
        out.append((f"<sub>{sub}</sub>" if sub else "") + (f"<sup>{sup}</sup>" if sup else ""))
    return "".join(out)
