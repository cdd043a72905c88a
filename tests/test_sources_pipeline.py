"""Europe PMC preprints, Unpaywall free full text and Crossref corrections through the real jobs and the CLI.

Real peers: the fake E-utilities server and the fake Europe PMC / Crossref / Unpaywall server on loopback
replaying real recorded replies, a real SQLite file, real digest files. Replies or record states made up for a
test are built here and marked SYNTHETIC.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import sources_section, write_config
from littrack.cli import main
from littrack.replay.corpus import Corpus, RecordedArticle, default_corpus
from littrack.replay.server import FakeEutils
from littrack.replay.sources import (
    CROSSREF,
    EUROPEPMC,
    PREPRINT_PAGE,
    SYNTHETIC_RETRACTION,
    FakeSources,
    Reply,
    recorded,
)

CORRECTED_PMID = 17326724  # real: PLoS Biol 2007, doi 10.1371/journal.pbio.0050002; Crossref and PubMed list an erratum


def cli(cfg: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["--config", str(cfg), *args], catch_exceptions=False)
    return r.exit_code, r.stdout, r.stderr


def latest_digest(cfg: Path) -> str:
    conn = sqlite3.connect(cfg.parent / "store.sqlite3")
    name = conn.execute("SELECT filename FROM digests ORDER BY id DESC LIMIT 1").fetchone()[0]
    return (cfg.parent / "digests" / name).read_text(encoding="utf-8")


def db(cfg: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(cfg.parent / "store.sqlite3")
    conn.row_factory = sqlite3.Row
    return conn


def a_week_passes(cfg: Path) -> None:
    """Move the store's lookup and first-seen times back eight days (what a week of waiting would do)."""
    with db(cfg) as conn:
        conn.execute("UPDATE source_lookups SET checked_at = '2000-01-01T00:00:00+00:00'")
        conn.execute("UPDATE preprints SET first_seen_at = '2000-01-01T00:00:00+00:00', rechecked_at = NULL")


def _corpus(*pmids: int) -> Corpus:
    corpus = default_corpus()
    return Corpus(rec for rec in (corpus.get(p) for p in pmids) if rec is not None)


# --- preprints ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_preprints_get_their_own_badged_section_after_the_ranked_papers_and_are_sent_once(tmp_path):
    with FakeEutils(_corpus(CORRECTED_PMID), rate_limit=False) as srv, FakeSources() as fake:
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
        code, out, err = cli(cfg, "fetch")
        assert code == 0, err
        assert "preprints: 24 new" in out
        assert cli(cfg, "digest")[0] == 0
        html = latest_digest(cfg)
        section = html[html.index('<section id="preprints"') :]
        section = section[: section.index("</section>")]
        assert section.count("Preprint — not peer-reviewed") == 24
        assert "medRxiv" in section and "Research Square" in section and "version 1" in section
        assert 'href="https://doi.org/10.1101/2025.06.13.25329599"' in section
        # After every topic section, never inside one (preprints are not ranked with papers).
        assert html.index('<section id="preprints"') > html.rindex('<section id="topic-')
        assert "Preprint — not peer-reviewed" not in html[: html.index('<section id="preprints"')].split("<main>")[1]
        # The next fetch finds the same preprints again (overlap) but the next digest does not repeat them.
        assert cli(cfg, "fetch")[0] == 0
        assert cli(cfg, "digest")[0] == 0
        assert 'id="preprints"' not in latest_digest(cfg)
        searches = [s for s in fake.requests if s.service == EUROPEPMC]
        assert searches and all(
            "SRC:PPR" in s.params["query"] and "FIRST_PDATE:[" in s.params["query"] for s in searches
        )


@pytest.mark.slow
def test_a_europe_pmc_outage_never_fails_the_fetch_keeps_the_watermark_and_the_digest_says_since_when(tmp_path):
    with FakeEutils(_corpus(CORRECTED_PMID), rate_limit=False) as srv, FakeSources() as fake:
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
        fake.queue(EUROPEPMC, *[Reply(503, b"Service Unavailable")] * 3)
        code, out, err = cli(cfg, "fetch")
        assert code == 0, err
        assert "fetch: 1 new" in out and "preprints: failed (Europe PMC kept failing: HTTP 503 after 3 attempts" in out
        with db(cfg) as conn:
            assert conn.execute("SELECT count(*) FROM preprint_watermarks").fetchone()[0] == 0
            assert conn.execute("SELECT status FROM runs WHERE kind='europepmc'").fetchone()[0] == "failed"
        status = cli(cfg, "status")[1]
        assert re.search(
            r"source Europe PMC \(preprints\): on; no successful run yet; FAILING since .*HTTP 503", status
        )
        assert cli(cfg, "digest")[0] == 0
        html = latest_digest(cfg)
        assert "Europe PMC (preprints) could not be reached since" in html
        # The next fetch reaches it: the watermark moves, and the digest after that no longer warns.
        code, out, _ = cli(cfg, "fetch")
        assert "preprints: 24 new" in out
        with db(cfg) as conn:
            assert conn.execute("SELECT count(*) FROM preprint_watermarks").fetchone()[0] == 2
        assert cli(cfg, "digest")[0] == 0
        assert "could not be reached" not in latest_digest(cfg)


def _preprint_of_page(pmid: int) -> bytes:
    """SYNTHETIC: the real recorded page with Europe PMC's "Preprint of" link added to the medRxiv preprint, as
    a core reply carries it once Europe PMC has found the journal version."""
    page = json.loads(recorded(PREPRINT_PAGE))
    for r in page["resultList"]["result"]:
        if r["id"] == "PPR1036674":
            r["commentCorrectionList"] = {
                "commentCorrection": [{"id": str(pmid), "source": "MED", "type": "Preprint of"}]
            }
    return json.dumps(page).encode("utf-8")


@pytest.mark.slow
def test_a_sent_preprint_now_published_is_said_once_and_its_journal_version_is_fetched_for_the_note(tmp_path):
    published = 33856845  # a real PubMed record, outside the topic results here: fetched by PMID for the note
    corpus = _corpus(CORRECTED_PMID, published)

    def topics_find_one(_term: str) -> list[int]:
        return [CORRECTED_PMID]

    with FakeEutils(corpus, term_matcher=topics_find_one, rate_limit=False) as srv, FakeSources() as fake:
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
        assert cli(cfg, "fetch")[0] == 0
        assert cli(cfg, "digest")[0] == 0  # the preprints are sent
        a_week_passes(cfg)
        fake.queue(EUROPEPMC, Reply(200, _preprint_of_page(published)), when=lambda s: "EXT_ID:" in s.params["query"])
        code, out, err = cli(cfg, "fetch")
        assert code == 0, err
        assert "1 linked to their published version" in out
        assert cli(cfg, "digest")[0] == 0
        html = latest_digest(cfg)
        assert re.search(
            r"Preprint from June 2025 now published in <cite><bdi>[^<]+</bdi></cite>, <a href=[^>]+>PMID 33856845", html
        )
        assert "Linked by Europe PMC" in html
        # The journal version was stored without a topic: it is not presented as a new paper of a topic.
        assert "pmid-33856845" not in html
        assert cli(cfg, "digest")[0] == 0
        assert "now published" not in latest_digest(cfg)


def test_an_untranslatable_topic_is_skipped_with_a_note_and_the_others_are_searched(tmp_path):
    with FakeEutils(_corpus(CORRECTED_PMID), rate_limit=False) as srv, FakeSources() as fake:
        topics = [
            {"id": "by-type", "name": "RCTs", "query": "ketamine[tiab] AND randomized controlled trial[pt]"},
            {"id": "own", "name": "Own", "query": "ketamine[pt]", "preprint_query": "ketamine AND fibromyalgia"},
        ]
        cfg = write_config(tmp_path, srv.base_url, topics=topics, sources=sources_section(fake, email=None))
        code, out, _ = cli(cfg, "fetch")
    assert code == 0
    assert "by-type skipped (the field tag [pt] has no Europe PMC equivalent; set topics[].preprint_query)" in out
    (search, _) = [s for s in fake.requests if s.service == EUROPEPMC]
    assert search.params["query"].startswith("(ketamine AND fibromyalgia) AND SRC:PPR")


# --- free full text ----------------------------------------------------------------------------------


def test_unpaywall_is_off_without_an_email_and_status_says_how_to_turn_it_on(tmp_path):
    with FakeEutils(_corpus(CORRECTED_PMID), rate_limit=False) as srv, FakeSources() as fake:
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
        assert cli(cfg, "fetch")[0] == 0
    assert fake.count("unpaywall") == 0
    assert "source Unpaywall (free full text): off (no sources.email configured" in cli(cfg, "status")[1]


@pytest.mark.slow
def test_free_full_text_link_beside_pubmed_and_each_doi_is_asked_once(tmp_path):
    doi = "10.1371/journal.pbio.0050002"
    # The DOI's Unpaywall reply is SYNTHETIC: the recorded gold reply of another DOI, re-keyed (no recording exists
    # for a recorded PubMed record's DOI).
    with (
        FakeEutils(_corpus(CORRECTED_PMID), rate_limit=False) as srv,
        FakeSources(unpaywall_aliases={doi: "10.1016/j.envint.2020.105730"}) as fake,
    ):
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake))
        code, out, _ = cli(cfg, "fetch")
        assert code == 0 and "unpaywall: 1 of 1 DOI have free full text" in out
        assert cli(cfg, "digest")[0] == 0
        card = latest_digest(cfg).split(f'id="pmid-{CORRECTED_PMID}"')[1].split("</article>")[0]
        links = card[card.index('<ul class="links">') :]
        assert links.index("PubMed record") < links.index("Free full text (gold, publisher)")
        assert 'href="https://doi.org/10.1016/j.envint.2020.105730"' in links
        assert cli(cfg, "fetch")[0] == 0
    assert fake.count("unpaywall") == 1  # asked once; the next ask is after sources.unpaywall.refresh_days


# --- Crossref corrections and retractions ----------------------------------------------------------------


def _without_erratum(rec: RecordedArticle) -> RecordedArticle:
    """SYNTHETIC earlier state of a real record: the same bytes without its ErratumIn link, as PubMed served it
    before the erratum was indexed."""
    xml = re.sub(
        rb'<CommentsCorrectionsList><CommentsCorrections RefType="ErratumIn">.*?</CommentsCorrectionsList>',
        b"",
        rec.xml,
        flags=re.S,
    )
    assert xml != rec.xml
    return dataclasses.replace(rec, xml=xml)


@pytest.mark.slow
def test_crossref_sees_a_correction_first_pubmed_later_and_the_reader_gets_one_change_naming_both(tmp_path):
    real = default_corpus().get(CORRECTED_PMID)
    assert real is not None
    with FakeSources() as fake:
        with FakeEutils(Corpus([_without_erratum(real)]), rate_limit=False) as srv:
            cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
            assert cli(cfg, "fetch")[0] == 0
            assert cli(cfg, "digest")[0] == 0  # the paper is sent
            code, out, _ = cli(cfg, "fetch")  # Crossref (the recorded work list) lists the real correction
            assert "crossref: re-checked 1 sent paper: 1 correction found" in out
            assert cli(cfg, "digest")[0] == 0
            html = latest_digest(cfg)
            assert "Correction published — see correction doi:10.1371/journal.pbio.0060304" in html
            assert "Reported by Crossref (publisher) (first," in html
        with FakeEutils(Corpus([real]), rate_limit=False) as srv:  # PubMed now shows the erratum (real bytes)
            cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
            code, out, _ = cli(cfg, "fetch")
            assert code == 0 and "re-checked 1 sent paper: no corrections" in out  # not a second change …
            with db(cfg) as conn:
                rows = conn.execute("SELECT id, kind FROM paper_changes").fetchall()
                assert [r["kind"] for r in rows] == ["ErratumIn"]
                sources = [r[0] for r in conn.execute("SELECT source FROM change_sources ORDER BY seen_at, source")]
            assert sources == ["Crossref (publisher)", "PubMed"]  # … but PubMed named as its second source
            assert cli(cfg, "digest")[0] == 0
            assert "Changes to papers you were sent" not in latest_digest(cfg)  # said once


@pytest.mark.slow
def test_a_retraction_stays_apart_from_the_erratum_of_the_same_paper(tmp_path):
    with FakeEutils(_corpus(CORRECTED_PMID), rate_limit=False) as srv, FakeSources() as fake:
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
        assert cli(cfg, "fetch")[0] == 0
        assert cli(cfg, "digest")[0] == 0
        assert cli(cfg, "fetch")[0] == 0  # the real correction, from the recorded work list
        a_week_passes(cfg)
        fake.queue(CROSSREF, Reply(200, recorded(SYNTHETIC_RETRACTION)))  # SYNTHETIC retraction (Retraction Watch)
        code, out, _ = cli(cfg, "fetch")
        assert code == 0 and "crossref: re-checked 1 sent paper: 1 correction found" in out
        with db(cfg) as conn:
            kinds = [r[0] for r in conn.execute("SELECT kind FROM paper_changes ORDER BY id")]
        assert kinds == ["ErratumIn", "RetractionIn"]
        assert cli(cfg, "digest")[0] == 0
        html = latest_digest(cfg)
        changes = html[html.index('id="changes"') :]
        assert "Retracted — see retraction notice doi:10.1371/journal.pbio.0060304" in changes
        assert "Reported by Crossref (Retraction Watch)" in changes


# --- one odd request never blocks a source's queue ---------------------------------------------------------

OTHER_PMID, OTHER_DOI = 38914053, "10.1088/1361-6528/ad5afd"  # real recorded record with a DOI


@pytest.mark.slow
def test_a_crossref_batch_refused_for_one_doi_is_asked_doi_by_doi_and_the_rest_still_checked(tmp_path):
    with FakeEutils(_corpus(CORRECTED_PMID, OTHER_PMID), rate_limit=False) as srv, FakeSources() as fake:
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
        assert cli(cfg, "fetch")[0] == 0
        assert cli(cfg, "digest")[0] == 0
        # SYNTHETIC refusals: the two-DOI batch, then the other paper's DOI alone (HTTP 400, as for a bad filter).
        fake.queue(CROSSREF, Reply(400, b'{"status":"failed"}'), when=lambda s: "," in s.params.get("filter", ""))
        fake.queue(CROSSREF, Reply(400, b'{"status":"failed"}'), when=lambda s: OTHER_DOI in s.params.get("filter", ""))
        code, out, _ = cli(cfg, "fetch")
        assert code == 0 and "crossref: re-checked 2 sent papers: 1 correction found" in out
        assert fake.count(CROSSREF) == 3  # the batch, then each DOI alone
        with db(cfg) as conn:
            asked = {r[0] for r in conn.execute("SELECT doi FROM source_lookups WHERE source = 'crossref'")}
            assert asked == {OTHER_DOI, "10.1371/journal.pbio.0050002"}
            assert conn.execute("SELECT status FROM runs WHERE kind = 'crossref'").fetchone()[0] == "ok"


def test_a_doi_unpaywall_refuses_is_skipped_and_the_others_are_still_looked_up(tmp_path):
    aliases = {OTHER_DOI: "10.1038/nature12373"}  # SYNTHETIC re-keyed recorded reply (see the module docstring)
    with (
        FakeEutils(_corpus(CORRECTED_PMID, OTHER_PMID), rate_limit=False) as srv,
        FakeSources(unpaywall_aliases=aliases) as fake,
    ):
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, europepmc={"enabled": False}))
        # SYNTHETIC refusal of the first paper's DOI (HTTP 422, as for a malformed DOI).
        fake.queue("unpaywall", Reply(422, b'{"error": true}'), when=lambda s: s.path == "10.1371/journal.pbio.0050002")
        code, out, _ = cli(cfg, "fetch")
        assert code == 0 and "unpaywall: 1 of 2 DOIs have free full text" in out
        with db(cfg) as conn:
            assert conn.execute("SELECT count(*) FROM source_lookups WHERE source = 'unpaywall'").fetchone()[0] == 2
            assert [r[0] for r in conn.execute("SELECT kind FROM open_access")] == ["green"]


def test_a_topic_query_europe_pmc_refuses_skips_that_topic_only(tmp_path):
    with FakeEutils(_corpus(CORRECTED_PMID), rate_limit=False) as srv, FakeSources() as fake:
        cfg = write_config(tmp_path, srv.base_url, sources=sources_section(fake, email=None))
        fake.queue(EUROPEPMC, Reply(400, b'{"errMsg":"syntax error"}'))  # SYNTHETIC: the first topic's search
        code, out, _ = cli(cfg, "fetch")
        assert code == 0
        assert "preprints: 24 new (24 found in 1 topic); ketamine-fibromyalgia skipped (Europe PMC rejected" in out
        with db(cfg) as conn:
            assert [r[0] for r in conn.execute("SELECT topic_id FROM preprint_watermarks")] == ["ketamine-crps"]
