"""The fetch job: what ``littrack fetch`` (and the service's scheduled fetch) does.

It takes the config, holds the store's job lock, records itself in the run ledger, fetches every topic from
PubMed (:mod:`littrack.fetch.topics`), then runs the :data:`AFTER_FETCH` steps in order. Failures are
recorded in the ledger and re-raised for the caller (the CLI or the service) to report. When some topics
fail and others do not, the run is *partial*: the ledger says so, the steps still run, and
:class:`~littrack.errors.PartialFetch` (exit code 3) carries the summary line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from littrack.config import Config, require_contact_email
from littrack.errors import PartialFetch, StoreError
from littrack.eutils.client import EutilsClient
from littrack.fetch import crossref, mentions, preprints, recheck, retracted, trials, unpaywall
from littrack.fetch.steps import StepContext
from littrack.fetch.summary import FetchSummary
from littrack.fetch.topics import run_fetch
from littrack.lock import job_lock
from littrack.progress import Progress
from littrack.store import open_store
from littrack.store.profiles import register_profiles
from littrack.store.runs import finish_run, mark_interrupted, start_run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    """Work that rides on every fetch, after the PubMed part has succeeded and its watermarks are committed."""

    name: str
    enabled: Callable[[Config], bool]
    run: Callable[[StepContext], list[str]]  # one-line notes for the fetch summary


# The steps after the PubMed fetch, in the order they run.
AFTER_FETCH: tuple[Step, ...] = (
    Step("re-check sent papers for corrections", lambda cfg: cfg.fetch.recheck_limit > 0, recheck.step),
    Step(
        "re-check sent papers against Crossref",
        lambda cfg: cfg.sources.crossref.enabled and cfg.fetch.recheck_limit > 0,
        crossref.step,
    ),
    Step("flag reviews citing a retracted paper", lambda cfg: True, retracted.step),
    Step("find free full text (Unpaywall)", lambda cfg: cfg.sources.unpaywall_on, unpaywall.step),
    # After Crossref: its preprint relations from this fetch already count for the links.
    Step("find preprints (Europe PMC)", lambda cfg: cfg.sources.europepmc.enabled, preprints.step),
    Step("sync registered trials", lambda cfg: cfg.trials.enabled, trials.step),
    Step("resolve background study mentions", lambda cfg: cfg.background.resolve_mentions, mentions.step),
)


def _failure_status(exc: BaseException) -> str:
    return "interrupted" if isinstance(exc, KeyboardInterrupt | SystemExit) else "failed"


def fetch_job(
    cfg: Config,
    *,
    progress: Progress | None = None,
    today: dt.date | None = None,
    client: EutilsClient | None = None,
    lock_wait: float | None = None,
    partial_ok: bool = False,
) -> FetchSummary:
    """Run one fetch over every topic, then the :data:`AFTER_FETCH` steps; the ledger row says ok, partial, failed
    or interrupted. After a partial run raises :class:`PartialFetch` (``partial_ok``: returns the summary); when
    every topic failed, raises the first topic's error."""
    require_contact_email(cfg)
    today = today or dt.date.today()
    with job_lock(cfg.store, wait=lock_wait), open_store(cfg.store.location, password=cfg.store.password) as store:
        # Before any paper is saved: a profile new to this store starts its digests with what this fetch finds.
        register_profiles(store, [p.id for p in cfg.digest_profiles])
        mark_interrupted(store)
        client = client or EutilsClient(cfg.ncbi)
        run_id = start_run(store, "fetch")
        try:
            summary = run_fetch(cfg, store, client, run_id=run_id, today=today, progress=progress)
            if summary.failed and not summary.topics:
                raise summary.failed[0].error  # nothing was fetched: the run failed, as before topics were separate
            ctx = StepContext(cfg, store, client, today)
            notes = [note for step in AFTER_FETCH if step.enabled(cfg) for note in step.run(ctx)]
            summary = dataclasses.replace(summary, requests=client.requests_made, extra=tuple(notes))
        except BaseException as exc:
            try:
                finish_run(
                    store,
                    run_id,
                    status=_failure_status(exc),
                    requests=client.requests_made,
                    error=str(exc) or type(exc).__name__,
                )
            except StoreError as ledger_exc:  # e.g. the disk is still full: report the first failure
                log.error("could not record the failed run: %s", ledger_exc)
            raise
        finish_run(
            store,
            run_id,
            status="partial" if summary.failed else "ok",
            new=summary.new,
            updated=summary.updated,
            requests=summary.requests,
            window=summary.window,
            error=summary.failure_message() if summary.failed else None,
        )
    if summary.failed and not partial_ok:
        log.info("%s", summary.line())  # the service logs the summary of a partial run too
        raise PartialFetch(summary.failure_message(), summary.line())
    return summary
