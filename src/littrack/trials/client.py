"""The HTTP side of the ClinicalTrials.gov API v2: study searches with paging, single studies, retries, rate.

Network only: it sends ``GET {base_url}studies`` (and ``studies/{nctId}``) and hands back the decoded JSON
objects; :mod:`littrack.trials.parse` turns them into records and the store never sees this module. Every
failure still failing after ``max_retries`` retries, and every 4xx, becomes one
:class:`~littrack.errors.TrialsError` line.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from littrack.config import TrialQuery, TrialsConfig
from littrack.errors import TrialsError
from littrack.jsonapi import JsonClient
from littrack.ratelimit import RateLimiter

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the API allows up to 1,000; 100 keeps each reply small and a retry cheap
MAX_PAGES = 500  # 50,000 studies: far beyond any topic, so hitting it means the cursor is looping


class CtgovClient(JsonClient):
    """A polite API v2 client: one request at a time at ``cfg.requests_per_second``, bounded retries with backoff.

    Tests pass ``sleep``, their own ``limiter`` and a tiny ``backoff_base``; ``requests_made`` counts every
    attempt, retries included.
    """

    name = "ClinicalTrials.gov"
    config_key = "trials"
    error = TrialsError
    rejected = TrialsError
    retry_hint = "try again later"

    def __init__(
        self,
        cfg: TrialsConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        backoff_base: float | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
        page_size: int = PAGE_SIZE,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Timeout, retries and backoff come from ``cfg`` unless given; the rate limiter is the process-wide one
        for the registry's host unless ``limiter`` is given (tests pass one on their own clock)."""
        super().__init__(
            cfg.base_url,
            requests_per_second=cfg.requests_per_second,
            timeout=cfg.timeout if timeout is None else timeout,
            max_retries=cfg.max_retries if max_retries is None else max_retries,
            backoff_seconds=cfg.backoff_seconds if backoff_base is None else backoff_base,
            session=session,
            sleep=sleep,
            limiter=limiter,
            rng=rng,
        )
        self.cfg = cfg
        self.page_size = page_size

    def rejected_hint(self) -> str:
        return "check trials.queries and trials.base_url in config.yaml"

    def search_pages(self, query: TrialQuery, *, updated_since: dt.date | None = None) -> Iterator[Mapping[str, Any]]:
        """Yield each reply page of a condition × intervention search, following ``nextPageToken``.

        With ``updated_since`` only studies whose last update was posted on or after that day are returned.
        """
        params = {
            "query.cond": query.condition,
            "query.intr": query.intervention,
            "pageSize": str(self.page_size),
            "format": "json",
        }
        if updated_since is not None:
            params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{updated_since.isoformat()},MAX]"
        seen_tokens: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self.get("studies", params)
            yield page
            token = page.get("nextPageToken")
            if not token:
                return
            if not isinstance(token, str) or token in seen_tokens:
                raise TrialsError(f"ClinicalTrials.gov repeated the page cursor {token!r}; try again later")
            seen_tokens.add(token)
            params = params | {"pageToken": token}
        raise TrialsError(
            f"ClinicalTrials.gov kept paging past {MAX_PAGES} pages; narrow the trials query in config.yaml"
        )

    def get_study(self, nct_id: str) -> Mapping[str, Any]:
        """One study (``GET studies/{nctId}``) as decoded JSON."""
        return self.get(f"studies/{nct_id}", {"format": "json"})
