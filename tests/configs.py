"""Write a littrack config.yaml for a test: loopback endpoints, a store in tmp_path, quick retries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

TOPICS = [
    {
        "id": "ketamine-fibromyalgia",
        "name": "Ketamine for fibromyalgia",
        "query": "(ketamine[MeSH Terms] OR ketamine[tiab]) AND fibromyalgia[tiab]",
    },
    {
        "id": "ketamine-crps",
        "name": "Ketamine for CRPS",
        "query": '(ketamine[tiab]) AND (CRPS[tiab] OR "reflex sympathetic dystrophy"[tiab])',
    },
]


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


# A whole ``store:`` section every config gets unless the test passes its own: tests that run on both engines
# set it to ``{"url": <a PostgreSQL database>}`` (see test_digest_job.py's ``engine`` fixture).
STORE_OVERRIDE: dict[str, Any] | None = None


def write_config(directory: Path, base_url: str, **sections: Any) -> Path:
    """config.yaml in ``directory``; keyword arguments override whole sections or keys within them."""
    data: dict[str, Any] = {
        "ncbi": {
            "email": "tester@example.org",
            "base_url": base_url,
            "timeout": 2,
            "max_retries": 3,
            "backoff_seconds": 0.05,
        },
        "store": {"path": "store.sqlite3"},
        "topics": TOPICS,
        "fetch": {"backfill": "1950-01-01", "overlap_days": 3, "batch_size": 100},
        "digest": {"output_dir": "digests"},
        "trials": {"enabled": False},
        # The sources beside PubMed are off unless a test points them at tests' FakeSources (sources_section).
        "sources": {"europepmc": {"enabled": False}, "crossref": {"enabled": False}},
        "background": {"resolve_mentions": False},
    }
    if "store" in sections:  # a whole store section: store.url (PostgreSQL) replaces store.path
        data["store"] = sections.pop("store")
    elif STORE_OVERRIDE is not None:
        data["store"] = dict(STORE_OVERRIDE)
    data = _merge(data, sections)
    path = directory / "config.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def sources_section(fake: Any, *, email: str | None = "tester@example.org", **overrides: Any) -> dict[str, Any]:
    """A ``sources:`` section pointing every source at a running :class:`littrack.replay.sources.FakeSources`,
    with quick retries; ``overrides`` merge into it (e.g. ``crossref={"enabled": False}``)."""
    section: dict[str, Any] = {
        "email": email,
        "timeout": 2,
        "max_retries": 2,
        "backoff_seconds": 0.01,
        "europepmc": {"enabled": True, "base_url": fake.url("europepmc"), "requests_per_second": 1000},
        "crossref": {"enabled": True, "base_url": fake.url("crossref"), "requests_per_second": 1000},
        "unpaywall": {"enabled": True, "base_url": fake.url("unpaywall"), "requests_per_second": 1000},
    }
    return _merge(section, overrides)
