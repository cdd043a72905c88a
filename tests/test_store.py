"""The SQLite store itself: a real file, WAL journal, numbered migrations applied once, in order."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.errors import StoreError
from littrack.eutils.pubmed_xml import iter_papers
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import efetch_xml
from littrack.store import open_store
from littrack.store.db import migrations
from littrack.store.papers import save_papers


def test_migrations_are_numbered_without_gaps_so_none_is_ever_skipped():
    versions = [v for v, _, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))


def test_new_store_is_a_wal_file_at_the_latest_schema_and_reopening_changes_nothing(tmp_path):
    path = tmp_path / "s.sqlite3"
    with open_store(path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.schema_version == migrations()[-1][0]
    with open_store(path) as store:
        assert store.schema_version == migrations()[-1][0]
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"papers", "paper_topics", "runs", "watermarks", "digests", "delivered_papers"} <= tables


def test_store_from_a_newer_littrack_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "s.sqlite3"
    open_store(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer littrack"):
        open_store(path)


def test_a_full_disk_rolls_the_transaction_back_and_says_so(tmp_path):
    """SQLite's page limit stands in for a full disk: the write fails with SQLITE_FULL, as on a full disk."""
    papers = list(iter_papers(efetch_xml(r.xml for r in list(default_corpus())[:50])))
    with open_store(tmp_path / "s.sqlite3") as store:
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 2}")
        with pytest.raises(StoreError, match="disk is full"), store.transaction() as conn:
            save_papers(conn, papers, topic_id="t", run_id=None)
        assert store.conn.execute("SELECT count(*) FROM papers").fetchone()[0] == 0


@pytest.mark.slow
def test_fetch_on_a_full_disk_fails_in_one_line_and_keeps_the_watermark(fake_eutils, tmp_path, monkeypatch):
    import littrack.fetch.job

    def small_disk(path, **kwargs):  # type: ignore[no-untyped-def]
        store = open_store(path, **kwargs)
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 8}")
        return store

    monkeypatch.setattr(littrack.fetch.job, "open_store", small_disk)
    cfg = write_config(tmp_path, fake_eutils.base_url)
    result = CliRunner().invoke(main, ["--config", str(cfg), "fetch"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1].startswith("littrack: error: cannot write the store")
    assert "disk is full" in result.stderr and "Traceback" not in result.stderr
    conn = sqlite3.connect(tmp_path / "store.sqlite3")
    assert conn.execute("SELECT count(*) FROM watermarks").fetchone()[0] == 0
    # Space freed: the next run completes the window.
    monkeypatch.setattr(littrack.fetch.job, "open_store", open_store)
    assert CliRunner().invoke(main, ["--config", str(cfg), "fetch"]).exit_code == 0
    assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == len(default_corpus())


def test_codec_round_trips_every_recorded_pubmed_record() -> None:
    # Every field of Paper, including NLM's IndexingMethod, survives the papers.record JSON column.
    from evidence_eval.evalset import load_corpus
    from littrack.store.codec import paper_from_json, paper_to_json

    papers = load_corpus()
    assert any(p.indexing_method == "Automated" for p in papers)
    assert all(paper_from_json(paper_to_json(p)) == p for p in papers)
