"""Fetching the topics from PubMed: where the E-utilities client, the XML parser and the store meet.

Per topic: plan an Entrez-date window from the store's watermark, ESearch it (splitting the window while a
slice holds more than PubMed's 9,999 retrievable records), EFetch only what the store lacks or what may have
changed, save batch by batch, and advance the topic's watermark in the same transaction as its last save.
A failure anywhere leaves the watermark where the last good run put it, so the next run repeats the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from littrack.config import Config, FetchConfig
from littrack.eutils.client import EutilsClient, ResultCapExceeded
from littrack.eutils.pubmed_xml import iter_papers
from littrack.models import NOT_YET_INDEXED, DateWindow, SearchResult, Topic
from littrack.progress import NoProgress, Progress
from littrack.store import Store
from littrack.store.db import now_iso
from littrack.store.papers import SaveCounts, known_pmids, link_topic, save_papers
from littrack.store.runs import get_watermark, set_watermark
from littrack.trials.link import link_papers

# PubMed serves at most 9,999 records of one query (NCBI.md); a slice must fit under it.
MAX_RETRIEVABLE = 9_999


@dataclass(frozen=True)
class TopicResult:
    topic_id: str
    window: DateWindow
    matched: int
    new: int
    updated: int
    fetched: int


@dataclass(frozen=True)
class FetchSummary:
    topics: tuple[TopicResult, ...]
    requests: int
    extra: tuple[str, ...] = field(default=())  # one-line notes from add-ons (corrections, trials)

    @property
    def new(self) -> int:
        return sum(t.new for t in self.topics)

    @property
    def updated(self) -> int:
        return sum(t.updated for t in self.topics)

    @property
    def window(self) -> DateWindow | None:
        if not self.topics:
            return None
        return DateWindow(min(t.window.start for t in self.topics), max(t.window.end for t in self.topics))

    def line(self) -> str:
        """`fetch: 37 new, 4 updated papers in 3 topics (window 2026-11-14..2026-11-21, 9 requests)`."""
        n = len(self.topics)
        text = (
            f"fetch: {self.new} new, {self.updated} updated papers in {n} topic{'s' if n != 1 else ''}"
            f" (window {self.window}, {self.requests} request{'s' if self.requests != 1 else ''})"
        )
        return "; ".join((text, *self.extra))


def plan_window(store: Store, topic: Topic, cfg: FetchConfig, today: dt.date) -> DateWindow:
    """First run: the backfill. Later: from the watermark minus the overlap, to today."""
    mark = get_watermark(store, topic.id, topic.query)
    if mark is None:
        start = cfg.backfill_since or today - dt.timedelta(days=cfg.backfill_days - 1)
    else:
        start = mark - dt.timedelta(days=cfg.overlap_days)
    return DateWindow(min(start, today), today)


def search_slices(client: EutilsClient, query: str, window: DateWindow) -> Iterator[tuple[DateWindow, SearchResult]]:
    """ESearch ``window``, halving it until every slice's hits are all retrievable. Never truncates."""
    try:
        result = client.esearch(query, window)
    except ResultCapExceeded as exc:
        count = exc.count
    else:
        if result.count <= MAX_RETRIEVABLE and len(result.ids) >= result.count:
            yield window, result
            return
        count = result.count
    if window.days < 2:
        raise ResultCapExceeded(
            f"{count} records were added to PubMed on {window.start} for one topic query, more than the 9,999 "
            "PubMed lets a query retrieve; narrow the topic's query",
            count=count,
        )
    for half in window.halves():
        yield from search_slices(client, query, half)


def _refresh_due(status: str, fetched_at: str, today: dt.date) -> bool:
    # Records not yet indexed gain publication types and MeSH within weeks; re-fetch them once a day.
    return status in NOT_YET_INDEXED and fetched_at[:10] < today.isoformat()


def _batches(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def fetch_topic(
    client: EutilsClient,
    store: Store,
    topic: Topic,
    window: DateWindow,
    *,
    batch_size: int,
    run_id: int,
    today: dt.date,
    progress: Progress,
) -> TopicResult:
    total = SaveCounts()
    matched = fetched = 0
    for _, result in search_slices(client, topic.query, window):
        matched += result.count
        known = known_pmids(store, result.ids)
        wanted = [p for p in result.ids if p not in known or _refresh_due(*known[p], today)]
        progress.add_total(len(wanted))
        with store.transaction() as conn:
            stamp = now_iso()
            for pmid in result.ids:
                if pmid in known:
                    link_topic(conn, pmid, topic.id, run_id, stamp)
        for body in _fetch_bodies(client, result, wanted, batch_size):
            papers = list(iter_papers(body))
            with store.transaction() as conn:
                counts = save_papers(conn, papers, topic_id=topic.id, run_id=run_id)
                link_papers(conn, papers)  # trial ↔ paper links travel with the paper
            total = SaveCounts(
                total.new + counts.new, total.updated + counts.updated, total.unchanged + counts.unchanged
            )
            fetched += len(papers)
            progress.advance(len(papers))
    with store.transaction() as conn:
        set_watermark(conn, topic.id, topic.query, window.end, run_id)
    return TopicResult(topic.id, window, matched, total.new, total.updated, fetched)


def _fetch_bodies(client: EutilsClient, result: SearchResult, wanted: list[int], batch_size: int) -> Iterator[bytes]:
    if not wanted:
        return
    if result.webenv and result.query_key and len(wanted) == result.count:
        # Everything in the slice is wanted: page through the history server, as NCBI recommends.
        for start in range(0, result.count, batch_size):
            yield client.efetch_history(result.webenv, result.query_key, start, batch_size)
    else:
        for chunk in _batches(wanted, batch_size):
            yield client.efetch_ids(chunk)


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
    """Fetch every configured topic. Raises on the first topic that fails (its watermark stays put)."""
    progress = progress or NoProgress()
    results = []
    for topic in cfg.topics:
        window = plan_window(store, topic, cfg.fetch, today)
        res = fetch_topic(
            client, store, topic, window, batch_size=cfg.fetch.batch_size, run_id=run_id, today=today, progress=progress
        )
        results.append(res)
        if on_topic:
            on_topic(res)
    return FetchSummary(tuple(results), client.requests_made)
