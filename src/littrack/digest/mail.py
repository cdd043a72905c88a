"""Build and send the digest e-mail. All SMTP and MIME work lives here.

Boundary: this module receives an :class:`~littrack.config.EmailConfig` and the already rendered text
and HTML (escaping is the renderer's job) and either hands the message to the SMTP server or raises
:class:`~littrack.errors.MailError` with one actionable line. It never reads environment variables
(the password arrives resolved in the config), never touches the store, and never decides whether a
digest counts as delivered — the caller marks it delivered only if :func:`send_message` returned.
"""

from __future__ import annotations

import datetime as dt
import email.policy
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import css_inline

from littrack.config import EmailConfig
from littrack.errors import MailError

__all__ = ["build_message", "format_subject", "send_message"]

_FALLBACK_MSGID_DOMAIN = "littrack.invalid"


SUBJECT_PLACEHOLDERS = "{summary}, {dates}, {count}, {start}, {end}, {profile}, {title}"


def format_subject(
    cfg: EmailConfig,
    *,
    count: int,
    start: object,
    end: object,
    profile: str | None,
    title: str,
    summary: str = "",
    dates: str = "",
) -> str:
    """Fill ``cfg.subject`` and return it as one line.

    Placeholders: {summary} ("2 RCTs, 1 retraction, 14 new papers"), {dates} ("25 Nov–1 Dec"), {count} (new
    papers), {start} and {end} (ISO dates), {profile}, {title}. Values come from data and config, so every run
    of whitespace, CR/LF included, collapses to one space: a newline in a header value would start a new header.
    """
    try:
        subject = cfg.subject.format(
            count=count, start=start, end=end, profile=profile or "", title=title, summary=summary, dates=dates
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise MailError(f"email.subject: cannot fill the template ({exc}); use {SUBJECT_PLACEHOLDERS}") from None
    return _one_line(subject)


def build_message(
    cfg: EmailConfig,
    *,
    subject: str,
    text: str,
    html: str,
    now: dt.datetime | None = None,
    message_id_domain: str | None = None,
    sender_name: str | None = None,
    attachment: tuple[str, str] | None = None,
) -> EmailMessage:
    """Return a multipart/alternative message (text/plain, then text/html with CSS inlined), UTF-8.

    ``attachment`` (file name, HTML): the full digest as an attached file, for readers with no public copy to
    follow a link to; the message becomes multipart/mixed around the alternative parts.

    ``subject`` and ``sender_name`` (the display name in From) must be single lines: CR or LF raises
    MailError instead of letting a value inject headers; use :func:`format_subject` for subjects built
    from data. ``now`` (timezone-aware; default: the current local time) sets Date. The Message-ID's
    domain defaults to the sender's domain.
    """
    if not cfg.sender:
        raise MailError("email.from is empty; set the sender address in config.yaml")
    if not cfg.recipients:
        raise MailError("email.to is empty; list at least one recipient in config.yaml")
    for name, value in (("subject", subject), ("sender name", sender_name or "")):
        if "\r" in value or "\n" in value:
            raise MailError(
                f"e-mail {name} contains a line break ({value!r}); it must be one line (header injection guard)"
            )
    when = now if now is not None else dt.datetime.now().astimezone()
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("build_message: now must be timezone-aware (a Date header needs an offset)")
    domain = message_id_domain or cfg.sender.rpartition("@")[2] or _FALLBACK_MSGID_DOMAIN

    msg = EmailMessage(policy=email.policy.SMTP)
    try:
        msg["From"] = Address(display_name=sender_name or "", addr_spec=cfg.sender)
        msg["To"] = tuple(Address(addr_spec=r) for r in cfg.recipients)
        msg["Subject"] = subject
    except (ValueError, IndexError) as exc:  # email.errors.HeaderParseError is a ValueError
        raise MailError(
            f"cannot build the e-mail headers: {exc}; check email.from, email.to and email.subject"
        ) from None
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: marks the digest as machine-sent so vacation responders do not answer it.
    msg["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the message 7-bit clean: a relay without 8BITMIME cannot mangle it.
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(_inline_css(html), subtype="html", charset="utf-8", cte="quoted-printable")
    if attachment is not None:
        name, content = attachment
        # Bytes, so the file arrives exactly as written (a str part would get CRLF line ends on the wire).
        msg.add_attachment(
            content.encode("utf-8"), maintype="text", subtype="html", filename=name, params={"charset": "utf-8"}
        )
    return msg


def send_message(cfg: EmailConfig, msg: EmailMessage, *, before_data: Callable[[], None] | None = None) -> None:
    """Hand ``msg`` to the SMTP server in ``cfg`` for every address in ``cfg.recipients``.

    Returns only if the server accepted the message for *all* recipients. Anything else — unreachable
    server, TLS or STARTTLS failure, rejected login, a refused recipient (even if others were
    accepted) — raises MailError, so the caller does not mark the digest delivered and retries it.

    ``before_data`` is called once the server has taken the envelope, just before the message itself
    (SMTP DATA): before that point nobody can receive it, after it somebody may. The digest job records
    the moment, so a crash between the server's acceptance and its ledger commit is known afterwards.
    """
    where = f"{cfg.host}:{cfg.port}"
    recipients = list(cfg.recipients)
    if not recipients:
        raise MailError("email.to is empty; list at least one recipient in config.yaml")
    payload = msg.as_bytes(policy=email.policy.SMTP)
    problem: str | None = None
    try:
        with _connect(cfg) as smtp:
            if cfg.username:
                _login(cfg, smtp)
            smtp.before_data = before_data
            refused = smtp.sendmail(cfg.sender, recipients, payload)
    except smtplib.SMTPRecipientsRefused as exc:
        problem = f"refused every recipient: {_refusals(exc.recipients)}; nothing was sent, fix email.to"
    except smtplib.SMTPSenderRefused as exc:
        problem = (
            f"refused the sender {cfg.sender}: {_reply(exc.smtp_code, exc.smtp_error)}; "
            "check email.from (many relays only accept their own domain)"
        )
    except smtplib.SMTPDataError as exc:
        problem = f"rejected the message: {_reply(exc.smtp_code, exc.smtp_error)}"
    except smtplib.SMTPServerDisconnected as exc:
        problem = f"closed the connection: {exc or 'no reason given'}; check email.security and email.port"
    except smtplib.SMTPResponseException as exc:
        problem = f"answered {_reply(exc.smtp_code, exc.smtp_error)}"
    except UnicodeEncodeError:
        problem = "cannot take a non-ASCII address in email.from/email.to; use plain ASCII addresses"
    except smtplib.SMTPException as exc:
        problem = f"failed: {exc}"
    except OSError as exc:  # includes timeouts and TLS errors after the handshake
        problem = f"connection failed while sending ({exc}); the digest was not delivered, try again"
    if problem is not None:
        raise MailError(_redact(cfg, f"SMTP server {where} {problem}"))
    if refused:
        raise MailError(
            _redact(
                cfg,
                f"SMTP server {where} refused {_refusals(refused)} but accepted the other recipients; "
                "partial delivery counts as failure, so the digest is not marked delivered and will be sent "
                "again to everyone next time; fix or remove that address in email.to",
            )
        )


class _DataHook:
    """smtplib's sendmail (MAIL, RCPT…, DATA) with a call just before DATA; it stays smtplib's sendmail."""

    before_data: Callable[[], None] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        if self.before_data is not None:
            self.before_data()
        return super().data(msg)  # type: ignore[misc, no-any-return]


class _SMTP(_DataHook, smtplib.SMTP):
    pass


class _SMTPSSL(_DataHook, smtplib.SMTP_SSL):
    pass


@contextmanager
def _connect(cfg: EmailConfig) -> Iterator[_SMTP | _SMTPSSL]:
    """Open the connection in the configured security mode; TLS errors and unreachable servers → MailError."""
    where = f"{cfg.host}:{cfg.port}"
    context = _tls_context(cfg) if cfg.security in {"ssl", "starttls"} else None
    try:
        if cfg.security == "ssl":
            smtp: _SMTP | _SMTPSSL = _SMTPSSL(cfg.host, cfg.port, timeout=cfg.timeout, context=context)
        else:
            smtp = _SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
    except ssl.SSLCertVerificationError as exc:
        raise MailError(_untrusted(where, exc)) from None
    except ssl.SSLError as exc:
        raise MailError(
            f"TLS handshake with SMTP server {where} failed ({exc.reason or exc}); email.security is ssl "
            "(implicit TLS, usually port 465) — for port 587 use starttls"
        ) from None
    except smtplib.SMTPServerDisconnected as exc:  # smtplib reports a silent server (greeting timeout) this way
        raise MailError(
            f"SMTP server {where} sent no greeting ({exc}); check email.host/email.port and email.security "
            "(an implicit-TLS port such as 465 needs ssl)"
        ) from None
    except TimeoutError:
        raise MailError(
            f"cannot reach SMTP server {where}: no answer within {cfg.timeout:g} s; check email.host/email.port"
        ) from None
    except OSError as exc:
        reason = exc.strerror or exc
        raise MailError(f"cannot reach SMTP server {where}: {reason}; check email.host/email.port") from None
    try:
        if cfg.security == "starttls":
            _starttls(cfg, smtp, context)
        yield smtp
    except BaseException:
        # No QUIT after a failure: after a broken TLS handshake it would go out in clear, or hang.
        smtp.close()
        raise
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()  # the server already accepted the message; a failed goodbye changes nothing


def _starttls(cfg: EmailConfig, smtp: smtplib.SMTP, context: ssl.SSLContext | None) -> None:
    # Never fall back to clear text: a server (or an attacker in between) that hides STARTTLS would
    # otherwise receive the password and the message unencrypted.
    where = f"{cfg.host}:{cfg.port}"
    try:
        smtp.ehlo()
        if not smtp.has_extn("starttls"):
            raise MailError(
                f"SMTP server {where} does not offer STARTTLS; refusing to send in clear text. Use email.security: "
                "ssl (port 465) if the server speaks implicit TLS, or none only for a trusted local relay"
            )
        smtp.starttls(context=context)
        smtp.ehlo()
    except ssl.SSLCertVerificationError as exc:
        raise MailError(_untrusted(where, exc)) from None
    except ssl.SSLError as exc:
        raise MailError(
            f"STARTTLS with SMTP server {where} failed ({exc.reason or exc}); check email.security and email.port"
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"SMTP server {where} refused STARTTLS: {_reply(exc.smtp_code, exc.smtp_error)}") from None


def _login(cfg: EmailConfig, smtp: smtplib.SMTP) -> None:
    where = f"{cfg.host}:{cfg.port}"
    assert cfg.username is not None
    if not cfg.password:
        raise MailError(f"email.username is set but no password: put it in the environment variable {cfg.password_env}")
    try:
        smtp.login(cfg.username, cfg.password)
    except smtplib.SMTPAuthenticationError as exc:
        reply = _reply(exc.smtp_code, exc.smtp_error)
        raise MailError(
            _redact(
                cfg,
                f"SMTP server {where} rejected the login for {cfg.username!r} ({reply}); "
                f"check email.username and the password in {cfg.password_env}",
            )
        ) from None
    except smtplib.SMTPNotSupportedError:
        hint = " (some offer AUTH only after STARTTLS: use email.security: starttls)" if cfg.security == "none" else ""
        raise MailError(
            f"SMTP server {where} does not offer AUTH{hint}; remove email.username if no login is needed"
        ) from None
    except smtplib.SMTPException as exc:
        raise MailError(_redact(cfg, f"login to SMTP server {where} failed: {exc}")) from None


def _tls_context(cfg: EmailConfig) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if cfg.ca_file is not None:
        # Added to the system roots, not replacing them: the bundle is *extra* trust for a private relay.
        try:
            context.load_verify_locations(cafile=str(cfg.ca_file))
        except (OSError, ssl.SSLError) as exc:
            raise MailError(
                f"email.ca_file {cfg.ca_file}: cannot load the CA bundle ({exc}); point it at a PEM file"
            ) from None
    return context


def _inline_css(html: str) -> str:
    # Gmail and Outlook drop <style>; inline styles survive. The <style> block stays for clients that
    # honour media queries (the phone layout). Remote stylesheets are never fetched.
    try:
        return css_inline.inline(html, keep_style_tags=True, load_remote_stylesheets=False)
    except (css_inline.InlineError, ValueError) as exc:
        raise MailError(f"cannot inline the digest's CSS for e-mail: {exc}") from None


def _untrusted(where: str, exc: ssl.SSLCertVerificationError) -> str:
    return (
        f"TLS certificate of SMTP server {where} not trusted: {exc.verify_message}; "
        "if the relay uses a private CA, set email.ca_file"
    )


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {_one_line(message)}"


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    return ", ".join(f"{addr} ({_reply(code, text)})" for addr, (code, text) in sorted(refused.items()))


def _redact(cfg: EmailConfig, message: str) -> str:
    # A server echoing the credentials back must not put the password into logs.
    return message.replace(cfg.password, "***") if cfg.password else message
