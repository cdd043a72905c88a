"""A loopback fake of Europe PMC, Crossref and Unpaywall that replays their real recorded replies.

One real HTTP server (127.0.0.1, port 0, a background thread) with one path prefix per service, used by the tests
and by ``littrack demo``. Unless a test queues its own replies, it answers like this, always with recorded bytes:

* Europe PMC ``search``: the recorded "cancer" page (1,000 results, 24 of them preprints) for a first page,
  and the recorded empty page for the page after it (its ``nextCursorMark``). It does not filter by the query:
  the client keeps only ``SRC:PPR`` records, and which topic a preprint "matched" is synthetic.
* Crossref ``works?filter=doi:…``: the recorded 20-work list (the client keeps the DOIs it asked for);
  ``works/{doi}``: the recorded single work for its DOI, else 404.
* Unpaywall ``v2/{doi}``: the recorded reply for that DOI, else 404. ``unpaywall_aliases`` (the demo's) answers a
  DOI with another DOI's recorded reply **re-keyed** to the asked DOI: a synthetic reply, logged as such.

Replies a test queues (errors, dropped connections, the SYNTHETIC retraction) go first, in order. Every request
is logged for assertions (:attr:`FakeSources.requests`).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from littrack.replay import recorded_path
from littrack.replay.loopback import LoopbackServer, Reply

EUROPEPMC, CROSSREF, UNPAYWALL = "europepmc", "crossref", "unpaywall"
_PREFIXES = {EUROPEPMC: "/europepmc/webservices/rest/", CROSSREF: "/crossref/", UNPAYWALL: "/unpaywall/v2/"}

PREPRINT_PAGE = ("europepmc", "pyEuropePMC-preprints", "tests", "fixtures", "search_1000results_cancer.json")
EMPTY_PAGE = ("europepmc", "pyEuropePMC", "tests", "fixtures", "search_no_results.json")
CROSSREF_WORK_LIST = (
    "crossref",
    "habanero",
    "extracted_bodies",
    "test_prefixes_field_queries__0__api.crossref.org.json",
)
CROSSREF_WORKS = {
    "10.1371/journal.pone.0033693": (
        "crossref",
        "habanero",
        "extracted_bodies",
        "test_works_with_one_id__0__api.crossref.org.json",
    ),
    "10.1371/journal.ppat.1008184": (
        "crossref",
        "commonmeta-py",
        "extracted_bodies",
        "test_article_with_pages__1__api.crossref.org.json",
    ),
}
SYNTHETIC_RETRACTION = ("crossref", "synthetic", "retraction_10.1371_journal.pbio.0050002.json")
RETRACTED_DOI = "10.1371/journal.pbio.0050002"
# SYNTHETIC bodies for answers the recordings lack (Unpaywall and Crossref "not found").
NOT_FOUND = b'{"error": true, "message": "SYNTHETIC not-found reply of littrack\'s fake server"}'


def recorded(parts: tuple[str, ...]) -> bytes:
    return recorded_path(*parts).read_bytes()


def unpaywall_recordings() -> dict[str, bytes]:
    """DOI (lower case) → the recorded Unpaywall reply."""
    folder = recorded_path("unpaywall", "unpywall", "extracted_bodies")
    out = {}
    for path in sorted(folder.glob("10.*.json")):
        body = path.read_bytes()
        out[str(json.loads(body)["doi"]).lower()] = body
    return out


def derive_synthetic_retraction(real_work_list: bytes, doi: str = RETRACTED_DOI) -> bytes:
    """SYNTHETIC: the real work-list reply cut to the work ``doi``, its real ``correction`` notice turned into a
    Retraction Watch ``retraction``. No real Crossref retraction reply could be found; this is how
    ``crossref/synthetic/`` was made, and a test re-derives it byte for byte."""
    body = json.loads(real_work_list)
    items = [i for i in body["message"]["items"] if i["DOI"].lower() == doi]
    for update in items[0]["updated-by"]:
        update.update(type="retraction", label="Retraction", source="retraction-watch")
    body["message"]["items"] = items
    body["message"]["total-results"] = len(items)
    body["littrack-synthetic"] = (
        f"derived by littrack from the recorded habanero work list: only {doi}, its correction notice relabelled"
        " as a Retraction Watch retraction. NOT a real Crossref reply."
    )
    return (json.dumps(body, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass(frozen=True)
class Seen:
    service: str
    path: str  # after the service prefix, e.g. "search", "works", "10.1038/nature12373"
    params: dict[str, str]
    synthetic: bool = False


class FakeSources:
    """``with FakeSources() as fake:`` then point ``sources.*.base_url`` at ``fake.url(service)``."""

    def __init__(self, *, unpaywall_aliases: Mapping[str, str] | None = None) -> None:
        self.requests: list[Seen] = []
        self.unpaywall_aliases = {k.lower(): v.lower() for k, v in (unpaywall_aliases or {}).items()}
        self._queued: dict[str, list[tuple[Callable[[Seen], bool], Reply]]] = {s: [] for s in _PREFIXES}
        self._unpaywall = unpaywall_recordings()
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._serve, "fake-sources")

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self._server.port}{_PREFIXES[service]}"

    def queue(self, service: str, *replies: Reply, when: Callable[[Seen], bool] = lambda _seen: True) -> None:
        """Serve ``replies`` (in order, once each) to the next requests of ``service`` that ``when`` accepts."""
        with self._lock:
            self._queued[service].extend((when, r) for r in replies)

    def count(self, service: str) -> int:
        return sum(s.service == service for s in self.requests)

    # -- answering ------------------------------------------------------------------------------------

    def _answer(self, seen: Seen) -> tuple[Reply, bool]:
        with self._lock:
            queue = self._queued[seen.service]
            for i, (when, reply) in enumerate(queue):
                if when(seen):
                    del queue[i]
                    return reply, False
        if seen.service == EUROPEPMC:
            return self._europepmc(seen), False
        if seen.service == CROSSREF:
            return self._crossref(seen), False
        return self._unpaywall_reply(seen)

    def _europepmc(self, seen: Seen) -> Reply:
        if seen.path != "search":
            return Reply(404, NOT_FOUND)
        page = recorded(PREPRINT_PAGE)
        if seen.params.get("cursorMark", "*") == "*":
            return Reply(200, page)
        return Reply(200, recorded(EMPTY_PAGE))

    def _crossref(self, seen: Seen) -> Reply:
        if seen.path == "works" and seen.params.get("filter", "").startswith("doi:"):
            return Reply(200, recorded(CROSSREF_WORK_LIST))
        doi = seen.path.removeprefix("works/").lower()
        if seen.path.startswith("works/") and doi in CROSSREF_WORKS:
            return Reply(200, recorded(CROSSREF_WORKS[doi]))
        return Reply(404, NOT_FOUND)

    def _unpaywall_reply(self, seen: Seen) -> tuple[Reply, bool]:
        doi = seen.path.lower()
        if doi in self._unpaywall:
            return Reply(200, self._unpaywall[doi]), False
        alias = self.unpaywall_aliases.get(doi)
        if alias in self._unpaywall:
            body = json.loads(self._unpaywall[alias])
            body["doi"] = doi  # SYNTHETIC: another DOI's real reply, re-keyed for the demo
            return Reply(200, json.dumps(body).encode("utf-8")), True
        return Reply(404, NOT_FOUND), False

    # -- lifecycle ------------------------------------------------------------------------------------

    def _serve(self, parts: urllib.parse.SplitResult) -> Reply:
        service = next((s for s, p in _PREFIXES.items() if parts.path.startswith(p)), None)
        if service is None:
            return Reply(404, NOT_FOUND)
        path = urllib.parse.unquote(parts.path[len(_PREFIXES[service]) :])
        params = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items()}
        reply, synthetic = self._answer(Seen(service, path, params))
        with self._lock:
            self.requests.append(Seen(service, path, params, synthetic))
        return reply

    def __enter__(self) -> FakeSources:
        self._server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.__exit__(*exc)
