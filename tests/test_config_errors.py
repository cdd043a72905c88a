"""A broken config.yaml is one line naming the file and the key, exit code 2, never a traceback, whichever
command reads it (fetch, digest, run, status, export, background).

The table runs in-process through click's CliRunner; a few cases also run as real subprocesses, and the
read-only store folder runs under ``unshare`` with a read-only bind mount (root may write anywhere else).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.config import load_config

REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "fetch": ["fetch"],
    "digest": ["digest"],
    "run": ["run"],
    "status": ["status"],
    "export": ["export", "--format", "csv"],
    "background": ["background"],
}
SMTP_OK = {"enabled": True, "host": "127.0.0.1", "port": 2525, "security": "none",
           "from": "littrack@clinic.test", "to": ["reader@clinic.test"]}


@dataclass(frozen=True)
class Broken:
    """One broken config: section overrides for tests/configs.py, and/or an edit of the written YAML text."""

    key: str  # what the error line must name
    sections: dict[str, Any] = field(default_factory=dict)
    edit: Callable[[str], str] | None = None
    setup: Callable[[Path], None] | None = None  # prepares the folder (files the config points at)


def _replace(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"{old!r} not in the config"
        return text.replace(old, new)

    return edit


def _mkfile(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_text("not a folder")


def _mkdir(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).mkdir()


BROKEN: dict[str, Broken] = {
    # ncbi
    "ncbi timeout negative": Broken("ncbi.timeout", {"ncbi": {"timeout": -1}}),
    "ncbi timeout zero": Broken("ncbi.timeout", {"ncbi": {"timeout": 0}}),
    "ncbi timeout infinite": Broken("ncbi.timeout", edit=_replace("timeout: 2", "timeout: .inf")),
    "ncbi backoff negative": Broken("ncbi.backoff_seconds", {"ncbi": {"backoff_seconds": -0.5}}),
    "ncbi retries negative": Broken("ncbi.max_retries", {"ncbi": {"max_retries": -1}}),
    "ncbi email invalid": Broken("ncbi.email", {"ncbi": {"email": "not an address"}}),
    "ncbi email missing": Broken("ncbi.email", {"ncbi": {"email": None}}),
    "ncbi base_url not http": Broken("ncbi.base_url", {"ncbi": {"base_url": "ftp://eutils.example/"}}),
    "ncbi tool with spaces": Broken("ncbi.tool", {"ncbi": {"tool": "lit track"}}),
    "ncbi not a mapping": Broken("ncbi", {"ncbi": ["email"]}),
    # store
    "store folder missing": Broken("store.path", {"store": {"path": "typo/store.sqlite3"}}),
    "store folder is a file": Broken("store.path", {"store": {"path": "blocker/store.sqlite3"}},
                                     setup=_mkfile("blocker")),
    "store path is a folder": Broken("store.path", {"store": {"path": "a-folder"}}, setup=_mkdir("a-folder")),
    # topics
    "topics empty": Broken("topics", {"topics": []}),
    "topics not a list": Broken("topics", {"topics": "ketamine"}),
    "topic without query": Broken("topics[0].query", {"topics": [{"id": "a", "name": "A"}]}),
    "topic id with spaces": Broken("topics[0].id", {"topics": [{"id": "Ketamine CRPS", "query": "x"}]}),
    "topic id duplicated": Broken("topics[1].id", {"topics": [{"id": "a", "query": "x"}, {"id": "a", "query": "y"}]}),
    # fetch
    "backfill impossible date": Broken("fetch.backfill",
                                       edit=_replace("backfill: '1950-01-01'", "backfill: 2024-13-45")),
    "backfill zero days": Broken("fetch.backfill", {"fetch": {"backfill": 0}}),
    "backfill words": Broken("fetch.backfill", {"fetch": {"backfill": "last month"}}),
    "backfill in the future": Broken("fetch.backfill", edit=_replace("backfill: '1950-01-01'", "backfill: 2999-01-01")),
    "batch size zero": Broken("fetch.batch_size", {"fetch": {"batch_size": 0}}),
    "overlap negative": Broken("fetch.overlap_days", {"fetch": {"overlap_days": -3}}),
    "fetch unknown key": Broken("fetch.backfil", {"fetch": {"backfil": 30}}),
    # digest
    "digest profile with spaces": Broken("digest.profile", {"digest": {"profile": "Weekly Digest"}}),
    "digest period zero": Broken("digest.period_days", {"digest": {"period_days": 0}}),
    "digest public_url javascript": Broken("digest.public_url", {"digest": {"public_url": "javascript:alert(1)"}}),
    "digest write_empty text": Broken("digest.write_empty", {"digest": {"write_empty": "yes"}}),
    # email
    "email placeholder host": Broken("email.host", {"email": {**SMTP_OK, "host": "smtp.example.org"}}),
    "email placeholder from": Broken("email.from", {"email": {**SMTP_OK, "from": "littrack@example.org"}}),
    "email placeholder to": Broken("email.to", {"email": {**SMTP_OK, "to": ["clinician@example.com"]}}),
    "email to invalid": Broken("email.to", {"email": {**SMTP_OK, "to": ["not-an-address"]}}),
    "email security unknown": Broken("email.security", {"email": {"security": "tls"}}),
    "email port too big": Broken("email.port", {"email": {"port": 70000}}),
    "email timeout negative": Broken("email.timeout", {"email": {"timeout": -5}}),
    "email subject placeholder": Broken("email.subject", {"email": {"subject": "new: {nope}"}}),
    "email username without password": Broken("email.username", {"email": {**SMTP_OK, "username": "clinic"}}),
    "email ca_file missing": Broken("email.ca_file", {"email": {**SMTP_OK, "ca_file": "missing.pem"}}),
    # schedule, background, trials
    "schedule cron invalid": Broken("schedule.fetch", {"schedule": {"fetch": "61 6 * * *"}}),
    "schedule timezone unknown": Broken("schedule.timezone", {"schedule": {"timezone": "Mars/Olympus"}}),
    "schedule retries negative": Broken("schedule.max_retries", {"schedule": {"max_retries": -1}}),
    "background document missing": Broken("background.documents[0]", {"background": {"documents": ["gone.txt"]}}),
    "background similarity above one": Broken("background.min_similarity", {"background": {"min_similarity": 2}}),
    "trials rate zero": Broken("trials.requests_per_second", {"trials": {"requests_per_second": 0}}),
    "trials timeout negative": Broken("trials.timeout", {"trials": {"timeout": -1}}),
    "trials query unknown topic": Broken("trials.queries.nope",
                                         {"trials": {"queries": {"nope": {"condition": "x", "intervention": "y"}}}}),
    # profiles (issue 16)
    "profiles not a list": Broken("profiles", {"profiles": {"id": "crps"}}),
    "profile without id": Broken("profiles[0].id", {"profiles": [{"name": "CRPS weekly"}]}),
    "profile id with spaces": Broken("profiles[0].id", {"profiles": [{"id": "Dr Smith"}]}),
    "profile id duplicated": Broken("profiles[1].id", {"profiles": [{"id": "crps"}, {"id": "crps"}]}),
    "profile unknown topic": Broken("profiles[0].topics", {"profiles": [{"id": "a", "topics": ["ketamine-pain"]}]}),
    "profile no topic": Broken("profiles[0].topics", {"profiles": [{"id": "a", "topics": []}]}),
    "profile unknown section": Broken("profiles[0].sections", {"profiles": [{"id": "a", "sections": ["safty"]}]}),
    "profile unknown key": Broken("profiles[0].recipients", {"profiles": [{"id": "a", "recipients": ["a@b.org"]}]}),
    "profile schedule invalid": Broken("profiles[0].schedule", {"profiles": [{"id": "a", "schedule": "61 7 * * *"}]}),
    "profile email to invalid": Broken("profiles[0].email.to", {"profiles": [{"id": "a", "email": {"to": ["x"]}}]}),
    "profile email server key": Broken("profiles[0].email.host", {"profiles": [{"id": "a", "email": {"host": "h"}}]}),
    "profile email placeholder to": Broken("profiles[0].email.to", {
        "email": SMTP_OK, "profiles": [{"id": "a", "email": {"to": ["dr@example.org"]}}]}),
    "profile without recipients": Broken("profiles[0].email.to", {
        "email": {**SMTP_OK, "to": []}, "profiles": [{"id": "a"}]}),
    "profile send_empty text": Broken("profiles[0].send_empty", {"profiles": [{"id": "a", "send_empty": "no"}]}),
    "profiles beside digest.profile": Broken("profiles", {"digest": {"profile": "weekly"}, "profiles": [{"id": "a"}]}),
    # the file itself
    "unknown top-level key": Broken("emial", {"emial": {"enabled": True}}),
    "yaml syntax error": Broken("line", edit=lambda text: text + "digest: [unclosed\n"),
    "top level a list": Broken("top level", edit=lambda text: "- just\n- a list\n"),
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path


def _write(folder: Path, case: Broken) -> Path:
    cfg = write_config(folder, "http://127.0.0.1:9/", **case.sections)
    if case.edit is not None:
        cfg.write_text(case.edit(cfg.read_text(encoding="utf-8")), encoding="utf-8")
    if case.setup is not None:
        case.setup(folder)
    return cfg


def _assert_one_line(cfg: Path, case: Broken, code: int, err: str) -> None:
    assert "Traceback" not in err, err
    assert code == 2 and err.count("\n") == 1, f"exit {code}: {err}"
    assert err.startswith(f"littrack: error: {cfg}: ") and f"{case.key}" in err, err


@pytest.mark.parametrize("name", list(BROKEN))
def test_every_command_reports_a_broken_config_in_one_line_naming_file_and_key(
    folder: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = BROKEN[name]
    cfg = _write(folder, case)
    # Should a broken config slip through, `run` would serve forever: fail fast instead.
    monkeypatch.setattr("littrack.service.run_service", _accepted)
    for command, args in COMMANDS.items():
        result = CliRunner().invoke(main, ["--config", str(cfg), *args])
        assert not isinstance(result.exception, AssertionError), f"{command}: the config was accepted"
        _assert_one_line(cfg, case, result.exit_code, result.stderr)
    assert not (folder / "typo").exists(), "a store folder was created"


def _accepted(*args: object, **kwargs: object) -> None:
    raise AssertionError("the config was accepted")


@pytest.mark.slow
@pytest.mark.parametrize("name", ["ncbi timeout negative", "backfill impossible date", "email placeholder host"])
@pytest.mark.parametrize("command", ["fetch", "run", "status"])
def test_a_broken_config_is_one_line_from_a_real_process_too(folder: Path, name: str, command: str) -> None:
    case = BROKEN[name]
    cfg = _write(folder, case)
    proc = subprocess.run([sys.executable, "-m", "littrack", "--config", str(cfg), *COMMANDS[command]],
                          capture_output=True, text=True, timeout=60, cwd=folder)
    _assert_one_line(cfg, case, proc.returncode, proc.stderr)


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


READ_ONLY = (
    'mount --bind "$DIR" "$DIR" && mount -o remount,ro,bind "$DIR" && exec "$PY" -m littrack --config "$CFG" "$@"'
)


@pytest.mark.slow
@pytest.mark.skipif(not _unshare_works(), reason="needs unshare -rm for a read-only bind mount")
@pytest.mark.parametrize("command", ["fetch", "digest", "status"])
def test_a_store_in_a_read_only_folder_is_one_line_naming_store_path(folder: Path, command: str) -> None:
    store_dir = folder / "ro"
    store_dir.mkdir()
    cfg = write_config(folder, "http://127.0.0.1:9/", store={"path": "ro/store.sqlite3"})
    env = {**os.environ, "DIR": str(store_dir), "CFG": str(cfg), "PY": sys.executable}
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", READ_ONLY, "sh", *COMMANDS[command]], capture_output=True,
                          text=True, timeout=60, env=env, cwd=folder)
    _assert_one_line(cfg, Broken("store.path"), proc.returncode, proc.stderr)
    assert "read-only" in proc.stderr


def test_an_unquoted_backfill_date_is_a_date(folder: Path) -> None:
    cfg = write_config(folder, "http://127.0.0.1:9/")
    cfg.write_text(cfg.read_text().replace("backfill: '1950-01-01'", "backfill: 2024-01-01"), encoding="utf-8")
    assert load_config(cfg, environ={}).fetch.backfill_since == dt.date(2024, 1, 1)


def test_the_shipped_config_with_email_switched_on_names_the_placeholder_host(folder: Path) -> None:
    text = (REPO / "config.yaml").read_text(encoding="utf-8").replace("email: you@example.org", "email: me@clinic.test")
    cfg = folder / "config.yaml"
    cfg.write_text(text.replace("enabled: false", "enabled: true", 1), encoding="utf-8")
    assert "enabled: true" in cfg.read_text()
    result = CliRunner().invoke(main, ["--config", str(cfg), "digest"])
    _assert_one_line(cfg, Broken("email.host"), result.exit_code, result.stderr)
    assert "smtp.example.org" in result.stderr and "placeholder" in result.stderr
