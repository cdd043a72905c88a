"""The store on both engines: every test here runs on a SQLite file and on a real PostgreSQL server
(``store_target`` in conftest.py; a throwaway cluster from tests/pg_server.py, never a mock)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import write_config
from conftest import StoreTarget
from littrack.cli import main
from littrack.errors import StoreError
from littrack.eutils.pubmed_xml import iter_papers
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import efetch_xml
from littrack.replay.server import FakeEutils
from littrack.store import db as store_db
from littrack.store import postgres
from littrack.store.digests import create_digest, mark_delivered, waiting_pmids
from littrack.store.papers import get_papers, save_papers
from littrack.store.papers import iter_papers as stored_papers
from littrack.store.runs import finish_run, get_watermark, last_run, set_watermark, start_run

PAPERS = list(iter_papers(efetch_xml(r.xml for r in list(default_corpus())[:40])))


def test_a_new_store_is_at_the_latest_schema_and_reopening_changes_nothing(store_target: StoreTarget):
    latest = store_db.migrations()[-1][0]
    with store_target.open() as store:
        assert store.schema_version == latest
        uuid = store.conn.execute("SELECT store_uuid FROM store_identity").fetchone()[0]
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uuid)
    with store_target.open() as store:
        assert store.schema_version == latest
        assert store.conn.execute("SELECT store_uuid FROM store_identity").fetchone()[0] == uuid


def test_papers_round_trip_with_their_topics_and_an_unchanged_save_counts_as_unchanged(store_target: StoreTarget):
    with store_target.open() as store:
        run = start_run(store, "fetch")
        assert run >= 1 and start_run(store, "fetch") == run + 1  # ids come back from INSERT … RETURNING
        with store.transaction() as c:
            first = save_papers(c, PAPERS, topic_id="a", run_id=run)
            save_papers(c, PAPERS[:5], topic_id="b", run_id=run)
        with store.transaction() as c:
            again = save_papers(c, PAPERS, topic_id="a", run_id=run)
        assert (first.new, again.new, again.unchanged) == (len(PAPERS), 0, len(PAPERS))
        got = get_papers(store, [p.pmid for p in PAPERS])
        assert {pmid: s.paper for pmid, s in got.items()} == {p.pmid: p for p in PAPERS}
        assert got[PAPERS[0].pmid].topic_ids == ("a", "b") and got[PAPERS[-1].pmid].topic_ids == ("a",)
        assert [s.paper.pmid for s in stored_papers(store, topic_id="b")] == sorted(p.pmid for p in PAPERS[:5])


def test_a_failed_transaction_leaves_nothing_and_the_watermark_where_it_was(store_target: StoreTarget):
    with store_target.open() as store:
        run = start_run(store, "fetch")
        with store.transaction() as c:
            set_watermark(c, "a", "q", dt.date(2026, 1, 1), run)
        with pytest.raises(RuntimeError), store.transaction() as c:
            save_papers(c, PAPERS, topic_id="a", run_id=run)
            set_watermark(c, "a", "q", dt.date(2026, 6, 1), run)
            raise RuntimeError("the network failed before the window was done")
        assert store.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 0
        assert get_watermark(store, "a", "q") == dt.date(2026, 1, 1)
        finish_run(store, run, status="ok", new=0)
        assert last_run(store, "fetch", status="ok").id == run  # type: ignore[union-attr]


def test_a_paper_is_delivered_once_per_profile_whatever_the_code_above_does(store_target: StoreTarget):
    with store_target.open() as store:
        with store.transaction() as c:
            save_papers(c, PAPERS[:3], topic_id="a", run_id=None)
        pmids = waiting_pmids(store, "")
        assert sorted(pmids) == sorted(p.pmid for p in PAPERS[:3])
        first = create_digest(store, "", pmids, None, {"a": 3})
        with store.transaction() as c:
            mark_delivered(c, first, "", emailed=True, change_ids=[])
        assert waiting_pmids(store, "") == [] and waiting_pmids(store, "other") == pmids
        again = create_digest(store, "", pmids, None, {"a": 3})
        with pytest.raises(Exception, match=r"(?i)unique|duplicate"), store.transaction() as c:
            mark_delivered(c, again, "", emailed=False, change_ids=[])
        emailed = store.conn.execute("SELECT emailed FROM digests WHERE id = ?", (first,)).fetchone()[0]
        assert emailed == 1


def test_a_store_from_a_newer_littrack_is_refused_with_a_clear_message(store_target: StoreTarget):
    with store_target.open() as store:
        if store.dialect == "postgresql":
            store.conn.execute("UPDATE schema_version SET version = 999")
        else:
            store.conn.execute("PRAGMA user_version = 999")
    with pytest.raises(StoreError, match=r"newer littrack \(schema 999\); upgrade littrack"):
        store_target.open()


@pytest.mark.slow
def test_fetch_then_digest_sends_every_paper_once_and_the_next_digest_nothing(store_target, tmp_path: Path):
    corpus = list(default_corpus())[:60]
    from littrack.replay.corpus import Corpus

    with FakeEutils(Corpus(corpus), rate_limit=False) as srv:
        store = {"url": store_target.location} if store_target.dialect == "postgresql" else {"path": "s.sqlite3"}
        cfg = write_config(tmp_path, srv.base_url, store=store, fetch={"recheck_limit": 0})
        run = CliRunner().invoke(main, ["--config", str(cfg), "fetch"], catch_exceptions=False)
        assert run.exit_code == 0, run.stderr
        first = CliRunner().invoke(main, ["--config", str(cfg), "digest"], catch_exceptions=False)
        assert first.exit_code == 0, first.stderr
        assert first.stdout.startswith(f"digest: {len(corpus)} papers")
        second = CliRunner().invoke(main, ["--config", str(cfg), "digest"], catch_exceptions=False)
        assert second.stdout.startswith("digest: 0 papers")
        status = CliRunner().invoke(main, ["--config", str(cfg), "status"], catch_exceptions=False)
        assert status.exit_code == 0, status.stderr
    target = store_target.location if store_target.dialect == "postgresql" else str(tmp_path / "s.sqlite3")
    with store_db.open_store(target, password=store_target.password) as s:
        rows = s.conn.execute("SELECT pmid, count(*) AS n FROM delivered_papers GROUP BY pmid").fetchall()
    assert len(rows) == len(corpus) and {r["n"] for r in rows} == {1}


def test_both_dialects_have_the_same_migration_numbers():
    sqlite_numbers = [v for v, _, _ in store_db.migrations()]
    pg_numbers = [v for v, _, _ in postgres.migrations()]
    assert pg_numbers == sqlite_numbers == list(range(1, len(sqlite_numbers) + 1))


def test_both_dialects_build_the_same_tables_and_columns(pg_target: StoreTarget, tmp_path: Path):
    with store_db.open_store(tmp_path / "s.sqlite3") as lite:
        tables = [r[0] for r in lite.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        sqlite_schema = {
            t: sorted(r["name"] for r in lite.conn.execute(f"PRAGMA table_info({t})")) for t in tables
        }
    with pg_target.open() as pgs:
        rows = pgs.conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        ).fetchall()
    pg_schema: dict[str, list[str]] = {}
    for r in rows:
        if r["table_name"] != "schema_version" and r["column_name"] != "rowid":  # SQLite's are implicit
            pg_schema.setdefault(r["table_name"], []).append(r["column_name"])
    assert {t: sorted(c) for t, c in pg_schema.items()} == sqlite_schema


def test_the_placeholder_translation_leaves_quoted_text_alone():
    assert postgres.translate("SELECT '?', \"a?\" FROM t WHERE x = ? AND y LIKE '5%'") == (
        "SELECT '?', \"a?\" FROM t WHERE x = %s AND y LIKE '5%%'"
    )
