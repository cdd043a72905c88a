"""What the fake JSON servers share (ClinicalTrials.gov, Europe PMC / Crossref / Unpaywall): a canned
:class:`Reply`, and :class:`LoopbackServer`, an HTTP server on 127.0.0.1 in a daemon thread that hands every
GET to one function and sends back the :class:`Reply` it returns.

The fakes decide what to answer; this module only speaks HTTP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import SplitResult, urlsplit


@dataclass(frozen=True)
class Reply:
    """One canned reply. ``drop`` closes the connection without answering (a dropped connection)."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    drop: bool = False

    @classmethod
    def json(cls, obj: Any, status: int = 200) -> Self:
        return cls(status, json.dumps(obj).encode("utf-8"))

    @classmethod
    def body_json(cls, body: bytes) -> Self:
        return cls(200, body)


class LoopbackServer:
    """``with LoopbackServer(answer, name) as srv:`` serves ``answer(url parts) → Reply`` on ``srv.port``."""

    def __init__(self, answer: Callable[[SplitResult], Reply], name: str) -> None:
        self._answer = answer
        self._name = name
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not running"
        return int(self._server.server_address[1])

    def __enter__(self) -> Self:
        answer = self._answer

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                reply = answer(urlsplit(self.path))
                if reply.drop:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, format: str, *args: object) -> None:  # keep test and demo output clean
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), name=self._name, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
