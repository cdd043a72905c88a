"""What ``littrack status`` reports: the run ledger, watermarks and store counts, as plain data."""

from __future__ import annotations

from typing import Any

from littrack.config import Config
from littrack.store import open_store
from littrack.store.papers import counts
from littrack.store.runs import recent_runs, watermarks


def collect_status(cfg: Config) -> dict[str, Any]:
    """Read-only snapshot of the store; safe while a job runs (WAL readers never block the writer)."""
    info: dict[str, Any] = {"config": str(cfg.path), "store": str(cfg.store.path)}
    if not cfg.store.path.exists():
        info.update(runs=[], counts={}, watermarks={}, store_bytes=0)
        return info
    with open_store(cfg.store.path) as store:
        info["store_bytes"] = cfg.store.path.stat().st_size
        info["counts"] = counts(store)
        info["watermarks"] = watermarks(store)
        info["runs"] = [r.as_dict() for r in recent_runs(store, limit=20)]
    return info


def format_status(info: dict[str, Any]) -> str:
    lines = [f"store: {info['store']} ({info.get('store_bytes', 0) // 1024} KiB)"]
    c = info.get("counts") or {}
    lines.append(f"papers: {c.get('papers', 0)}")
    for topic, through in sorted((info.get("watermarks") or {}).items()):
        lines.append(f"topic {topic}: fetched through {through}")
    runs = info.get("runs") or []
    if not runs:
        lines.append("no runs yet: try `littrack fetch`")
    for r in runs[:10]:
        window = f" window {r['window_start']}..{r['window_end']}" if r.get("window_start") else ""
        err = f" — {r['error']}" if r.get("error") else ""
        lines.append(
            f"{r['kind']} #{r['id']} {r['status']} at {r['started_at']}{window}: {r['new_count']} new,"
            f" {r['updated_count']} updated, {r['requests']} requests{err}"
        )
    return "\n".join(lines)
