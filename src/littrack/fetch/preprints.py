"""The fetch step that finds preprints on Europe PMC, per topic, and links them to their published versions.

Per topic: the Europe PMC query (the topic's ``preprint_query``, else its PubMed query rewritten by
:mod:`littrack.sources.query`), a first-publication-date window planned from the topic's preprint watermark like
PubMed's (backfill first, then from the watermark minus ``fetch.overlap_days``), every page through ``cursorMark``,
and one transaction that saves the preprints and advances the watermark: a failure leaves the watermark where the
last good search put it. Then unlinked preprints are asked about again (has a journal version appeared?) and
:mod:`littrack.fetch.preprint_links` links them to PubMed records.
"""

from __future__ import annotations

import datetime as dt
import logging

from littrack.errors import SourceRejected
from littrack.fetch.ledger import SourceResult, run_source
from littrack.fetch.preprint_links import link_preprints
from littrack.fetch.steps import StepContext
from littrack.models import DateWindow, Preprint, Source, Topic
from littrack.sources.europepmc import (
    EuropePmcClient,
    id_batches,
    ids_query,
    parse_preprints,
    unique,
    window_query,
)
from littrack.sources.query import UntranslatableQuery, to_europepmc
from littrack.store.preprints import (
    get_preprint_watermark,
    mark_rechecked,
    preprints_to_recheck,
    save_preprints,
    set_preprint_watermark,
)

log = logging.getLogger(__name__)
RECHECK_EVERY = dt.timedelta(days=7)


def topic_query(topic: Topic) -> str:
    """The Europe PMC query of a topic; raises :class:`UntranslatableQuery` when it needs a ``preprint_query``."""
    return topic.preprint_query or to_europepmc(topic.query)


def plan_window(ctx: StepContext, topic: Topic, query: str) -> DateWindow:
    mark = get_preprint_watermark(ctx.store, topic.id, query)
    fetch = ctx.cfg.fetch
    if mark is None:
        start = fetch.backfill_since or ctx.today - dt.timedelta(days=fetch.backfill_days - 1)
    else:
        # Europe PMC indexes a preprint a few days after its first publication date: the overlap catches those.
        start = mark - dt.timedelta(days=fetch.overlap_days)
    return DateWindow(min(start, ctx.today), ctx.today)


def search_topics(ctx: StepContext, client: EuropePmcClient, run_id: int) -> tuple[int, int, list[str]]:
    """(new preprints, preprints seen, skipped-topic notes)."""
    new = seen = 0
    skipped: list[str] = []
    for topic in ctx.cfg.topics:
        try:
            query = topic_query(topic)
        except UntranslatableQuery as exc:
            skipped.append(f"{topic.id} skipped ({exc}; set topics[].preprint_query)")
            continue
        window = plan_window(ctx, topic, query)
        found: list[Preprint] = []
        try:
            for page in client.search_pages(window_query(query, window)):
                found.extend(parse_preprints(page))
        except SourceRejected as exc:  # this topic's query, not the service: the other topics go on
            skipped.append(f"{topic.id} skipped ({exc})")
            continue
        found = unique(found)
        with ctx.store.transaction() as conn:
            new += save_preprints(conn, found, topic_id=topic.id)
            set_preprint_watermark(conn, topic.id, query, window.end, run_id)
        seen += len(found)
    return new, seen, skipped


def recheck_unlinked(ctx: StepContext, client: EuropePmcClient) -> int:
    """Ask Europe PMC again about unlinked preprints not asked for a week; returns how many were asked."""
    limit = ctx.cfg.sources.europepmc.relink_limit
    before = (dt.datetime.now(dt.UTC) - RECHECK_EVERY).isoformat(timespec="seconds")
    ids = preprints_to_recheck(ctx.store, limit, asked_before=before)
    for batch in id_batches(ids):
        fresh: list[Preprint] = []
        for page in client.search_pages(ids_query(batch)):
            fresh.extend(parse_preprints(page))
        with ctx.store.transaction() as conn:
            save_preprints(conn, [p for p in unique(fresh) if p.id in set(batch)], topic_id=None)
            mark_rechecked(conn, batch)
    return len(ids)


def fetch_preprints(ctx: StepContext, client: EuropePmcClient, run_id: int) -> SourceResult:
    new, seen, skipped = search_topics(ctx, client, run_id)
    recheck_unlinked(ctx, client)
    linked = link_preprints(ctx)
    searched = len(ctx.cfg.topics) - len(skipped)
    parts = [f"preprints: {new} new ({seen} found in {searched} topic{'s' if searched != 1 else ''})"]
    if linked:
        parts.append(f"{linked} linked to their published version")
    parts.extend(skipped)
    return SourceResult("; ".join(parts), new=new, updated=linked)


def step(ctx: StepContext) -> list[str]:
    with EuropePmcClient(ctx.cfg.sources) as client:
        return run_source(
            ctx.store,
            Source.EUROPEPMC,
            "preprints",
            lambda run_id: fetch_preprints(ctx, client, run_id),
            lambda: client.requests_made,
        )
