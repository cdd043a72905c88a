"""A fake ClinicalTrials.gov API v2 on loopback, for the tests and ``littrack demo``.

A real HTTP server (stdlib ``ThreadingHTTPServer`` on 127.0.0.1, port 0, background thread). Callers register
replies per path and query parameters: recorded API v2 bodies from the shipped tree (:func:`recorded`,
:func:`study_page`) or synthetic ones (errors, changed states) that the caller labels as such. Every request is
logged for assertions.

Recorded replies are served as recorded. :func:`study_page` puts recorded single-study records, byte for byte,
inside a synthetic ``{"studies": [...]}`` search envelope: the studies are real, which search "finds" them is not.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, parse_qs

from littrack.replay import loopback, recorded_path
from littrack.replay.loopback import LoopbackServer

API_PREFIX = "/api/v2/"
BIOMCP = ("ctgov", "biomcp", "testdata", "sources", "ctgov")  # trimmed search and study replies (2026)
AACT = ("ctgov", "aact", "spec", "support", "json_data")  # whole single-study records (2023-2024)


def recorded(name: str) -> bytes:
    """The bytes of a recorded biomcp reply, e.g. ``recorded("search_phelan_limit5")`` (date suffix optional)."""
    folder = recorded_path(*BIOMCP)
    matches = sorted(folder.glob(f"{name}_2*.json")) or sorted(folder.glob(f"{name}.json"))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one recorded reply for {name!r}, found {[m.name for m in matches]}")
    return matches[0].read_bytes()


def recorded_json(name: str) -> Any:
    return json.loads(recorded(name))


def recorded_study(nct_id: str) -> Path:
    """The file of a whole recorded study record (``ctgov/aact/…/<nct_id>.json``)."""
    path = recorded_path(*AACT, f"{nct_id}.json")
    if not path.is_file():
        raise FileNotFoundError(f"no recorded study {nct_id} in {recorded_path(*AACT)}")
    return path


def study_page(nct_ids: Sequence[str]) -> bytes:
    """A one-page search reply holding these recorded studies verbatim, in a SYNTHETIC envelope (no next page)."""
    records = b",\n".join(recorded_study(n).read_bytes().strip() for n in nct_ids)
    return b'{"studies": [\n' + records + b"\n]}"


class Reply(loopback.Reply):
    """A canned reply, and one more way to make it: a recorded CT.gov reply by name."""

    @classmethod
    def recorded(cls, name: str) -> Reply:
        return cls.body_json(recorded(name))


@dataclass(frozen=True)
class Seen:
    path: str  # relative to /api/v2/, e.g. "studies" or "studies/NCT02576665"
    params: dict[str, str]


@dataclass
class _Route:
    path: str
    params: dict[str, str]
    replies: list[Reply]
    order: int


class FakeCtgov:
    """``with FakeCtgov() as fake: fake.on("studies", Reply.recorded(...)); CtgovClient(cfg(fake.base_url))``.

    A route matches a request on its path and on every parameter it names; the most specific match wins
    (ties: the later registration). A route's replies are served in order and its last reply repeats.
    Requests no route matches get HTTP 404.
    """

    def __init__(self) -> None:
        self.requests: list[Seen] = []
        self._routes: list[_Route] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._answer, "fake-ctgov")

    def on(self, path: str, *replies: Reply, params: Mapping[str, str] | None = None) -> None:
        if not replies:
            raise ValueError("give at least one reply")
        with self._lock:
            self._routes.append(_Route(path, dict(params or {}), list(replies), len(self._routes)))

    def reset(self) -> None:
        """Forget routes and the request log (between the two syncs of a change test)."""
        with self._lock:
            self._routes.clear()
            self.requests.clear()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.port}{API_PREFIX}"

    def _reply_for(self, seen: Seen) -> Reply:
        with self._lock:
            self.requests.append(seen)
            candidates = [
                r
                for r in self._routes
                if r.path == seen.path and all(seen.params.get(k) == v for k, v in r.params.items())
            ]
            if not candidates:
                return Reply.json({"message": f"no fake route for {seen.path} {seen.params}"}, status=404)
            route = max(candidates, key=lambda r: (len(r.params), r.order))
            return route.replies.pop(0) if len(route.replies) > 1 else route.replies[0]

    def _answer(self, parts: SplitResult) -> Reply:
        path = parts.path[len(API_PREFIX) :] if parts.path.startswith(API_PREFIX) else parts.path
        params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        return self._reply_for(Seen(path, params))

    def __enter__(self) -> FakeCtgov:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)

    def study_requests(self) -> Iterator[Seen]:
        return (s for s in self.requests if s.path == "studies")
