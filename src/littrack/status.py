"""What ``littrack status`` reports, as plain data: the run ledger, watermarks, store counts, and per job
(fetch, digest) its last run, outcome, duration and next run, the last ClinicalTrials.gov sync, the service, the
papers waiting for the next digest, the last error and the digest ledger. Runs read "run 12" and digests
"digest #3" (the id ``digest --rebuild`` takes), so the two ledgers are never confused.

Next run times come from the running service's published state when a service holds the store's service
lock, otherwise they are computed from the configured schedule (what ``littrack run`` would do).

A run still 'running', or a digest still 'pending'/'sending', while no process holds the store's job lock
was cut short by a kill: it is shown as 'interrupted' (the next job records it so in the ledger).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from pathlib import Path
from typing import Any

from littrack.config import Config, Profile
from littrack.digest.publish import SECTION_LABELS
from littrack.lock import JOB, SERVICE, job_lock_path, pg_lock_held, pg_lock_state, service_lock_path
from littrack.pg import display_url
from littrack.schedule import next_fire, parse_schedule, resolve_timezone, when
from littrack.store import Store, open_store
from littrack.store.digests import delivered_digests, recent_digests, waiting_count
from littrack.store.papers import counts
from littrack.store.preprints import count_preprints
from littrack.store.profiles import first_seen
from littrack.store.runs import Run, last_run, recent_runs, watermarks
from littrack.store.service_state import load_state
from littrack.store.sources import count_open_access, source_health
from littrack.store.unreadable import unreadable_pmids

KINDS = ("fetch", "digest")


def collect_status(cfg: Config, now: dt.datetime | None = None) -> dict[str, Any]:
    """Read-only snapshot of the store; safe while a job runs (WAL readers never block the writer)."""
    now = now or dt.datetime.now(dt.UTC)
    pgsql = cfg.store.is_postgresql
    info: dict[str, Any] = {"config": str(cfg.path), "store": display_url(cfg.store.location) if pgsql
                            else str(cfg.store.path)}
    scheduler: dict[str, Any] | None = None
    if pgsql:  # services on several machines: one holds the scheduler lock, the others stand by
        holder, standing_by = pg_lock_state(cfg.store, SERVICE)
        scheduler = {"holder": holder, "standing_by": standing_by}
        running = holder is not None
        busy = pg_lock_held(cfg.store, JOB) is not None
    else:
        running = service_running(cfg.store.path)
        busy = _lock_held(job_lock_path(cfg.store.path))
    if not pgsql and not cfg.store.path.exists():
        info.update(runs=[], counts={}, watermarks={}, store_bytes=0, store_total_bytes=0, digests=[],
                    waiting={"profile": cfg.digest_profiles[0].id, "papers": 0}, last_error=None, unreadable=[])
        info["service"] = {"running": running}
        info["jobs"] = {kind: _job(cfg, kind, None, None, now) for kind in KINDS}
        info["sources"] = _sources(cfg, None)
        info["profiles"] = [_profile(cfg, None, p, None, now) for p in cfg.digest_profiles]
        return info
    with open_store(cfg.store.location, password=cfg.store.password) as store:
        info["store_bytes"] = _pg_bytes(store) if pgsql else cfg.store.path.stat().st_size
        info["store_total_bytes"] = info["store_bytes"] if pgsql else _store_bytes(cfg.store.path)
        info["counts"] = counts(store) | {
            "preprints": count_preprints(store),
            "free_full_text": count_open_access(store),
        }
        info["watermarks"] = watermarks(store)
        info["runs"] = [_settled(r.as_dict(), busy) for r in recent_runs(store, limit=20)]
        state = load_state(store)
        live = state if running and state is not None and state.stopped_at is None else None
        info["service"] = {"running": running, **({
            "pid": live.pid, "started_at": live.started_at, "updated_at": live.updated_at,
            "schedule": live.schedule, "retries": live.retries,
        } if live else {}), **({"scheduler_lock": scheduler} if scheduler else {})}
        next_runs = live.next_runs if live else None
        info["jobs"] = {kind: _job(cfg, kind, last_run(store, kind), next_runs, now, busy) for kind in KINDS}
        info["trials"] = _trials(store) if cfg.trials.enabled else None
        info["profiles"] = [_profile(cfg, store, p, next_runs, now) for p in cfg.digest_profiles]
        first = info["profiles"][0]
        info["waiting"] = {"profile": first["id"], "papers": first["papers_waiting"]}
        info["last_error"] = _last_error(store)
        info["unreadable"] = list(unreadable_pmids(store))
        info["digests"] = [_settled(d.as_dict(), busy) for d in recent_digests(store, limit=10)]
        info["sources"] = _sources(cfg, store)
    return info


_LIVE = {"running", "pending", "sending"}


def _settled(row: dict[str, Any], busy: bool) -> dict[str, Any]:
    """A run or digest row as it really stands: live states without a live process are interrupted."""
    if busy or row.get("status") not in _LIVE:
        return row
    reason = (
        "process ended while e-mailing it; the SMTP server may have accepted it"
        if row["status"] == "sending"
        else "process ended before it finished"
    )
    return {**row, "status": "interrupted", "error": row.get("error") or reason}


def _sources(cfg: Config, store: Store | None) -> dict[str, dict[str, Any]]:
    """Each source beside PubMed: on or off (and why), its last success and last error from the run ledger."""
    src = cfg.sources
    states = {
        "europepmc": ("Europe PMC (preprints)", src.europepmc.enabled, "sources.europepmc.enabled is false"),
        "crossref": ("Crossref (corrections, retractions)", src.crossref.enabled, "sources.crossref.enabled is false"),
        "unpaywall": (
            "Unpaywall (free full text)",
            src.unpaywall_on,
            "sources.unpaywall.enabled is false"
            if not src.unpaywall.enabled
            else "no sources.email configured (Unpaywall requires one); set it to turn free-full-text links on",
        ),
    }
    health = source_health(store, list(states)) if store is not None else {}
    return {
        kind: {
            "name": name,
            "enabled": on,
            "off_because": None if on else why,
            **health.get(
                kind, {"last_success": None, "last_error": None, "last_error_at": None, "failing_since": None}
            ),
        }
        for kind, (name, on, why) in states.items()
    }


def service_running(store_path: Path) -> bool:
    """True while some ``littrack run`` holds this store's service lock (a killed one holds nothing)."""
    return _lock_held(service_lock_path(store_path))


def _lock_held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also releases our probe lock at once
    return False


def _pg_bytes(store: Store) -> int:
    return int(store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def _store_bytes(path: Path) -> int:
    total = 0
    for suffix in ("", "-wal", "-shm"):
        p = path.with_name(path.name + suffix)
        if p.exists():
            total += p.stat().st_size
    return total


def _job(
    cfg: Config, kind: str, run: Run | None, next_runs: dict[str, str | None] | None, now: dt.datetime,
    busy: bool = False,
) -> dict[str, Any]:
    if next_runs is not None:  # the digest: the earliest of the profiles' digest jobs
        times = [t for k, t in next_runs.items() if t and (k == kind or k.startswith(f"{kind}:"))]
        nxt, source = min(times, default=None), "service"
    else:
        tz = resolve_timezone(cfg.schedule.timezone)
        crons = [getattr(cfg.schedule, kind)] if kind == "fetch" else [p.schedule for p in cfg.digest_profiles]
        fires = [f for c in crons if (f := next_fire(parse_schedule(c, tz), now.astimezone(tz)))]
        nxt, source = (min(fires).isoformat() if fires else None), "schedule"
    return {
        "schedule": getattr(cfg.schedule, kind),
        "last_run_id": run.id if run else None,
        "last_run": run.started_at if run else None,
        "outcome": _settled({"status": run.status}, busy)["status"] if run else None,
        "duration_seconds": _duration(run),
        "error": run.error if run else None,
        "next_run": nxt,
        "next_run_source": source,
    }


def _profile(
    cfg: Config, store: Store | None, p: Profile, next_runs: dict[str, str | None] | None, now: dt.datetime
) -> dict[str, Any]:
    """A profile's digest: its last one, the papers waiting for it, its next run, its readers (issue 16)."""
    kind = p.job
    if next_runs is not None:
        nxt, source = next_runs.get(kind), "service"
    else:
        tz = resolve_timezone(cfg.schedule.timezone)
        fire = next_fire(parse_schedule(p.schedule, tz), now.astimezone(tz))
        nxt, source = (fire.isoformat() if fire else None), "schedule"
    last = delivered_digests(store, p.id)[:1] if store is not None else []
    since = first_seen(store, p.id) if store is not None else None
    # A profile the store has not seen yet starts with the next fetch: nothing waits for it so far.
    topics = p.topics if p.explicit else None
    waiting = waiting_count(store, p.id, topics, since) if store is not None and since is not None else 0
    return {
        "id": p.id, "name": p.name, "job": kind, "schedule": p.schedule, "topics": list(p.topics),
        "sections": list(p.sections), "recipients": len(p.recipients), "email": cfg.for_profile(p).email.enabled,
        "explicit": p.explicit, "registered_at": since or None, "papers_waiting": waiting,
        "last_digest": {"id": last[0].id, "delivered_at": last[0].delivered_at, "filename": last[0].filename,
                        "total": last[0].total, "emailed": last[0].emailed} if last else None,
        "next_run": nxt, "next_run_source": source,
    }


def _trials(store: Store) -> dict[str, Any] | None:
    """The last ClinicalTrials.gov sync (it rides on fetch) and the last one that worked."""
    run, ok = last_run(store, "trials"), last_run(store, "trials", "ok")
    if run is None:
        return None
    return {"last_run_id": run.id, "last_run": run.started_at, "outcome": run.status,
            "last_ok": ok.ended_at if ok else None}


def _duration(run: Run | None) -> int | None:
    if run is None or not run.ended_at:
        return None
    delta = dt.datetime.fromisoformat(run.ended_at) - dt.datetime.fromisoformat(run.started_at)
    return int(delta.total_seconds())


def _last_error(store: Store) -> dict[str, Any] | None:
    row = store.conn.execute(
        "SELECT id, kind, started_at, error FROM runs WHERE status IN ('failed', 'interrupted', 'partial')"
        " AND error IS NOT NULL"
        " ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    later_ok = store.conn.execute(
        "SELECT 1 FROM runs WHERE kind = ? AND status = 'ok' AND id > ? LIMIT 1", (row["kind"], row["id"])
    ).fetchone()
    return {"run_id": row["id"], "kind": row["kind"], "at": row["started_at"], "error": row["error"],
            "resolved": later_ok is not None}


def _at(iso: str | None) -> str:
    if not iso:
        return "never"
    moment = dt.datetime.fromisoformat(iso)
    return when(moment.astimezone()) if moment.tzinfo else iso


def _profile_line(p: dict[str, Any]) -> str:
    """'profile crps (Dr A): last digest #4 2 Dec 07:00 (3 papers, e-mailed); 2 papers waiting; next …'."""
    d = p.get("last_digest")
    last = "no digest yet"
    if d:
        mailed = ", e-mailed" if d.get("emailed") else ""
        last = f"last digest #{d['id']} {_at(d.get('delivered_at'))} ({d['total']} papers{mailed})"
    n, r = p["papers_waiting"], p["recipients"]
    source = "by the service" if p.get("next_run_source") == "service" else f"by schedule {p['schedule']!r}"
    readers = f"{r} recipient{'s' if r != 1 else ''}" + ("" if p.get("email") else " (e-mail off)")
    waiting = f"{n} paper{'s' if n != 1 else ''} waiting"
    if "papers" not in p.get("sections", ["papers"]):  # e.g. the safety lane only: most are never its to send
        gets = ", ".join(SECTION_LABELS.get(x, x) for x in p["sections"])
        waiting = f"{n} paper{'s' if n != 1 else ''} of its topics unsent (it gets {gets} only)"
    return (f"profile {p['id']} ({p['name']}): {last}; {waiting};"
            f" next {_at(p.get('next_run'))} ({source}); {readers}")


def format_status(info: dict[str, Any]) -> str:
    lines = [f"store: {info['store']} ({info.get('store_bytes', 0) // 1024} KiB)"]
    c = info.get("counts") or {}
    lines.append(
        f"papers: {c.get('papers', 0)} ({c.get('free_full_text', 0)} DOIs with free full text);"
        f" preprints: {c.get('preprints', 0)}"
    )
    for topic, through in sorted((info.get("watermarks") or {}).items()):
        lines.append(f"topic {topic}: fetched through {through}")
    service = info.get("service") or {}
    if service.get("running"):
        since = f", since {_at(service['started_at'])}" if service.get("started_at") else ""
        pid = f"pid {service['pid']}" if service.get("pid") else "starting"
        lines.append(f"service: running ({pid}{since})")
    elif "service" in info:
        lines.append("service: not running (`littrack run` starts it)")
    lock = service.get("scheduler_lock")
    if lock and (lock["holder"] or lock["standing_by"]):
        held = f"held by {lock['holder']}" if lock["holder"] else "free"
        waiting = ", ".join(lock["standing_by"]) or "none"
        lines.append(f"scheduler lock: {held}; standing by: {waiting}")
    for kind, job in (info.get("jobs") or {}).items():
        last = "never run" if not job.get("last_run") else f"last run {_at(job['last_run'])} {job['outcome']}"
        took = f" in {job['duration_seconds']}s" if job.get("duration_seconds") is not None else ""
        which = f" (run {job['last_run_id']})" if job.get("last_run_id") is not None else ""
        source = "by the service" if job.get("next_run_source") == "service" else f"by schedule {job['schedule']!r}"
        lines.append(f"{kind}: {last}{took}{which}; next {_at(job.get('next_run'))} ({source})")
    trials = info.get("trials")
    if trials:
        ok = "" if trials["outcome"] == "ok" else f"; last successful sync {_at(trials['last_ok'])}"
        last = f"{_at(trials['last_run'])} {trials['outcome']} (run {trials['last_run_id']})"
        lines.append(f"trials: last ClinicalTrials.gov sync {last}{ok}")
    profiles = info.get("profiles") or []
    if any(p["explicit"] for p in profiles):
        lines.extend(_profile_line(p) for p in profiles)
    elif info.get("waiting") is not None:
        n = info["waiting"].get("papers", 0)
        lines.append(f"waiting for the next digest: {n} paper{'s' if n != 1 else ''}")
    for src in (info.get("sources") or {}).values():
        if not src["enabled"]:
            lines.append(f"source {src['name']}: off ({src['off_because']})")
            continue
        ok = f"last success {_at(src['last_success'])}" if src.get("last_success") else "no successful run yet"
        failing = f"; FAILING since {_at(src['failing_since'])}" if src.get("failing_since") else ""
        error = f"; last error {_at(src['last_error_at'])}: {src['last_error']}" if src.get("last_error") else ""
        lines.append(f"source {src['name']}: on; {ok}{failing}{error}")
    unreadable = info.get("unreadable") or []
    if unreadable:
        n = len(unreadable)
        lines.append(f"{n} record{'s' if n != 1 else ''} could not be read (tried again on every fetch):"
                     f" PMID{'s' if n != 1 else ''} {', '.join(map(str, unreadable))}")
    err = info.get("last_error")
    if err:
        since = " (a later run succeeded)" if err.get("resolved") else ""
        lines.append(f"last error{since}: run {err['run_id']} ({err['kind']}) at {_at(err['at'])}: {err['error']}")
    for d in (info.get("digests") or [])[:5]:
        mailed = ", e-mailed" if d.get("emailed") else ""
        lines.append(f"digest #{d['id']} {d['status']} {_at(d.get('delivered_at') or d['created_at'])}:"
                     f" {d.get('filename') or '-'} ({d['total']} papers{mailed})")
    runs = info.get("runs") or []
    if not runs:
        lines.append("no runs yet: try `littrack fetch`")
    for r in runs[:10]:
        window = f" window {r['window_start']}..{r['window_end']}" if r.get("window_start") else ""
        err_text = f" — {r['error']}" if r.get("error") else ""
        skipped = f", could not read PMID {r['skipped'].replace(',', ', ')}" if r.get("skipped") else ""
        lines.append(
            f"run {r['id']} {r['kind']} {r['status']} at {r['started_at']}{window}: {r['new_count']} new,"
            f" {r['updated_count']} updated, {r['requests']} requests{skipped}{err_text}"
        )
    return "\n".join(lines)
