"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, in a background thread of the test process.

Optional STARTTLS or implicit TLS (a ``trustme`` CA; clients trust ``srv.ca_path``), optional AUTH
(PLAIN/LOGIN with one known user), recipients it refuses with 550, and every accepted message kept::

    with SmtpTestServer(starttls=True, auth=("user", "pw"), refuse={"bad@example.org"}) as srv:
        send_message(srv.email_config(recipients=("a@example.org",)), msg)
        assert srv.messages[0]["Subject"] == "..."

A subprocess (``littrack digest`` run by a test, the scheduler) reaches it through ``srv.port`` and
``srv.ca_path`` in its config file; ``srv.wait_for(n)`` waits for its messages. As a pytest fixture:
``from smtp_server import smtp_server_fixture  # noqa: F401`` in a test module (or
``pytest_plugins = ["smtp_server"]`` in conftest.py), then
``def test_x(smtp_server_factory): srv = smtp_server_factory(starttls=True)``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.policy
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from littrack.config import EmailConfig

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Delivery:
    """One message the server accepted, with its envelope (what SMTP actually delivered to)."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    tls: bool  # the DATA arrived over TLS (STARTTLS or implicit)
    auth_user: str | None  # who logged in, if anyone


class _Handler:
    def __init__(self, server: SmtpTestServer) -> None:
        self.srv = server

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        with self.srv._lock:
            self.srv.transactions += 1
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.srv.refuse:
            return f"550 5.1.1 <{address}>: mailbox unavailable (refused by test server)"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        # Parsed with plain newlines so tests compare get_content() with Python strings; raw stays as on the wire.
        message = BytesParser(policy=email.policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
        assert isinstance(message, EmailMessage)
        auth_user = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        delivery = Delivery(
            mail_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=raw,
            message=message,
            tls=self.srv.implicit_tls or session.ssl is not None,
            auth_user=auth_user,
        )
        with self.srv._lock:
            self.srv.deliveries.append(delivery)
            self.srv.messages.append(message)
        return "250 2.0.0 OK: queued"


class _Controller(Controller):
    """Binds port 0 and learns the real port before aiosmtpd's self-test connection (no port race)."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


class SmtpTestServer:
    """A started-on-demand aiosmtpd server; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        *,
        starttls: bool = False,
        implicit_tls: bool = False,
        auth: tuple[str, str] | None = None,
        refuse: Iterable[str] = (),
        require_starttls: bool | None = None,
    ) -> None:
        if starttls and implicit_tls:
            raise ValueError("choose starttls or implicit_tls, not both")
        self.host = HOST
        self.port = 0
        self.starttls = starttls
        self.implicit_tls = implicit_tls
        self.auth = auth
        self.refuse = frozenset(a.lower() for a in refuse)
        self.require_starttls = starttls if require_starttls is None else require_starttls
        self.messages: list[EmailMessage] = []
        self.deliveries: list[Delivery] = []
        self.transactions = 0  # MAIL FROM commands seen, accepted or not
        self.auth_failures = 0
        self.ca_path: Path | None = None
        self._lock = threading.Lock()
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._controller: _Controller | None = None

    @property
    def security(self) -> str:
        """The matching ``email.security`` value for a client."""
        return "ssl" if self.implicit_tls else "starttls" if self.starttls else "none"

    def start(self) -> SmtpTestServer:
        kwargs: dict[str, Any] = {}
        server_ctx = self._make_tls() if (self.starttls or self.implicit_tls) else None
        if self.starttls:
            kwargs.update(tls_context=server_ctx, require_starttls=self.require_starttls)
        if self.auth is not None:
            kwargs.update(
                authenticator=self._authenticate,
                # Implicit TLS is TLS from the first byte, but aiosmtpd only counts STARTTLS as TLS.
                auth_require_tls=self.starttls,
            )
        else:
            kwargs.update(auth_require_tls=False)
        self._controller = _Controller(
            _Handler(self), hostname=HOST, port=0, ssl_context=server_ctx if self.implicit_tls else None, **kwargs
        )
        self._controller.start()
        self.port = self._controller.port
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def email_config(self, **overrides: Any) -> EmailConfig:
        """An EmailConfig pointing at this server (sender/recipients/credentials filled in); override any field."""
        base = EmailConfig(
            enabled=True,
            host=self.host,
            port=self.port,
            security=self.security,
            username=self.auth[0] if self.auth else None,
            password=self.auth[1] if self.auth else None,
            sender="littrack@example.org",
            recipients=("reader@example.org",),
            timeout=10.0,
            ca_file=self.ca_path,
        )
        return dataclasses.replace(base, **overrides)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """Wait until ``count`` messages arrived (for senders in another process); returns them all."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count:
            if time.monotonic() > deadline:
                got = len(self.messages)
                raise AssertionError(f"expected {count} message(s) at {self.host}:{self.port}, got {got}")
            time.sleep(0.05)
        return list(self.messages)

    def _make_tls(self) -> ssl.SSLContext:
        self._tmp = tempfile.TemporaryDirectory(prefix="littrack-smtp-")
        ca = trustme.CA()
        cert = ca.issue_cert(HOST, "localhost")
        self.ca_path = Path(self._tmp.name) / "test-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_path))
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(ctx)
        return ctx

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert self.auth is not None
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            self.auth[0].encode(),
            self.auth[1].encode(),
        )
        if not ok:
            with self._lock:
                self.auth_failures += 1
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


# Registered under the name ``smtp_server_factory``; the function has another name so that test modules
# importing it (to register it) do not trip "redefinition" lint warnings on their fixture arguments.
@pytest.fixture(name="smtp_server_factory")
def smtp_server_fixture() -> Iterator[Callable[..., SmtpTestServer]]:
    """Yield ``make(**SmtpTestServer kwargs) -> started server``; every server is stopped after the test."""
    started: list[SmtpTestServer] = []

    def make(**kwargs: Any) -> SmtpTestServer:
        srv = SmtpTestServer(**kwargs).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
