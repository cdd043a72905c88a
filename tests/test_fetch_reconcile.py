"""Never miss a late record (issue 11 §6): the weekly reconciliation sweep.

The fake E-utilities server withholds a real recorded record, then releases it with the Entrez date it was
recorded with, years before the window a daily run searches: as when a record becomes searchable late, or a
MeSH-based query starts to match it once it is indexed. The job runs on given days (``today``), so the weeks
pass without waiting; the store is a real SQLite file.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import TOPICS, write_config
from littrack.cli import main
from littrack.config import load_config
from littrack.fetch.job import fetch_job
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import SyntheticHits, parse_ncbi_date
from littrack.replay.server import FakeEutils

CORPUS = default_corpus()
LATE = 27454254  # a real recorded record, Entrez date 2016-07-28
TODAY = dt.date.today()

pytestmark = pytest.mark.slow  # several fetch runs through the real rate limiter


def db(cfg: Path) -> sqlite3.Connection:
    return sqlite3.connect(cfg.parent / "store.sqlite3")


def stored(cfg: Path, pmid: int) -> bool:
    return db(cfg).execute("SELECT 1 FROM papers WHERE pmid = ?", (pmid,)).fetchone() is not None


def test_a_record_that_appears_after_its_window_passed_is_found_by_the_weekly_sweep_and_labelled(
    tmp_path: Path,
) -> None:
    record = CORPUS.get(LATE)
    assert record is not None and record.entrez_date == dt.date(2016, 7, 28)
    first = TODAY - dt.timedelta(days=8)
    with FakeEutils(rate_limit=False) as srv:
        srv.withhold(LATE)
        cfg = write_config(tmp_path, srv.base_url, fetch={"recheck_limit": 0})  # reconcile_days: the default, 7
        fetch_job(load_config(cfg), today=first)  # the backfill, 1950 to `first`: the record is not there yet
        assert not stored(cfg, LATE)

        srv.release(LATE)  # it appears, dated 2016
        srv.reset()
        fetch_job(load_config(cfg), today=first + dt.timedelta(days=1))  # the daily window cannot see it
        assert not stored(cfg, LATE)
        assert [r.utility for r in srv.requests] == ["esearch", "esearch"]

        srv.reset()
        summary = fetch_job(load_config(cfg), today=first + dt.timedelta(days=7))  # a week on: the sweep
        assert stored(cfg, LATE)
        assert summary.line().endswith(f"; 1 record added to PubMed late was found: PMID {LATE}")
        # Per topic one window search and one sweep over all it covers (IDs only); one EFetch for the record.
        assert [r.utility for r in srv.requests] == ["esearch", "esearch", "efetch", "esearch", "esearch"]
        sweeps = [r for r in srv.requests_to("esearch") if r.get("mindate") == "1950/01/01"]
        assert len(sweeps) == 2 and all(r.get("usehistory") is None for r in sweeps)
        assert [r.get("id") for r in srv.requests_to("efetch")] == [str(LATE)]
        topics = {r[0] for r in db(cfg).execute("SELECT topic_id FROM paper_topics WHERE pmid = ?", (LATE,))}
        assert topics == {"ketamine-fibromyalgia", "ketamine-crps"}

        # The next sweep is a week later again: the day after costs the window searches only.
        srv.reset()
        fetch_job(load_config(cfg), today=first + dt.timedelta(days=8))
        assert [r.utility for r in srv.requests] == ["esearch", "esearch"]

    result = CliRunner().invoke(main, ["--config", str(cfg), "digest"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    html = (tmp_path / "digests" / f"{dt.date.today().isoformat()}.html").read_text(encoding="utf-8")
    assert 'added to PubMed late, Entrez date <time datetime="2016-07-28">' in html
    assert html.count("added to PubMed late") == 1


def test_a_topic_too_big_for_one_search_is_swept_over_the_last_year(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "test-key-not-a-secret")  # 10 requests/s: the same requests, sooner
    late = 38962805  # a real recorded record, Entrez date 2024-07-04
    first = dt.date(2025, 1, 8)
    swept_on = first + dt.timedelta(days=7)
    hits = SyntheticHits(12_000, dict.fromkeys(range(2000, 2026), 1.0), end=swept_on)  # SYNTHETIC: IDs, no records
    with FakeEutils(synthetic=hits, rate_limit=False) as srv:
        srv.withhold(late)
        cfg = write_config(tmp_path, srv.base_url, topics=TOPICS[:1], fetch={"recheck_limit": 0})
        fetch_job(load_config(cfg), today=first)
        srv.release(late)
        srv.reset()
        summary = fetch_job(load_config(cfg), today=swept_on)
    assert stored(cfg, late) and summary.late == (late,)
    # The search over all it covers reports more than 9,999; the sweep then asks for the last 365 days' IDs.
    searches = srv.requests_to("esearch")
    whole = [r for r in searches if r.get("mindate") == "1950/01/01"]
    recent = [r for r in searches if r.get("maxdate") == swept_on.strftime("%Y/%m/%d") and r not in whole]
    assert len(whole) == 1 and int(whole[0].get("retmax") or 0) > 0
    spans = [parse_ncbi_date(r.get("mindate") or "", end=False) for r in recent]
    assert min(spans) == swept_on - dt.timedelta(days=364)
