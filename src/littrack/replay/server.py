"""A fake NCBI E-utilities server on 127.0.0.1 that serves real recorded PubMed records.

Used by the tests (real HTTP over loopback, no mocks) and by ``littrack demo`` (offline). It answers
``esearch.fcgi`` and ``efetch.fcgi`` like NCBI does, including the parts that hurt: the 9,999-record
cap, the history server, HTML without ``retmode=xml``, rate limiting with HTTP 429, and on request
(:meth:`FakeEutils.inject`) dropped connections, truncated bodies, 5xx, HTTP-200 ``<ERROR>`` bodies and
stalls. Records are verbatim recorded bytes; envelopes are synthetic (see :mod:`littrack.replay.replies`).

The rate limit counts requests the way NCBI's front end may: every request *arriving* in any sliding
1-second window, refused ones included. ``latency`` adds a random network delay (seeded) before a request
arrives and before its reply leaves, so a client that spaces request *starts* is not spared by luck.
"""

from __future__ import annotations

import collections
import contextlib
import enum
import logging
import random
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from littrack.replay import replies
from littrack.replay.corpus import Corpus, default_corpus, recorded_path
from littrack.replay.replies import CountOverride, TermMatcher

log = logging.getLogger(__name__)
PATH_PREFIX = "/entrez/eutils/"
_MAX_GET_URL = 8190  # Apache's default LimitRequestLine; NCBI's Apache answered a ~2,000-id GET with 414
_RATE_WINDOW = 1.0  # NCBI: at most 3 (10 with api_key) requests in any second, counted where they arrive


class Fault(enum.Enum):
    """Ways the fake server can misbehave on purpose (see :meth:`FakeEutils.inject`)."""

    HTTP_429 = "HTTP 429 with Retry-After"
    HTTP_500 = "HTTP 500"
    HTTP_502 = "HTTP 502"
    HTTP_503 = "HTTP 503"
    DROP = "close the connection without a reply"
    TRUNCATE = "send only the first half of the body"
    HTML = "send recorded pubmed3.html with HTTP 200"
    ERROR_200 = "HTTP 200 with <ERROR>Search Backend failed</ERROR>"
    SLOW = "stall past the client's timeout"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server saw (form and query parameters merged)."""

    method: str
    path: str
    utility: str
    params: Mapping[str, tuple[str, ...]]
    arrived: float = 0.0  # time.monotonic() when the request reached the server (after simulated latency)

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[0] if values else default


@dataclass
class _QueuedFault:
    fault: Fault
    remaining: int
    utility: str | None
    retry_after: str


class FakeEutils:
    """``with FakeEutils(corpus) as srv: srv.base_url`` → ``http://127.0.0.1:PORT/entrez/eutils/``.

    ``term_matcher`` maps an ESearch term to the PMIDs it finds (None → every record);
    ``count_override(term, mindate, maxdate)`` can claim more hits than the corpus holds, to exercise
    the 9,999 cap. ``rate_limit`` enforces NCBI's 3/s (10/s with api_key) with HTTP 429. ``latency`` (seconds)
    is the most a simulated network delays a request on its way in and its reply on its way out (uniform,
    seeded by ``seed``).
    """

    def __init__(
        self,
        corpus: Corpus | None = None,
        *,
        term_matcher: TermMatcher | None = None,
        count_override: CountOverride | None = None,
        rate_limit: bool = True,
        require_identity: bool = True,
        slow_seconds: float = 5.0,
        latency: float = 0.0,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.corpus = corpus if corpus is not None else default_corpus()
        self.term_matcher = term_matcher
        self.count_override = count_override
        self.rate_limit = rate_limit
        self.require_identity = require_identity
        self.slow_seconds = slow_seconds
        self.latency = latency
        self._rng = random.Random(seed)
        self.refused = 0  # HTTP 429 answers of the rate limit (injected faults not included)
        self._address = (host, port)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[_QueuedFault] = []
        self._history: dict[str, list[tuple[int, ...]]] = {}
        self._recent: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeEutils:
        httpd = ThreadingHTTPServer(self._address, _Handler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeEutils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeEutils is not running; use it as a context manager or call start()")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{PATH_PREFIX}"

    # -- test controls ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, utility: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.utility == utility]

    def inject(self, fault: Fault, *, times: int = 1, utility: str | None = None, retry_after: float | str = 1) -> None:
        """Misbehave with ``fault`` on the next ``times`` requests (to ``utility`` only, if given).

        ``retry_after`` is the Retry-After header of HTTP_429: seconds, or an HTTP date string.
        """
        value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
        with self._lock:
            self._faults.append(_QueuedFault(fault, times, utility, value))

    def reset(self) -> None:
        """Forget recorded requests, queued faults, the rate-limit window and the 429 count."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._recent.clear()
            self.refused = 0

    def busiest_second(self) -> int:
        """The most requests that arrived within any 1-second window so far (what NCBI's counter would see)."""
        times = sorted(r.arrived for r in self.requests)
        most = first = 0
        for last, t in enumerate(times):
            while times[first] <= t - _RATE_WINDOW:
                first += 1
            most = max(most, last - first + 1)
        return most

    # -- used by the handler ------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _take_fault(self, utility: str) -> _QueuedFault | None:
        with self._lock:
            for queued in self._faults:
                if queued.utility in (None, utility):
                    queued.remaining -= 1
                    if queued.remaining <= 0:
                        self._faults.remove(queued)
                    return queued
        return None

    def _delay(self) -> None:
        """One leg of the simulated network: up to ``latency`` seconds."""
        if self.latency > 0:
            with self._lock:
                seconds = self._rng.uniform(0, self.latency)
            self._stopping.wait(seconds)

    def _count_arrival(self, who: str, arrived: float) -> int:
        """Requests from ``who`` that arrived in the last second, this one included (refused ones count too)."""
        with self._lock:
            recent = self._recent[who]
            recent.append(arrived)
            while recent and recent[0] <= arrived - _RATE_WINDOW:
                recent.popleft()
            return len(recent)

    def _refuse(self) -> None:
        with self._lock:
            self.refused += 1

    def _remember(self, pmids: tuple[int, ...], webenv: str | None) -> tuple[str, str]:
        with self._lock:
            if not webenv or webenv not in self._history:
                webenv = "MCID_" + secrets.token_hex(12)  # NCBI's current WebEnv format
            self._history.setdefault(webenv, []).append(pmids)
            return webenv, str(len(self._history[webenv]))

    def _recall(self, webenv: str, query_key: str) -> tuple[int, ...] | None:
        with self._lock:
            queries = self._history.get(webenv, [])
            index = int(query_key) - 1 if query_key.isdigit() else -1
            return queries[index] if 0 <= index < len(queries) else None

    # -- the two E-utilities ------------------------------------------------------------------------

    def esearch(self, p: RecordedRequest) -> tuple[int, str, bytes]:
        if (p.get("db") or "pubmed") != "pubmed":
            return _xml(replies.error_xml("eSearchResult", f"Invalid db name specified: {p.get('db')}"))
        term = p.get("term") or ""
        if not term.strip():
            return _xml(replies.error_xml("eSearchResult", "Empty term and query_key - nothing todo"))
        mindate, maxdate = p.get("mindate"), p.get("maxdate")
        if (mindate or maxdate) and (p.get("datetype") or "pdat") != "edat":
            return _xml(replies.error_xml("eSearchResult", "littrack's fake server supports datetype=edat only"))
        try:
            start = replies.parse_ncbi_date(mindate, end=False) if mindate else None
            end = replies.parse_ncbi_date(maxdate, end=True) if maxdate else None
            retstart, retmax = int(p.get("retstart") or 0), int(p.get("retmax") or 20)
        except ValueError as exc:
            return _xml(replies.error_xml("eSearchResult", f"Invalid parameter: {exc}"))
        matched = self.corpus.in_window(start, end) if (start or end) else self.corpus.pmids
        allowed = self.term_matcher(term) if self.term_matcher else None
        if allowed is not None:
            matched = tuple(pmid for pmid in matched if pmid in allowed)
        count = len(matched)
        if self.count_override is not None:
            override = self.count_override(term, mindate, maxdate)
            count = count if override is None else override
        if count > replies.PUBMED_CAP and retstart > replies.PUBMED_CAP - 1:
            return _xml(replies.error_xml("eSearchResult", replies.CAP_ERROR))
        warnings = []
        if count > replies.PUBMED_CAP and retstart + retmax > replies.PUBMED_CAP:
            retmax = replies.PUBMED_CAP - retstart
            warnings.append(f"Restrictions achieved. start and count adjusted to {retstart}, {retmax}")
        if p.get("rettype") == "count":
            return _xml(replies.esearch_count_xml(count))
        if count == 0:
            warnings.append("No items found.")
        webenv = query_key = None
        if (p.get("usehistory") or "").lower() == "y":
            webenv, query_key = self._remember(matched, p.get("WebEnv"))
        ids = matched[retstart : retstart + retmax]
        return _xml(
            replies.esearch_xml(count, ids, retstart, term, webenv=webenv, query_key=query_key, warnings=warnings)
        )

    def efetch(self, p: RecordedRequest) -> tuple[int, str, bytes]:
        if (p.get("db") or "") != "pubmed":
            return _xml(replies.error_xml("eFetchResult", f"Invalid db name specified: {p.get('db')}"))
        if (p.get("retmode") or "") != "xml":
            # NCBI's real answer without retmode=xml is an HTML page wrapping ASN.1 (recorded for PMID 19304878).
            return 200, "text/html; charset=UTF-8", recorded_path("biopython", "pubmed3.html").read_bytes()
        if p.params.get("id"):
            try:
                pmids = tuple(int(x) for value in p.params["id"] for x in value.split(",") if x.strip())
            except ValueError:
                return _xml(replies.error_xml("eFetchResult", "Invalid id value"))
        elif p.get("WebEnv") and p.get("query_key"):
            stored = self._recall(p.get("WebEnv") or "", p.get("query_key") or "")
            if stored is None:
                return _xml(replies.error_xml("eFetchResult", "Cannot retrieve query from history"))
            retstart, retmax = int(p.get("retstart") or 0), int(p.get("retmax") or 20)
            pmids = stored[retstart : retstart + retmax]
        else:
            return _xml(replies.error_xml("eFetchResult", "Empty id list - nothing todo"))
        found = (self.corpus.get(pmid) for pmid in pmids)
        return _xml(replies.efetch_xml(rec.xml for rec in found if rec is not None))


def _xml(body: bytes) -> tuple[int, str, bytes]:
    return 200, "text/xml; charset=UTF-8", body


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "littrack-fake-eutils"
    _limit = 3
    _remaining = 3

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def log_message(self, format: str, *args: object) -> None:
        log.debug("fake eutils: " + format, *args)

    def handle(self) -> None:
        with contextlib.suppress(ConnectionError, TimeoutError):  # the client gave up (SLOW, DROP)
            super().handle()

    def _handle(self, method: str) -> None:
        fake: FakeEutils = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True)
            for key, values in form.items():
                params.setdefault(key, []).extend(values)
        utility = url.path.removeprefix(PATH_PREFIX).removesuffix(".fcgi") if url.path.startswith(PATH_PREFIX) else ""
        fake._delay()  # the request's way in
        arrived = time.monotonic()
        request = RecordedRequest(method, url.path, utility, {k: tuple(v) for k, v in params.items()}, arrived)
        fake._record(request)
        api_key = request.get("api_key")
        limit = 10 if api_key else 3
        who = api_key or self.client_address[0]
        in_window = fake._count_arrival(who, arrived) if fake.rate_limit else 0
        self._limit, self._remaining = limit, max(limit - in_window, 0)

        if method == "GET" and len(self.path) > _MAX_GET_URL:
            body = recorded_path("fulltext", "ft_search_fails_well_entrez_limit2large__1_esummary.html").read_bytes()
            return self._send(414, "text/html; charset=utf-8", body, reason="Request-URI Too Long")
        if utility not in ("esearch", "efetch"):
            return self._send(404, "text/html", replies.http_error_html(404, "Not Found"))
        if fake.require_identity and not (request.get("tool") and request.get("email")):
            body = replies.error_xml("eResult", "littrack's fake server requires tool and email on every request")
            return self._send(400, "text/xml; charset=UTF-8", body)
        fault = fake._take_fault(utility)
        if fault is not None and fault.fault is not Fault.SLOW and fault.fault is not Fault.TRUNCATE:
            return self._fault(fault, utility, who)
        if fault is not None and fault.fault is Fault.SLOW:
            fake._stopping.wait(fake.slow_seconds)
        if in_window > limit:
            fake._refuse()
            body = replies.rate_limit_json(who, in_window, limit)
            return self._send(429, "application/json", body, {"Retry-After": "1"})
        status, ctype, body = fake.esearch(request) if utility == "esearch" else fake.efetch(request)
        if fault is not None and fault.fault is Fault.TRUNCATE:
            body = body[: len(body) // 2]
        self._send(status, ctype, body)

    def _fault(self, fault: _QueuedFault, utility: str, who: str) -> None:
        kind = fault.fault
        if kind is Fault.DROP:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind is Fault.HTTP_429:
            self._send(
                429,
                "application/json",
                replies.rate_limit_json(who, self._limit + 1, self._limit),
                {"Retry-After": fault.retry_after},
            )
        elif kind in (Fault.HTTP_500, Fault.HTTP_502, Fault.HTTP_503):
            status = int(kind.name.removeprefix("HTTP_"))
            reason = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
            self._send(status, "text/html", replies.http_error_html(status, reason))
        elif kind is Fault.HTML:
            self._send(200, "text/html; charset=UTF-8", recorded_path("biopython", "pubmed3.html").read_bytes())
        elif kind is Fault.ERROR_200:
            root = "eSearchResult" if utility == "esearch" else "eFetchResult"
            self._send(200, "text/xml; charset=UTF-8", replies.error_xml(root, replies.BACKEND_DOWN))

    def _send(
        self,
        status: int,
        ctype: str,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        reason: str | None = None,
    ) -> None:
        self.server.fake._delay()  # type: ignore[attr-defined]  # the reply's way out
        self.send_response(status, reason)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-RateLimit-Limit", str(self._limit))
        self.send_header("X-RateLimit-Remaining", str(self._remaining))
        self.send_header("X-Littrack-Fake", "synthetic envelope; records are verbatim recorded PubMed XML")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
