"""The jobs: what ``littrack fetch`` and ``littrack digest`` do, shared verbatim by the CLI and the service.

A job takes the config, holds the store's job lock, records itself in the run ledger, and calls the
modules that do the work. Failures are recorded in the ledger and re-raised for the caller to report.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from littrack.config import PLACEHOLDER_EMAIL, Config
from littrack.errors import ConfigError, StoreError
from littrack.eutils.client import EutilsClient
from littrack.fetch import FetchSummary, Progress, run_fetch
from littrack.lock import hold_lock, job_lock_path
from littrack.store import Store, open_store
from littrack.store.runs import finish_run, mark_interrupted, start_run

log = logging.getLogger(__name__)



def require_contact_email(cfg: Config) -> None:
    if cfg.ncbi.email_is_placeholder:
        raise ConfigError(
            f"{cfg.path}: ncbi.email is still the placeholder {PLACEHOLDER_EMAIL!r}; set it to your own address "
            "(NCBI requires a contact e-mail on every request)"
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
) -> FetchSummary:
    """Run one fetch over every topic; the ledger row says ok, failed or interrupted."""
    require_contact_email(cfg)
    today = today or dt.date.today()
    with hold_lock(job_lock_path(cfg.store.path), wait=lock_wait), open_store(cfg.store.path) as store:
        mark_interrupted(store)
        client = client or EutilsClient(cfg.ncbi, backoff_base=cfg.ncbi.backoff_seconds)
        run_id = start_run(store, "fetch")
        try:
            summary = run_fetch(cfg, store, client, run_id=run_id, today=today, progress=progress)
            summary = _after_fetch(cfg, store, client, summary, today)
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
            status="ok",
            new=summary.new,
            updated=summary.updated,
            requests=summary.requests,
            window=summary.window,
        )
        return summary


def _after_fetch(
    cfg: Config, store: Store, client: EutilsClient, summary: FetchSummary, today: dt.date
) -> FetchSummary:
    """What rides on every fetch: re-checking sent papers, linking trials, syncing trials, resolving mentions.

    The PubMed part has already succeeded and its watermarks are committed; an add-on that fails is reported in
    the summary line and its own ledger row, and retried on the next fetch.
    """
    notes: list[str] = []
    if cfg.fetch.recheck_limit:
        from littrack.recheck import recheck_sent

        rechecked = recheck_sent(client, store, limit=cfg.fetch.recheck_limit)
        if rechecked.checked:
            notes.append(rechecked.line())
    if cfg.trials.enabled:
        notes.append(_sync_trials(cfg, store, today))
    if cfg.background.resolve_mentions:
        from littrack.mentions_job import resolve_pending_mentions

        notes.extend(resolve_pending_mentions(cfg, store, client))
    return dataclasses.replace(summary, requests=client.requests_made, extra=tuple(notes))


def _sync_trials(cfg: Config, store: Store, today: dt.date) -> str:
    from littrack.errors import TrialsError
    from littrack.trials.client import CtgovClient
    from littrack.trials.sync import sync_trials

    with CtgovClient(cfg.trials, backoff_base=cfg.ncbi.backoff_seconds) as ct:
        try:
            return sync_trials(cfg.trials, store, ct, topics=[t.id for t in cfg.topics], today=today).line()
        except TrialsError as exc:
            log.error("trials sync failed: %s", exc)
            return f"trials: failed ({exc})"
