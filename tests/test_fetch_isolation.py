"""One unreadable record must not block every fetch; one failing topic must not stop the others (issue 11 §5).

The real CLI against the fake E-utilities server on loopback, real SQLite files. The hostile records are real
recorded records with SYNTHETIC damage inserted by the fake server (:class:`littrack.replay.replies.Tamper`):
a control character (as ``&#x1b;`` or a raw ESC), bytes that are not UTF-8, an entity bomb, and a well-formed
abstract holding ``<![CDATA[<ERROR>x</ERROR>]]>``.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.config import NcbiConfig
from littrack.eutils.client import EutilsClient, validate_efetch
from littrack.eutils.esearch import BackendError
from littrack.eutils.pubmed_xml import parse_papers
from littrack.ratelimit import RateLimiter
from littrack.replay import replies
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import Tamper
from littrack.replay.server import FakeEutils, RecordedRequest

CORPUS = default_corpus()
BAD = CORPUS.pmids[42]  # in the first EFetch batch of 100, neither its first nor its last record


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


def stored_pmids(cfg: Path) -> set[int]:
    return {r[0] for r in db(cfg).execute("SELECT pmid FROM papers")}


def last_run(cfg: Path) -> sqlite3.Row:
    return db(cfg).execute("SELECT * FROM runs WHERE kind='fetch' ORDER BY id DESC LIMIT 1").fetchone()


def client_for(srv: FakeEutils) -> EutilsClient:
    cfg = NcbiConfig(email="dev@example.org", tool="littrack-tests", base_url=srv.base_url, max_retries=3)
    return EutilsClient(cfg, limiter=RateLimiter(1000), sleep=lambda s: None, rng=random.Random(1))


# -- NCBI errors are found by structure ------------------------------------------------------------


def test_cdata_that_looks_like_an_ncbi_error_is_part_of_an_abstract_not_an_error(fake_eutils: FakeEutils) -> None:
    fake_eutils.tamper(BAD, Tamper.CDATA_ERROR)
    body = client_for(fake_eutils).efetch_ids([BAD])
    assert len(fake_eutils.requests) == 1  # read at once, not retried
    (paper,) = parse_papers(body)
    assert paper.pmid == BAD and paper.abstract[0].text.startswith("&lt;ERROR&gt;x&lt;/ERROR&gt; ")


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0" ?>\n<eFetchResult>\n\t<ERROR>Search Backend failed</ERROR>\n</eFetchResult>\n',
        b'<?xml version="1.0" ?>\n<PubmedArticleSet><ERROR>Search Backend failed</ERROR></PubmedArticleSet>',
        replies.error_xml("eFetchResult", replies.BACKEND_DOWN),
    ],
    ids=["eFetchResult", "inside PubmedArticleSet", "synthetic reply of the fake server"],
)
def test_an_error_element_under_the_root_is_an_ncbi_error(body: bytes) -> None:
    with pytest.raises(BackendError, match="Search Backend failed"):
        validate_efetch(body)


def test_a_well_formed_record_with_error_text_in_cdata_passes_validation() -> None:
    record = CORPUS.get(BAD)
    assert record is not None
    body = replies.efetch_xml([replies.tamper(record.xml, Tamper.CDATA_ERROR)])
    assert validate_efetch(body) is body


# -- unreadable records ----------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("how", [Tamper.INVALID_UTF8, Tamper.ENTITY_BOMB], ids=lambda t: t.name)
def test_an_unreadable_record_is_skipped_named_everywhere_and_read_once_ncbi_corrects_it(
    tmp_path: Path, how: Tamper
) -> None:
    with FakeEutils(rate_limit=False) as srv:
        srv.tamper(BAD, how)
        cfg = write_config(tmp_path, srv.base_url, fetch={"recheck_limit": 0})
        code, out, err = run_cli(cfg, "fetch")
        assert code == 0, err
        # Everything else is stored; the bad record is named in the summary line and the run ledger.
        assert stored_pmids(cfg) == set(CORPUS.pmids) - {BAD}
        n = len(CORPUS) - 1
        assert out.strip() == (
            f"fetch: {n} new, 0 updated papers in 2 topics (window 1950-01-01..{today().isoformat()},"
            f" {len(srv.requests)} requests); 1 record could not be read: PMID {BAD} (tried again on every fetch)"
        )
        run = last_run(cfg)
        assert run["status"] == "ok" and run["skipped"] == str(BAD)
        # Isolating it costs two requests: the suspect on its own, then the rest of its batch without it.
        # Topic 2 does not ask again in the same run.
        assert len(srv.requests_to("efetch")) == math.ceil(len(CORPUS) / 100) + 2
        code, text, _ = run_cli(cfg, "status")
        assert code == 0 and f"1 record could not be read (tried again on every fetch): PMID {BAD}" in text
        # The next digest says so too.
        code, out, err = run_cli(cfg, "digest")
        assert code == 0, err
        html = (tmp_path / "digests" / f"{dt.date.today().isoformat()}.html").read_text(encoding="utf-8")
        assert f"1 record could not be read: PMID {BAD}" in html

        # NCBI corrects the record: the next fetch reads it and files it under both topics.
        srv.untamper(BAD)
        srv.reset()
        code, out, err = run_cli(cfg, "fetch")
    assert code == 0, err
    assert stored_pmids(cfg) == set(CORPUS.pmids)
    assert out.strip().endswith(f"; 1 record that could not be read before was read: PMID {BAD}")
    topics = {r[0] for r in db(cfg).execute("SELECT topic_id FROM paper_topics WHERE pmid = ?", (BAD,))}
    assert topics == {"ketamine-fibromyalgia", "ketamine-crps"}
    assert last_run(cfg)["skipped"] is None
    assert [r.get("id") for r in srv.requests_to("efetch")] == [str(BAD)]


@pytest.mark.slow
@pytest.mark.parametrize("how", [Tamper.CONTROL_REF, Tamper.RAW_ESC], ids=lambda t: t.name)
def test_a_record_with_a_control_character_is_stored_exactly_as_without_it(tmp_path: Path, how: Tamper) -> None:
    with FakeEutils(rate_limit=False) as srv:
        srv.tamper(BAD, how)
        cfg = write_config(tmp_path, srv.base_url)
        code, out, err = run_cli(cfg, "fetch")
    assert code == 0, err
    assert stored_pmids(cfg) == set(CORPUS.pmids)
    assert out.strip().endswith(f"; 1 record read after removing a control character: PMID {BAD}")
    record = CORPUS.get(BAD)
    assert record is not None
    (clean,) = parse_papers(replies.efetch_xml([record.xml]))
    stored = db(cfg).execute("SELECT title FROM papers WHERE pmid = ?", (BAD,)).fetchone()[0]
    assert stored == clean.title_plain


# -- one topic's failure does not stop the others ----------------------------------------------------


def fail_searches_for(srv: FakeEutils, word: str) -> None:
    """Answer every ESearch whose term contains ``word`` with NCBI's HTTP-200 back-end error (SYNTHETIC)."""
    original = srv.esearch

    def esearch(p: RecordedRequest) -> tuple[int, str, bytes]:
        if word in (p.get("term") or ""):
            return 200, "text/xml", replies.error_xml("eSearchResult", replies.BACKEND_DOWN)
        return original(p)

    srv.esearch = esearch  # type: ignore[method-assign]


@pytest.mark.slow
def test_a_failing_first_topic_does_not_stop_the_second_and_the_run_is_partial(tmp_path: Path) -> None:
    with FakeEutils(rate_limit=False) as srv:
        fail_searches_for(srv, "fibromyalgia")  # topic 1
        cfg = write_config(tmp_path, srv.base_url, ncbi={"max_retries": 1})
        code, out, err = run_cli(cfg, "fetch")
        assert code == 3
        assert out.strip() == (
            f"fetch: {len(CORPUS)} new, 0 updated papers in 1 of 2 topics (window 1950-01-01..{today().isoformat()},"
            f" {len(srv.requests)} requests); failed: ketamine-fibromyalgia"
        )
        errors = [line for line in err.splitlines() if line.startswith("littrack: error: ")]
        assert errors == [
            "littrack: error: fetch incomplete: topic ketamine-fibromyalgia failed: NCBI E-utilities kept failing:"
            f" NCBI ESearch answered with an error: {replies.BACKEND_DOWN} after 2 attempts; try again later."
            " The other topics were fetched; `littrack fetch` again repeats only what failed"
        ]
        assert "Traceback" not in err
        marks = {r[0] for r in db(cfg).execute("SELECT topic_id FROM watermarks")}
        assert marks == {"ketamine-crps"}
        run = last_run(cfg)
        assert run["status"] == "partial" and "ketamine-fibromyalgia" in run["error"]
        code, text, _ = run_cli(cfg, "status")
        assert code == 0 and "fetch: last run" in text and " partial" in text

        # NCBI recovers: the next run fetches the failed topic's window (the other topic's costs one search).
        srv.esearch = FakeEutils.esearch.__get__(srv)  # type: ignore[method-assign]
        code, out, err = run_cli(cfg, "fetch")
    assert code == 0, err
    assert last_run(cfg)["status"] == "ok"
    assert {r[0] for r in db(cfg).execute("SELECT topic_id FROM watermarks")} == {
        "ketamine-fibromyalgia",
        "ketamine-crps",
    }


@pytest.mark.slow
def test_when_every_topic_fails_the_run_fails_with_the_first_error(tmp_path: Path) -> None:
    with FakeEutils(rate_limit=False) as srv:
        fail_searches_for(srv, "ketamine")  # both topics
        cfg = write_config(tmp_path, srv.base_url, ncbi={"max_retries": 0})
        code, out, err = run_cli(cfg, "fetch")
    assert code == 1 and out == ""
    assert err.count("littrack: error: ") == 1 and "Search Backend failed" in err
    assert last_run(cfg)["status"] == "failed"
    assert db(cfg).execute("SELECT count(*) FROM watermarks").fetchone()[0] == 0



@pytest.mark.slow
def test_a_sent_paper_whose_record_turns_unreadable_does_not_fail_the_recheck(tmp_path: Path) -> None:
    with FakeEutils(rate_limit=False) as srv:
        cfg = write_config(tmp_path, srv.base_url, fetch={"recheck_limit": 400})
        assert run_cli(cfg, "fetch")[0] == 0
        assert run_cli(cfg, "digest")[0] == 0  # every paper is now sent, so the next fetch re-checks them
        srv.tamper(BAD, Tamper.INVALID_UTF8)
        code, out, err = run_cli(cfg, "fetch")
    assert code == 0, err
    assert f"re-checked {len(CORPUS)} sent papers" in out
    assert last_run(cfg)["status"] == "ok"
