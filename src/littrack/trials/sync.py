"""The trials sync job: where the CT.gov client, the parser, the change rules and the store meet.

Per topic: read the topic's last-sync day, fetch every page of its condition × intervention query (only
studies updated since then, with a day of overlap), then in one transaction save the states and their change
events, link the studies to stored papers, and advance the topic's last-sync day. A failure before that
transaction leaves the topic where the last good sync put it. Time-driven flags (completion date passed,
no publication) are raised last, over all stored studies; when a topic syncs for the first time, papers
already in the store are linked first so those flags see them. The whole sync is one ``trials`` run in the ledger.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from littrack.config import TrialQuery, TrialsConfig
from littrack.store import Store
from littrack.store.runs import finish_run, start_run
from littrack.store.trials import last_trials_sync, record_date_flags, save_studies, set_trials_sync
from littrack.trials import DEFAULT_QUERIES
from littrack.trials.changes import NEW
from littrack.trials.client import CtgovClient
from littrack.trials.link import link_stored_papers, link_studies
from littrack.trials.parse import Study, parse_page

# CT.gov stamps update dates in US Eastern time; re-reading one day costs little and misses nothing.
OVERLAP = dt.timedelta(days=1)


class Progress(Protocol):
    """Same shape as :class:`littrack.fetch.Progress`."""

    def add_total(self, n: int) -> None: ...
    def advance(self, n: int) -> None: ...


@dataclass(frozen=True)
class TopicTrials:
    topic_id: str
    since: dt.date | None  # None: full sync
    studies: int
    new: int
    changed: int


@dataclass(frozen=True)
class TrialsSummary:
    new: int
    changed: int
    requests: int
    studies: int = 0
    links: int = 0
    flags: int = 0  # completion-date and no-publication flags raised (included in ``changed``)
    topics: tuple[TopicTrials, ...] = field(default=())

    def line(self) -> str:
        """`trials: 2 new, 1 changed (14 studies in 3 topics, 4 requests)` — for FetchSummary.extra."""
        n = len(self.topics)
        return (
            f"trials: {self.new} new, {self.changed} changed ({self.studies} stud{'ies' if self.studies != 1 else 'y'}"
            f" in {n} topic{'s' if n != 1 else ''}, {self.requests} request{'s' if self.requests != 1 else ''})"
        )


def queries_for(cfg: TrialsConfig, topic_ids: Iterable[str]) -> dict[str, TrialQuery]:
    """The query per topic: ``cfg.queries`` when the config names any, else the shipped defaults for known topics."""
    source: Mapping[str, TrialQuery] = cfg.queries or DEFAULT_QUERIES
    return {t: source[t] for t in topic_ids if t in source}


def sync_trials(
    cfg: TrialsConfig,
    store: Store,
    client: CtgovClient,
    *,
    topics: Iterable[str],
    today: dt.date,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> TrialsSummary:
    """Sync the registered trials of ``topics`` (topic ids; those without a query are skipped).

    Raises :class:`~littrack.errors.TrialsError` (after recording the run as failed) when CT.gov keeps failing;
    topics finished before the failure keep their progress.
    """
    stamp = now or dt.datetime.now(dt.UTC)
    queries = queries_for(cfg, topics)
    run_id = start_run(store, "trials")
    first_request = client.requests_made
    done: list[TopicTrials] = []
    links = flags = 0
    # A topic synced for the first time may meet papers stored before trials were tracked: link those too.
    backfill = any(last_trials_sync(store, t, q) is None for t, q in queries.items())
    try:
        for topic_id, query in queries.items():
            since = last_trials_sync(store, topic_id, query)
            updated_since = since - OVERLAP if since else None
            studies: list[Study] = []
            for page in client.search_pages(query, updated_since=updated_since):
                batch = parse_page(page)
                studies.extend(batch)
                if progress is not None:
                    progress.add_total(len(batch))
                    progress.advance(len(batch))
            with store.transaction() as conn:
                events = save_studies(conn, studies, topic_id=topic_id, now=stamp)
                links += link_studies(conn, studies, now=stamp)
                set_trials_sync(conn, topic_id, query, today, run_id)
            new = sum(e.kind == NEW for e in events)
            done.append(TopicTrials(topic_id, since, len(studies), new, len(events) - new))
        if backfill:
            links += link_stored_papers(store)
        with store.transaction() as conn:
            flags = len(
                record_date_flags(conn, today=today, no_publication_after_days=cfg.no_publication_after_days, now=stamp)
            )
    except Exception as exc:
        finish_run(
            store,
            run_id,
            status="failed",
            new=sum(t.new for t in done),
            updated=sum(t.changed for t in done),
            requests=client.requests_made - first_request,
            error=str(exc) or type(exc).__name__,
        )
        raise
    summary = TrialsSummary(
        new=sum(t.new for t in done),
        changed=sum(t.changed for t in done) + flags,
        requests=client.requests_made - first_request,
        studies=sum(t.studies for t in done),
        links=links,
        flags=flags,
        topics=tuple(done),
    )
    finish_run(store, run_id, status="ok", new=summary.new, updated=summary.changed, requests=summary.requests)
    return summary
