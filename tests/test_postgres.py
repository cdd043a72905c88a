"""PostgreSQL as the store (issue 16 §2): configuration, `store copy`, the advisory job lock, secrets.

A real server throughout (tests/pg_server.py via the ``pg_target`` fixture): never a mock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import write_config
from conftest import StoreTarget
from littrack.cli import main
from littrack.config import load_config
from littrack.errors import ConfigError, LockError
from littrack.lock import job_lock
from littrack.replay.corpus import default_corpus
from littrack.replay.server import FakeEutils
from littrack.store import open_store


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_store_url_and_store_path_together_are_refused(tmp_path: Path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", store={"path": "s.sqlite3", "url": "postgresql://u@h/db"})
    with pytest.raises(ConfigError, match=r"store\.url: and store\.path are both set; keep one"):
        load_config(cfg, environ={})


def test_a_password_written_in_the_url_is_refused_without_repeating_it(tmp_path: Path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", store={"url": "postgresql://u:hunter2-SECRET@h/db"})
    code, out, err = cli(cfg, "status")
    assert code == 2 and out == ""
    assert "store.url: contains a password; remove it from the config and put it in the environment variable" in err
    assert "LITTRACK_DB_PASSWORD" in err and "hunter2-SECRET" not in err and err.count("\n") == 1


def test_the_password_comes_from_the_named_environment_variable_and_is_a_secret(tmp_path: Path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/",
                       store={"url": "postgresql://littrack@db.example/littrack", "password_env": "CLINIC_DB_PW"})
    loaded = load_config(cfg, environ={"CLINIC_DB_PW": "s3cret-value"})
    assert loaded.store.password == "s3cret-value" and "s3cret-value" in loaded.secrets()
    assert "s3cret-value" not in repr(loaded.store)
    assert loaded.store.display == "postgresql://littrack@db.example/littrack"


def test_without_psycopg_a_store_url_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", store={"url": "postgresql://u@127.0.0.1:9/db"})
    code, _, err = cli(cfg, "status")
    assert code == 2
    assert err.strip() == ("littrack: error: store.url needs the PostgreSQL driver psycopg 3: "
                           "pip install 'littrack[postgresql]'")


def test_a_wrong_password_is_one_line_naming_the_variable_and_never_the_password(pg_target, tmp_path, monkeypatch):
    monkeypatch.setenv("LITTRACK_DB_PASSWORD", "wrong-SENTINEL-pw")
    cfg = write_config(tmp_path, "http://127.0.0.1:9/", store={"url": pg_target.location})
    for args in (["status"], ["-v", "status"]):
        code, out, err = cli(cfg, *args)
        assert code == 1
        assert "the server refused the password; set the environment variable named by store.password_env" in err
        assert "wrong-SENTINEL-pw" not in out + err
    assert err.count("Traceback") == 1  # -v shows it, redacted


def test_a_second_job_waits_for_the_advisory_lock_then_names_its_holder(pg_target: StoreTarget, tmp_path: Path):
    cfg = load_config(write_config(tmp_path, "http://127.0.0.1:9/", store={"url": pg_target.location}))
    holder_pattern = rf"the store is in use by [^ ]+:{os.getpid()} \("
    with job_lock(cfg.store, wait=0), pytest.raises(LockError, match=holder_pattern), job_lock(cfg.store, wait=0.5):
        pass
    with job_lock(cfg.store, wait=0):  # released when its connection closed
        pass


@pytest.mark.slow
def test_a_digest_while_another_job_runs_exits_75_naming_the_holder(pg_target: StoreTarget, tmp_path: Path):
    cfg = load_config(write_config(tmp_path, "http://127.0.0.1:9/", store={"url": pg_target.location}))
    with job_lock(cfg.store, wait=0):
        code, _, err = cli(tmp_path / "config.yaml", "digest")  # waits JOB_LOCK_WAIT, then gives up
    assert code == 75 and f":{os.getpid()} (postgresql://" in err and err.count("\n") == 1


def _sqlite_store_with_sent_papers(tmp_path: Path) -> Path:
    """A SQLite store that fetched the recorded corpus and delivered one digest (via the real CLI)."""
    with FakeEutils(default_corpus(), rate_limit=False) as srv:
        cfg = write_config(tmp_path, srv.base_url, fetch={"recheck_limit": 0})
        assert cli(cfg, "fetch")[0] == 0
    code, out, err = cli(cfg, "digest")
    assert code == 0 and out.startswith(f"digest: {len(default_corpus())} papers"), err
    return cfg


@pytest.mark.slow
def test_store_copy_moves_every_table_verifies_counts_and_the_next_digest_resends_nothing(pg_target, tmp_path):
    cfg = _sqlite_store_with_sent_papers(tmp_path)
    with open_store(tmp_path / "store.sqlite3") as lite:
        tables = [r[0] for r in lite.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: lite.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        uuid = lite.conn.execute("SELECT store_uuid FROM store_identity").fetchone()[0]
    code, out, err = cli(cfg, "store", "copy", "--to", pg_target.location)
    assert code == 0, err
    assert out == (f"store copy: {len(tables)} tables, {sum(counts.values()):,} rows → {pg_target.location}"
                   " (counts verified)\n")
    with pg_target.open() as pgs:
        assert {t: pgs.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables} == counts
        assert pgs.conn.execute("SELECT store_uuid FROM store_identity").fetchone()[0] == uuid
        next_run = pgs.conn.execute("SELECT max(id) FROM runs").fetchone()[0] + 1
    # The copy is the store now: its ids continue, and what SQLite delivered is not sent again.
    (tmp_path / "pg").mkdir()
    pg_cfg = write_config(tmp_path / "pg", "http://127.0.0.1:9/", store={"url": pg_target.location},
                          fetch={"recheck_limit": 0})
    code, out, err = cli(pg_cfg, "digest")
    assert code == 0 and out.startswith("digest: 0 papers"), err
    with pg_target.open() as pgs:
        assert pgs.conn.execute("SELECT max(id) FROM runs").fetchone()[0] == next_run
    # A second copy into the now non-empty database is refused, and changes nothing.
    code, _, err = cli(cfg, "store", "copy", "--to", pg_target.location)
    assert code == 1 and "is not empty" in err and "nothing is overwritten" in err


def test_store_copy_refuses_a_url_with_a_password(tmp_path: Path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/")
    code, out, err = cli(cfg, "store", "copy", "--to", "postgresql://u:SENTINEL-pw@h/db")
    assert code == 2 and "--to contains a password" in err and "SENTINEL-pw" not in out + err


KILL_INSIDE_DELIVERY = """
import os, sys, time
import littrack.store.digests as ledger
import littrack.digest.job as job
real, marker = ledger.mark_delivered, sys.argv[2]
def mark_then_hang(conn, *a, **k):
    real(conn, *a, **k)  # the delivery rows are written, not yet committed
    open(marker, "w").close()
    time.sleep(600)
job.mark_delivered = ledger.mark_delivered = mark_then_hang
from littrack.cli import main
sys.argv = ["littrack", "--config", sys.argv[1], "digest"]
main()
"""


@pytest.mark.slow
def test_kill_9_inside_the_delivery_transaction_on_postgresql_then_rerun_delivers_each_paper_once(pg_target, tmp_path):
    with FakeEutils(default_corpus(), rate_limit=False) as srv:
        cfg = write_config(tmp_path, srv.base_url, store={"url": pg_target.location}, fetch={"recheck_limit": 0})
        assert cli(cfg, "fetch")[0] == 0
    marker = tmp_path / "in-delivery"
    proc = subprocess.Popen([sys.executable, "-c", KILL_INSIDE_DELIVERY, str(cfg), str(marker)], env=os.environ.copy())
    ready = threading.Event()
    for _ in range(600):
        if marker.exists() or proc.poll() is not None:
            ready.set()
            break
        threading.Event().wait(0.1)
    assert ready.is_set() and proc.poll() is None, "the digest never reached its delivery transaction"
    proc.kill()  # SIGKILL: no rollback by the client; the server must discard the open transaction
    assert proc.wait() == -9
    with pg_target.open() as pgs:
        assert pgs.conn.execute("SELECT count(*) FROM delivered_papers").fetchone()[0] == 0
    code, out, err = cli(cfg, "digest")
    assert code == 0 and "retrying" in out, err
    with pg_target.open() as pgs:
        rows = pgs.conn.execute("SELECT pmid, count(*) FROM delivered_papers GROUP BY pmid").fetchall()
        statuses = [r[0] for r in pgs.conn.execute("SELECT status FROM digests ORDER BY id")]
    assert len(rows) == len(default_corpus()) and {r[1] for r in rows} == {1}
    assert statuses == ["interrupted", "delivered"]


def test_migration_013_on_postgresql_moves_the_implicit_profile_to_default_and_keeps_what_was_told(pg_target):
    """A PostgreSQL database at schema 12 with SYNTHETIC ledger rows of the implicit profile ('') migrates as the
    SQLite store does (tests/test_profiles_migration.py): nothing already delivered or told is pending again."""
    from littrack.store import postgres

    conn = postgres.connect(pg_target.location, pg_target.password)
    postgres.migrate(conn, upto=12)
    assert postgres.schema_version(conn) == 12
    stamp = "2026-11-30T07:00:00+00:00"
    with conn.transaction() as c:
        c.execute("INSERT INTO papers (pmid, record, content_hash, title, first_seen_at, fetched_at, updated_at)"
                  " VALUES (1, '{}', 'h', 't', ?, ?, ?), (2, '{}', 'h', 't', ?, ?, ?)", (stamp,) * 6)
        c.execute("INSERT INTO digests (id, profile, created_at, status) VALUES (1, '', ?, 'delivered')", (stamp,))
        c.execute("INSERT INTO delivered_papers (profile, pmid, digest_id) VALUES ('', 1, 1), ('', 2, 1),"
                  " ('default', 2, 1)")  # the same fact twice: the '' row goes
        c.execute("INSERT INTO trials (nct_id, state, state_hash, title, overall_status, first_seen_at, seen_at,"
                  " updated_at) VALUES ('NCT1', '{}', 'h', 't', 'RECRUITING', ?, ?, ?)", (stamp,) * 3)
        c.execute("INSERT INTO trial_events (nct_id, kind, detected_at, reported_digest_id, reported_at)"
                  " VALUES ('NCT1', 'new', ?, 1, ?), ('NCT1', 'status', ?, NULL, NULL)", (stamp,) * 3)
    conn.close()
    with pg_target.open() as store:
        assert store.schema_version == store_db_latest()
        c = store.conn
        assert sorted(tuple(r) for r in c.execute("SELECT profile, pmid FROM delivered_papers")) == [
            ("default", 1), ("default", 2)]
        assert [r[0] for r in c.execute("SELECT DISTINCT profile FROM digests")] == ["default"]
        assert [tuple(r) for r in c.execute("SELECT profile, digest_id FROM trial_event_reports")] == [("default", 1)]
        assert [tuple(r) for r in c.execute("SELECT id, first_seen_at FROM profiles")] == [("default", "")]
        columns = {r[0] for r in c.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'trial_events'")}
        assert "reported_digest_id" not in columns


def store_db_latest() -> int:
    from littrack.store.db import migrations

    return migrations()[-1][0]


def test_a_freshly_migrated_database_holds_rows_only_in_the_tables_store_copy_replaces(pg_target: StoreTarget):
    from littrack.store.copy import SEEDED

    with pg_target.open() as store:
        tables = [r[0] for r in store.conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")]
        filled = {t for t in tables if store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]}
    assert filled - {"schema_version"} == set(SEEDED)


def test_a_lost_connection_is_one_line_and_nothing_of_the_open_transaction_is_kept(pg_target, pg_cluster):
    from littrack.errors import StoreError

    with pg_target.open() as store:
        pid = store.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        lost = r"^lost the connection to the store postgresql://littrack@"
        with pytest.raises(StoreError, match=lost) as caught, store.transaction() as c:
            c.execute("INSERT INTO runs (kind, started_at, status) VALUES ('fetch', 'now', 'running')")
            pg_cluster.sql(f"SELECT pg_terminate_backend({pid})")  # the server goes away mid-transaction
            c.execute("SELECT 1")
        assert "\n" not in str(caught.value) and pg_target.password not in str(caught.value)
    with pg_target.open() as store:
        assert store.conn.execute("SELECT count(*) FROM runs").fetchone()[0] == 0


def test_a_digest_that_loses_its_job_lock_stops_before_marking_and_the_next_run_delivers_once(
    pg_target: StoreTarget, pg_cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from littrack.digest import job as digest_job

    with FakeEutils(default_corpus(), rate_limit=False) as srv:
        cfg = write_config(tmp_path, srv.base_url, store={"url": pg_target.location}, fetch={"recheck_limit": 0})
        assert cli(cfg, "fetch")[0] == 0
    database = pg_target.location.rsplit("/", 1)[1]

    def drop_the_lock(step: str) -> None:  # the server restarts, the network fails, an admin ends the session
        if step == "named":
            pg_cluster.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                           f" WHERE datname = '{database}' AND application_name LIKE 'littrack job %'")

    monkeypatch.setattr(digest_job, "reached", drop_the_lock)
    code, _, err = cli(cfg, "digest")
    assert code != 0 and err.count("\n") == 1 and "lost the job lock" in err, err
    with pg_target.open() as pgs:
        assert pgs.conn.execute("SELECT count(*) FROM delivered_papers").fetchone()[0] == 0
    monkeypatch.setattr(digest_job, "reached", lambda step: None)
    code, _, err = cli(cfg, "digest")
    assert code == 0, err
    with pg_target.open() as pgs:
        rows = pgs.conn.execute("SELECT pmid, count(*) FROM delivered_papers GROUP BY pmid").fetchall()
        statuses = [r[0] for r in pgs.conn.execute("SELECT status FROM digests ORDER BY id")]
    assert len(rows) == len(default_corpus()) and {r[1] for r in rows} == {1}
    assert statuses == ["failed", "delivered"]
