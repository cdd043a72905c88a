"""Build a :class:`DigestView` from stored papers: group by topic, classify, rank, relate to background.

Pure apart from the store reads passed in; the job decides which papers and sections go in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from littrack.config import Config
from littrack.digest.view import BackgroundDocument, DigestView, PaperEntry, TopicSection
from littrack.evidence.classify import classify
from littrack.evidence.corrections import is_retracted
from littrack.evidence.rank import rank_key
from littrack.models import DateWindow, Evidence, Paper, PaperChange, RelatedPassage, StudyMention, TrialChange
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
    trial_links: Mapping[int, tuple[str, ...]] | None = None,
    relate: Relate | None = None,
    background: Sequence[BackgroundDocument] = (),
    mentions: Sequence[StudyMention] = (),
    exports: Sequence[tuple[str, str]] = (),
    digest_id: int | None = None,
    full_digest_url: str | None = None,
    notice: str | None = None,
    unreadable: Sequence[int] = (),
) -> DigestView:
    """Each paper appears once, under its first matching topic (config order), tagged with all of them."""
    order = {t.id: i for i, t in enumerate(cfg.topics)}
    by_topic: dict[str, list[PaperEntry]] = {t.id: [] for t in cfg.topics}
    counts = {t.id: 0 for t in cfg.topics}
    links = trial_links or {}
    for sp in stored:
        tids = sorted((t for t in sp.topic_ids if t in order), key=order.__getitem__)
        if not tids:
            continue
        for t in tids:
            counts[t] += 1
        paper = sp.paper
        entry = PaperEntry(
            paper=paper,
            topics=tuple(cfg.topics[order[t]] for t in tids),
            evidence=evidence_for(paper),
            related=relate(paper) if relate else (),
            retracted=paper.pmid in retracted or is_retracted(paper),
            trial_ids=links.get(paper.pmid, ()),
            late=paper.pmid in late,
        )
        by_topic[tids[0]].append(entry)
    sections = tuple(
        TopicSection(
            topic=t,
            count=counts[t.id],
            entries=tuple(sorted(by_topic[t.id], key=lambda e: rank_key(e.paper, e.evidence))),
        )
        for t in cfg.topics
    )
    return DigestView(
        title=cfg.digest.title,
        profile=cfg.digest.profile,
        period=period,
        generated_at=generated_at,
        sections=sections,
        total=sum(len(s.entries) for s in sections),
        retrying=retrying,
        changes=tuple(changes),
        background=tuple(background),
        mentions=tuple(mentions),
        trials=tuple(trials),
        exports=tuple(exports),
        digest_id=digest_id,
        full_digest_url=full_digest_url,
        notice=notice,
        unreadable=tuple(unreadable),
    )
