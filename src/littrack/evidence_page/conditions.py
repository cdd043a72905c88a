"""Which watched topics a background study mention's condition belongs to.

Mentions name a condition ("fibromyalgia", "CRPS", "neuropathic pain", …, see
:mod:`littrack.background.mentions`); topics are the user's. A condition belongs to every topic whose id or
name uses one of its words, so the shipped topics map fibromyalgia → ketamine-fibromyalgia, CRPS →
ketamine-crps and neuropathic pain → ketamine-chronic-pain, and a condition no topic is about (depression)
belongs to none. The PubMed query is not read: the chronic-pain query names fibromyalgia-adjacent terms that
would pull fibromyalgia claims into it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from littrack.models import Topic

_WORDS = {
    "fibromyalgia": re.compile(r"fibromyalg", re.I),
    "CRPS": re.compile(r"\bcrps\b|complex[\s-]regional|reflex[\s-]sympathetic", re.I),
    "neuropathic pain": re.compile(r"neuropath|chronic[\s-]pain", re.I),
    "depression": re.compile(r"depress", re.I),
    "ME/CFS": re.compile(r"chronic[\s-]fatigue|\bme[\s/-]*cfs\b", re.I),
}


def topics_for(condition: str | None, topics: Sequence[Topic]) -> tuple[str, ...]:
    """Ids of the topics about ``condition`` (none for an unknown or missing condition)."""
    rx = _WORDS.get(condition or "")
    if rx is None:
        return ()
    return tuple(t.id for t in topics if rx.search(f"{t.id} {t.name}"))
