"""`littrack status` tells runs from digests at a glance, and `littrack init` / the shipped defaults tell a new
user where the config comes from. Real SQLite files, the real CLI through click's runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.config import load_config, shipped_config_path
from littrack.store import digests as ledger
from littrack.store import open_store
from littrack.store.runs import finish_run, start_run

REPO_CONFIG = Path(__file__).resolve().parents[1] / "config.yaml"


def cli(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    env = {"LITTRACK_CONFIG": ""}
    old = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        r = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(old)
    return r.exit_code, r.stdout, r.stderr


def test_status_numbers_runs_and_digests_so_they_cannot_be_confused(tmp_path: Path) -> None:
    cfg_path = write_config(tmp_path, "http://127.0.0.1:9/", trials={"enabled": True})
    cfg = load_config(cfg_path, environ={})
    with open_store(cfg.store.path) as store:
        for _ in range(3):
            finish_run(store, start_run(store, "fetch"), status="ok", new=2)
        finish_run(store, start_run(store, "trials"), status="failed", error="ClinicalTrials.gov kept failing")
        digest_id = ledger.create_digest(store, "default", [], None, {})
        with store.transaction() as conn:
            ledger.mark_delivered(conn, digest_id, "default", emailed=False, change_ids=[])
        finish_run(store, start_run(store, "digest"), status="ok")
    code, out, _ = cli("--config", str(cfg_path), "status")
    assert code == 0
    lines = out.splitlines()
    assert "run 5 digest ok at" in out and "run 1 fetch ok at" in out
    assert any(line.startswith("digest #1 delivered") for line in lines)
    assert any(line.startswith("fetch: last run") and "(run 3)" in line for line in lines)
    assert any(line.startswith("digest: last run") and "(run 5)" in line for line in lines)
    assert "last error (a later run succeeded)" not in out
    assert "last error: run 4 (trials) at" in out
    assert "#4" not in out and "#5" not in out  # "#" is for digests only
    assert any(
        line.startswith("trials: last ClinicalTrials.gov sync") and "failed (run 4); last successful sync never" in line
        for line in lines
    )


def test_the_repository_config_is_the_shipped_default_byte_for_byte() -> None:
    assert REPO_CONFIG.read_bytes() == shipped_config_path().read_bytes()


def test_init_writes_the_shipped_defaults_and_never_overwrites_an_edited_config(tmp_path: Path) -> None:
    code, out, _ = cli("init", cwd=tmp_path)
    written = tmp_path / "config.yaml"
    assert code == 0 and out.splitlines() == [
        f"init: wrote littrack's default config to {written}",
        "init: set ncbi.email to your address, then run `littrack fetch` in this folder",
    ]
    assert written.read_bytes() == shipped_config_path().read_bytes()
    written.write_text("# mine\n", encoding="utf-8")
    code, _, err = cli("init", cwd=tmp_path)
    assert code == 2
    refusal = f"{written} already exists; edit it, or pass --force to replace it with the shipped defaults"
    assert err == f"littrack: error: {refusal}\n"
    assert written.read_text(encoding="utf-8") == "# mine\n"
    assert cli("init", "--force", cwd=tmp_path)[0] == 0
    assert written.read_bytes() == shipped_config_path().read_bytes()


def test_init_into_another_folder_says_how_to_point_littrack_at_it(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    code, out, _ = cli("init", "etc", cwd=tmp_path)
    target = tmp_path / "etc" / "config.yaml"
    assert code == 0 and target.is_file()
    assert f"then run `littrack --config {target} fetch`" in out


@pytest.mark.parametrize("command", ["fetch", "status", "digest"])
def test_a_missing_config_says_littrack_init_writes_one_and_where_the_defaults_ship(
    tmp_path: Path, command: str
) -> None:
    code, _, err = cli(command, cwd=tmp_path)
    assert code == 2 and err.count("\n") == 1
    assert f"{tmp_path / 'config.yaml'}: config file not found; `littrack init` writes" in err
    assert str(shipped_config_path()) in err
