"""The ``sources:`` config section, the digest's rendering of preprints, free full text and outages (HTML, e-mail
HTML, plain text), and a store migrated from the schema before the sources."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from configs import write_config
from digest_samples import build_view, real_papers
from littrack.config import load_config
from littrack.digest.email_html import render_email_html
from littrack.digest.render import render_html, render_text
from littrack.digest.view import PaperEntry, PreprintEntry, PublishedPreprintNote
from littrack.errors import ConfigError
from littrack.models import LinkMethod, OaKind, OpenAccessLocation, Preprint, SourceOutage, Topic
from littrack.store import open_store
from littrack.store.db import migrations
from littrack.store.digests import pending_changes

# --- config --------------------------------------------------------------------------------------------


def test_by_default_preprints_and_crossref_are_on_and_unpaywall_waits_for_an_email(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("ncbi: {email: me@example.org}\ntopics: [{id: t, query: ketamine}]\n", encoding="utf-8")
    cfg = load_config(path, environ={})
    assert cfg.sources.europepmc.enabled and cfg.sources.crossref.enabled
    assert cfg.sources.unpaywall.enabled and not cfg.sources.unpaywall_on and cfg.sources.email is None
    path.write_text(path.read_text() + "sources: {email: me@example.org}\n", encoding="utf-8")
    assert load_config(path, environ={}).sources.unpaywall_on


def test_a_topic_may_carry_its_own_preprint_query(tmp_path: Path) -> None:
    topics = [{"id": "t", "query": "ketamine[pt]", "preprint_query": "  ketamine AND\n fibromyalgia "}]
    cfg = load_config(write_config(tmp_path, "http://127.0.0.1:9/", topics=topics), environ={})
    assert cfg.topics[0].preprint_query == "ketamine AND fibromyalgia"


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ({"email": "not an address"}, "sources.email: is not an e-mail address"),
        ({"europepmc": {"page_size": 5000}}, "sources.europepmc.page_size: must be between 1 and 1000"),
        ({"crossref": {"requests_per_second": 0}}, "sources.crossref.requests_per_second: must be more than 0"),
        ({"unpaywall": {"base_url": "ftp://x"}}, "sources.unpaywall.base_url: must be an http(s) address"),
        ({"crossref": {"batch": 5}}, "sources.crossref.batch: unknown key"),
    ],
)
def test_invalid_sources_settings_name_the_key(tmp_path: Path, sources: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(write_config(tmp_path, "http://127.0.0.1:9/", sources=sources), environ={})


def test_the_shipped_config_documents_every_sources_key() -> None:
    shipped = Path(__file__).resolve().parents[1] / "config.yaml"
    cfg = load_config(shipped, environ={})
    text = shipped.read_text(encoding="utf-8")
    for key in ("europepmc:", "crossref:", "unpaywall:", "refresh_days", "recheck_days", "preprint_query"):
        assert key in text, key
    assert cfg.sources.email is None  # off until the user gives an address


# --- rendering ------------------------------------------------------------------------------------------

PREPRINT = Preprint(
    id="PPR1036674",
    title="Red meat intake interacts with a TGF-β-pathway-based polygenic risk score",
    server="medRxiv",
    doi="10.1101/2025.06.13.25329599",
    version=2,
    authors=("Mendez JS", "Queme B", "Fu Y", "Morrison J"),
    first_published=dt.date(2025, 6, 16),
    year=2025,
)  # the real recorded preprint, with a SYNTHETIC version 2 to show the version line
FREE = OpenAccessLocation("10.1/x", OaKind.GREEN, "https://dash.harvard.edu/x", host_type="repository")


@pytest.fixture(scope="module")
def view():  # type: ignore[no-untyped-def]
    papers = real_papers()
    base = build_view([papers[p] for p in (35830032, 38914053)])
    first = base.sections[0]
    entry = dataclasses.replace(first.entries[0], open_access=FREE, preprint_version=PREPRINT)
    return dataclasses.replace(
        base,
        briefing=None,  # computed again from the entries below
        sections=(dataclasses.replace(first, entries=(entry, *first.entries[1:])), *base.sections[1:]),
        preprints=(PreprintEntry(PREPRINT, (Topic("t", "Ketamine for fibromyalgia", "q"),)),),
        published_preprints=(
            PublishedPreprintNote(PREPRINT, 33856845, "Pain", "A <i>published</i> title", LinkMethod.PUBMED),
        ),
        outages=(SourceOutage("europepmc", "Europe PMC (preprints)", "2027-03-03T06:00:00+00:00", "HTTP 503"),),
    )


def test_the_digest_file_shows_badge_server_version_doi_and_the_published_note(view) -> None:  # type: ignore[no-untyped-def]
    html = render_html(view)
    section = html[html.index('id="preprints"') :]
    assert "Preprint — not peer-reviewed" in section and "medRxiv" in section and "version 2" in section
    assert "Mendez JS, Queme B, Fu Y, et al." in section
    assert "Preprint from June 2025 now published in <cite><bdi>Pain</bdi></cite>" in section
    assert "A <i>published</i> title" in section and "Linked by PubMed" in section
    assert "Europe PMC (preprints) could not be reached since 3 Mar 2027, 06:00 UTC" in html


def test_free_full_text_sits_beside_pubmed_and_pmc_in_file_mail_and_text(view) -> None:  # type: ignore[no-untyped-def]
    html = render_html(view)
    assert '<a class="free-full-text" href="https://dash.harvard.edu/x">Free full text (green, repository)</a>' in html
    assert "Published version of a preprint posted on medRxiv in June 2025" in html
    mail = render_email_html(view, abstract_chars=200)
    assert '<a href="https://dash.harvard.edu/x">Free full text (green)</a>' in mail
    assert "Preprint — not peer-reviewed" in mail and "now published in <bdi>Pain</bdi>" in mail
    assert "Europe PMC (preprints) could not be reached since" in mail
    text = render_text(view, abstract_chars=200)
    assert "Free full text (green): https://dash.harvard.edu/x" in text
    assert "[Preprint — not peer-reviewed] Red meat intake" in text
    assert "NOT REACHED: Europe PMC (preprints) could not be reached since" in text
    assert "Preprint from June 2025 now published in Pain, PMID 33856845" in text


def test_a_pubmed_record_of_type_preprint_is_listed_with_the_preprints_not_ranked_in_a_topic() -> None:
    from littrack.config import load_config as _load
    from littrack.digest.assemble import build_view as assemble
    from littrack.store.papers import StoredPaper

    papers = real_papers()
    # SYNTHETIC: a real record given PubMed's "Preprint" publication type (no recorded record has it).
    preprint = dataclasses.replace(papers[38914053], publication_types=("Preprint",))
    cfg_path = Path(__file__).resolve().parents[1] / "config.yaml"
    cfg = _load(cfg_path, environ={})
    tid = cfg.topics[0].id
    stored = [StoredPaper(preprint, (tid,), "", ""), StoredPaper(papers[35830032], (tid,), "", "")]
    v = assemble(cfg, stored, period=None, generated_at=dt.datetime(2027, 3, 1, tzinfo=dt.UTC))
    assert [e.paper.pmid for s in v.sections for e in s.entries] == [35830032]
    assert [e.paper.pmid for e in v.pubmed_preprints] == [38914053]
    assert {e.paper.pmid for e in v.papers} == {35830032, 38914053}  # both delivered, so neither waits forever
    html = render_html(v)
    assert html.index('id="preprints"') < html.index('id="pmid-38914053"')
    assert isinstance(v.pubmed_preprints[0], PaperEntry)


# --- migration ---------------------------------------------------------------------------------------------


def test_a_store_from_before_the_sources_migrates_and_keeps_pubmeds_changes_as_pubmeds(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    for version, _name, sql in migrations():
        if version <= 5:
            conn.executescript(sql)
    conn.execute("PRAGMA user_version = 5")
    record = json.dumps({"pmid": 1, "title": "Old <i>paper</i>"})
    conn.execute(
        "INSERT INTO papers (pmid, record, content_hash, title, first_seen_at, fetched_at, updated_at)"
        " VALUES (1, ?, 'h', 'Old paper', 'x', 'x', 'x')",
        (record,),
    )
    conn.execute(
        "INSERT INTO paper_changes (pmid, kind, description, notice_pmid, notice_source, detected_at)"
        " VALUES (1, 'RetractionIn', 'Retracted', 99, 'J 2001', '2020-01-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.close()
    with open_store(path) as store:
        assert store.schema_version == max(v for v, _, _ in migrations())
        ((_, change),) = pending_changes(store, "")
    assert [(s.name, s.seen_at, s.notice) for s in change.sources] == [
        ("PubMed", "2020-01-01T00:00:00+00:00", "PMID 99")
    ]
