"""Two `littrack run` services on one PostgreSQL database (two machines in a hospital network, here two
processes): one holds the scheduler lock and schedules, the other stands by; kill -9 the holder and the other
takes over within a minute, and no job ever runs twice at once. Real processes, a real server, a real SIGKILL."""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import StoreTarget
from littrack.replay.server import FakeEutils
from test_service import Service, service_config

pytestmark = pytest.mark.slow
TAKEOVER = 60.0  # seconds: the bound for the standby to take over


@pytest.fixture
def start_service() -> Iterator[Callable[[Path], Service]]:
    started: list[Service] = []

    def start(config: Path) -> Service:
        started.append(Service(config))
        return started[-1]

    yield start
    for svc in started:
        svc.kill()


def _runs(target: StoreTarget) -> list[tuple[int, str, str, str | None, int]]:
    with target.open() as store:
        return [tuple(r) for r in store.conn.execute(  # type: ignore[misc]
            "SELECT id, status, started_at, ended_at, pid FROM runs WHERE kind = 'fetch' ORDER BY id")]


def _scheduler_lock(config: Path) -> tuple[dict[str, Any], str]:
    """`littrack status --json`'s scheduler lock, and the line plain `littrack status` prints for it."""
    runs = [subprocess.run([sys.executable, "-m", "littrack", "--config", str(config), "status", *extra],
                           capture_output=True, text=True, timeout=120, check=True) for extra in (["--json"], [])]
    line = next((x for x in runs[1].stdout.splitlines() if x.startswith("scheduler lock:")), "")
    return json.loads(runs[0].stdout)["service"]["scheduler_lock"], line


def test_the_standby_takes_over_within_a_minute_of_a_kill_9_and_no_job_runs_twice(
    tmp_path: Path, fake_eutils: FakeEutils, pg_target: StoreTarget, start_service: Callable[[Path], Service],
) -> None:
    folders = [tmp_path / "machine-a", tmp_path / "machine-b"]
    configs = []
    for folder in folders:
        folder.mkdir()
        configs.append(service_config(folder, fake_eutils, store={"url": pg_target.location},
                                      schedule={"fetch": "@every 2s"}, fetch={"recheck_limit": 0}))
    first = start_service(configs[0])
    first.wait_for_log(r"littrack\.service: fetch: \d+ new")
    second = start_service(configs[1])
    line = second.wait_for_log(r"standing by: the scheduler lock is held by")[0]
    assert re.search(rf"held by [^ ]+:{first.proc.pid};", line), line
    lock, said = _scheduler_lock(configs[1])  # status names who schedules and who stands by
    assert lock["holder"].endswith(f":{first.proc.pid}"), lock
    assert [w.rsplit(":", 1)[1] for w in lock["standing_by"]] == [str(second.proc.pid)], lock
    assert said == f"scheduler lock: held by {lock['holder']}; standing by: {lock['standing_by'][0]}"
    first.wait_for_log(r"littrack\.service: fetch: \d+ new", count=3)
    assert {r[4] for r in _runs(pg_target)} == {first.proc.pid}  # the standby ran nothing

    first.kill()  # SIGKILL: no clean-up; only the server's end of the connection releases the lock
    killed_at = time.monotonic()
    second.wait_for_log(r"taking over: the scheduler lock is free")
    assert time.monotonic() - killed_at < TAKEOVER
    second.wait_for_log(r"littrack\.service: fetch: \d+ new", count=2)
    lock, _ = _scheduler_lock(configs[0])
    assert lock["holder"].endswith(f":{second.proc.pid}") and lock["standing_by"] == [], lock
    assert second.stop() == 0

    runs = _runs(pg_target)
    assert {r[4] for r in runs} == {first.proc.pid, second.proc.pid}
    assert all(r[1] in {"ok", "interrupted"} for r in runs), runs  # the killed one's run, if any, was closed
    # Never two fetches at once: each run started after the previous one ended (or was cut off by the kill).
    for before, after in itertools.pairwise(runs):
        if before[1] == "ok":
            assert before[3] is not None and after[2] >= before[3], (before, after)
    b_first = min(r[2] for r in runs if r[4] == second.proc.pid)
    assert all(r[2] < b_first for r in runs if r[4] == first.proc.pid)


def test_a_standby_service_stops_cleanly_on_sigterm(
    tmp_path: Path, fake_eutils: FakeEutils, pg_target: StoreTarget, start_service: Callable[[Path], Service],
) -> None:
    folders = [tmp_path / "a", tmp_path / "b"]
    configs = []
    for folder in folders:
        folder.mkdir()
        configs.append(service_config(folder, fake_eutils, store={"url": pg_target.location},
                                      schedule={"fetch": "0 6 * * *"}))
    first = start_service(configs[0])
    first.wait_for_log(r"next fetch at")
    second = start_service(configs[1])
    second.wait_for_log(r"standing by: the scheduler lock is held by")
    assert second.stop() == 0
    assert "stopped while standing by" in second.text()
    assert first.proc.poll() is None and first.stop() == 0


def test_the_database_password_reaches_no_output_or_log_at_debug_level(
    tmp_path: Path, fake_eutils: FakeEutils, pg_target: StoreTarget,
) -> None:
    password = pg_target.password or ""
    forms = {password, urllib.parse.quote(password), urllib.parse.quote_plus(password)}
    config = service_config(tmp_path, fake_eutils, store={"url": pg_target.location},
                            schedule={"fetch": "@every 2s"}, fetch={"recheck_limit": 0})
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    outputs = []
    for args in (["-v", "fetch"], ["-v", "digest"], ["-v", "status"], ["status", "--json"]):
        done = subprocess.run([sys.executable, "-m", "littrack", "--config", str(config), *args],
                              capture_output=True, env=env, cwd=tmp_path, timeout=120)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout + done.stderr)
    log = tmp_path / "service.log"
    proc = subprocess.Popen([sys.executable, "-m", "littrack", "--config", str(config), "run", "--log-file",
                             str(log), "--log-level", "DEBUG"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not re.search(rb"littrack\.service: fetch: \d+ new", log.read_bytes() if log.exists() else b""):
            assert time.monotonic() < deadline and proc.poll() is None, "the service never fetched"
            time.sleep(0.2)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=60)
    outputs += [out, err, log.read_bytes()]
    leaks = [f for f in forms if f and any(f.encode() in out for out in outputs)]
    assert leaks == []


def test_a_holder_that_loses_its_lock_connection_stops_rather_than_schedule_without_it(
    tmp_path: Path, fake_eutils: FakeEutils, pg_target: StoreTarget, pg_cluster: Any,
    start_service: Callable[[Path], Service],
) -> None:
    config = service_config(tmp_path, fake_eutils, store={"url": pg_target.location}, schedule={"fetch": "0 6 * * *"})
    svc = start_service(config)
    svc.wait_for_log(r"next fetch at")
    database = pg_target.location.rsplit("/", 1)[1]
    pg_cluster.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                   f" WHERE datname = '{database}' AND application_name LIKE 'littrack scheduler %'")
    svc.wait_for_log(r"lost the connection holding the scheduler lock; stopping")
    assert svc.proc.wait(timeout=60) == 75  # it stopped itself; not 0, so systemd's Restart=on-failure restarts it
    assert "littrack service stopped" in svc.text()
    assert "lost the connection holding the scheduler lock" in (svc.proc.stderr.read() if svc.proc.stderr else "")
    svc.stop()
