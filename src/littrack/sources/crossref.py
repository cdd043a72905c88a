"""Crossref works by DOI, in batches: update notices (``updated-by``), preprint relations and cited DOIs.

Network and parsing only. One request asks for up to ``batch_size`` works with ``filter=doi:A,doi:B,…`` (Crossref
ORs repeated filters of one name), which returns each work with its ``updated-by`` list: the notices its
publisher deposited and, since 2025, the Retraction Watch entries (``source: "retraction-watch"``). That is one
request per batch where ``filter=updates:`` would need a second lookup to learn what each notice is about.

Crossref publishes its limits in every reply (``x-rate-limit-limit`` per ``x-rate-limit-interval``: 5 per second
in the public pool, more with ``mailto``); the client slows its host's limiter down to what the headers say.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

import requests

from littrack.config import SourcesConfig
from littrack.errors import SourceError
from littrack.jsonapi import JsonClient
from littrack.models import CrossrefNotice, CrossrefWork, NoticeKind
from littrack.ratelimit import shared_limiter

log = logging.getLogger(__name__)
T = TypeVar("T")

# Crossref's update types (its schema's list) sorted into the classes a reader must keep apart. Types not listed
# (new_version, new_edition, …) are not notices about the work's reliability and are ignored.
NOTICE_KINDS: dict[str, NoticeKind] = {
    "retraction": NoticeKind.RETRACTION,
    "withdrawal": NoticeKind.RETRACTION,
    "removal": NoticeKind.RETRACTION,
    "expression_of_concern": NoticeKind.EXPRESSION_OF_CONCERN,
    "correction": NoticeKind.CORRECTION,
    "corrigendum": NoticeKind.CORRECTION,
    "erratum": NoticeKind.CORRECTION,
    "addendum": NoticeKind.CORRECTION,
    "clarification": NoticeKind.CORRECTION,
    # A partial retraction withdraws part of a paper: serious, but calling the paper "retracted" would be false.
    "partial_retraction": NoticeKind.CORRECTION,
}
_INTERVAL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")


class CrossrefClient(JsonClient):
    """Works in batches; ``mailto`` puts the requests in Crossref's polite pool."""

    name = "Crossref"
    config_key = "sources.crossref"

    def __init__(self, cfg: SourcesConfig, **kwargs: Any) -> None:
        options: dict[str, Any] = {
            "requests_per_second": cfg.crossref.requests_per_second,
            "timeout": cfg.timeout,
            "max_retries": cfg.max_retries,
            "backoff_seconds": cfg.backoff_seconds,
            "email": cfg.email,
        } | kwargs
        super().__init__(cfg.crossref.base_url, **options)
        self.batch_size = cfg.crossref.batch_size

    def works(self, dois: Sequence[str]) -> Mapping[str, Any]:
        """One ``work-list`` reply for up to ``batch_size`` DOIs."""
        if not dois or len(dois) > self.batch_size:
            raise ValueError(f"ask for 1 to {self.batch_size} DOIs at a time, not {len(dois)}")
        params = {"filter": ",".join(f"doi:{d}" for d in dois), "rows": str(len(dois))}
        if self.email:
            params["mailto"] = self.email
        return self.get("works", params)

    def batches(self, items: Sequence[T]) -> Iterator[Sequence[T]]:
        """``items`` in slices of ``batch_size``, one request each."""
        for i in range(0, len(items), self.batch_size):
            yield items[i : i + self.batch_size]

    def observe(self, resp: requests.Response) -> None:
        """Slow down to Crossref's published rate when it is below ours (never speed up past the config)."""
        published = published_rate(resp.headers.get("x-rate-limit-limit"), resp.headers.get("x-rate-limit-interval"))
        if published is not None and published < self.limiter.rate_per_second:
            log.info("Crossref publishes %.3g requests/s for this pool; slowing down to it", published)
            self.use_limiter(shared_limiter(published, self.host))


def published_rate(limit: str | None, interval: str | None) -> float | None:
    """Requests per second from ``x-rate-limit-limit: 5`` and ``x-rate-limit-interval: 1s``; None if unreadable."""
    if not limit or not interval:
        return None
    m = _INTERVAL_RE.match(interval)
    try:
        count = float(limit)
    except ValueError:
        return None
    if m is None or count <= 0:
        return None
    seconds = float(m.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}[m.group(2)]
    return count / seconds if seconds > 0 else None


# --- parsing ---------------------------------------------------------------------------------------


def _date(update: Mapping[str, Any]) -> dt.date | None:
    parts = ((update.get("updated") or {}).get("date-parts") or [[]])[0]
    try:
        return dt.date(*(int(p) for p in parts[:3])) if len(parts) >= 3 else None
    except (TypeError, ValueError):
        return None


def _dois(entries: object) -> tuple[str, ...]:
    found = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict) and str(e.get("id-type", "")).lower() == "doi" and isinstance(e.get("id"), str):
            found.append(e["id"].strip().lower())
    return tuple(dict.fromkeys(found))


def parse_notices(doi: str, updated_by: object) -> tuple[CrossrefNotice, ...]:
    """The ``updated-by`` entries that are notices about ``doi`` (not self-pointing version markers)."""
    out: list[CrossrefNotice] = []
    for u in updated_by if isinstance(updated_by, list) else []:
        if not isinstance(u, dict):
            continue
        kind = NOTICE_KINDS.get(str(u.get("type", "")).lower())
        notice = str(u.get("DOI") or "").strip().lower()
        # PLOS and others mark an article as an update of itself; that is never a notice.
        if kind is None or not notice or notice == doi:
            continue
        out.append(
            CrossrefNotice(
                doi=doi,
                notice_doi=notice,
                kind=kind,
                label=str(u.get("label") or u.get("type")),
                source=str(u.get("source") or "publisher"),
                date=_date(u),
            )
        )
    return tuple(dict.fromkeys(out))


def parse_work(item: Mapping[str, Any]) -> CrossrefWork | None:
    doi = item.get("DOI")
    if not isinstance(doi, str) or not doi.strip():
        return None
    doi = doi.strip().lower()
    relation = item.get("relation") or {}
    refs = [r.get("DOI") for r in item.get("reference") or [] if isinstance(r, dict)]
    return CrossrefWork(
        doi=doi,
        type=str(item.get("type") or ""),
        notices=parse_notices(doi, item.get("updated-by")),
        has_preprint=_dois(relation.get("has-preprint")),
        is_preprint_of=_dois(relation.get("is-preprint-of")),
        references=tuple(dict.fromkeys(r.strip().lower() for r in refs if isinstance(r, str) and r.strip())),
    )


def parse_works(body: Mapping[str, Any]) -> list[CrossrefWork]:
    """The works of a ``work-list`` (or a single ``work``) reply."""
    if body.get("status") != "ok":
        raise SourceError(f"Crossref answered status {body.get('status')!r}; the next fetch tries again")
    message = body.get("message") or {}
    kind = body.get("message-type")
    items = [message] if kind == "work" else (message.get("items") if kind == "work-list" else None)
    if not isinstance(items, list):
        raise SourceError(f"Crossref reply is a {kind!r}, not a work list; the next fetch tries again")
    return [w for i in items if isinstance(i, dict) and (w := parse_work(i)) is not None]
