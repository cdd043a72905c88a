"""What each of the service's jobs does (issue 16: one fetch, one digest per profile), and when it last did it.

:mod:`littrack.service` decides when a job runs and keeps the process alive; this module is the job itself:
:func:`run_job_kind` calls :func:`~littrack.fetch.job.fetch_job` or a profile's
:func:`~littrack.digest.job.digest_job`, exactly as the one-off commands do.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from littrack.config import Config, Profile
from littrack.digest.job import digest_job
from littrack.fetch.job import fetch_job
from littrack.schedule import needs_fetch_first, resolve_timezone
from littrack.store import Store, open_store
from littrack.store.digests import latest_delivery
from littrack.store.runs import last_run

log = logging.getLogger("littrack.service")

Emit = Callable[[str], None]

FETCH = "fetch"


def job_kinds(cfg: Config) -> tuple[str, ...]:
    """The service's regular jobs: ``fetch``, then one digest job per profile, in config order."""
    return (FETCH, *(p.job for p in cfg.digest_profiles))


def profile_of(cfg: Config, kind: str) -> Profile | None:
    """The profile a digest job is for (None for fetch, or a profile no longer in the config)."""
    return next((p for p in cfg.digest_profiles if p.job == kind), None)


def job_schedule(cfg: Config, kind: str) -> str:
    """The cron text of a job: ``schedule.fetch``, or its profile's digest schedule."""
    profile = profile_of(cfg, kind)
    return profile.schedule if profile is not None else cfg.schedule.fetch


def describe(cfg: Config) -> str:
    """The schedule in force, for the service's log: every job's cron, the zone, grace and retries."""
    s = cfg.schedule
    tz = s.timezone or f"{resolve_timezone(None)} (this machine's)"
    jobs = ", ".join(f"{kind} {job_schedule(cfg, kind)!r}" for kind in job_kinds(cfg))
    return (f"{jobs} in {tz}; missed runs within {s.misfire_grace_minutes} min run late; failed jobs retried after"
            f" {s.retry_minutes} min, doubling, at most {s.max_retries} time(s)")


def run_fetch(cfg: Config, emit: Emit) -> None:
    emit(fetch_job(cfg).line())


def run_digest(cfg: Config, emit: Emit, profile: Profile | None = None) -> None:
    """A profile's digest (default: the config's first), preceded by a fetch when the last successful one is
    older than the digest period (the first of several profiles' digests fetches; the next find it fresh)."""
    with open_store(cfg.store.location, password=cfg.store.password) as store:
        last = last_run(store, "fetch", status="ok")
    ended = parse_time(last.ended_at) if last and last.ended_at else None
    if needs_fetch_first(ended, dt.datetime.now(dt.UTC), cfg.digest.period_days):
        age = f"older than {cfg.digest.period_days} days" if ended else "missing"
        log.info("digest: the last successful fetch is %s; fetching first", age)
        emit(fetch_job(cfg, partial_ok=True).line())  # a topic that fails does not hold back the digest
    emit(digest_job(cfg, profile=profile).line())


def last_ok(store: Store, cfg: Config, kind: str) -> dt.datetime | None:
    """When ``kind`` last did its work: the last ok fetch; a configured profile's last delivered digest."""
    profile = profile_of(cfg, kind)
    if profile is not None and profile.explicit:
        delivery = latest_delivery(store, profile.id)
        return parse_time(delivery.delivered_at) if delivery else None
    run = last_run(store, kind.split(":")[0], status="ok")
    return parse_time(run.started_at) if run else None


def parse_time(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
