"""Fetching the topics from PubMed: where the E-utilities client, the XML parser and the store meet.

Per topic: plan an Entrez-date window from the store's watermark, ESearch it (split where its records are
when it holds more than PubMed's 9,999 retrievable records: :mod:`littrack.fetch.slices`), EFetch in batches
across the slices only what the store lacks or what may have
changed (and what an earlier fetch could not read), save batch by batch, and advance the topic's watermark in
the same transaction as its last save. A record that cannot be read is set aside and named; it does not fail
its batch (:mod:`littrack.fetch.batches`). Every ``fetch.reconcile_days`` a topic is also swept without a
window (:mod:`littrack.fetch.reconcile`); papers found so, with an Entrez date before the window, are marked
late. A topic that fails leaves its watermark (and its sweep) where the last good run put them, so the next
run repeats its window; the other topics go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from littrack.config import Config, FetchConfig
from littrack.errors import ParseError, PubMedError
from littrack.eutils.client import EutilsClient
from littrack.fetch import reconcile
from littrack.fetch.batches import fetch_batches, read_batch
from littrack.fetch.slices import search_slices
from littrack.fetch.summary import FetchSummary, TopicFailure, TopicResult
from littrack.models import NOT_YET_INDEXED, DateWindow, SearchResult, Topic
from littrack.progress import NoProgress, Progress
from littrack.store import Store
from littrack.store.coverage import Coverage, get_coverage, note_late, set_coverage, topic_size
from littrack.store.db import now_iso
from littrack.store.papers import SaveCounts, known_pmids, link_topic, save_papers
from littrack.store.runs import get_watermark, set_watermark
from littrack.store.unreadable import note_unreadable, open_unreadable, resolve_readable, set_run_skipped
from littrack.trials.link import link_papers

log = logging.getLogger(__name__)

@dataclass
class RunContext:
    """What the topics of one run share: its ledger id, the day, progress, and the records set aside so far."""

    run_id: int
    today: dt.date
    batch_size: int
    reconcile_days: int = 0
    progress: Progress = field(default_factory=NoProgress)
    skipped: dict[int, str] = field(default_factory=dict)  # pmid → why it could not be read, this run


def plan_window(store: Store, topic: Topic, cfg: FetchConfig, today: dt.date) -> DateWindow:
    """First run: the backfill. Later: from the watermark minus the overlap, to today."""
    mark = get_watermark(store, topic.id, topic.query)
    if mark is None:
        start = cfg.backfill_since or today - dt.timedelta(days=cfg.backfill_days - 1)
    else:
        start = mark - dt.timedelta(days=cfg.overlap_days)
    return DateWindow(min(start, today), today)


def _refresh_due(status: str, fetched_at: str, today: dt.date) -> bool:
    # Records not yet indexed gain publication types and MeSH within weeks; re-fetch them once a day.
    return status in NOT_YET_INDEXED and fetched_at[:10] < today.isoformat()


def fetch_topic(client: EutilsClient, store: Store, topic: Topic, window: DateWindow, run: RunContext) -> TopicResult:
    coverage = get_coverage(store, topic.id, topic.query)  # None: the first run (or a new query), a backfill
    found = [result for _, result in search_slices(client, topic.query, window)]
    retry = [u.pmid for u in open_unreadable(store, topic.id)]
    saved = _fetch_new(client, store, topic, found, retry, run)
    reconciled_on = coverage.reconciled_on if coverage else run.today  # a backfill covers all there is
    swept = coverage is not None and reconcile.due(coverage.reconciled_on, run.reconcile_days, run.today)
    if coverage is not None and swept:
        covered = DateWindow(min(coverage.covered_from, window.start), window.end)
        found_by_sweep = reconcile.sweep(client, topic.query, covered, topic_size(store, topic.id))
        saved.add(_fetch_new(client, store, topic, found_by_sweep, [], run, late_before=window.start))
        reconciled_on = run.today
    with store.transaction() as conn:
        set_watermark(conn, topic.id, topic.query, window.end, run.run_id)
        set_coverage(conn, topic.id, Coverage(coverage.covered_from if coverage else window.start, reconciled_on))
    return TopicResult(
        topic.id,
        window,
        sum(result.count for result in found),
        saved.counts.new,
        saved.counts.updated,
        saved.fetched,
        skipped=tuple(sorted(saved.skipped)),
        repaired=tuple(sorted(saved.repaired)),
        recovered=tuple(sorted(saved.recovered)),
        late=tuple(sorted(saved.late)),
        reconciled=swept,
    )


def _fetch_new(
    client: EutilsClient,
    store: Store,
    topic: Topic,
    found: Sequence[SearchResult],
    retry: Sequence[int],
    run: RunContext,
    *,
    late_before: dt.date | None = None,
) -> _Saved:
    """File the stored papers ``found`` under the topic and EFetch the others, with ``retry`` (set aside before).

    A sweep (``late_before`` given) fetches only what the store lacks; refreshing not-yet-indexed records is the
    window's work.
    """
    ids = list(dict.fromkeys(p for result in found for p in result.ids))
    known = known_pmids(store, ids)
    refresh = late_before is None
    wanted = [p for p in ids if p not in known or (refresh and _refresh_due(*known[p], run.today))]
    have = set(wanted)
    wanted += [p for p in retry if p not in have]
    # Records this run already failed to read (for another topic) are not asked for twice.
    again = {p: run.skipped[p] for p in wanted if p in run.skipped}
    wanted = [p for p in wanted if p not in again]
    run.progress.add_total(len(wanted))
    with store.transaction() as conn:
        stamp = now_iso()
        for pmid in ids:
            if pmid in known:
                link_topic(conn, pmid, topic.id, run.run_id, stamp)
        note_unreadable(conn, topic.id, run.run_id, again)
    saved = _fetch_and_save(client, store, topic, found, wanted, run, late_before=late_before)
    saved.skipped |= set(again)
    return saved


@dataclass
class _Saved:
    counts: SaveCounts = field(default_factory=SaveCounts)
    fetched: int = 0
    skipped: set[int] = field(default_factory=set)
    repaired: set[int] = field(default_factory=set)
    recovered: set[int] = field(default_factory=set)
    late: set[int] = field(default_factory=set)

    def add(self, other: _Saved) -> None:
        self.counts = SaveCounts(
            self.counts.new + other.counts.new,
            self.counts.updated + other.counts.updated,
            self.counts.unchanged + other.counts.unchanged,
        )
        self.fetched += other.fetched
        for name in ("skipped", "repaired", "recovered", "late"):
            getattr(self, name).update(getattr(other, name))


def _fetch_and_save(
    client: EutilsClient,
    store: Store,
    topic: Topic,
    found: Sequence[SearchResult],
    wanted: Sequence[int],
    run: RunContext,
    *,
    late_before: dt.date | None = None,
) -> _Saved:
    """EFetch ``wanted``, saving each batch in its own transaction, with what it could not read set aside.

    ``late_before``: papers with an Entrez date before this day are marked found late (by a sweep).
    """
    saved = _Saved()
    for pmids, body in fetch_batches(client, found, wanted, run.batch_size):
        batch = read_batch(client.efetch_ids, pmids, body)
        run.skipped.update(batch.skipped)
        with store.transaction() as conn:
            counts = save_papers(conn, batch.papers, topic_id=topic.id, run_id=run.run_id)
            link_papers(conn, batch.papers)  # trial ↔ paper links travel with the paper
            saved.recovered |= resolve_readable(conn, [p.pmid for p in batch.papers], run.run_id)
            note_unreadable(conn, topic.id, run.run_id, batch.skipped)
            set_run_skipped(conn, run.run_id, list(run.skipped))
            late = [p.pmid for p in batch.papers if late_before and p.entrez_date and p.entrez_date < late_before]
            note_late(conn, topic.id, run.run_id, late)
        saved.add(
            _Saved(counts, len(batch.papers), set(batch.skipped), set(batch.repaired), set(), set(late))
        )
        run.progress.advance(len(batch.papers) + len(batch.skipped))
    return saved


def run_fetch(
    cfg: Config,
    store: Store,
    client: EutilsClient,
    *,
    run_id: int,
    today: dt.date,
    progress: Progress | None = None,
    on_topic: Callable[[TopicResult], None] | None = None,
) -> FetchSummary:
    """Fetch every configured topic. A topic that fails (NCBI unreachable, a window over the cap) keeps its
    watermark and is listed in ``failed``; the others go on. A store that cannot be written stops the run."""
    run = RunContext(run_id, today, cfg.fetch.batch_size, cfg.fetch.reconcile_days, progress or NoProgress())
    results, failed = [], []
    for topic in cfg.topics:
        window = plan_window(store, topic, cfg.fetch, today)
        try:
            res = fetch_topic(client, store, topic, window, run)
        except (PubMedError, ParseError) as exc:
            log.warning("topic %s failed, its watermark stays (the other topics go on): %s", topic.id, exc)
            failed.append(TopicFailure(topic.id, exc))
            continue
        results.append(res)
        if on_topic:
            on_topic(res)
    return FetchSummary(tuple(results), client.requests_made, failed=tuple(failed))
