"""The optional digest sections beside the papers: registered trials, background articles, study mentions,
the claims ledger entries whose status changed, and what the sources beside PubMed add (preprints, free full
text, outages: :mod:`littrack.digest.sources`).

:func:`collect` gathers them once per digest from the store and the background documents; the digest job
puts them into the view and, on delivery, calls :meth:`Extras.mark_reported` inside its transaction. The
evidence page's snapshot (every stored paper classified and related) is gathered here once: the claim changes
come from it before delivery, and the job writes the page from it after delivery.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from littrack.background.conditions import bears_on, document_conditions, paper_conditions
from littrack.background.corpus import BackgroundCorpus, load_corpus
from littrack.background.documents import BackgroundDoc
from littrack.background.relate import Relater
from littrack.background.resolve import Resolution, study_mentions
from littrack.config import DIGEST_SECTIONS, Config
from littrack.digest.sources import SourceExtras, collect_sources
from littrack.digest.view import BackgroundDocument, MentionsSection
from littrack.evidence_page import claims as claims_ledger
from littrack.evidence_page.gather import gather
from littrack.evidence_page.model import Snapshot
from littrack.models import ClaimChange, Confidence, Lookup, Paper, RelatedPassage, StudyMention, TrialsCheck
from littrack.store import Store
from littrack.store import claims as claim_store
from littrack.store import trials as trial_store
from littrack.store.db import Connection
from littrack.store.digests import get_digest
from littrack.store.mentions import get_resolutions, reported_states, save_reported_states
from littrack.store.papers import StoredPaper
from littrack.trials.report import PendingTrialChange, pending_trial_changes, trials_check


@dataclass
class Extras:
    store: Store
    profile: str = ""
    trials: tuple[PendingTrialChange, ...] = ()
    trials_check: TrialsCheck | None = None  # None: trials are off
    mentions: tuple[StudyMention, ...] = ()
    shown_before: dict[str, str] = field(default_factory=dict)  # mention key → state the last delivered digest showed
    relater: Relater | None = None
    documents: tuple[BackgroundDoc, ...] = ()
    threshold: float | None = None
    snapshot: Snapshot | None = None  # the evidence page's; None when rebuilding a past digest
    claim_changes: tuple[ClaimChange, ...] = ()
    claim_statuses: dict[str, str] = field(default_factory=dict)  # new or changed statuses to record on delivery
    sources: SourceExtras | None = None
    _related_cache: dict[int, tuple[RelatedPassage, ...]] = field(default_factory=dict)

    def relate(self, paper: Paper) -> tuple[RelatedPassage, ...]:
        if self.relater is None:
            return ()
        if paper.pmid not in self._related_cache:
            self._related_cache[paper.pmid] = self.relater.relate(paper, top_k=2, threshold=self.threshold)
        return self._related_cache[paper.pmid]

    def trial_links(self, pmids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        return trial_store.trial_ids_for_papers(self.store, pmids)

    def background_for(self, stored: Sequence[StoredPaper]) -> tuple[BackgroundDocument, ...]:
        """Each background document with the papers of this digest that bear on it ("new since this article"):
        a background passage relates to the paper, and the paper concerns the article's subject
        (:mod:`littrack.background.conditions`)."""
        if self.relater is None:
            return ()
        subjects = {d.id: document_conditions(d.title, d.text) for d in self.documents}
        by_doc: dict[str, list[tuple[int, str]]] = {}
        for sp in stored:
            concerns = paper_conditions(sp.paper)
            for rel in self.relate(sp.paper):
                if not bears_on(subjects.get(rel.document_id, frozenset()), concerns):
                    continue
                pairs = by_doc.setdefault(rel.document_id, [])
                if all(pmid != sp.paper.pmid for pmid, _ in pairs):
                    pairs.append((sp.paper.pmid, sp.paper.title_plain))
        return tuple(
            BackgroundDocument(
                doc_id=d.id,
                title=d.title,
                publisher=d.publisher,
                date_label=d.date_label,
                new_papers=tuple(by_doc.get(d.id, ())),
            )
            for d in self.documents
        )

    def mentions_section(self, page: str | None) -> MentionsSection | None:
        """The mentions in full when this profile has not seen them or a resolution changed since, else one line."""
        if not self.mentions:
            return None
        if not self.shown_before:
            return MentionsSection(self.mentions, full=True, page=page)
        changed = frozenset(m.key for m in self.mentions if self.shown_before.get(m.key) != m.state)
        return MentionsSection(self.mentions, full=bool(changed), changed=changed, page=page)

    @property
    def has_news(self) -> bool:
        """Something besides new papers and corrections that is worth writing (and sending) a digest for."""
        return bool(self.trials or self.claim_changes) or (self.sources is not None and self.sources.has_news)

    def mark_reported(self, conn: Connection, digest_id: int) -> None:
        ids = [i for t in self.trials for i in t.event_ids]
        if ids:
            trial_store.mark_trial_changes_reported(conn, digest_id, ids, self.profile)
        if self.mentions:
            save_reported_states(conn, self.profile, digest_id, {m.key: m.state for m in self.mentions})
        if self.claim_statuses:
            claim_store.save_reports(conn, self.profile, digest_id, self.claim_statuses, self.claim_changes)
        if self.sources is not None:
            self.sources.mark_reported(conn, self.profile, digest_id)


def collect(
    cfg: Config,
    store: Store,
    profile: str,
    *,
    digest_id: int | None = None,
    synthetic_trials: Collection[str] = (),
    topics: Sequence[str] | None = None,
    since: str = "",
    sections: Collection[str] = DIGEST_SECTIONS,
) -> Extras:
    """Everything the digest shows beside the papers. ``digest_id`` (rebuilds): what that digest reported, and
    the trials check as it stood then. ``synthetic_trials``: NCT ids whose changes the offline demo staged.

    A profile's digest (``topics``: the ones it follows, None for all; ``since``: its registration) gets only
    the trial changes and preprints of its topics since then, and nothing of a section it does not show, so
    nothing it never saw is marked reported to it.
    """
    names = {t.id: t.name for t in cfg.topics}
    trials: tuple[PendingTrialChange, ...] = ()
    check: TrialsCheck | None = None
    if "trials" not in sections:  # not shown to this profile: not collected, so not marked reported either
        check = None
    elif digest_id is not None:  # a rebuild shows what that digest reported
        trials = pending_trial_changes(store, reported_in=digest_id, topic_names=names, synthetic=synthetic_trials)
        row = get_digest(store, digest_id)
        check = trials_check(store, as_of=row.created_at) if cfg.trials.enabled and row else None
    elif cfg.trials.enabled:
        trials = pending_trial_changes(
            store, topic_names=names, synthetic=synthetic_trials, profile=profile, since=since, topics=topics
        )
        check = trials_check(store)
    corpus = load_corpus(cfg.background)
    background = "background" in sections
    snapshot: Snapshot | None = None
    statuses: dict[str, str] = {}
    claim_changes: tuple[ClaimChange, ...] = ()
    if digest_id is not None:  # a rebuild shows the claim changes that digest showed
        claim_changes = tuple(claim_store.reported_in(store, digest_id))
    else:
        snapshot = gather(cfg, store)  # the evidence page's, written after delivery whatever the sections
        if background:
            statuses, claim_changes = claims_ledger.changes(
                claims_ledger.article_ledgers(snapshot), claim_store.reported_statuses(store, profile)
            )
    return Extras(
        store=store,
        profile=profile,
        trials=trials,
        trials_check=check,
        mentions=stored_mentions(store, corpus, resolving=cfg.background.resolve_mentions) if background else (),
        # A rebuild shows the section in full: what that digest showed is not kept.
        shown_before=reported_states(store, profile) if digest_id is None else {},
        relater=corpus.relater,
        documents=corpus.documents if background else (),
        threshold=cfg.background.min_similarity or None,
        snapshot=snapshot,
        claim_changes=claim_changes,
        claim_statuses=statuses,
        sources=collect_sources(
            cfg, store, profile, digest_id=digest_id, topics=topics, since=since,
            preprints_shown="preprints" in sections,
        ),
    )


def stored_mentions(store: Store, corpus: BackgroundCorpus, *, resolving: bool = True) -> tuple[StudyMention, ...]:
    """Every mention with the resolution the fetch stored. One without a stored answer was not looked up: not
    yet, or the lookup failed (``resolving``), or resolution is switched off."""
    known = get_resolutions(store, [m.key for m in corpus.mentions])
    resolutions = [
        Resolution(m, known[m.key].pmids, known[m.key].confidence, known[m.key].queries)
        if m.key in known
        else Resolution(m, (), Confidence.UNRESOLVED)
        for m in corpus.mentions
    ]
    missing = Lookup.NOT_YET if resolving else Lookup.OFF
    return study_mentions(resolutions, corpus.titles, {m.key: missing for m in corpus.mentions if m.key not in known})
