"""Connections to a PostgreSQL store: the one place littrack calls ``psycopg.connect`` and words its errors.

psycopg 3 is an optional dependency (``pip install 'littrack[postgresql]'``): it is imported here, lazily, so a
SQLite install never needs it. The store (``littrack.store.postgres``) and the advisory locks (``littrack.lock``)
both connect through :func:`connect`, with TCP keepalives (a server that vanishes is noticed within about a
minute, not after the kernel's two hours) and a connect timeout. The password never appears in a URL littrack
logs or prints: it comes from an environment variable and travels as a separate connection parameter.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from littrack.errors import ConfigError, StoreError

SCHEMES = ("postgresql://", "postgres://")
CONNECT_TIMEOUT = 10  # seconds
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
INSTALL_HINT = "pip install 'littrack[postgresql]'"


def is_url(target: object) -> bool:
    """True for a ``postgresql://`` store URL (anything else is a SQLite path)."""
    return isinstance(target, str) and target.startswith(SCHEMES)


def url_password(url: str) -> str | None:
    """The password written inside ``url`` (``user:secret@host``), or None."""
    return urllib.parse.urlsplit(url).password


def display_url(url: str) -> str:
    """``url`` with any password replaced by ``***`` and the query dropped: safe for logs and messages."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def psycopg_module() -> Any:
    """The ``psycopg`` module, or a ConfigError saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise ConfigError(f"store.url needs the PostgreSQL driver psycopg 3: {INSTALL_HINT}") from None
    return psycopg


def connect(url: str, password: str | None, *, autocommit: bool = True, application_name: str = "littrack") -> Any:
    """A ``psycopg.Connection`` to ``url`` (password passed apart from the URL); StoreError in one line."""
    psycopg = psycopg_module()
    try:
        return psycopg.connect(
            url,
            password=password,
            autocommit=autocommit,
            connect_timeout=CONNECT_TIMEOUT,
            application_name=application_name[:63],
            **KEEPALIVES,
        )
    except psycopg.Error as exc:
        raise error_for(url, exc, doing="cannot connect to") from None


def error_for(url: str, exc: BaseException, *, doing: str = "store") -> StoreError:
    """A one-line StoreError for a psycopg error: connection lost, disk full, lock timeout, or the server's text."""
    where = display_url(url)
    text = " ".join(str(exc).split()) or type(exc).__name__
    sqlstate = getattr(exc, "sqlstate", None) or ""
    if password := url_password(url):
        text = text.replace(password, "***")
    if sqlstate == "53100":  # disk_full
        return StoreError(f"cannot write the store {where}: the server's disk is full; "
                          "ask its administrator to free space, then run again (nothing was marked done)")
    if sqlstate in {"55P03", "40P01", "57014"}:  # lock_not_available, deadlock_detected, query_canceled (timeout)
        return StoreError(f"the store {where} is locked by another littrack process; wait for it to finish")
    # 08xxx: connection exceptions; 57P01-03: the server shut down, crashed or is starting (a restart). The FATAL
    # that ends a terminated session may arrive without its SQLSTATE: its words are recognised too.
    lower = text.lower()
    lost = sqlstate.startswith("08") or sqlstate in {"57P01", "57P02", "57P03"} or "terminating connection" in lower
    if lost or ("connection" in lower and "closed" in lower):
        return StoreError(f"lost the connection to the store {where}: {text}; "
                          "nothing after the last commit was kept; run again when the server is back")
    if sqlstate == "28P01" or "password authentication failed" in text:
        return StoreError(f"{doing} the store {where}: the server refused the password; "
                          "set the environment variable named by store.password_env")
    if doing == "cannot connect to":
        return StoreError(f"cannot connect to the store {where}: {text}")
    return StoreError(f"store {where}: {text}")
