"""The HTTP side of the ClinicalTrials.gov API v2: study searches with paging, single studies, retries, rate.

Network only: it sends ``GET {base_url}studies`` (and ``studies/{nctId}``) and hands back the decoded JSON
objects; :mod:`littrack.trials.parse` turns them into records and the store never sees this module. Every
failure still failing after ``max_retries`` retries, and every 4xx, becomes one
:class:`~littrack.errors.TrialsError` line.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from littrack import __version__
from littrack.config import TrialQuery, TrialsConfig
from littrack.errors import TrialsError
from littrack.eutils.ratelimit import RateLimiter

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # the API allows up to 1,000; 100 keeps each reply small and a retry cheap
MAX_PAGES = 500  # 50,000 studies: far beyond any topic, so hitting it means the cursor is looping
_MAX_RETRY_AFTER = 120.0
_TRANSPORT_ERRORS = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


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
        backoff_base: float = 1.0,
        backoff_cap: float = 30.0,
        max_retries: int = 4,
        timeout: float = 30.0,
        page_size: int = PAGE_SIZE,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.cfg = cfg
        self.base_url = cfg.base_url if cfg.base_url.endswith("/") else cfg.base_url + "/"
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"littrack/{__version__}")
        self.session.headers.setdefault("Accept", "application/json")
        self.limiter = limiter or RateLimiter(cfg.requests_per_second, sleep=sleep)
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retries = max_retries
        self.timeout = timeout
        self.page_size = page_size
        self.requests_made = 0

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
        attempts = self.max_retries + 1
        for attempt in range(1, attempts + 1):
            self.limiter.acquire()
            self.requests_made += 1
            try:
                return self._attempt(url, params)
            except _Retryable as failure:
                reason, retry_after = failure.reason, failure.retry_after
            if attempt == attempts:
                raise TrialsError(
                    f"ClinicalTrials.gov kept failing: {reason} after {attempts} attempts; try again later"
                )
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            log.warning(
                "ClinicalTrials.gov attempt %d/%d failed (%s); retrying in %.1fs", attempt, attempts, reason, delay
            )
            self._sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _attempt(self, url: str, params: Mapping[str, str]) -> Mapping[str, Any]:
        try:
            resp = self.session.get(url, params=params, timeout=self.timeout)
        except requests.Timeout:
            raise _Retryable(f"no reply within {self.timeout:g}s") from None
        except _TRANSPORT_ERRORS as exc:
            raise _Retryable(f"connection dropped ({type(exc).__name__})") from None
        except requests.RequestException as exc:
            raise TrialsError(f"cannot send the ClinicalTrials.gov request: {exc}; check trials.base_url") from None
        status = resp.status_code
        if status == 429:
            wait = _retry_after_seconds(resp.headers.get("Retry-After"))
            if wait is not None:
                self.limiter.block_for(wait)
            raise _Retryable("HTTP 429 (rate limit exceeded)", retry_after=wait)
        if status >= 500:
            raise _Retryable(f"HTTP {status}")
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
            raise _Retryable(f"reply is not JSON ({len(resp.content)} bytes, starts {resp.content[:30]!r})") from None
        if not isinstance(body, dict):
            raise _Retryable(f"reply is JSON {type(body).__name__}, not an object")
        page: dict[str, Any] = body
        return page

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + self._rng.random() / 2)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is either delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)
