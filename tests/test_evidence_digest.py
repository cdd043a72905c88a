"""The evidence page and the claims ledger through the real commands: `littrack digest` writes the page after every
delivery and tells claim changes, `littrack evidence` rebuilds it, `littrack export --format evidence-csv`.

Real SQLite stores of real recorded records; topic matches, mention lookups and the erratum a re-check "finds"
are SYNTHETIC (see evidence_samples.py). The last test runs the real fetch against the fake E-utilities server.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import write_config
from evidence_samples import (
    CRPS,
    FM,
    NARRATIVE,
    NLM_SAMPLE,
    PRECLINICAL,
    RCT_2012,
    RCT_2013,
    RCT_WITH_ERRATA,
    RETRACTED,
    SR_2021,
    found_erratum,
    looked_up,
    open_filled,
)
from littrack.cli import main
from littrack.config import load_config
from littrack.replay.corpus import Corpus, recorded_efetch_files
from littrack.replay.server import FakeEutils

STORE = {FM: [RCT_WITH_ERRATA, RETRACTED, RCT_2012, SR_2021, RCT_2013, NARRATIVE], CRPS: [PRECLINICAL, RCT_2013]}
LOOKUPS: dict[int | str, list[int]] = {1997: [RCT_WITH_ERRATA], 2000: [RETRACTED], 2007: [RCT_2012]}
OVERVIEW = "Ketamine and Fibromyalgia: An Overview"


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


@pytest.fixture
def filled(tmp_path: Path) -> Path:
    """A config whose store holds the records of STORE, with the seeds' study mentions looked up."""
    path = write_config(tmp_path, "http://127.0.0.1:9/", background={"resolve_mentions": True})
    cfg = load_config(path)
    with open_filled(cfg, STORE) as store:
        looked_up(store, cfg, LOOKUPS)
    return path


def test_a_delivered_digest_writes_the_evidence_page_and_links_it_from_the_digest_and_the_archive(
    filled: Path,
) -> None:
    code, out, err = cli(filled, "digest")
    assert code == 0, err
    digests = filled.parent / "digests"
    page = (digests / "evidence.html").read_text(encoding="utf-8")
    digest_file = out.split("→ ")[1].split(" (")[0]
    assert 'href="evidence.html"' in Path(digest_file).read_text(encoding="utf-8")
    assert 'href="evidence.html"' in (digests / "index.html").read_text(encoding="utf-8")
    assert "came with digest #1" in page
    assert page.count('class="is-new') == 6 + 1  # every row of both tables came with #1
    assert "describes a systematic review: 6 trials, 115 patients." in page


def test_the_first_digest_tells_retracted_and_corrected_cited_studies_and_the_next_a_new_correction(
    filled: Path,
) -> None:
    first = cli(filled, "digest")[1].split("→ ")[1].split(" (")[0]
    html = Path(first).read_text(encoding="utf-8")
    assert html.count('<li class="mention">') >= 3  # the three claim changes (the mentions section may add more)
    assert f"A study cited by &#39;{OVERVIEW}&#39; was retracted" in html
    cfg = load_config(filled)
    with open_filled(cfg, {}) as store:
        found_erratum(store, RCT_2012)  # SYNTHETIC: a re-check found an erratum for the 2007 study's record
    code, out, err = cli(filled, "digest")
    assert code == 0, err
    second = Path(out.split("→ ")[1].split(" (")[0]).read_text(encoding="utf-8")
    claims = second[second.index('<section id="claims"') : second.index("</section>", second.index('id="claims"'))]
    assert claims.count('<li class="mention">') == 1
    assert f"A study cited by &#39;{OVERVIEW}&#39; was corrected" in claims
    assert 'href="evidence.html#claim-healthrising-overview-' in claims
    code, out, _ = cli(filled, "digest", "--rebuild", "2")
    rebuilt = Path(out.split("→ ")[1].split(" (")[0]).read_text(encoding="utf-8")
    assert f"A study cited by &#39;{OVERVIEW}&#39; was corrected" in rebuilt


def test_an_evidence_page_that_cannot_be_written_never_undoes_the_delivery(filled: Path) -> None:
    (filled.parent / "digests" / "evidence.html").mkdir(parents=True)  # a folder where the file goes
    code, out, err = cli(filled, "digest")
    assert code == 0 and "(written)" in out
    assert "evidence page not updated: cannot write digest file" in err
    conn = sqlite3.connect(filled.parent / "store.sqlite3")
    assert conn.execute("SELECT status FROM digests").fetchall() == [("delivered",)]
    assert conn.execute("SELECT count(*) FROM claim_reports").fetchone()[0] == 26


def test_littrack_evidence_rebuilds_the_page_with_one_summary_line(filled: Path) -> None:
    code, out, err = cli(filled, "evidence")
    page = filled.parent / "digests" / "evidence.html"
    assert code == 0 and err == ""
    assert out == (
        f"evidence: 6 human studies in 2 topics (0 new), 1 preclinical; 26 claims in 4 background articles"
        f" → {page} ({page.stat().st_size:,} bytes)\n"
    )
    assert "No digest has been delivered yet, so no row is marked new." in page.read_text(encoding="utf-8")


def test_export_evidence_csv_gives_the_page_rows_and_says_how_many(filled: Path) -> None:
    code, out, err = cli(filled, "export", "--format", "evidence-csv", "--topic", CRPS)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and err == "export: 2 rows (evidence-csv)\n"
    assert [(r["pmid"], r["listed_as"]) for r in rows] == [
        (str(RCT_2013), "study table"),
        (str(PRECLINICAL), "preclinical"),
    ]


@pytest.mark.slow
def test_fetch_resolves_the_seeds_mentions_and_the_digest_ledger_shows_them(tmp_path: Path) -> None:
    """The real fetch (E-utilities client, mention resolution step) against the fake server; answers SYNTHETIC."""
    corpus = Corpus.from_files([*recorded_efetch_files(), NLM_SAMPLE])
    topic = {FM: set(STORE[FM]), CRPS: set(STORE[CRPS])}
    years = {"1997[dp]": {RCT_WITH_ERRATA}, "2000[dp]": {RETRACTED}, "2007[dp]": {RCT_2012}}

    def match(term: str) -> set[int]:
        if term.startswith("ketamine[tiab] AND"):  # a study mention's lookup
            return next((pmids for year, pmids in years.items() if year in term), set())
        return topic[FM] if "fibromyalgia" in term else topic[CRPS]

    with FakeEutils(corpus, rate_limit=False, term_matcher=match) as srv:
        cfg = write_config(tmp_path, srv.base_url, background={"resolve_mentions": True}, fetch={"recheck_limit": 0})
        code, out, err = cli(cfg, "fetch")
        assert code == 0, err
        assert out.endswith("; background: resolved 4 of 26 study mentions\n")  # 1997, 2000 (twice), 2007
    code, _, err = cli(cfg, "digest")
    assert code == 0, err
    page = (tmp_path / "digests" / "evidence.html").read_text(encoding="utf-8")
    assert page.count('<span class="lookup lookup-matched">cited study found</span>') == 4  # 1997, 2000 twice, 2007
    assert page.count('<span class="kind kind-bad">cited study retracted</span>') == 2
    assert f'href="https://pubmed.ncbi.nlm.nih.gov/{RETRACTED}/"' in page
