"""The view model a digest template receives: frozen records only, assembled by the digest job.

Records other layers share (evidence, passages, corrections, mentions, trial changes) live in
:mod:`littrack.models`; this module holds only what is the digest's own.

Each optional part (evidence, background passages, corrections, trials) is filled by its own module and
stays empty when that module has nothing to say; templates render a section only when it has rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from littrack.models import (
    DateWindow,
    Evidence,
    Paper,
    PaperChange,
    RelatedPassage,
    StudyMention,
    Topic,
    TrialChange,
)


@dataclass(frozen=True)
class PaperEntry:
    paper: Paper
    topics: tuple[Topic, ...]  # every topic whose query matched, in config order
    evidence: Evidence | None = None
    related: tuple[RelatedPassage, ...] = ()  # at most two
    retracted: bool = False
    trial_ids: tuple[str, ...] = ()  # NCT ids linked to this paper
    late: bool = False  # found by a reconciliation sweep after the window of its Entrez date had passed


@dataclass(frozen=True)
class TopicSection:
    topic: Topic
    count: int  # papers this query matched in the period (including ones shown under another topic)
    entries: tuple[PaperEntry, ...]  # papers whose first matching topic is this one, best first


@dataclass(frozen=True)
class BackgroundDocument:
    """A seed/background article and the new papers that bear on it."""

    doc_id: str
    title: str
    publisher: str
    date_label: str
    new_papers: tuple[tuple[int, str], ...] = ()  # (pmid, plain title)


@dataclass(frozen=True)
class DigestView:
    title: str
    profile: str | None
    period: DateWindow | None  # Entrez dates covered; None when nothing was fetched yet
    generated_at: dt.datetime
    sections: tuple[TopicSection, ...]
    total: int
    retrying: bool = False  # some papers were in a digest that failed to deliver
    changes: tuple[PaperChange, ...] = ()
    background: tuple[BackgroundDocument, ...] = ()
    mentions: tuple[StudyMention, ...] = ()
    trials: tuple[TrialChange, ...] = ()
    exports: tuple[tuple[str, str], ...] = field(default=())  # (label, relative href), e.g. ("RIS", "2026-11-21.ris")
    digest_id: int | None = None
    full_digest_url: str | None = None  # for the e-mail's "read the full digest" link
    notice: str | None = None  # a plain-text banner, e.g. the offline demo's "replayed data" warning
    unreadable: tuple[int, ...] = ()  # PMIDs a fetch could not read (it asks for them again every time)
