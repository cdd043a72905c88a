"""The sentences a clinician reads first: the study's conclusion and the population it studied.

Conclusion: the CONCLUSIONS section of a structured abstract (NLM category or a label such as
"Conclusions", "Interpretation", "Conclusions and Relevance"), else the abstract's closing sentence.
Population: the first "patients / adults / … with <condition>" phrase of the title, else of the abstract,
cut at the next verb or clause; nothing when no such phrase is written.
"""

from __future__ import annotations

import re

from littrack.markup import to_plain
from littrack.models import AbstractSection

_CONCLUSION_LABEL = re.compile(r"^(?:conclusions?|interpretation|implications|summary|significance)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_POPULATION = re.compile(
    r"\b((?:adult |older |elderly |paediatric |pediatric |adolescent |female |male )?"
    r"(?:patients|adults|participants|subjects|children|adolescents|women|men|individuals|people|veterans)"
    r" (?:with|suffering from|diagnosed with) "
    r"(?:(?!(?:were|was|who|and were|received|receiving|undergoing|treated|randomi[sz]ed|in a|in the|at)\b)"
    r"[\w'’()/-]+[ ]?){1,8})",
    re.IGNORECASE,
)


def conclusion(sections: tuple[AbstractSection, ...]) -> str | None:
    """The study's conclusion in plain text (see the module docstring), or None without an abstract."""
    for s in sections:
        if (s.category or "").upper() == "CONCLUSIONS" or (s.label and _CONCLUSION_LABEL.match(s.label)):
            return to_plain(s.text).strip() or None
    if not sections:
        return None
    last = to_plain(sections[-1].text).strip()
    parts = [p for p in _SENTENCE_END.split(last) if p.strip()]
    return parts[-1].strip() if parts else None


def population(title: str, abstract: str) -> str | None:
    """'patients with fibromyalgia' when the title or abstract names who was studied, else None."""
    for text in (title, abstract):
        match = _POPULATION.search(text)
        if match:
            return match.group(1).strip(" ,;:").rstrip(".")
    return None
