"""The fetch step that finds free full text for papers with a DOI (Unpaywall).

Each DOI is asked once and again only after ``sources.unpaywall.refresh_days``; newest papers first, at most
``per_run_limit`` per fetch. Results commit in small batches with their "asked" marks, so a failure halfway keeps
what was learnt and the next fetch goes on from there. Off without ``sources.email`` (Unpaywall requires one).
"""

from __future__ import annotations

import datetime as dt
import logging

from littrack.errors import ParseError, SourceRejected
from littrack.fetch.ledger import SourceResult, run_source
from littrack.fetch.steps import StepContext
from littrack.models import Source
from littrack.sources.unpaywall import UnpaywallClient, parse_location
from littrack.store.sources import mark_looked_up, papers_for_unpaywall, save_open_access

log = logging.getLogger(__name__)
COMMIT_EVERY = 25


def dois_due(ctx: StepContext) -> list[str]:
    cfg = ctx.cfg.sources.unpaywall
    cutoff = (dt.datetime.now(dt.UTC) - dt.timedelta(days=cfg.refresh_days)).isoformat(timespec="seconds")
    return papers_for_unpaywall(ctx.store, checked_before=cutoff, limit=cfg.per_run_limit)


def find_free_full_text(client: UnpaywallClient, ctx: StepContext, dois: list[str]) -> SourceResult:
    free = 0
    for i in range(0, len(dois), COMMIT_EVERY):
        answers = []
        for doi in dois[i : i + COMMIT_EVERY]:
            try:
                answers.append((doi, parse_location(doi, client.lookup(doi))))
            except (SourceRejected, ParseError) as exc:
                # This DOI refused (malformed, say) or answered about another DOI: no usable answer for it, and
                # not an outage; it is marked asked, so one odd DOI never blocks the queue.
                log.warning("Unpaywall, %s: %s", doi, exc)
                answers.append((doi, None))
        with ctx.store.transaction() as conn:
            for doi, location in answers:
                save_open_access(conn, doi, location)
            mark_looked_up(conn, Source.UNPAYWALL, [doi for doi, _ in answers])
        free += sum(location is not None for _, location in answers)
    return SourceResult(
        f"unpaywall: {free} of {len(dois)} DOI{'s' if len(dois) != 1 else ''} have free full text", new=free
    )


def step(ctx: StepContext) -> list[str]:
    if not ctx.cfg.sources.unpaywall_on:
        return []  # `littrack status` says why (no sources.email)
    dois = dois_due(ctx)
    if not dois:
        return []  # every DOI asked recently enough: no request, no ledger row
    with UnpaywallClient(ctx.cfg.sources) as client:
        return run_source(
            ctx.store,
            Source.UNPAYWALL,
            "unpaywall",
            lambda _run: find_free_full_text(client, ctx, dois),
            lambda: client.requests_made,
        )
