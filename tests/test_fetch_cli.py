"""`littrack fetch` end to end: the real CLI entry point, the fake E-utilities server on loopback replaying
recorded PubMed records, and a real SQLite file."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.replay.corpus import default_corpus
from littrack.replay.server import FakeEutils, Fault


def today() -> dt.date:
    """The fetch's "today", read when asserting (a module constant goes stale if the suite runs past midnight)."""
    return dt.date.today()



def run_cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def db(cfg: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(cfg.parent / "store.sqlite3")
    conn.row_factory = sqlite3.Row
    return conn


def paper_count(cfg: Path) -> int:
    return db(cfg).execute("SELECT count(*) FROM papers").fetchone()[0]


def runs(cfg: Path) -> list[sqlite3.Row]:
    return db(cfg).execute("SELECT * FROM runs WHERE kind='fetch' ORDER BY id").fetchall()


@pytest.fixture
def corpus_size() -> int:
    return len(default_corpus())


@pytest.mark.slow
def test_first_fetch_stores_every_recorded_record_and_prints_one_summary_line(fake_eutils, tmp_path, corpus_size):
    cfg = write_config(tmp_path, fake_eutils.base_url)
    code, out, err = run_cli(cfg, "fetch")
    assert code == 0, err
    assert paper_count(cfg) == corpus_size
    lines = out.strip().splitlines()
    assert len(lines) == 1
    assert lines[0] == (
        f"fetch: {corpus_size} new, 0 updated papers in 2 topics "
        f"(window 1950-01-01..{today().isoformat()}, {len(fake_eutils.requests)} requests)"
    )
    (run,) = runs(cfg)
    assert run["status"] == "ok" and run["new_count"] == corpus_size and run["requests"] == len(fake_eutils.requests)
    # Every paper remembers both topics (the fake server matches every record to every term).
    links = db(cfg).execute("SELECT count(*) FROM paper_topics").fetchone()[0]
    assert links == 2 * corpus_size


@pytest.mark.slow
def test_every_request_identifies_tool_and_email_and_uses_entrez_dates(fake_eutils, tmp_path):
    cfg = write_config(tmp_path, fake_eutils.base_url)
    assert run_cli(cfg, "fetch")[0] == 0
    for req in fake_eutils.requests:
        assert req.get("tool") == "littrack" and req.get("email") == "tester@example.org"
    for req in fake_eutils.requests_to("esearch"):
        assert req.get("datetype") == "edat" and req.get("usehistory") == "y"
        assert req.get("mindate") == "1950/01/01" and req.get("maxdate") == today().strftime("%Y/%m/%d")


@pytest.mark.slow
def test_first_fetch_pages_through_the_history_server_in_batches(fake_eutils, tmp_path, corpus_size):
    cfg = write_config(tmp_path, fake_eutils.base_url)
    assert run_cli(cfg, "fetch")[0] == 0
    # Topic 1 needs everything: WebEnv/query_key paging. Topic 2 finds all records known: no EFetch at all.
    fetches = fake_eutils.requests_to("efetch")
    assert all(r.get("WebEnv") and r.get("query_key") for r in fetches)
    assert len(fetches) == -(-corpus_size // 100)  # ceil(n / batch): the minimum
    assert len(fake_eutils.requests_to("esearch")) == 2


@pytest.mark.slow
def test_immediate_second_fetch_finds_nothing_new_with_one_search_per_topic(fake_eutils, tmp_path):
    cfg = write_config(tmp_path, fake_eutils.base_url)
    assert run_cli(cfg, "fetch")[0] == 0
    fake_eutils.reset()
    code, out, _ = run_cli(cfg, "fetch")
    assert code == 0
    assert out.startswith("fetch: 0 new, 0 updated papers in 2 topics")
    assert [r.utility for r in fake_eutils.requests] == ["esearch", "esearch"]


@pytest.mark.slow
def test_later_fetch_starts_at_watermark_minus_overlap(fake_eutils, tmp_path):
    cfg = write_config(tmp_path, fake_eutils.base_url, fetch={"overlap_days": 5})
    assert run_cli(cfg, "fetch")[0] == 0
    # Pretend the last good run ended ten days ago.
    conn = db(cfg)
    old = (today() - dt.timedelta(days=10)).isoformat()
    conn.execute("UPDATE watermarks SET through_date = ?", (old,))
    conn.commit()
    fake_eutils.reset()
    assert run_cli(cfg, "fetch")[0] == 0
    expected = (today() - dt.timedelta(days=15)).strftime("%Y/%m/%d")
    assert {r.get("mindate") for r in fake_eutils.requests_to("esearch")} == {expected}
    marks = {r["through_date"] for r in db(cfg).execute("SELECT through_date FROM watermarks")}
    assert marks == {today().isoformat()}


@pytest.mark.parametrize(
    "fault",
    [Fault.HTTP_429, Fault.HTTP_500, Fault.HTTP_503, Fault.DROP, Fault.TRUNCATE, Fault.HTML, Fault.ERROR_200],
)
@pytest.mark.parametrize("utility", ["esearch", "efetch"])
@pytest.mark.slow
def test_transient_fault_is_retried_and_the_run_completes(fake_eutils, tmp_path, corpus_size, fault, utility):
    cfg = write_config(tmp_path, fake_eutils.base_url)
    fake_eutils.inject(fault, times=1, utility=utility, retry_after=0)
    code, _out, err = run_cli(cfg, "fetch")
    assert code == 0, err
    assert paper_count(cfg) == corpus_size
    assert runs(cfg)[-1]["status"] == "ok"


@pytest.mark.slow
def test_persistent_backend_error_fails_in_one_line_and_keeps_the_watermark(fake_eutils, tmp_path, corpus_size):
    cfg = write_config(tmp_path, fake_eutils.base_url, ncbi={"max_retries": 1})
    fake_eutils.inject(Fault.ERROR_200, times=50, utility="esearch")
    code, out, err = run_cli(cfg, "fetch")
    assert code == 1
    assert out == ""
    # Retries are logged as they happen; the failure itself is exactly one line, the last one.
    last = err.strip().splitlines()[-1]
    assert (
        err.count("littrack: error: ") == 1 and last.startswith("littrack: error: ") and "Search Backend failed" in last
    )
    assert "Traceback" not in err
    (run,) = runs(cfg)
    assert run["status"] == "failed" and "Search Backend failed" in run["error"]
    assert db(cfg).execute("SELECT count(*) FROM watermarks").fetchone()[0] == 0
    # The next run, with NCBI healthy again, picks up exactly that window.
    fake_eutils.reset()
    assert run_cli(cfg, "fetch")[0] == 0
    assert paper_count(cfg) == corpus_size


@pytest.mark.slow
def test_failure_in_second_topic_advances_only_the_first_topics_watermark(tmp_path, corpus_size):
    crps_only: set[int] = set()

    def matcher(term: str) -> set[int] | None:
        return crps_only if "CRPS" in term else None

    with FakeEutils(default_corpus(), rate_limit=False, term_matcher=matcher) as srv:
        cfg = write_config(tmp_path, srv.base_url, ncbi={"max_retries": 0})
        # Topic 1 makes 1 esearch + efetches; fail the second topic's search.
        original = srv.esearch
        calls = {"n": 0}

        def failing_second(p):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 2:
                return (
                    200,
                    "text/xml",
                    b"<eSearchResult><ERROR>Search Backend failed: synthetic</ERROR></eSearchResult>",
                )
            return original(p)

        srv.esearch = failing_second  # type: ignore[method-assign]
        code, _, _ = run_cli(cfg, "fetch")
    assert code == 3  # a partial run (issue 11 §5): one topic fetched, one failed
    marks = {r["topic_id"] for r in db(cfg).execute("SELECT topic_id FROM watermarks")}
    assert marks == {"ketamine-fibromyalgia"}
    assert paper_count(cfg) == corpus_size
    assert runs(cfg)[-1]["status"] == "partial"


@pytest.mark.slow
def test_more_than_9999_hits_splits_the_window_until_every_slice_fits(tmp_path, corpus_size):
    def over_cap(term: str, mindate: str | None, maxdate: str | None) -> int | None:
        # Synthetic: claim 12,000 hits for any window longer than ~20 years, so littrack must split.
        start = dt.date(*map(int, (mindate or "1900/01/01").split("/")))
        end = dt.date(*map(int, (maxdate or "2100/01/01").split("/")))
        return 12_000 if (end - start).days > 20 * 365 else None

    with FakeEutils(default_corpus(), rate_limit=False, count_override=over_cap) as srv:
        cfg = write_config(tmp_path, srv.base_url)
        code, _out, err = run_cli(cfg, "fetch")
        searches = srv.requests_to("esearch")
    assert code == 0, err
    assert paper_count(cfg) == corpus_size
    assert len(searches) > 2
    # Slices of one topic tile the window without gaps or overlaps.
    windows = sorted((r.get("mindate"), r.get("maxdate")) for r in searches if "fibromyalgia" in (r.get("term") or ""))
    accepted = [w for w in windows if over_cap("", *w) is None]
    days = sum((dt.date(*map(int, b.split("/"))) - dt.date(*map(int, a.split("/")))).days + 1 for a, b in accepted)
    assert days == (today() - dt.date(1950, 1, 1)).days + 1


def test_bad_config_is_one_line_naming_the_key_with_exit_code_2(tmp_path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/entrez/eutils/", fetch={"overlap_dayz": 3})
    code, _out, err = run_cli(cfg, "fetch")
    assert code == 2
    assert err.strip().endswith(
        "fetch.overlap_dayz: unknown key (known keys: backfill, batch_size, overlap_days, recheck_limit,"
        " reconcile_days)"
    )
    assert str(cfg) in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"fetch": {"backfill": "2026-13-01"}}, "fetch.backfill: expected days or a date YYYY-MM-DD"),
        ({"fetch": {"batch_size": "many"}}, "fetch.batch_size: expected a whole number, got text"),
        ({"topics": [{"id": "a", "query": "x"}, {"id": "a", "query": "y"}]}, "topics[1].id: duplicate topic id 'a'"),
        ({"topics": [{"id": "a", "query": "  "}]}, "topics[0].query: must not be empty"),
        ({"ncbi": {"email": "you@example.org"}}, "ncbi.email is still the placeholder"),
    ],
)
def test_invalid_config_values_are_rejected_before_any_request(tmp_path, section, message):
    with FakeEutils(default_corpus(), rate_limit=False) as srv:
        cfg = write_config(tmp_path, srv.base_url, **section)
        code, _, err = run_cli(cfg, "fetch")
        assert srv.requests == []
    assert code == 2
    assert message in err


def test_broken_yaml_names_the_line(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("ncbi:\n  email: [unclosed\n")
    code, _, err = run_cli(cfg, "fetch")
    assert code == 2 and "not valid YAML at line" in err


def test_verbose_shows_the_traceback(tmp_path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/entrez/eutils/", ncbi={"max_retries": 0, "timeout": 0.5})
    result = CliRunner().invoke(main, ["--config", str(cfg), "--verbose", "fetch"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "littrack: error:" in result.stderr


@pytest.mark.slow
def test_status_json_reports_the_run_ledger_and_counts(fake_eutils, tmp_path, corpus_size):
    cfg = write_config(tmp_path, fake_eutils.base_url)
    assert run_cli(cfg, "fetch")[0] == 0
    code, out, _ = run_cli(cfg, "status", "--json")
    info = json.loads(out)
    assert code == 0
    assert info["counts"]["papers"] == corpus_size
    assert info["runs"][0]["kind"] == "fetch" and info["runs"][0]["status"] == "ok"
    assert set(info["watermarks"]) == {"ketamine-fibromyalgia", "ketamine-crps"}


@pytest.mark.slow
def test_killed_fetch_leaves_a_consistent_store_and_the_rerun_completes_it(tmp_path, corpus_size):
    """SIGKILL in the middle of a fetch (after some batches were saved), then a clean rerun."""
    with FakeEutils(default_corpus(), rate_limit=False, slow_seconds=30) as srv:
        cfg = write_config(tmp_path, srv.base_url, ncbi={"timeout": 60}, fetch={"batch_size": 50})
        # The third EFetch stalls, so the process is certainly mid-run when it is killed.
        srv.inject(Fault.SLOW, times=1, utility="efetch")
        original = srv._take_fault
        served = {"n": 0}

        def delayed(utility: str):  # type: ignore[no-untyped-def]
            if utility == "efetch":
                served["n"] += 1
                if served["n"] < 3:
                    return None
            return original(utility)

        srv._take_fault = delayed  # type: ignore[method-assign]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "littrack", "--config", str(cfg), "fetch"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while served["n"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert served["n"] >= 3, "the fetch never reached its third batch"
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        partial = paper_count(cfg)
        assert 0 < partial < corpus_size
        assert db(cfg).execute("SELECT count(*) FROM watermarks").fetchone()[0] == 0
        assert runs(cfg)[-1]["status"] == "running"  # what a SIGKILL leaves behind
        srv._take_fault = original  # type: ignore[method-assign]
        srv.reset()
        code, _out, err = run_cli(cfg, "fetch")
    assert code == 0, err
    assert paper_count(cfg) == corpus_size
    statuses = [r["status"] for r in runs(cfg)]
    assert statuses == ["interrupted", "ok"]
    # No duplicates: PMIDs are the primary key, and every topic link is unique.
    dupes = db(cfg).execute("SELECT pmid, topic_id, count(*) c FROM paper_topics GROUP BY 1,2 HAVING c > 1").fetchall()
    assert dupes == []


@pytest.mark.slow
def test_fetch_while_another_process_holds_the_store_exits_75_with_a_clear_message(fake_eutils, tmp_path, monkeypatch):
    import littrack.lock

    cfg = write_config(tmp_path, fake_eutils.base_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(tmp_path / "store.sqlite3.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(littrack.lock, "JOB_LOCK_WAIT", 0.3)
        code, out, err = run_cli(cfg, "fetch")
    finally:
        holder.kill()
        holder.wait()
    assert code == 75 and out == ""
    assert f"is in use by process {holder.pid}" in err and "wait for it to finish" in err
    assert fake_eutils.requests == []
    # Once the other process is gone (the kernel drops its lock), fetch runs.
    assert run_cli(cfg, "fetch")[0] == 0


HOLD_LOCK = """
import sys, time
from pathlib import Path
from littrack.lock import hold_lock
with hold_lock(Path(sys.argv[1])):
    print("locked", flush=True)
    time.sleep(60)
"""
