"""Shorten safe markup (titles, abstracts) for the e-mail and the text part, keeping what a clinician reads.

Pure string functions. A shortened abstract keeps its Results and Conclusions and drops Background and
Methods, because a cut after the first 600 characters of a structured abstract leaves only the background;
an unstructured abstract keeps its closing sentences for the same reason. Markup stays balanced: cuts fall
between words or sentences outside inline tags, and open tags are closed.
"""

from __future__ import annotations

import re

from littrack.markup import to_plain
from littrack.models import AbstractSection

_TOKEN_RE = re.compile(r"(</?(?:i|b|sup|sub|u)>)|(&#?\w+;)|([^<&]+)|([<&])")
_TAG_NAME_RE = re.compile(r"</?(\w+)>")
_ENTITY_END_RE = re.compile(r"&#?\w+;$")
_SENTENCE_GAP = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
_CONCLUSION = re.compile(r"^(?:conclusions?|interpretation|implications|significance|summary)\b", re.IGNORECASE)
_RESULTS = re.compile(r"^(?:results?|findings|main results|outcomes?)\b", re.IGNORECASE)

_MIN_RESULTS = 80  # a Results excerpt shorter than this says nothing
Shortened = tuple[tuple[tuple[str | None, str], ...], bool]  # ((label, safe markup), …), whether anything was cut


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


def tail_markup(safe_markup: str, limit: int) -> tuple[str, bool]:
    """The closing sentences of safe markup that fit in ``limit`` visible characters, led by '…' when cut.

    Sentences are split only outside inline tags. When even the last sentence is too long, its start is kept
    (:func:`shorten_markup`).
    """
    if len(to_plain(safe_markup)) <= limit:
        return safe_markup, False
    starts = [m.end() for m in _SENTENCE_GAP.finditer(safe_markup) if _outside_tags(safe_markup, m.start())]
    for start in starts:  # earliest first: the longest tail that fits
        tail = safe_markup[start:]
        if len(to_plain(tail)) <= limit:
            return "…" + tail, True
    last = safe_markup[starts[-1] :] if starts else safe_markup
    shortened, _ = shorten_markup(last, limit)
    return ("…" if starts else "") + shortened, True


def _outside_tags(markup: str, pos: int) -> bool:
    depth = 0
    for tag in _TAG_NAME_RE.finditer(markup, 0, pos):
        depth += -1 if tag.group(0).startswith("</") else 1
    return depth <= 0


def short_abstract(sections: tuple[AbstractSection, ...], limit: int) -> Shortened:
    """The abstract in about ``limit`` visible characters, keeping Results and Conclusions (see the docstring).

    Structured: the Conclusions in full when they fit (else shortened), then as much of the Results as is
    left, shown in the abstract's order. Unstructured: its closing sentences.
    """
    total = sum(len(to_plain(s.text)) for s in sections)
    if total <= limit:
        return tuple((s.label, s.text) for s in sections), False
    closing = next((s for s in sections if _is(s, "CONCLUSIONS", _CONCLUSION)), None)
    results = next((s for s in sections if _is(s, "RESULTS", _RESULTS)), None)
    if closing is None and results is None:
        if len(sections) == 1 or not any(s.label for s in sections):
            text, _ = tail_markup(" ".join(s.text for s in sections), limit)
            return ((None, text),), True
        closing = sections[-1]  # labelled, but not with a known name: the last section is the closing one
    kept: dict[int, tuple[str | None, str]] = {}
    left = limit
    if closing is not None:
        text, _ = shorten_markup(closing.text, left)
        kept[sections.index(closing)] = (closing.label, text)
        left -= len(to_plain(text))
    if results is not None and left >= _MIN_RESULTS:
        text, _ = shorten_markup(results.text, left)
        kept[sections.index(results)] = (results.label, text)
    return tuple(kept[i] for i in sorted(kept)), True


def _is(section: AbstractSection, category: str, label: re.Pattern[str]) -> bool:
    return (section.category or "").upper() == category or bool(section.label and label.match(section.label))
