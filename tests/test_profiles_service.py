"""Profiles in the service and in ``littrack status`` (issue 16): one fetch job, one digest job per profile on its
own schedule (``digest:<id>``), each e-mailed to its own recipients; a reload adds and removes profile jobs.

`littrack run` as a real subprocess against the fake E-utilities server and a real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.replay.server import FakeEutils
from smtp_server import smtp_server_fixture  # noqa: F401  (registers the smtp_server_factory fixture)
from test_service import Service, littrack, service_config, start_service  # noqa: F401  (the fixture)

CRPS = "ketamine-crps"


def status_json(config: Path) -> dict[str, Any]:
    r = CliRunner().invoke(main, ["--config", str(config), "status", "--json"], catch_exceptions=False)
    info: dict[str, Any] = json.loads(r.stdout)
    return info


def test_status_shows_each_profiles_last_digest_waiting_papers_next_run_and_readers(
    tmp_path: Path, fake_eutils: FakeEutils
) -> None:
    config = write_config(tmp_path, fake_eutils.base_url, schedule={"digest": "0 7 * * mon", "timezone": "UTC"},
                          email={"to": ["a@clinic.test", "b@clinic.test"]}, profiles=[
        {"id": "crps", "name": "Dr A", "topics": [CRPS], "schedule": "0 8 * * fri", "email": {"to": ["a@clinic.test"]}},
        {"id": "all", "name": "Dr B"},
    ])
    assert CliRunner().invoke(main, ["--config", str(config), "fetch"]).exit_code == 0
    assert CliRunner().invoke(main, ["--config", str(config), "digest", "--profile", "crps"]).exit_code == 0
    info = status_json(config)
    crps, everyone = info["profiles"]
    assert (crps["id"], crps["job"], crps["recipients"], crps["papers_waiting"]) == ("crps", "digest:crps", 1, 0)
    assert crps["last_digest"]["filename"].endswith("-crps.html") and crps["next_run"].startswith("20")
    assert crps["next_run_source"] == "schedule" and crps["schedule"] == "0 8 * * fri"
    assert (everyone["recipients"], everyone["last_digest"]) == (2, None)
    assert everyone["papers_waiting"] == info["counts"]["papers"] > 0
    human = CliRunner().invoke(main, ["--config", str(config), "status"]).stdout
    assert re.search(r"^profile crps \(Dr A\): last digest #1 .* \(\d+ papers\); 0 papers waiting; next .*"
                     r" \(by schedule '0 8 \* \* fri'\); 1 recipient \(e-mail off\)$", human, re.MULTILINE), human
    assert re.search(r"^profile all \(Dr B\): no digest yet; \d+ papers waiting;", human, re.MULTILINE)


@pytest.mark.slow
def test_the_service_runs_each_profiles_digest_on_its_schedule_to_its_readers(
    tmp_path: Path, fake_eutils: FakeEutils, smtp_server_factory: Callable[..., Any],
    start_service: Callable[[Path], Service],  # noqa: F811
) -> None:
    smtp = smtp_server_factory(starttls=True)
    email = {"enabled": True, "host": smtp.host, "port": smtp.port, "security": "starttls",
             "ca_file": str(smtp.ca_path), "from": "littrack@clinic.test", "to": ["everyone@clinic.test"]}
    profiles = [
        {"id": "crps", "name": "Dr A", "topics": [CRPS], "schedule": "@every 3s", "email": {"to": ["a@clinic.test"]}},
        {"id": "all", "name": "Dr B", "schedule": "@every 4s", "email": {"subject": "everything: {summary}"}},
    ]
    config = service_config(tmp_path, fake_eutils, schedule={"fetch": "@every 2s"}, email=email, profiles=profiles)
    svc = start_service(config)
    svc.wait_for_log(r"schedule: fetch '@every 2s', digest:crps '@every 3s', digest:all '@every 4s' in UTC")
    svc.wait_for_log(r"next fetch at .*, next digest:crps at .*, next digest:all at ")
    svc.wait_for_log(r"littrack\.service: digest \(crps\): \d+ papers? → .*/digests/crps/.*\(written and e-mailed\)")
    svc.wait_for_log(r"littrack\.service: digest \(all\): \d+ papers? → .*/digests/all/.*\(written and e-mailed\)")
    messages = smtp.wait_for(2)
    to = sorted(m["To"] for m in messages[:2])
    assert to == ["a@clinic.test", "everyone@clinic.test"]
    assert any(m["Subject"].startswith("everything: ") for m in messages)
    info = svc.wait_until("status from the service", lambda: (i := status_json(config))["service"]["running"] and i)
    assert {p["job"]: p["next_run_source"] for p in info["profiles"]} == {"digest:crps": "service",
                                                                         "digest:all": "service"}
    # Dr B leaves: a reload removes the job.
    service_config(tmp_path, fake_eutils, schedule={"fetch": "@every 2s"}, email=email, profiles=profiles[:1])
    svc.proc.send_signal(signal.SIGHUP)
    svc.wait_for_log(r"digest:all removed \(its profile left the config\)")
    svc.wait_for_log(r"config reloaded from .*; schedule: fetch '@every 2s', digest:crps '@every 3s' in UTC")
    assert svc.stop() == 0
    assert littrack(config, "status").returncode == 0
