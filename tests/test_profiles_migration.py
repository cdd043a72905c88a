"""Migration 013 on a store written by the release before profiles (tests/data/store-schema12.sqlite3, see
tests/data/README.md): the implicit profile keeps its whole history under the id ``default`` (nothing is sent
again: papers, trial changes, mention and claim reports), and a profile added afterwards starts at its
registration. A real SQLite file (a copy of the fixture), the CLI through click's CliRunner."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.store import db as store_db
from littrack.store import open_store
from littrack.store.mentions import reported_states
from littrack.trials.report import pending_trial_changes

FIXTURE = Path(__file__).parent / "data" / "store-schema12.sqlite3"


@pytest.fixture
def old_store(tmp_path: Path) -> Path:
    shutil.copy(FIXTURE, tmp_path / "store.sqlite3")
    conn = sqlite3.connect(tmp_path / "store.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 12
    assert conn.execute("SELECT DISTINCT profile FROM delivered_papers").fetchall() == [("",)]
    conn.close()
    return tmp_path / "store.sqlite3"


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def test_migration_keeps_the_implicit_profiles_ledger_under_default(old_store: Path) -> None:
    before = sqlite3.connect(old_store)
    papers = {r[0] for r in before.execute("SELECT pmid FROM delivered_papers")}
    reported_events = {r[0] for r in before.execute("SELECT id FROM trial_events WHERE reported_digest_id IS NOT NULL")}
    mentions = before.execute("SELECT count(*) FROM mention_reports").fetchone()[0]
    before.close()
    assert len(papers) == 18 and len(reported_events) == 11 and mentions  # 2 staged as reported, 9 by digest #1
    with open_store(old_store) as store:
        assert store.schema_version == store_db.migrations()[-1][0] >= 13
        c = store.conn
        assert {r[0] for r in c.execute("SELECT pmid FROM delivered_papers WHERE profile = 'default'")} == papers
        assert [tuple(r) for r in c.execute("SELECT DISTINCT profile FROM digests")] == [("default",)]
        assert {r[0] for r in c.execute("SELECT event_id FROM trial_event_reports WHERE profile = 'default'")} == (
            reported_events
        )
        assert len(reported_states(store, "default")) == mentions
        assert c.execute("SELECT count(*) FROM claim_reports WHERE profile = ''").fetchone()[0] == 0
        assert [tuple(r) for r in c.execute("SELECT id, first_seen_at FROM profiles")] == [("default", "")]
        assert pending_trial_changes(store) == ()  # every change was told: none is told again


def test_an_old_store_and_config_send_nothing_again(old_store: Path) -> None:
    cfg = write_config(old_store.parent, "http://127.0.0.1:9/")  # today's config: no profiles
    code, out, err = cli(cfg, "digest")
    assert code == 0, err
    assert out.startswith("digest: 0 papers → ") and "/digests/" in out and "/default/" not in out
    conn = sqlite3.connect(old_store)
    digests = conn.execute("SELECT profile, total FROM digests ORDER BY id").fetchall()
    assert digests == [("default", 18), ("default", 0)]
    assert conn.execute("SELECT count(*) FROM delivered_papers").fetchone()[0] == 18
    name = conn.execute("SELECT filename FROM digests WHERE id = 2").fetchone()[0]
    page = (old_store.parent / "digests" / name).read_text(encoding="utf-8")
    assert "No resolution changed since the last digest" in page  # the study mentions are not told again
    assert "This profile was added on" not in page and "Profile " not in page


def test_a_profile_added_to_an_old_store_starts_at_its_registration(old_store: Path) -> None:
    cfg = write_config(
        old_store.parent,
        "http://127.0.0.1:9/",
        profiles=[{"id": "default", "name": "Everything"}, {"id": "crps", "name": "CRPS", "topics": ["ketamine-crps"]}],
    )
    old_page = sqlite3.connect(old_store).execute("SELECT filename FROM digests WHERE id = 1").fetchone()[0]
    (old_store.parent / "digests").mkdir()
    (old_store.parent / "digests" / old_page).write_text("the digest the old release wrote", encoding="utf-8")
    code, out, err = cli(cfg, "digest")
    assert code == 0, err
    assert "digest (default): 0 papers" in out and "digest (crps): 0 papers" in out
    page = next((old_store.parent / "digests" / "crps").glob("*-crps.html")).read_text(encoding="utf-8")
    assert "This profile was added on" in page
    default_page = next((old_store.parent / "digests" / "default").glob("*-default.html")).read_text(encoding="utf-8")
    assert "This profile was added on" not in default_page  # the store's history is its history
    conn = sqlite3.connect(old_store)
    assert conn.execute("SELECT count(*) FROM delivered_papers WHERE profile = 'crps'").fetchone()[0] == 0
    # The top index lists the profiles, and still the digest written before them (if its file is there).
    index = (old_store.parent / "digests" / "index.html").read_text(encoding="utf-8")
    assert 'href="crps/index.html"' in index and 'href="default/index.html"' in index
    assert "Digests from before profiles" in index and f'href="{old_page}"' in index
