"""Secrets never reach a log line or the terminal: the one place their values are masked.

The CLI puts a :class:`RedactingFormatter` on every logging handler it sets up (so third-party loggers,
exception text and tracebacks are covered: the *formatted* record is masked) and passes what it prints
itself (error lines, ``-v`` tracebacks, ``status``) through the same :class:`Redactor`. The values come
from the loaded config (:meth:`littrack.config.Config.secrets`), which resolved them from the environment;
they are masked as written and URL-encoded, since urllib3 logs request URLs.
"""

from __future__ import annotations

import logging
import threading
import urllib.parse

MASK = "***"


class Redactor:
    """Replaces every known secret in a text with :data:`MASK`. Secrets are only ever added."""

    def __init__(self) -> None:
        self._forms: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def add(self, *secrets: str | None) -> None:
        with self._lock:
            forms = set(self._forms)
            for secret in secrets:
                if secret:
                    forms |= {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret)}
            # Longest first: a secret containing another is masked whole.
            self._forms = tuple(sorted(forms, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose output (message, exception text, stack) has every secret masked."""

    def __init__(self, fmt: str, redact: Redactor) -> None:
        super().__init__(fmt)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))
