"""Resolve study mentions to PubMed records with targeted ESearch queries, never guessing.

The network is injected: ``search`` takes a PubMed query and returns the matching PMIDs (the caller
passes the E-utilities client's esearch, behind the shared rate limiter). Per mention: a strict query
(ketamine + condition + year + design/route/country/author terms); one hit is "high" confidence, two
or three "medium". When the strict query finds nothing, a looser one (ketamine + condition + year or
author) that finds one to three records gives "low". Anything else, or a mention too vague to query
(no year, author, country or size), is "unresolved" with no PMIDs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from littrack.background.mentions import Mention
from littrack.models import Confidence, Lookup, StudyMention

Search = Callable[[str], tuple[int, ...]]
MAX_MATCHES = 3

_CONDITION_TERMS = {
    "fibromyalgia": "fibromyalgia[tiab]",
    "CRPS": '("complex regional pain syndromes"[mh] OR "complex regional pain"[tiab] OR CRPS[tiab] '
    'OR "reflex sympathetic dystrophy"[tiab])',
    "depression": "(depression[tiab] OR depressive[tiab])",
    "neuropathic pain": '"neuropathic pain"[tiab]',
    "ME/CFS": '("chronic fatigue"[tiab] OR "myalgic encephalomyelitis"[tiab])',
}
_DESIGN_TERMS = {
    "systematic review": "systematic[sb]",
    "review": "review[pt]",
    "case report": "case reports[pt]",
    "randomized controlled trial": "randomized controlled trial[pt]",
}
_ROUTE_TERMS = {
    "subcutaneous": "subcutaneous[tiab]",
    "intravenous": "(intravenous[tiab] OR infusion[tiab])",
    "iv": "(intravenous[tiab] OR infusion[tiab])",
    "infusion": "(intravenous[tiab] OR infusion[tiab])",
    "oral": "oral[tiab]",
    "intranasal": "intranasal[tiab]",
    "intramuscular": "intramuscular[tiab]",
}


@dataclass(frozen=True)
class Resolution:
    """What the search said about one mention, and the queries that said it."""

    mention: Mention
    pmids: tuple[int, ...]
    confidence: Confidence
    queries: tuple[str, ...] = ()


def strict_query(m: Mention) -> str | None:
    """Every term the mention supports; None when it is too vague to look up."""
    specific = m.year or m.author or m.country or m.journal or m.n_patients or m.n_trials
    if m.design == "ongoing trial" or not (specific or m.design in {"systematic review", "case report"}):
        return None
    parts = _core(m)
    if m.design in _DESIGN_TERMS:
        parts.append(_DESIGN_TERMS[m.design])
    routes = {_ROUTE_TERMS[w] for w in _ROUTE_TERMS if w in m.intervention.lower().replace(",", " ").split()}
    if "infusion" in m.intervention.lower():
        routes.add(_ROUTE_TERMS["infusion"])
    parts.extend(sorted(routes))
    if m.country:
        parts.append(f"{m.country}[ad]")
    if m.journal:
        parts.append(f'"{m.journal}"[ta]')
    return " AND ".join(parts)


def loose_query(m: Mention) -> str | None:
    """Ketamine, condition and year (or author): the fallback when the strict query finds nothing."""
    if not (m.year or m.author):
        return None
    return " AND ".join(_core(m))


def _core(m: Mention) -> list[str]:
    parts = ["ketamine[tiab]"]
    if m.condition in _CONDITION_TERMS:
        parts.append(_CONDITION_TERMS[m.condition])
    if m.year:
        parts.append(f"{m.year}[dp]")
    if m.author:
        parts.append(f"{m.author}[au]")
    return parts


def resolve(m: Mention, search: Search) -> Resolution:
    """Run the strict, then the loose query; grade the answer (see the module docstring)."""
    strict = strict_query(m)
    if strict is None:
        return Resolution(m, (), Confidence.UNRESOLVED)
    hits = search(strict)
    if 1 <= len(hits) <= MAX_MATCHES:
        return Resolution(m, tuple(hits), Confidence.HIGH if len(hits) == 1 else Confidence.MEDIUM, (strict,))
    if hits:  # too many to tell apart: saying which would be a guess
        return Resolution(m, (), Confidence.UNRESOLVED, (strict,))
    loose = loose_query(m)
    if loose is None or loose == strict:
        return Resolution(m, (), Confidence.UNRESOLVED, (strict,))
    loose_hits = search(loose)
    if 1 <= len(loose_hits) <= MAX_MATCHES:
        return Resolution(m, tuple(loose_hits), Confidence.LOW, (strict, loose))
    return Resolution(m, (), Confidence.UNRESOLVED, (strict, loose))


def resolve_all(mentions: Iterable[Mention], search: Search) -> tuple[Resolution, ...]:
    """Resolve each mention in turn; identical queries are asked once."""
    cache: dict[str, tuple[int, ...]] = {}

    def cached(query: str) -> tuple[int, ...]:
        if query not in cache:
            cache[query] = tuple(search(query))
        return cache[query]

    return tuple(resolve(m, cached) for m in mentions)


def lookup_of(r: Resolution) -> Lookup:
    """What the search said: matched, nothing matched (or too many), or too vague to search at all."""
    if r.pmids and r.confidence != Confidence.UNRESOLVED:
        return Lookup.MATCHED
    return Lookup.NO_MATCH if r.queries else Lookup.TOO_VAGUE


def study_mentions(
    resolutions: Iterable[Resolution], titles: Mapping[str, str], lookups: Mapping[str, Lookup] | None = None
) -> tuple[StudyMention, ...]:
    """The digest's view of resolved mentions. ``lookups`` overrides the state of mentions never looked up."""
    told = lookups or {}
    return tuple(
        StudyMention(
            doc_title=titles.get(r.mention.doc_id, r.mention.doc_id),
            sentence=r.mention.sentence,
            year=r.mention.year,
            description=r.mention.description,
            pmids=r.pmids,
            confidence=r.confidence,
            lookup=told.get(r.mention.key, lookup_of(r)),
            key=r.mention.key,
        )
        for r in resolutions
    )


def unresolved(
    mentions: Iterable[Mention], titles: Mapping[str, str], lookup: Lookup = Lookup.NOT_YET
) -> tuple[StudyMention, ...]:
    """The mentions as StudyMention rows without looking anything up (offline, or resolution switched off)."""
    mentions = tuple(mentions)
    return study_mentions(
        (Resolution(m, (), Confidence.UNRESOLVED) for m in mentions), titles, {m.key: lookup for m in mentions}
    )
