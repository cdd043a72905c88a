"""littrack.digest.mail against a real aiosmtpd server on 127.0.0.1 (tests/smtp_server.py).

The HTML and text bodies here are small synthetic stand-ins for the renderer's output.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import socket
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime

import pytest

from littrack.config import EmailConfig
from littrack.digest.mail import build_message, format_subject, send_message
from littrack.errors import MailError
from smtp_server import SmtpTestServer, smtp_server_fixture  # noqa: F401  (registers smtp_server_factory)

Factory = Callable[..., SmtpTestServer]

HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>digest</title>
<style>
p.title { font-weight: bold; color: #123456; }
@media (max-width: 600px) { p.title { font-size: 15px; } }
</style></head>
<body><p class="title">Ketamine for CRPS — Müller et al.</p><p>Résumé: é ü ß</p></body></html>
"""
TEXT = "Ketamine for CRPS — Müller et al.\nRésumé: é ü ß\n"
NOW = dt.datetime(2024, 3, 4, 7, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def _message(cfg: EmailConfig, subject: str = "littrack: 2 new papers", **kwargs: object) -> EmailMessage:
    return build_message(cfg, subject=subject, text=TEXT, html=HTML, now=NOW, **kwargs)  # type: ignore[arg-type]


def _parts(msg: EmailMessage) -> tuple[EmailMessage, EmailMessage]:
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    return parts[0], parts[1]  # type: ignore[return-value]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_send_message_delivers_in_plain_mode_to_every_recipient(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config(recipients=("a@example.org", "b@example.org"))
    send_message(cfg, _message(cfg))
    [delivery] = srv.deliveries
    assert delivery.mail_from == "littrack@example.org"
    assert delivery.rcpt_tos == ("a@example.org", "b@example.org")
    assert delivery.message["Subject"] == "littrack: 2 new papers"
    assert delivery.message["To"] == "a@example.org, b@example.org"


def test_delivered_message_is_utf8_multipart_alternative_text_then_html(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config()
    send_message(cfg, _message(cfg, subject="Müller: 1 new paper, café"))
    received = srv.messages[0]
    assert received.get_content_type() == "multipart/alternative"
    assert received["MIME-Version"] == "1.0"
    assert received["Subject"] == "Müller: 1 new paper, café"
    text, html = _parts(received)
    assert text.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert text.get_content() == TEXT
    assert "Ketamine for CRPS — Müller et al." in html.get_content()
    assert "Résumé: é ü ß" in html.get_content()
    # Non-ASCII never travels as raw 8-bit on the wire: headers are RFC 2047, bodies QP/base64.
    assert srv.deliveries[0].raw.isascii()


def test_html_part_has_css_inlined_and_keeps_the_style_block(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config()
    send_message(cfg, _message(cfg))
    _, html = _parts(srv.messages[0])
    body = html.get_content()
    assert re.search(r'<p class="title" style="[^"]*font-weight:\s*bold', body)
    assert re.search(r'style="[^"]*color:\s*#123456', body)
    assert "@media (max-width: 600px)" in body


def test_date_and_message_id_headers_are_well_formed(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config()
    send_message(cfg, _message(cfg))
    received = srv.messages[0]
    assert parsedate_to_datetime(received["Date"]) == NOW
    assert received["Date"].endswith("+0100")
    assert re.fullmatch(r"<[^<>@\s]+@example\.org>", received["Message-ID"])
    assert received["Auto-Submitted"] == "auto-generated"


def test_message_ids_are_unique_and_take_an_explicit_domain() -> None:
    cfg = EmailConfig(sender="littrack@example.org", recipients=("r@example.org",))
    first, second = _message(cfg), _message(cfg, message_id_domain="digests.example.net")
    assert first["Message-ID"] != second["Message-ID"]
    assert second["Message-ID"].endswith("@digests.example.net>")


def test_default_date_is_timezone_aware_now() -> None:
    cfg = EmailConfig(sender="littrack@example.org", recipients=("r@example.org",))
    msg = build_message(cfg, subject="s", text="t", html="<p>h</p>")
    assert parsedate_to_datetime(msg["Date"]).tzinfo is not None


def test_starttls_with_trusted_certificate_and_auth_delivers_over_tls(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(starttls=True, auth=("digest-user", "s3cret-pw"))
    cfg = srv.email_config()
    assert cfg.security == "starttls" and cfg.ca_file is not None
    send_message(cfg, _message(cfg))
    [delivery] = srv.deliveries
    assert delivery.tls is True
    assert delivery.auth_user == "digest-user"


def test_wrong_password_raises_mail_error_without_revealing_it(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(starttls=True, auth=("digest-user", "s3cret-pw"))
    cfg = srv.email_config(password="wrong-pw-123")
    with pytest.raises(MailError, match="rejected the login for 'digest-user'") as info:
        send_message(cfg, _message(cfg))
    assert "wrong-pw-123" not in str(info.value)
    assert "LITTRACK_SMTP_PASSWORD" in str(info.value)
    assert srv.auth_failures >= 1  # smtplib tries PLAIN, then LOGIN
    assert srv.messages == []


def test_starttls_config_against_server_without_starttls_sends_nothing_in_clear(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(auth=("digest-user", "s3cret-pw"))  # plain server, AUTH offered in clear
    cfg = srv.email_config(security="starttls")
    with pytest.raises(MailError, match="does not offer STARTTLS; refusing to send in clear text"):
        send_message(cfg, _message(cfg))
    assert srv.transactions == 0
    assert srv.auth_failures == 0
    assert srv.messages == []


def test_untrusted_certificate_is_a_mail_error_naming_ca_file(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(starttls=True)
    cfg = srv.email_config(ca_file=None)
    with pytest.raises(MailError, match=r"not trusted.*email\.ca_file"):
        send_message(cfg, _message(cfg))
    assert srv.transactions == 0


def test_one_refused_recipient_fails_the_whole_delivery_and_names_the_address(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(refuse={"bad@example.org"})
    cfg = srv.email_config(recipients=("reader@example.org", "bad@example.org"))
    with pytest.raises(MailError) as info:
        send_message(cfg, _message(cfg))
    text = str(info.value)
    assert "bad@example.org (550" in text
    assert "partial delivery counts as failure" in text
    assert "reader@example.org" not in text.split("refused", 1)[1].split("but", 1)[0]
    # The server did accept it for the good address; that is exactly why the caller must not mark it sent.
    assert srv.deliveries[0].rcpt_tos == ("reader@example.org",)


def test_all_recipients_refused_is_a_mail_error(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(refuse={"bad@example.org"})
    cfg = srv.email_config(recipients=("bad@example.org",))
    with pytest.raises(MailError, match=r"refused every recipient: bad@example\.org \(550"):
        send_message(cfg, _message(cfg))
    assert srv.messages == []


def test_server_down_is_a_one_line_mail_error() -> None:
    port = _closed_port()
    cfg = EmailConfig(
        host="127.0.0.1", port=port, security="none", sender="a@example.org", recipients=("b@example.org",), timeout=5
    )
    with pytest.raises(MailError) as info:
        send_message(cfg, _message(cfg))
    expected = f"cannot reach SMTP server 127.0.0.1:{port}: Connection refused; check email.host/email.port"
    assert str(info.value) == expected


def test_silent_server_is_a_mail_error_after_the_timeout() -> None:
    with socket.socket() as listener:  # accepts TCP connections (backlog) but never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        cfg = EmailConfig(
            host="127.0.0.1", port=port, security="none", sender="a@example.org", recipients=("b@example.org",)
        )
        cfg = dataclasses.replace(cfg, timeout=0.3)
        with pytest.raises(MailError, match=rf"SMTP server 127\.0\.0\.1:{port} sent no greeting .*timed out"):
            send_message(cfg, _message(cfg))


def test_ssl_mode_delivers_over_implicit_tls_with_auth(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(implicit_tls=True, auth=("digest-user", "s3cret-pw"))
    cfg = srv.email_config()
    assert cfg.security == "ssl"
    send_message(cfg, _message(cfg))
    [delivery] = srv.deliveries
    assert delivery.tls is True and delivery.auth_user == "digest-user"


def test_ssl_mode_against_a_plain_server_is_a_tls_mail_error(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config(security="ssl")
    with pytest.raises(MailError, match=r"TLS handshake with SMTP server \S+ failed"):
        send_message(cfg, _message(cfg))
    assert srv.transactions == 0


def test_subject_with_crlf_cannot_inject_headers() -> None:
    cfg = EmailConfig(sender="littrack@example.org", recipients=("r@example.org",))
    with pytest.raises(MailError, match=r"line break.*header injection"):
        _message(cfg, subject="Hi\r\nBcc: evil@example.org")


def test_format_subject_flattens_hostile_data_so_nothing_is_injected(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config(subject="{title} [{profile}]: {count} new ({start} to {end})")
    start, end = dt.date(2024, 2, 26), dt.date(2024, 3, 4)
    subject = format_subject(cfg, count=3, start=start, end=end, profile="crps", title="Hi\r\nBcc: evil@example.org")
    assert subject == "Hi Bcc: evil@example.org [crps]: 3 new (2024-02-26 to 2024-03-04)"
    send_message(cfg, _message(cfg, subject=subject))
    [delivery] = srv.deliveries
    assert delivery.message["Bcc"] is None
    assert delivery.rcpt_tos == ("reader@example.org",)
    assert delivery.message["Subject"] == subject


def test_format_subject_uses_the_default_template() -> None:
    # Issue 13: the default subject says what matters in short (was "{count} new papers ({start} to {end})").
    cfg = EmailConfig()
    subject = format_subject(
        cfg,
        count=17,
        start="2026-11-25",
        end="2026-12-01",
        profile=None,
        title="t",
        summary="2 RCTs, 1 retraction, 17 new papers",
        dates="25 Nov–1 Dec",
    )
    assert subject == "littrack: 2 RCTs, 1 retraction, 17 new papers (25 Nov–1 Dec)"


def test_format_subject_keeps_the_old_placeholders_working() -> None:
    cfg = EmailConfig(subject="littrack: {count} new papers ({start} to {end})")
    assert format_subject(cfg, count=0, start="2024-02-26", end="2024-03-04", profile=None, title="t") == (
        "littrack: 0 new papers (2024-02-26 to 2024-03-04)"
    )


def test_hostile_html_is_sent_as_given(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config()
    hostile = "<html><body><p>&lt;script&gt;alert(1)&lt;/script&gt; and a real <b>tag</b></p></body></html>"
    send_message(cfg, build_message(cfg, subject="s", text="t", html=hostile, now=NOW))
    _, html = _parts(srv.messages[0])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.get_content()
    assert "<script>" not in html.get_content()


def test_sender_display_name_is_encoded_and_round_trips(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory()
    cfg = srv.email_config()
    name = 'Müller, "Lit" Tracker <x@evil.example>'
    send_message(cfg, _message(cfg, sender_name=name))
    raw_from = next(line for line in srv.deliveries[0].raw.split(b"\r\n") if line.startswith(b"From:"))
    assert b"=?utf-8?" in raw_from  # RFC 2047 encoded, not raw 8-bit or bare specials
    received = srv.messages[0]
    assert received["From"].addresses[0].display_name == name
    assert received["From"].addresses[0].addr_spec == "littrack@example.org"
    assert parseaddr(str(received["From"]))[1] == "littrack@example.org"


def test_sender_display_name_with_newline_is_rejected() -> None:
    cfg = EmailConfig(sender="littrack@example.org", recipients=("r@example.org",))
    with pytest.raises(MailError, match="sender name contains a line break"):
        _message(cfg, sender_name="littrack\nBcc: evil@example.org")


def test_build_message_requires_sender_and_recipients() -> None:
    with pytest.raises(MailError, match=r"email\.from is empty"):
        _message(EmailConfig(recipients=("r@example.org",)))
    with pytest.raises(MailError, match=r"email\.to is empty"):
        _message(EmailConfig(sender="littrack@example.org"))


def test_username_without_password_is_a_mail_error_naming_the_variable(smtp_server_factory: Factory) -> None:
    srv = smtp_server_factory(starttls=True, auth=("digest-user", "s3cret-pw"))
    cfg = dataclasses.replace(srv.email_config(), password=None, password_env="MY_SMTP_PW")
    with pytest.raises(MailError, match="MY_SMTP_PW"):
        send_message(cfg, _message(cfg))
    assert srv.messages == []


def test_an_attached_digest_makes_the_message_mixed_and_arrives_byte_for_byte() -> None:
    cfg = EmailConfig(sender="littrack@example.org", recipients=("reader@example.org",))
    page = "<!DOCTYPE html>\n<title>Müller</title>\n<p>line one\nline two</p>\n"
    msg = build_message(cfg, subject="s", text=TEXT, html=HTML, now=NOW, attachment=("2026-12-01.html", page))
    assert msg.get_content_type() == "multipart/mixed"
    body, attached = msg.iter_parts()
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert attached.get_filename() == "2026-12-01.html" and attached.get_content_charset() == "utf-8"
    assert attached.get_payload(decode=True) == page.encode("utf-8")  # LF line ends kept, no CRLF rewrite
    assert msg.as_bytes().isascii()
