"""`littrack run` as a real subprocess, against the fake E-utilities server and a real SMTP server.

Schedules use the ``@every Ns`` form (a testing aid) so jobs happen within seconds. Waits poll the log file
and the store with generous deadlines; nothing asserts how long anything took.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from configs import write_config
from littrack.replay import replies
from littrack.replay.server import FakeEutils, Fault, RecordedRequest
from smtp_server import smtp_server_fixture  # noqa: F401  (registers the smtp_server_factory fixture)

DEADLINE = 60.0  # seconds; only ever hit when something is broken
pytestmark = pytest.mark.slow  # each test runs `littrack run` as a subprocess for seconds


def _env() -> dict[str, str]:
    secrets = {"NCBI_API_KEY", "LITTRACK_SMTP_PASSWORD", "LITTRACK_CONFIG"}
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def littrack(config: Path, *args: str, timeout: float = DEADLINE) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "littrack", "--config", str(config), *args], capture_output=True,
                          text=True, env=_env(), cwd=config.parent, timeout=timeout)


class Service:
    """A `littrack run` subprocess logging to a file the test reads."""

    def __init__(self, config: Path) -> None:
        self.config = config
        self.log = config.parent / "service.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "littrack", "--config", str(config), "run", "--log-file", str(self.log),
             "--log-level", "INFO"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(), cwd=config.parent,
        )

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    def wait_until(self, what: str, check: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            result = check()
            if result:
                return result
            if self.proc.poll() is not None:
                raise AssertionError(f"service exited ({self.proc.returncode}) before {what}:\n{self.text()}"
                                     f"\n{self.proc.stderr.read() if self.proc.stderr else ''}")
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; log so far:\n{self.text()}")

    def wait_for_log(self, pattern: str, count: int = 1, after: int = 0) -> list[str]:
        """Wait until ``pattern`` matches ``count`` lines of the log (from character ``after`` on)."""
        rx = re.compile(pattern)

        def found() -> list[str]:
            lines = [line for line in self.text()[after:].splitlines() if rx.search(line)]
            return lines if len(lines) >= count else []

        result: list[str] = self.wait_until(f"{count} log line(s) matching {pattern!r}", found)
        return result

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=DEADLINE)
        finally:
            if self.proc.stdout:
                self.proc.stdout.close()
            if self.proc.stderr:
                self.proc.stderr.close()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def start_service() -> Iterator[Callable[[Path], Service]]:
    started: list[Service] = []

    def start(config: Path) -> Service:
        svc = Service(config)
        started.append(svc)
        return svc

    yield start
    for svc in started:
        svc.kill()


def service_config(tmp_path: Path, fake: FakeEutils, **sections: Any) -> Path:
    schedule = {"fetch": "@every 2s", "digest": "0 7 1 1 *", "retry_minutes": 0, "max_retries": 1,
                "timezone": "UTC", **sections.pop("schedule", {})}
    return write_config(tmp_path, fake.base_url, schedule=schedule, **sections)


def ledger(config: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(config.parent / "store.sqlite3")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_service_fetches_and_digests_on_schedule_then_stops_cleanly_on_sigterm(
    tmp_path: Path, fake_eutils: FakeEutils, smtp_server_factory: Callable[..., Any],
    start_service: Callable[[Path], Service],
) -> None:
    smtp = smtp_server_factory(starttls=True)
    config = service_config(
        tmp_path, fake_eutils, schedule={"fetch": "@every 2s", "digest": "@every 4s"},
        email={"enabled": True, "host": smtp.host, "port": smtp.port, "security": "starttls",
               "ca_file": str(smtp.ca_path), "from": "littrack@clinic.test", "to": ["reader@clinic.test"]},
    )
    svc = start_service(config)
    svc.wait_for_log(r"littrack\.service: fetch: \d+ new, \d+ updated papers .*\[\d+\.\ds\]")
    svc.wait_for_log(r"littrack\.service: digest: \d+ papers? → .*\(written and e-mailed\)")
    messages = smtp.wait_for(1)
    assert messages[0]["To"] == "reader@clinic.test"
    svc.wait_for_log(r"next fetch at \d{4}-\d\d-\d\d \d\d:\d\d, next digest at \d{4}-\d\d-\d\d \d\d:\d\d")

    assert svc.stop(signal.SIGTERM) == 0
    log = svc.text()
    assert "SIGTERM received: stopping" in log
    assert log.rstrip().endswith("littrack service stopped")
    digests = tmp_path / "digests"
    assert [p for p in digests.glob("*.html") if p.name != "index.html"]
    assert [name for name in os.listdir(digests) if name.endswith(".tmp")] == []
    assert ledger(config, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]
    assert ledger(config, "SELECT count(*) FROM runs WHERE kind = 'digest' AND status = 'ok'")[0][0] >= 1
    assert ledger(config, "SELECT count(*) FROM digests WHERE status = 'pending'") == [(0,)]


def test_second_service_on_the_same_store_is_refused_with_exit_75(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    config = service_config(tmp_path, fake_eutils, schedule={"fetch": "0 6 * * *"})
    first = start_service(config)
    first.wait_for_log(r"next fetch at")

    second = littrack(config, "run")
    assert second.returncode == 75
    assert re.search(rf"another `littrack run` \(process {first.proc.pid}\) is already serving the store",
                     second.stderr)
    assert "Traceback" not in second.stderr
    assert first.proc.poll() is None
    assert first.stop() == 0


def test_failing_job_is_logged_and_retried_and_the_service_keeps_running(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    # Four 503s: the first fetch (both topics: one topic's failure does not stop the other) and its one retry
    # fail; the next scheduled fetch succeeds.
    fake_eutils.inject(Fault.HTTP_503, times=4)
    config = service_config(tmp_path, fake_eutils, ncbi={"max_retries": 0})
    svc = start_service(config)
    svc.wait_for_log(r"ERROR littrack\.service: fetch failed after \d+\.\ds: .*; retry 1/1 at ")
    svc.wait_for_log(r"ERROR littrack\.service: fetch failed after .*; gave up after 1 retry, next scheduled run at ")
    svc.wait_for_log(r"littrack\.service: fetch: \d+ new, \d+ updated papers")
    assert "Traceback" not in svc.text()
    assert ledger(config, "SELECT count(*) FROM runs WHERE kind = 'fetch' AND status = 'failed'")[0][0] >= 2
    assert svc.stop() == 0


def test_a_partial_fetch_logs_what_was_fetched_and_is_retried(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    # Every ESearch of topic 1 fails (a SYNTHETIC back-end error); topic 2 is fetched each time.
    original = fake_eutils.esearch

    def esearch(p: RecordedRequest) -> tuple[int, str, bytes]:
        if "fibromyalgia" in (p.get("term") or ""):
            return 200, "text/xml", replies.error_xml("eSearchResult", replies.BACKEND_DOWN)
        return original(p)

    fake_eutils.esearch = esearch  # type: ignore[method-assign]
    config = service_config(tmp_path, fake_eutils, ncbi={"max_retries": 0})
    svc = start_service(config)
    svc.wait_for_log(r"littrack\.fetch\.job: fetch: \d+ new, 0 updated papers in 1 of 2 topics .*;"
                     r" failed: ketamine-fibromyalgia")
    svc.wait_for_log(r"ERROR littrack\.service: fetch failed after \d+\.\ds: fetch incomplete:"
                     r" topic ketamine-fibromyalgia failed: .*Search Backend failed.*; retry 1/1 at ")
    assert "Traceback" not in svc.text()
    assert ledger(config, "SELECT status FROM runs WHERE kind = 'fetch' ORDER BY id LIMIT 1") == [("partial",)]
    assert ledger(config, "SELECT topic_id FROM watermarks") == [("ketamine-crps",)]
    assert svc.stop() == 0


def test_a_job_failing_every_time_does_not_stop_the_service(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    # The digest output "directory" is a file: every digest fails; the service carries on.
    (tmp_path / "not-a-dir").write_text("occupied", encoding="utf-8")
    config = service_config(tmp_path, fake_eutils, schedule={"digest": "@every 2s", "max_retries": 0},
                            digest={"output_dir": "not-a-dir/digests"})
    svc = start_service(config)
    svc.wait_for_log(r"ERROR littrack\.service: digest failed after .*; retries are off \(schedule\.max_retries: 0\)",
                     count=2)
    assert svc.proc.poll() is None
    assert svc.stop() == 0


def test_sighup_with_a_broken_config_keeps_the_old_one_and_a_good_one_reschedules(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    config = service_config(tmp_path, fake_eutils)
    good = config.read_text(encoding="utf-8")
    svc = start_service(config)
    svc.wait_for_log(r"littrack\.service: fetch: \d+ new")

    config.write_text("ncbi: [this is not: valid yaml\n", encoding="utf-8")
    svc.proc.send_signal(signal.SIGHUP)
    rejected = svc.wait_for_log(r"ERROR littrack\.service: config reload rejected: .*not valid YAML.*; keeping the"
                                r" previous config")
    mark = svc.text().index(rejected[0])
    svc.wait_for_log(r"littrack\.service: fetch: \d+ new", after=mark)  # still fetching with the old config

    config.write_text(good.replace("'@every 2s'", "'@every 3s'").replace("@every 2s", "@every 3s"), encoding="utf-8")
    svc.proc.send_signal(signal.SIGHUP)
    svc.wait_for_log(r"config reloaded from .*; schedule: fetch '@every 3s'")
    assert svc.stop() == 0


def test_status_json_shows_next_run_times_while_the_service_runs(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    config = service_config(tmp_path, fake_eutils, schedule={"fetch": "@every 2s", "digest": "0 7 * * mon"})
    svc = start_service(config)
    svc.wait_for_log(r"littrack\.service: fetch: \d+ new")

    def status() -> dict[str, Any]:
        result = littrack(config, "status", "--json")
        assert result.returncode == 0, result.stderr
        info: dict[str, Any] = json.loads(result.stdout)
        return info

    info = svc.wait_until("status with a fetch run", lambda: (i := status())["jobs"]["fetch"]["last_run"] and i)
    assert info["service"]["running"] is True
    assert info["service"]["pid"] == svc.proc.pid
    for kind in ("fetch", "digest"):
        assert info["jobs"][kind]["next_run_source"] == "service"
        assert dt.datetime.fromisoformat(info["jobs"][kind]["next_run"]).tzinfo is not None
    assert dt.datetime.fromisoformat(info["jobs"]["digest"]["next_run"]).weekday() == 0  # a Monday
    assert info["jobs"]["fetch"]["outcome"] in {"ok", "running"}
    # Every replayed record matches both topics and no digest has run (the next is on a Monday at 07:00).
    assert info["waiting"]["papers"] == len(fake_eutils.corpus)
    assert {"runs", "counts", "watermarks", "store_bytes", "config", "store"} <= set(info)

    assert svc.stop() == 0
    after = status()
    assert after["service"] == {"running": False}
    assert after["jobs"]["fetch"]["next_run_source"] == "schedule"
    human = littrack(config, "status")
    assert "service: not running" in human.stdout
    assert re.search(r"^fetch: last run .* ok", human.stdout, re.MULTILINE)


def test_a_slot_missed_while_down_runs_once_at_start(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    slot = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    config = service_config(tmp_path, fake_eutils, schedule={
        "fetch": f"{slot.minute} {slot.hour} * * *", "misfire_grace_minutes": 60})
    svc = start_service(config)
    svc.wait_for_log(rf"WARNING littrack\.service: missed fetch at {slot:%Y-%m-%d %H:%M} \(machine off\?\);"
                     r" running it now")
    svc.wait_for_log(r"littrack\.service: fetch: \d+ new")
    assert svc.stop() == 0
    assert ledger(config, "SELECT count(*) FROM runs WHERE kind = 'fetch'") == [(1,)]


# -- in process: an exception littrack does not know must not escape a job ----------------------------------
# No real peer raises an arbitrary exception on cue, so these replace the job runner with one that does.


def test_unexpected_exception_is_one_error_line_with_the_traceback_at_debug_and_is_retried(
    tmp_path: Path, fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    from littrack import service as service_module
    from littrack.config import load_config

    def boom(cfg: Any, emit: Callable[[str], None]) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setitem(service_module.RUNNERS, "fetch", boom)
    # A daily slot twelve hours away, so the 15-minute retry always comes before the next scheduled run.
    far = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).hour  # the test config runs in UTC
    cfg = load_config(service_config(tmp_path, fake_eutils, schedule={"fetch": f"0 {far} * * *", "retry_minutes": 15}))
    svc = service_module.Service(cfg.path, cfg)
    svc.scheduler.start(paused=True)
    try:
        svc._schedule(cfg)
        with caplog.at_level(logging.DEBUG, logger="littrack.service"):
            svc.run_job("fetch", "test")
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1
        assert re.fullmatch(r"fetch failed after \d+\.\ds: unexpected RuntimeError: boom second line; retry 1/1 at .*",
                            errors[0].getMessage())
        assert any(r.levelno == logging.DEBUG and r.exc_info for r in caplog.records)
        assert svc.scheduler.get_job("fetch-retry") is not None
        assert svc.next_run("fetch") == svc.scheduler.get_job("fetch-retry").next_run_time

        monkeypatch.setitem(service_module.RUNNERS, "fetch", lambda cfg, emit: emit("fetch: fine"))
        svc.run_job("fetch", "retry 1/1")
        assert svc.scheduler.get_job("fetch-retry") is None  # success clears the pending retry
    finally:
        svc.scheduler.shutdown(wait=False)


def test_sigterm_interrupts_a_job_that_does_not_finish_and_the_ledger_says_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from littrack import service as service_module
    from littrack.config import load_config
    from littrack.replay.corpus import default_corpus

    with FakeEutils(default_corpus(), rate_limit=False, slow_seconds=4) as slow:
        slow.inject(Fault.SLOW, times=1)  # the first request stalls past the client's 2 s timeout
        cfg = load_config(service_config(tmp_path, slow, ncbi={"max_retries": 0}))
        svc = service_module.Service(cfg.path, cfg)
        svc.scheduler.start(paused=True)
        worker = threading.Thread(target=svc.run_job, args=("fetch", "test"))
        worker.start()
        deadline = time.monotonic() + DEADLINE
        while not slow.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        monkeypatch.setattr(service_module, "STOP_WAIT", 0.1)
        abandoned = svc._shutdown(signal.SIGTERM)
        worker.join(DEADLINE)
    assert abandoned is False
    assert ledger(cfg.path, "SELECT status FROM runs") == [("interrupted",)]


def test_digest_fetches_first_when_no_fetch_succeeded_within_the_digest_period(
    tmp_path: Path, fake_eutils: FakeEutils, start_service: Callable[[Path], Service],
) -> None:
    config = service_config(tmp_path, fake_eutils, schedule={"fetch": "0 7 1 1 *", "digest": "@every 2s"})
    svc = start_service(config)
    svc.wait_for_log(r"digest: the last successful fetch is missing; fetching first")
    svc.wait_for_log(r"littrack\.service: digest: \d+ papers → ")
    assert svc.stop() == 0
    kinds = ledger(config, "SELECT kind, status FROM runs ORDER BY id")
    assert kinds[:2] == [("fetch", "ok"), ("digest", "ok")]
