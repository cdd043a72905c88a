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
from collections.abc import Iterable
from dataclasses import dataclass, field

from littrack.config import TrialQuery, TrialsConfig
from littrack.models import Study
from littrack.progress import Progress
from littrack.store import Store
from littrack.store import trials as trial_store
from littrack.store.db import Connection
from littrack.store.runs import finish_run, start_run
from littrack.store.trials import TrialEvent, last_trials_sync, set_trials_sync
from littrack.trials import changes as ch
from littrack.trials.client import CtgovClient
from littrack.trials.link import link_stored_papers, link_studies
from littrack.trials.parse import parse_page

# CT.gov stamps update dates in US Eastern time; re-reading one day costs little and misses nothing.
OVERLAP = dt.timedelta(days=1)


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
    """The query of each topic that has one (the config resolves the shipped defaults)."""
    return {t: cfg.queries[t] for t in topic_ids if t in cfg.queries}


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
    backfill = any(last_trials_sync(store, t, q.key) is None for t, q in queries.items())
    try:
        for topic_id, query in queries.items():
            since = last_trials_sync(store, topic_id, query.key)
            updated_since = since - OVERLAP if since else None
            studies: list[Study] = []
            for page in client.search_pages(query, updated_since=updated_since):
                batch = parse_page(page)
                studies.extend(batch)
                if progress is not None:
                    progress.add_total(len(batch))
                    progress.advance(len(batch))
            with store.transaction() as conn:
                events = record_studies(conn, studies, topic_id=topic_id, now=stamp)
                links += link_studies(conn, studies, now=stamp)
                set_trials_sync(conn, topic_id, query.key, today, run_id)
            new = sum(e.kind == ch.NEW for e in events)
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


def record_studies(
    conn: Connection, studies: Iterable[Study], *, topic_id: str, now: dt.datetime
) -> list[TrialEvent]:
    """Save the studies' states and record the changes that matter (:func:`littrack.trials.changes.diff_states`)."""
    return [
        trial_store.add_event(conn, new.nct_id, c.kind, c.before, c.after, now=now)
        for new, old in trial_store.save_studies(conn, studies, topic_id=topic_id, now=now)
        for c in ch.diff_states(old, new)
    ]


def record_date_flags(
    conn: Connection, *, today: dt.date, no_publication_after_days: int, now: dt.datetime
) -> list[TrialEvent]:
    """Events that time alone causes: a completion date that went by, a completed study still without a paper.

    Runs over every stored study (a sync filtered by last-update date does not return the quiet ones). Each
    flag is raised once: per completion date for "completion date passed", once per study for "no publication".
    """
    linked = trial_store.linked_nct_ids(conn)
    flagged = trial_store.raised_events(conn, (ch.COMPLETION_PASSED, ch.NO_PUBLICATION))
    no_pub = {nct for nct, kind, _ in flagged if kind == ch.NO_PUBLICATION}
    events: list[TrialEvent] = []
    for study, first_seen in trial_store.studies_first_seen(conn):
        date = study.completion_date or ""
        if (
            ch.completion_passed(study, first_seen=first_seen, today=today)
            and (study.nct_id, ch.COMPLETION_PASSED, date) not in flagged
        ):
            events.append(trial_store.add_event(conn, study.nct_id, ch.COMPLETION_PASSED, None, date, now=now))
        if study.nct_id not in no_pub and ch.publication_overdue(
            study, after_days=no_publication_after_days, today=today, has_linked_paper=study.nct_id in linked
        ):
            after = f"completed {date}; no linked paper after {no_publication_after_days} days"
            events.append(trial_store.add_event(conn, study.nct_id, ch.NO_PUBLICATION, None, after, now=now))
    return events
