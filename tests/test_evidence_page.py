"""The evidence page from a real SQLite store of real recorded records: tables, head lines, new rows, corrections,
what the background articles say, escaping, and the same rows as CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from digest_samples import HOSTILE_TITLE, hostile_paper
from evidence_samples import (
    CRPS,
    FM,
    NARRATIVE,
    PRECLINICAL,
    RCT_1998,
    RCT_2012,
    RCT_2013,
    RETRACTED,
    RETRACTION_NOTICE,
    SR_2018,
    SR_2021,
    config,
    deliver,
    formula_paper,
    open_filled,
    recorded,
    today,
)
from littrack.evidence_page.gather import gather
from littrack.evidence_page.job import build_page, write_page
from littrack.evidence_page.model import EvidencePage
from littrack.evidence_page.render import evidence_csv, render_evidence_html
from littrack.models import Design, LinkMethod, OaKind, OpenAccessLocation, Preprint, PreprintLink
from littrack.replay import recorded_path
from littrack.sources.europepmc import parse_preprints
from littrack.store import trials as trial_store
from littrack.store.preprints import save_links, save_preprints
from littrack.store.sources import save_open_access

TOPICS = {
    FM: [RCT_2013, RCT_2012, SR_2021, SR_2018, RETRACTED, PRECLINICAL, NARRATIVE, RCT_1998],
    CRPS: [RCT_2013, PRECLINICAL],
}


def page_for(tmp_path: Path, topics: dict[str, list[object]] | None = None, **sections: object) -> EvidencePage:
    cfg = config(tmp_path, **sections)
    with open_filled(cfg, topics or TOPICS) as store:  # type: ignore[arg-type]
        return build_page(gather(cfg, store), title="littrack digest", generated_at=today())


def table(page: EvidencePage, topic: str):  # type: ignore[no-untyped-def]
    return next(t for t in page.tables if t.topic.id == topic)


def test_every_human_study_is_in_its_topic_table_best_tier_first_then_newest(tmp_path: Path) -> None:
    fm = table(page_for(tmp_path), FM)
    pmids = [r.paper.pmid for r in fm.rows]
    assert set(pmids) == {RCT_2013, RCT_2012, SR_2021, SR_2018, RETRACTED, NARRATIVE, RCT_1998}
    tiers = [r.evidence.tier for r in fm.rows]
    assert tiers == sorted(tiers)
    tier_one = [(r.paper.year, r.paper.pmid) for r in fm.rows if r.evidence.tier == 1]
    assert tier_one == [(2021, SR_2021), (2018, SR_2018), (2013, RCT_2013), (2012, RCT_2012), (1998, RCT_1998)]
    assert [r.paper.pmid for r in fm.preclinical] == [PRECLINICAL]


def test_a_paper_two_topics_matched_is_in_both_tables(tmp_path: Path) -> None:
    page = page_for(tmp_path)
    assert RCT_2013 in {r.paper.pmid for r in table(page, FM).rows}
    assert RCT_2013 in {r.paper.pmid for r in table(page, CRPS).rows}


def test_head_line_counts_rcts_with_their_participants_and_systematic_reviews(tmp_path: Path) -> None:
    fm = table(page_for(tmp_path), FM)
    rcts = [r for r in fm.rows if r.evidence.design == Design.RCT]
    stated = [r.evidence.details.sample_size for r in rcts if r.evidence.details.sample_size is not None]
    assert fm.headline.rcts == 3 and fm.headline.reviews == 2 and fm.headline.latest == 2021
    assert fm.headline.participants == sum(stated)
    assert fm.headline.text.startswith(f"3 RCTs with {sum(stated):,} participants")
    assert fm.headline.text.endswith("2 systematic reviews, latest 2021")


def test_a_retracted_paper_stays_in_the_table_struck_through_with_its_notice_linked_and_uncounted(
    tmp_path: Path,
) -> None:
    page = page_for(tmp_path, {FM: [RETRACTED, RCT_2013]})
    (row,) = [r for r in table(page, FM).rows if r.paper.pmid == RETRACTED]
    assert row.retracted and row.status == "retracted"
    assert table(page, FM).headline.retracted == 1
    html = render_evidence_html(page)
    tr = re.search(rf'<tr id="{FM}-pmid-{RETRACTED}" class="([^"]*)">(.*?)</tr>', html, re.S)
    assert tr is not None and "is-retracted" in tr.group(1)
    assert f'href="https://pubmed.ncbi.nlm.nih.gov/{RETRACTION_NOTICE}/"' in tr.group(2)


def test_rows_are_marked_new_when_the_latest_digest_brought_them_or_they_wait_for_the_next(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with open_filled(cfg, {FM: [RCT_2013, RCT_2012, SR_2021]}) as store:
        assert not any(r.new for r in table(build_page(gather(cfg, store), title="t", generated_at=today()), FM).rows)
        deliver(store, [RCT_2013])
        deliver(store, [RCT_2012])  # the latest digest; SR_2021 waits for the next one
        page = build_page(gather(cfg, store), title="t", generated_at=today())
    assert {r.paper.pmid: r.new for r in table(page, FM).rows} == {RCT_2013: False, RCT_2012: True, SR_2021: True}
    assert table(page, FM).new_count == 2
    assert "came with digest #2" in render_evidence_html(page)


def test_beside_the_head_line_the_background_articles_size_of_the_evidence_from_their_mentions(tmp_path: Path) -> None:
    page = page_for(tmp_path)
    (statement,) = table(page, FM).background
    assert (statement.n_trials, statement.n_patients, statement.design) == (6, 115, "systematic review")
    assert statement.article == "Ketamine for Fibromyalgia and Chronic Pain Management - a Systematic Review"
    assert table(page, CRPS).background == ()
    html = render_evidence_html(page)
    assert "describes a systematic review: 6 trials, 115 patients." in html
    assert f'href="#{statement.anchor}"' in html and f'id="{statement.anchor}"' in html


def test_details_the_abstract_does_not_state_read_not_stated(tmp_path: Path) -> None:
    fm = table(page_for(tmp_path, {FM: [SR_2021]}), FM)
    (row,) = fm.rows
    assert (row.setting, row.drugs, row.routes, row.regimen, row.follow_up) == ("not stated",) * 5
    assert row.conclusion.startswith("Insight and metacognition appeared to be related")


def test_linked_trials_and_doi_links_are_shown(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with open_filled(cfg, {FM: [RCT_2013]}) as store:
        with store.transaction() as conn:
            trial_store.add_paper_links(conn, [(RCT_2013, "NCT01234567", "databank")])
        html = render_evidence_html(build_page(gather(cfg, store), title="t", generated_at=today()))
    assert 'href="https://clinicaltrials.gov/study/NCT01234567"' in html
    assert f'href="https://doi.org/{recorded()[RCT_2013].doi}"' in html


class _Tags(HTMLParser):
    """Every link, every event-handler attribute and every tag name of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.handlers: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]
        self.handlers += [k for k, _ in attrs if k.startswith("on")]


def test_hostile_text_is_escaped_and_no_link_leaves_http_or_the_page(tmp_path: Path) -> None:
    html = render_evidence_html(page_for(tmp_path, {FM: [hostile_paper(), RCT_2013]}))
    parser = _Tags()
    parser.feed(html)
    assert parser.tags.count("script") == 1  # the page's own sorting enhancement, nothing from data
    assert "img" not in parser.tags and parser.handlers == []
    assert all(h.startswith(("https://", "#")) or h == "index.html" for h in parser.hrefs), parser.hrefs
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and HOSTILE_TITLE not in html


def test_page_is_written_atomically_beside_the_digests(tmp_path: Path) -> None:
    cfg = config(tmp_path)
    with open_filled(cfg, TOPICS) as store:
        result = write_page(cfg, gather(cfg, store), now=today())
    assert result.path == cfg.digest.output_dir / "evidence.html"
    assert result.path.stat().st_size == result.size
    assert [p.name for p in result.path.parent.iterdir()] == ["evidence.html"]  # no temp file left behind
    assert result.line() == (
        f"evidence: 7 human studies in 2 topics (0 new), 1 preclinical; 26 claims in 4 background articles"
        f" → {result.path} ({result.size:,} bytes)"
    )


def test_evidence_csv_has_a_row_per_topic_and_paper_with_the_page_columns(tmp_path: Path) -> None:
    page = page_for(tmp_path)
    rows = list(csv.DictReader(io.StringIO(evidence_csv(page))))
    assert len(rows) == len(TOPICS[FM]) + len(TOPICS[CRPS])
    assert {(r["topic_id"], r["listed_as"]) for r in rows if r["pmid"] == str(PRECLINICAL)} == {
        (FM, "preclinical"),
        (CRPS, "preclinical"),
    }
    retracted = next(r for r in rows if r["pmid"] == str(RETRACTED))
    assert retracted["status"] == "retracted" and retracted["notice_pmids"] == str(RETRACTION_NOTICE)
    fm_rows = [r["pmid"] for r in rows if r["topic_id"] == FM and r["listed_as"] == "study table"]
    assert fm_rows == [str(r.paper.pmid) for r in table(page, FM).rows]  # the page's order
    assert [r["pmid"] for r in csv.DictReader(io.StringIO(evidence_csv(page, topic_id=CRPS)))] == [
        str(RCT_2013),
        str(PRECLINICAL),
    ]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_evidence_csv_cells_that_a_spreadsheet_would_run_start_with_a_quote(tmp_path: Path, start: str) -> None:
    paper = formula_paper()
    paper = type(paper)(**{**{f: getattr(paper, f) for f in paper.__slots__}, "title": start + "cmd|' /C calc'!A0"})
    rows = list(csv.DictReader(io.StringIO(evidence_csv(page_for(tmp_path, {FM: [paper]})))))
    assert rows[0]["title"] == "'" + start + "cmd|' /C calc'!A0"


def _recorded_preprints() -> list[Preprint]:
    page = recorded_path("europepmc", "pyEuropePMC-preprints", "tests", "fixtures", "search_1000results_cancer.json")
    return parse_preprints(json.loads(page.read_bytes()))


def test_preprints_are_listed_apart_from_the_studies_and_a_published_one_is_named_on_its_paper(tmp_path: Path) -> None:
    # REAL recorded Europe PMC preprints; their topic match and the link to a journal version are SYNTHETIC.
    first, second, *_ = _recorded_preprints()
    cfg = config(tmp_path)
    with open_filled(cfg, TOPICS) as store:
        with store.transaction() as conn:
            save_preprints(conn, [first, second], topic_id=FM)
            save_links(conn, [PreprintLink(second.id, RCT_2013, LinkMethod.EUROPEPMC)])
        page = build_page(gather(cfg, store), title="littrack digest", generated_at=today())
    fm = table(page, FM)
    assert [p.id for p in fm.preprints] == [first.id]  # the published one is its paper now, not a second finding
    assert all(r.paper.pmid != first.id for r in fm.rows) and fm.headline.rcts == 3  # never in the table or counts
    assert table(page, CRPS).preprints == ()
    html = render_evidence_html(page)
    fold = html[html.index('class="fold fold-preprints"') :]
    assert "Preprint — not peer-reviewed" in fold and first.server in fold
    row = html[html.index(f'id="{FM}-pmid-{RCT_2013}"') :]
    assert f"Posted first as a preprint: <cite>{second.server}</cite>" in row[: row.index("</tr>")]


def test_a_free_full_text_link_stands_beside_pubmed_in_the_row_and_the_csv(tmp_path: Path) -> None:
    paper = recorded()[RCT_2013]
    assert paper.doi
    # SYNTHETIC: the location of a free copy as Unpaywall would store it (the URL is not a real copy).
    location = OpenAccessLocation(paper.doi, OaKind.GREEN, "https://repository.example.org/copy.pdf")
    cfg = config(tmp_path)
    with open_filled(cfg, TOPICS) as store:
        with store.transaction() as conn:
            save_open_access(conn, paper.doi, location)
        page = build_page(gather(cfg, store), title="littrack digest", generated_at=today())
    html = render_evidence_html(page)
    row = html[html.index(f'id="{FM}-pmid-{RCT_2013}"') :]
    assert 'href="https://repository.example.org/copy.pdf">Free full text (green)</a>' in row[: row.index("</tr>")]
    rows = {r["pmid"]: r for r in csv.DictReader(io.StringIO(evidence_csv(page)))}
    assert rows[str(RCT_2013)]["free_full_text"] == "https://repository.example.org/copy.pdf"
