"""Queries for the service's published state (``service_state``: pid, schedule in force, next run times)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from littrack.store.db import Store, now_iso


@dataclass(frozen=True)
class ServiceState:
    pid: int
    config: str
    started_at: str
    updated_at: str = ""
    stopped_at: str | None = None
    schedule: dict[str, str | None] = field(default_factory=dict)
    next_runs: dict[str, str | None] = field(default_factory=dict)
    retries: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def save_state(store: Store, state: ServiceState) -> None:
    """Replace the one state row (updated_at is stamped here)."""
    with store.transaction() as c:
        c.execute(
            "INSERT INTO service_state"
            " (id, pid, config, started_at, updated_at, stopped_at, schedule, next_runs, retries)"
            " VALUES (1,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET pid=excluded.pid, config=excluded.config,"
            " started_at=excluded.started_at, updated_at=excluded.updated_at, stopped_at=excluded.stopped_at,"
            " schedule=excluded.schedule, next_runs=excluded.next_runs, retries=excluded.retries",
            (state.pid, state.config, state.started_at, now_iso(), state.stopped_at, json.dumps(state.schedule),
             json.dumps(state.next_runs), json.dumps(state.retries)),
        )


def mark_stopped(store: Store, pid: int) -> None:
    """A clean exit: no next runs any more."""
    with store.transaction() as c:
        c.execute("UPDATE service_state SET stopped_at=?, updated_at=?, next_runs='{}', retries='{}' WHERE pid=?",
                  (now_iso(), now_iso(), pid))


def load_state(store: Store) -> ServiceState | None:
    row = store.conn.execute(
        "SELECT pid, config, started_at, updated_at, stopped_at, schedule, next_runs, retries"
        " FROM service_state WHERE id=1"
    ).fetchone()
    if row is None:
        return None
    d = dict(row)
    for key in ("schedule", "next_runs", "retries"):
        d[key] = json.loads(d[key] or "{}")
    return ServiceState(**d)
