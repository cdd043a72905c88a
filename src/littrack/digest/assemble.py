"""Build a :class:`DigestView` from stored papers: classify, pick the safety lane, rank, group by topic, brief.

Pure apart from the store reads passed in; the job decides which papers and sections go in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence

from littrack.config import DIGEST_SECTIONS, Config
from littrack.digest.briefing import summarise
from littrack.digest.view import (
    SAFETY,
    BackgroundDocument,
    DigestView,
    MentionsSection,
    PaperEntry,
    PreprintEntry,
    PublishedPreprintNote,
    TopicSection,
)
from littrack.evidence.classify import classify
from littrack.evidence.corrections import is_retracted
from littrack.evidence.rank import rank_key
from littrack.evidence.safety import safety_signal
from littrack.models import (
    DateWindow,
    Evidence,
    OpenAccessLocation,
    Paper,
    PaperChange,
    Preprint,
    RelatedPassage,
    SourceOutage,
    Topic,
    TrialChange,
    TrialsCheck,
)
from littrack.store.papers import StoredPaper

Relate = Callable[[Paper], tuple[RelatedPassage, ...]]


def evidence_for(paper: Paper) -> Evidence:
    return classify(paper)


def build_view(
    cfg: Config,
    stored: Sequence[StoredPaper],
    *,
    period: DateWindow | None,
    generated_at: dt.datetime,
    retrying: bool = False,
    changes: Sequence[PaperChange] = (),
    retracted: set[int] | frozenset[int] = frozenset(),
    late: set[int] | frozenset[int] = frozenset(),
    trials: Sequence[TrialChange] = (),
    trials_check: TrialsCheck | None = None,
    trial_links: Mapping[int, tuple[str, ...]] | None = None,
    relate: Relate | None = None,
    background: Sequence[BackgroundDocument] = (),
    mentions: MentionsSection | None = None,
    exports: Sequence[tuple[str, str]] = (),
    digest_id: int | None = None,
    full_digest_url: str | None = None,
    notice: str | None = None,
    open_access: Mapping[str, OpenAccessLocation] | None = None,
    preprint_versions: Mapping[int, Preprint] | None = None,
    preprints: Sequence[tuple[Preprint, Sequence[str]]] = (),
    published_preprints: Sequence[PublishedPreprintNote] = (),
    outages: Sequence[SourceOutage] = (),
    unreadable: Sequence[int] = (),
    shown_sections: Collection[str] = DIGEST_SECTIONS,
    profile_lines: Sequence[str] = (),
) -> DigestView:
    """Every paper under every topic that matched it, in full at its home (see :mod:`littrack.digest.view`).

    PubMed records of type "Preprint" go to the preprint section instead, beside Europe PMC's ``preprints``
    ((preprint, topic ids) pairs): preprints are never ranked among peer-reviewed papers. ``open_access`` is keyed
    by lower-case DOI, ``preprint_versions`` by PMID. ``shown_sections``: the profile's (a safety-only profile gets the
    safety lane and nothing else: papers outside the sections it shows are left out, so they are not delivered);
    ``profile_lines``: what the header says of the profile (what it follows, since when).
    """
    order = {t.id: i for i, t in enumerate(cfg.topics)}
    entries: list[PaperEntry] = []
    links = trial_links or {}
    free = open_access or {}
    versions = preprint_versions or {}
    for sp in stored:
        tids = sorted((t for t in sp.topic_ids if t in order), key=order.__getitem__)
        if not tids:
            continue
        paper = sp.paper
        evidence = evidence_for(paper)
        signal = safety_signal(paper, evidence) if "safety" in shown_sections else None
        entries.append(
            PaperEntry(
                paper=paper,
                topics=tuple(cfg.topics[order[t]] for t in tids),
                evidence=evidence,
                related=relate(paper) if relate else (),
                retracted=paper.pmid in retracted or is_retracted(paper),
                trial_ids=links.get(paper.pmid, ()),
                late=paper.pmid in late,
                safety=signal,
                home=SAFETY if signal is not None else tids[0],
                open_access=free.get(paper.doi.lower()) if paper.doi else None,
                preprint_version=versions.get(paper.pmid),
            )
        )
    entries = [
        e
        for e in entries
        if ("preprints" in shown_sections if e.is_preprint else e.home == SAFETY or "papers" in shown_sections)
    ]
    entries.sort(key=lambda e: rank_key(e.paper, e.evidence))
    pubmed_preprints = tuple(e for e in entries if e.is_preprint)
    entries = [e for e in entries if not e.is_preprint]
    sections = tuple(
        TopicSection(
            topic=t,
            entries=tuple(e for e in entries if t in e.topics and not e.preclinical),
            preclinical=tuple(e for e in entries if t in e.topics and e.preclinical),
        )
        for t in cfg.topics
        if "papers" in shown_sections
    )
    view = DigestView(
        title=cfg.digest.title,
        profile=cfg.digest.profile,
        period=period,
        generated_at=generated_at,
        sections=sections,
        total=len(entries),
        retrying=retrying,
        changes=tuple(changes),
        safety=tuple(e for e in entries if e.home == SAFETY),
        background=tuple(background),
        mentions=mentions,
        trials=tuple(trials),
        trials_check=trials_check,
        exports=tuple(exports),
        digest_id=digest_id,
        full_digest_url=full_digest_url,
        notice=notice,
        preprints=tuple(PreprintEntry(p, _topics(cfg.topics, tids)) for p, tids in preprints),
        pubmed_preprints=pubmed_preprints,
        published_preprints=tuple(published_preprints),
        outages=tuple(outages),
        unreadable=tuple(unreadable),
        profile_lines=tuple(profile_lines),
    )
    return dataclasses.replace(view, briefing=summarise(view))


def _topics(topics: Sequence[Topic], ids: Sequence[str]) -> tuple[Topic, ...]:
    """The configured topics among ``ids``, in config order."""
    return tuple(t for t in topics if t.id in ids)
