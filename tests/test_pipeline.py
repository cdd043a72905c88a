"""The jobs working together through the CLI: fetch with its add-ons (corrections re-check, registered trials,
background study mentions) feeding the digest, and the offline demo. Real peers throughout: the fake
E-utilities and CT.gov servers on loopback, a real SQLite file, real files."""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from configs import write_config
from littrack.cli import main
from littrack.replay import recorded_path
from littrack.replay.corpus import Corpus, RecordedArticle, default_corpus, slice_records
from littrack.replay.ctgov import FakeCtgov, Reply
from littrack.replay.replies import substring_matcher
from littrack.replay.server import FakeEutils

NLM_SAMPLE = recorded_path("pubmed", "fatcat", "python", "tests", "files", "pubmedsample_2019.xml")
RETRACTED_PMID = 11543891  # real record: CommentsCorrections RetractionIn + "Retracted Publication"


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def latest_digest(cfg: Path) -> str:
    conn = sqlite3.connect(cfg.parent / "store.sqlite3")
    name = conn.execute("SELECT filename FROM digests ORDER BY id DESC LIMIT 1").fetchone()[0]
    return (cfg.parent / "digests" / name).read_text(encoding="utf-8")


def _sample_record(pmid: int) -> RecordedArticle:
    for rec in slice_records(NLM_SAMPLE.read_bytes(), source=str(NLM_SAMPLE)):
        if rec.pmid == pmid:
            return rec
    raise AssertionError(f"PMID {pmid} not in the NLM sample file")


def _before_retraction(rec: RecordedArticle) -> RecordedArticle:
    """SYNTHETIC earlier state of a real record: the same bytes without the retraction link and type,
    as PubMed served it before the retraction notice was indexed."""
    xml = re.sub(
        rb"<CommentsCorrections RefType=\"RetractionIn\">.*?</CommentsCorrections>\s*", b"", rec.xml, flags=re.S
    )
    xml = re.sub(rb"<PublicationType[^>]*>Retracted Publication</PublicationType>\s*", b"", xml)
    assert xml != rec.xml
    return dataclasses.replace(rec, xml=xml)


@pytest.mark.slow
def test_recheck_finds_a_retraction_of_a_sent_paper_and_the_next_digest_opens_with_it(tmp_path):
    real = _sample_record(RETRACTED_PMID)
    with FakeEutils(Corpus([_before_retraction(real)]), rate_limit=False) as srv:
        cfg = write_config(tmp_path, srv.base_url)
        assert cli(cfg, "fetch")[0] == 0
        assert cli(cfg, "digest")[0] == 0
        assert "Changes to papers you were sent" not in latest_digest(cfg)
    # Months later PubMed serves the record with its retraction (the real recorded bytes).
    with FakeEutils(Corpus([real]), rate_limit=False) as srv:
        cfg = write_config(tmp_path, srv.base_url)
        code, out, err = cli(cfg, "fetch")
        assert code == 0, err
        rechecks = [r for r in srv.requests_to("efetch") if r.get("id")]
    assert "re-checked 1 sent paper: 1 correction found" in out
    assert rechecks and rechecks[0].get("id") == str(RETRACTED_PMID) and rechecks[0].method == "POST"
    assert cli(cfg, "digest")[0] == 0
    html = latest_digest(cfg)
    changes = html.index("Changes to papers you were sent")
    assert changes < html.index("</header>") + 4000  # the digest opens with it
    section = html[changes : html.index("</section>", changes)]
    assert f"https://pubmed.ncbi.nlm.nih.gov/{RETRACTED_PMID}/" in section
    assert "Retracted — see retraction notice PMID" in section
    # Reported once: the digest after that has no changes section.
    assert cli(cfg, "digest")[0] == 0
    assert "Changes to papers you were sent" not in latest_digest(cfg)


MELANOMA_TOKEN_PARAM = "pageToken"


@pytest.mark.slow
def test_fetch_syncs_registered_trials_and_the_digest_lists_each_change_once(tmp_path):
    with FakeCtgov() as ct, FakeEutils(default_corpus(), rate_limit=False) as srv:
        # Real recorded API v2 page; the page after it was not recorded: a SYNTHETIC empty page ends paging.
        ct.on("studies", Reply.recorded("search_melanoma_recruiting_limit3"))
        ct.on("studies", Reply.json({"studies": []}), params={"pageToken": _next_token()})
        cfg = write_config(tmp_path, srv.base_url, trials=_trials_section(ct))
        code, out, err = cli(cfg, "fetch")
        assert code == 0, err
    assert "trials: 3 new, 0 changed (3 studies in 1 topic" in out
    assert cli(cfg, "digest")[0] == 0
    html = latest_digest(cfg)
    assert "Registered trials" in html
    for nct in ("NCT04114136", "NCT04318717", "NCT06970236"):
        assert f"https://clinicaltrials.gov/study/{nct}" in html
    first = latest_digest(cfg)
    assert cli(cfg, "digest")[0] == 0
    assert "NCT04114136" not in latest_digest(cfg)
    # Re-rendering the first digest shows the trial changes it reported, and marks nothing.
    code, _, err = cli(cfg, "digest", "--rebuild", "1")
    assert code == 0, err
    conn = sqlite3.connect(cfg.parent / "store.sqlite3")
    name = conn.execute("SELECT filename FROM digests WHERE id = 1").fetchone()[0]
    rebuilt = (cfg.parent / "digests" / name).read_text(encoding="utf-8")
    assert "https://clinicaltrials.gov/study/NCT04114136" in rebuilt and "Registered trials" in first


def _trials_section(ct: FakeCtgov) -> dict[str, object]:
    """Trials switched on for one topic, pointed at the fake CT.gov server."""
    return {
        "enabled": True,
        "base_url": ct.base_url,
        "requests_per_second": 50,
        "queries": {"ketamine-fibromyalgia": {"condition": "Fibromyalgia", "intervention": "ketamine"}},
    }


def _next_token() -> str:
    import json

    from littrack.replay.ctgov import recorded

    return json.loads(recorded("search_melanoma_recruiting_limit3"))["nextPageToken"]


@pytest.mark.slow
def test_trials_outage_is_reported_but_does_not_undo_the_pubmed_fetch(tmp_path):
    with FakeCtgov() as ct, FakeEutils(default_corpus(), rate_limit=False) as srv:
        ct.on("studies", Reply.json({"error": "synthetic outage"}, status=503))
        cfg = write_config(tmp_path, srv.base_url, trials=_trials_section(ct))
        code, out, _ = cli(cfg, "fetch")
    assert code == 0
    assert f"{len(default_corpus())} new" in out and "trials: failed" in out
    conn = sqlite3.connect(cfg.parent / "store.sqlite3")
    kinds = dict(conn.execute("SELECT kind, status FROM runs").fetchall())
    assert kinds == {"fetch": "ok", "trials": "failed"}


@pytest.mark.slow
def test_after_an_outage_the_digest_says_ctgov_could_not_be_reached_and_when_trials_were_last_checked(tmp_path):
    with FakeCtgov() as ct, FakeEutils(default_corpus(), rate_limit=False) as srv:
        ct.on("studies", Reply.recorded("search_melanoma_recruiting_limit3"))
        ct.on("studies", Reply.json({"studies": []}), params={"pageToken": _next_token()})  # SYNTHETIC last page
        cfg = write_config(tmp_path, srv.base_url, trials={**_trials_section(ct), "max_retries": 0})
        assert cli(cfg, "fetch")[0] == 0
        assert cli(cfg, "digest")[0] == 0  # reports the three new trials
        ct.reset()
        ct.on("studies", Reply.json({"error": "synthetic outage"}, status=503))
        code, out, _ = cli(cfg, "fetch")
        assert code == 0 and "trials: failed" in out
    assert cli(cfg, "digest")[0] == 0
    html = latest_digest(cfg)
    (section,) = re.findall(r'<section id="trials".*?</section>', html, flags=re.S)
    text = " ".join(re.sub(r"<[^>]+>", " ", section).split())
    assert "ClinicalTrials.gov could not be reached when littrack last tried" in text
    assert "HTTP 503" in text and "Registered trials were last checked successfully" in text
    assert "NCT04114136" not in text  # already reported; nothing new claimed


@pytest.mark.slow
def test_fetch_resolves_background_study_mentions_and_the_digest_shows_them(tmp_path):
    corpus = default_corpus()
    hit = corpus.pmids[0]
    # SYNTHETIC ID lists: the query for the 2011 study "finds" one real recorded record; nothing else matches.
    matcher = substring_matcher({"2011[dp]": [hit]}, default=None)

    def only_topics_or_2011(term: str):  # type: ignore[no-untyped-def]
        if "[dp]" in term:
            return matcher(term) or frozenset()
        return None

    with FakeEutils(corpus, rate_limit=False, term_matcher=only_topics_or_2011) as srv:
        cfg = write_config(tmp_path, srv.base_url, background={"resolve_mentions": True})
        code, out, err = cli(cfg, "fetch")
        assert code == 0, err
        asked = [r.get("term") for r in srv.requests_to("esearch") if "[dp]" in (r.get("term") or "")]
        assert asked
        srv.reset()
        assert cli(cfg, "fetch")[0] == 0
        again = [r for r in srv.requests_to("esearch") if "[dp]" in (r.get("term") or "")]
    assert re.search(r"background: resolved [1-9]\d* of \d+ study mentions", out)
    assert again == []  # resolutions are cached in the store
    assert cli(cfg, "digest")[0] == 0
    html = latest_digest(cfg)
    assert "Studies the background articles refer to" in html
    assert f"https://pubmed.ncbi.nlm.nih.gov/{hit}/" in html
    assert "unresolved" in html.lower()


@pytest.mark.slow
def test_demo_runs_offline_end_to_end_and_says_the_data_is_replayed(tmp_path):
    cfg = Path(__file__).parents[1] / "config.yaml"
    out_dir = tmp_path / "out"
    code, out, err = cli(cfg, "demo", "--out", str(out_dir))
    assert code == 0, err
    assert "replaying REAL recorded NCBI responses" in out and "NOT about the configured topics" in out
    (page,) = list(out_dir.glob("*-demo.html"))
    assert str(page) in out
    html = page.read_text(encoding="utf-8")
    assert "offline demo" in html and "NOT about the configured topics" in html
    assert (out_dir / "index.html").is_file() and (out_dir / "feed.xml").is_file()


@pytest.mark.slow
def test_demo_in_a_fresh_folder_without_config_writes_a_digest_with_every_section_and_nothing_here(tmp_path):
    here, scratch = tmp_path / "anywhere", tmp_path / "tmp"
    here.mkdir()
    scratch.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "LITTRACK_CONFIG"} | {"TMPDIR": str(scratch)}
    done = subprocess.run(
        [sys.executable, "-m", "littrack", "demo"], cwd=here, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "demo: no config.yaml here, so the demo uses littrack's shipped defaults" in out
    assert "replaying REAL recorded ClinicalTrials.gov study records" in out
    assert list(here.iterdir()) == []  # nothing written where it ran: no digests/, no store
    (folder,) = scratch.glob("littrack-demo-*")
    assert f"demo: writing to {folder} (a fresh folder; your digests/ folder is untouched)" in out
    assert re.search(r"; trials: 4 new, \d+ changed \(6 studies in 3 topics", out)
    (page,) = folder.glob("*-demo.html")
    assert f"→ {page} (written)" in out
    assert (folder / "index.html").is_file() and (folder / "feed.xml").is_file()

    doc = lxml.html.parse(str(page)).getroot()
    sections = [s.get("id") for s in doc.xpath("//section[@id]")]
    for topic in ("ketamine-fibromyalgia", "ketamine-crps", "ketamine-chronic-pain"):
        assert f"topic-{topic}" in sections
        assert doc.xpath(f"//section[@id='topic-{topic}']//*[contains(@class, 'paper')]"), topic
    assert {"trials", "background", "mentions"} <= set(sections)
    trials = doc.xpath("//section[@id='trials']//li[@class='trial']")
    assert len(trials) == 6  # the six recorded studies, one entry each
    texts = [" ".join(t.text_content().split()) for t in trials]
    assert sum("Synthetic change (demo)" in t for t in texts) == 2
    assert sum(t.startswith("New trial") for t in texts) == 4
    assert all("Synthetic" not in t for t in texts if t.startswith("New trial"))
    assert any("as registered: repaglinide 0.5 mg" in t for t in texts)
    assert doc.xpath("//section[@id='background']//h3")
    assert doc.xpath("//section[@id='mentions']//li")
    notice = " ".join(doc.xpath("string(//p[contains(@class, 'notice')])").split())
    assert "offline demo" in notice and "not looked up in the demo" in notice and "synthetic" in notice


@pytest.mark.slow
def test_demo_refuses_to_write_into_the_configured_digests_folder(tmp_path):
    cfg = write_config(tmp_path, "http://127.0.0.1:9/")
    code, _, err = cli(cfg, "demo", "--out", str(tmp_path / "digests"))
    assert code == 2 and "the demo never writes there" in err
    assert not (tmp_path / "digests").exists()


@pytest.mark.parametrize("command", sorted(main.commands))
def test_every_command_has_help_and_is_in_the_readme(command):
    result = CliRunner().invoke(main, [command, "--help"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout.startswith("Usage:")
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"littrack {command}" in readme
