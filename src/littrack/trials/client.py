"""The HTTP side of the ClinicalTrials.gov API v2: study searches with paging, single studies, retries, rate.

Network only: it sends ``GET {base_url}studies`` (and ``studies/{nctId}``) and hands back the decoded JSON
objects; :mod:`littrack.trials.parse` turns them into records and the store never sees this module. Every
failure still failing after ``max_retries`` retries, and every 4xx, becomes one
:class:`~littrack.errors.TrialsError` line.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from littrack import __version__
from littrack.config import TrialQuery, TrialsConfig
from littrack.errors import TrialsError
from littrack.http import Retrier, Retryable, send
from littrack.ratelimit import RateLimiter, shared_limiter

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the API allows up to 1,000; 100 keeps each reply small and a retry cheap
MAX_PAGES = 500  # 50,000 studies: far beyond any topic, so hitting it means the cursor is looping


class CtgovClient:
    """A polite API v2 client: one request at a time at ``cfg.requests_per_second``, bounded retries with backoff.

    Tests pass ``sleep`` (also used by the rate limiter) and a tiny ``backoff_base``; ``requests_made`` counts
    every attempt, retries included.
    """

    def __init__(
        self,
        cfg: TrialsConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        backoff_base: float | None = None,
        backoff_cap: float = 30.0,
        max_retries: int | None = None,
        timeout: float | None = None,
        page_size: int = PAGE_SIZE,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Timeout, retries and backoff come from ``cfg`` unless given; the rate limiter is the process-wide one
        for the registry's host unless ``limiter`` is given (tests pass one on their own clock)."""
        self.cfg = cfg
        self.base_url = cfg.base_url
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"littrack/{__version__}")
        self.session.headers.setdefault("Accept", "application/json")
        self.limiter = limiter or shared_limiter(cfg.requests_per_second, urllib.parse.urlsplit(cfg.base_url).netloc)
        self._retrier = Retrier(
            self.limiter,
            max_retries=cfg.max_retries if max_retries is None else max_retries,
            backoff_base=cfg.backoff_seconds if backoff_base is None else backoff_base,
            backoff_cap=backoff_cap,
            sleep=sleep,
            rng=rng,
        )
        self.timeout = cfg.timeout if timeout is None else timeout
        self.page_size = page_size

    @property
    def requests_made(self) -> int:
        """Every HTTP attempt so far, retries included."""
        return self._retrier.attempts_made

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
            page = self._get("studies", params)
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
        return self._get(f"studies/{nct_id}", {"format": "json"})

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the retry loop -------------------------------------------------------------------------------

    def _get(self, path: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        url = self.base_url + path

        def give_up(reason: str, attempts: int) -> TrialsError:
            return TrialsError(f"ClinicalTrials.gov kept failing: {reason} after {attempts} attempts; try again later")

        return self._retrier.run(lambda: self._attempt(url, params), label="ClinicalTrials.gov", give_up=give_up)

    def _attempt(self, url: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        def unsendable(detail: str) -> TrialsError:
            return TrialsError(f"cannot send the ClinicalTrials.gov request: {detail}; check trials.base_url")

        resp = send(self.session, "GET", url, params, timeout=self.timeout, limiter=self.limiter, unsendable=unsendable)
        status = resp.status_code
        if status != 200:
            detail = " ".join(resp.text.split())[:200]
            raise TrialsError(
                f"ClinicalTrials.gov rejected the request: HTTP {status}{': ' + detail if detail else ''};"
                " check trials.queries and trials.base_url in config.yaml"
            )
        try:
            body = json.loads(resp.content)
        except ValueError:
            # A cut-off or HTML body from a proxy is usually gone on the next try.
            raise Retryable(f"reply is not JSON ({len(resp.content)} bytes, starts {resp.content[:30]!r})") from None
        if not isinstance(body, dict):
            raise Retryable(f"reply is JSON {type(body).__name__}, not an object")
        page: dict[str, Any] = body
        return page
