"""No secret in any byte littrack writes: the NCBI API key and the SMTP password, at DEBUG level, over
fetch (with failures and retries), digest (SMTP AUTH), a failing command with its traceback (``-v``),
``littrack run`` with a DEBUG log file, and ``status``. Real subprocesses, so nothing escapes the capture.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

from configs import write_config
from littrack.replay.corpus import default_corpus
from littrack.replay.server import FakeEutils, Fault
from smtp_server import SmtpTestServer

API_KEY = "0123456789abcdefSENTINELKEY"
PASSWORD = "pass-SENTINEL-word 42%"
SECRETS = (API_KEY, PASSWORD)
DEADLINE = 60.0


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "LITTRACK_CONFIG"}
    return {**env, "NCBI_API_KEY": API_KEY, "LITTRACK_SMTP_PASSWORD": PASSWORD, "PYTHONUNBUFFERED": "1"}


def littrack(config: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "littrack", "--config", str(config), *args], capture_output=True,
                          env=_env(), cwd=config.parent, timeout=DEADLINE)


def _leaks(data: bytes) -> list[str]:
    forms = {s for secret in SECRETS for s in (secret, urllib.parse.quote(secret), urllib.parse.quote_plus(secret))}
    return sorted(form for form in forms if form.encode() in data)


def _email(smtp: SmtpTestServer) -> dict[str, object]:
    return {"enabled": True, "host": smtp.host, "port": smtp.port, "security": "starttls",
            "ca_file": str(smtp.ca_path), "username": "clinic", "from": "littrack@clinic.test",
            "to": ["reader@clinic.test"], "timeout": 5}


@pytest.mark.slow
def test_no_secret_reaches_any_output_log_or_file_at_debug_level(tmp_path: Path) -> None:
    written: dict[str, bytes] = {}
    with FakeEutils(default_corpus(), rate_limit=False) as eutils, \
            SmtpTestServer(starttls=True, auth=("clinic", PASSWORD)) as smtp:
        cfg = write_config(tmp_path, eutils.base_url, fetch={"recheck_limit": 0, "batch_size": 50},
                           email=_email(smtp))
        eutils.inject(Fault.DROP, utility="efetch")  # a retry: urllib3 logs the dropped request too
        eutils.inject(Fault.HTTP_500, utility="efetch")
        for name, args in {"fetch": ["-v", "fetch"], "digest": ["-v", "digest"], "status": ["-v", "status"],
                           "status-json": ["status", "--json"]}.items():
            proc = littrack(cfg, *args)
            assert proc.returncode == 0, proc.stderr.decode()
            written[f"{name} stdout"], written[f"{name} stderr"] = proc.stdout, proc.stderr
        # urllib3's debug lines are there (every E-utilities call is a POST: the key sits in no URL at all)
        assert b'"POST /entrez/eutils/efetch.fcgi' in written["fetch stderr"]
        assert smtp.deliveries[0].auth_user == "clinic"

        # A failing command with -v prints its traceback; every request fails, every attempt is logged.
        eutils.inject(Fault.HTTP_503, times=50)
        failing = write_config(tmp_path, eutils.base_url, ncbi={"max_retries": 1}, topics=[
            {"id": "fresh-topic", "name": "Fresh", "query": "ketamine[tiab] AND fresh[tiab]"}])
        proc = littrack(failing, "-v", "fetch")
        assert proc.returncode == 1 and b"Traceback" in proc.stderr
        written["failing fetch stderr"] = proc.stderr
        eutils.reset()

        log_file = tmp_path / "service.log"
        cfg = write_config(tmp_path, eutils.base_url, fetch={"recheck_limit": 0}, email=_email(smtp),
                           schedule={"fetch": "@every 1s", "digest": "@every 2s", "timezone": "UTC"},
                           digest={"send_empty": True})
        svc = subprocess.Popen([sys.executable, "-m", "littrack", "--config", str(cfg), "run", "--log-level", "DEBUG",
                                "--log-file", str(log_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=_env(), cwd=tmp_path)
        try:
            deadline = time.monotonic() + DEADLINE
            while "e-mailed" not in (log_file.read_text() if log_file.exists() else ""):
                assert time.monotonic() < deadline and svc.poll() is None, "the service never e-mailed a digest"
                time.sleep(0.2)
            svc.send_signal(signal.SIGTERM)
            out, err = svc.communicate(timeout=DEADLINE)
        finally:
            if svc.poll() is None:
                svc.kill()
                svc.wait()
        written["run stdout"], written["run stderr"] = out, err
        written["run log"] = log_file.read_bytes()
        assert b"DEBUG urllib3.connectionpool" in written["run log"]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            written[str(path.relative_to(tmp_path))] = path.read_bytes()
    leaks = {name: _leaks(data) for name, data in written.items() if _leaks(data)}
    assert leaks == {}, leaks


def test_the_log_formatter_masks_secrets_in_messages_arguments_and_tracebacks() -> None:
    import logging

    from littrack.redact import RedactingFormatter, Redactor

    redact = Redactor()
    redact.add(API_KEY, None, "")
    formatter = RedactingFormatter("%(levelname)s %(name)s: %(message)s", redact)
    try:
        raise ValueError(f"GET /efetch.fcgi?api_key={urllib.parse.quote_plus(API_KEY)}")
    except ValueError:
        record = logging.getLogger("urllib3.connectionpool").makeRecord(
            "urllib3.connectionpool", logging.DEBUG, __file__, 1, "%s %s", ("url", API_KEY), sys.exc_info()
        )
    text = formatter.format(record)
    assert "Traceback" in text and "api_key=***" in text
    assert _leaks(text.encode()) == []
