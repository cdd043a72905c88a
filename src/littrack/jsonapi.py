"""The HTTP side every JSON web API client shares: GET a JSON object behind the host's rate limiter, with retries.

Written once for ClinicalTrials.gov, Europe PMC, Crossref and Unpaywall: the process-wide limiter of the
service's host (:func:`littrack.ratelimit.shared_limiter`), the shared :class:`~littrack.http.Retrier`, and one
error line (the subclass's ``error`` class) for whatever still fails. Each subclass says what the service is
called, where its settings are and which error classes it raises. Network only: no parsing beyond JSON, no store.
"""

from __future__ import annotations

import json
import logging
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Self, overload

import requests

from littrack import __version__
from littrack.errors import LittrackError, SourceError, SourceRejected
from littrack.http import Retrier, Retryable, send
from littrack.ratelimit import RateLimiter, shared_limiter

log = logging.getLogger(__name__)


class JsonClient:
    """One service: ``get(path, params)`` returns the decoded JSON object (or None for a 404 when allowed).

    ``email`` goes into the User-Agent (Crossref's and Unpaywall's etiquette); each client adds it to the
    parameters its API names. Tests pass ``sleep``, a tiny backoff and their own ``limiter``.
    """

    name = "web service"  # how errors name the service
    config_key = "sources"  # where the user changes its settings
    error: type[LittrackError] = SourceError  # what a failure that outlasted the retries raises
    rejected: type[LittrackError] = SourceRejected  # what a refused request (HTTP 4xx) raises
    retry_hint = "the next fetch tries again"  # the end of the line after the last retry

    def __init__(
        self,
        base_url: str,
        *,
        requests_per_second: float,
        timeout: float,
        max_retries: int,
        backoff_seconds: float,
        email: str | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], object] = time.sleep,
        limiter: RateLimiter | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url
        self.email = email
        self.host = urllib.parse.urlsplit(base_url).netloc
        self._own_session = session is None
        self.session = session or requests.Session()
        contact = f" (mailto:{email})" if email else ""
        self.session.headers.setdefault("User-Agent", f"littrack/{__version__}{contact}")
        self.session.headers.setdefault("Accept", "application/json")
        self.limiter = limiter or shared_limiter(requests_per_second, self.host)
        self._retrier = Retrier(
            self.limiter, max_retries=max_retries, backoff_base=backoff_seconds, sleep=sleep, rng=rng
        )
        self.timeout = timeout

    @property
    def requests_made(self) -> int:
        """Every HTTP attempt so far, retries included."""
        return self._retrier.attempts_made

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def use_limiter(self, limiter: RateLimiter) -> None:
        """Space later requests with ``limiter`` (e.g. the slower one a service's rate-limit headers ask for)."""
        self.limiter = limiter
        self._retrier.limiter = limiter

    def rejected_hint(self) -> str:
        """What to check when the service refuses a request."""
        return f"check {self.config_key} in config.yaml"

    def observe(self, resp: requests.Response) -> None:
        """Called with every reply before it is judged; clients read rate-limit headers here."""

    @overload
    def get(self, path: str, params: Mapping[str, str]) -> Mapping[str, Any]: ...
    @overload
    def get(self, path: str, params: Mapping[str, str], *, allow_404: bool) -> Mapping[str, Any] | None: ...

    def get(self, path: str, params: Mapping[str, str], *, allow_404: bool = False) -> Mapping[str, Any] | None:
        """The decoded JSON object at ``path``; with ``allow_404`` a 404 answers None (a lookup that found nothing)."""
        url = self.base_url + path

        def give_up(reason: str, attempts: int) -> LittrackError:
            return self.error(f"{self.name} kept failing: {reason} after {attempts} attempts; {self.retry_hint}")

        return self._retrier.run(lambda: self._attempt(url, params, allow_404), label=self.name, give_up=give_up)

    def _attempt(self, url: str, params: Mapping[str, str], allow_404: bool) -> Mapping[str, Any] | None:
        def unsendable(detail: str) -> LittrackError:
            return self.error(f"cannot send the {self.name} request: {detail}; check {self.config_key}.base_url")

        resp = send(self.session, "GET", url, params, timeout=self.timeout, limiter=self.limiter, unsendable=unsendable)
        self.observe(resp)
        if resp.status_code == 404 and allow_404:
            return None
        if resp.status_code != 200:
            detail = " ".join(resp.text.split())[:200]
            raise self.rejected(
                f"{self.name} rejected the request: HTTP {resp.status_code}{': ' + detail if detail else ''};"
                f" {self.rejected_hint()}"
            )
        try:
            body = json.loads(resp.content)
        except ValueError:
            # A cut-off or HTML body from a proxy is usually gone on the next try.
            raise Retryable(f"reply is not JSON ({len(resp.content)} bytes, starts {resp.content[:30]!r})") from None
        if not isinstance(body, dict):
            raise Retryable(f"reply is JSON {type(body).__name__}, not an object")
        reply: dict[str, Any] = body
        return reply
