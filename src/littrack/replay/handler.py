"""The HTTP side of the fake E-utilities server: one request in, NCBI's kind of reply out (see :mod:`.server`).

Parses the query string and form, records the request where it *arrives* (after the simulated network
delay), then answers in NCBI's order of checks: URL length (414), utility (404), identity (400), injected
faults, the rate limit (429 with NCBI's JSON body), and finally the E-utility itself.
"""

from __future__ import annotations

import contextlib
import enum
import logging
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from littrack.replay import recorded_path, replies

log = logging.getLogger(__name__)
PATH_PREFIX = "/entrez/eutils/"
_MAX_GET_URL = 8190  # Apache's default LimitRequestLine; NCBI's Apache answered a ~2,000-id GET with 414
# NCBI's real answer to efetch without retmode=xml (PMID 19304878) and to an over-long GET (HTTP 414).
PUBMED3_HTML = recorded_path("pubmed", "biopython", "Tests", "Entrez", "pubmed3.html")
_URI_TOO_LONG_HTML = recorded_path(
    "pubmed", "fulltext", "extracted_bodies", "ft_search_fails_well_entrez_limit2large__1_esummary.html"
)


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
class QueuedFault:
    fault: Fault
    remaining: int
    utility: str | None
    retry_after: str


class Backend(Protocol):
    """What the handler needs of :class:`littrack.replay.server.FakeEutils` (its ``server.fake``)."""

    rate_limit: bool
    require_identity: bool
    slow_seconds: float
    _stopping: threading.Event

    def _delay(self) -> None: ...
    def _record(self, request: RecordedRequest) -> None: ...
    def _count_arrival(self, who: str, arrived: float) -> int: ...
    def _take_fault(self, utility: str) -> QueuedFault | None: ...
    def _refuse(self) -> None: ...
    def esearch(self, p: RecordedRequest) -> tuple[int, str, bytes]: ...
    def efetch(self, p: RecordedRequest) -> tuple[int, str, bytes]: ...


class EutilsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "littrack-fake-eutils"
    # Buffered: the headers and the body leave in one send when the request is done (handle_one_request flushes).
    # Written apart, the body waits for the client's delayed ACK of the headers (Nagle): 40 ms a request.
    wbufsize = 1 << 16
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
        fake: Backend = self.server.fake  # type: ignore[attr-defined]
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
            body = _URI_TOO_LONG_HTML.read_bytes()
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

    def _fault(self, fault: QueuedFault, utility: str, who: str) -> None:
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
            self._send(200, "text/html; charset=UTF-8", PUBMED3_HTML.read_bytes())
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
