"""Issue 13: the digest read as a clinician reads it. Every paper under every topic that matched, counts that
agree everywhere (briefing, headings, e-mail, text), the safety lane, the preclinical fold and the briefing,
assembled by the real build_view from REAL recorded PubMed records.

SYNTHETIC parts, marked where they are made: which topics matched which record (the recorded records are not
about ketamine), the safety-lane record (digest_samples.safety_paper) and trial change rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import lxml.html
import pytest

from configs import write_config
from digest_samples import PUBMED, RAT_PMID, RCT_PMID, SAFETY_PMID, parse_file, real_papers, safety_paper
from littrack.config import Config, load_config
from littrack.digest.assemble import build_view
from littrack.digest.briefing import short_period, summarise
from littrack.digest.email_html import render_email_html
from littrack.digest.render import render_html, render_text
from littrack.digest.view import SAFETY, DigestView
from littrack.models import DateWindow, Paper, TrialChange
from littrack.store.papers import StoredPaper

FM, CRPS = "ketamine-fibromyalgia", "ketamine-crps"
PERIOD = DateWindow(dt.date(2026, 11, 25), dt.date(2026, 12, 1))
NOW = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def cfg(tmp_path_factory: pytest.TempPathFactory) -> Config:
    return load_config(write_config(tmp_path_factory.mktemp("cfg"), "http://127.0.0.1:9/"))


def stored(paper: Paper, *topics: str) -> StoredPaper:
    return StoredPaper(paper, topics, "2026-11-30T00:00:00+00:00", "2026-11-30T00:00:00+00:00")


@pytest.fixture(scope="module")
def papers() -> list[StoredPaper]:
    """Real records with SYNTHETIC topic matches: some in both topics, a rat study, the safety-lane record."""
    real = real_papers()
    hawc = parse_file(PUBMED / "hawc/extracted_bodies/TestPubmed.test_search__2_efetch.xml")[:12]
    rows = [stored(real[RCT_PMID], FM, CRPS), stored(real[RAT_PMID], CRPS, FM), stored(safety_paper(), CRPS)]
    rows += [stored(p, FM) if i % 3 else stored(p, FM, CRPS) for i, p in enumerate(hawc) if p.pmid != RAT_PMID]
    rows += [stored(real[35830032], CRPS), stored(real[38011560], FM)]
    return rows


@pytest.fixture(scope="module")
def view(cfg: Config, papers: list[StoredPaper]) -> DigestView:
    return build_view(cfg, papers, period=PERIOD, generated_at=NOW)


def test_every_paper_is_listed_under_every_topic_that_matched_and_in_full_once(
    view: DigestView, papers: list[StoredPaper]
) -> None:
    doc = lxml.html.document_fromstring(render_html(view))
    for sp in papers:
        pmid = sp.paper.pmid
        assert len(doc.xpath(f'//article[@id="pmid-{pmid}"]')) == 1, pmid
        for topic in sp.topic_ids:
            section = doc.xpath(f'//section[@id="topic-{topic}"]')[0]
            full = section.xpath(f'.//article[@id="pmid-{pmid}"]')
            line = section.xpath(f'.//p[@class="also"]/a[@href="#pmid-{pmid}"]')
            assert len(full) + len(line) == 1, (pmid, topic)


def test_a_paper_is_at_home_in_its_first_topic_unless_it_reports_harm(view: DigestView) -> None:
    homes = {e.paper.pmid: e.home_id for e in view.papers}
    assert homes[RCT_PMID] == FM  # matched both: config order decides
    assert homes[RAT_PMID] == FM  # stored as (CRPS, FM): config order still decides
    assert homes[SAFETY_PMID] == SAFETY
    assert [e.paper.pmid for e in view.safety] == [SAFETY_PMID]


def test_counts_agree_in_the_briefing_the_headings_the_email_and_the_text(view: DigestView) -> None:
    html = lxml.html.document_fromstring(render_html(view))
    email = render_email_html(view, abstract_chars=300)
    text = render_text(view, abstract_chars=300)
    for s in view.sections:
        listed = html.xpath(f'//section[@id="topic-{s.topic.id}"]//ol[@class="papers"]/li')
        heading = html.xpath(f'//section[@id="topic-{s.topic.id}"]/h2/span[@class="count"]')[0].text_content()
        summary = html.xpath(f'//ul[@class="topic-counts"]//a[@href="#topic-{s.topic.id}"]/../../span[@class="count"]')
        assert len(listed) == int(heading) == int(summary[0].text_content()) == s.count
        assert f"{s.topic.name} ({s.count})" in email
        assert f"{s.topic.name.upper()} ({s.count})" in text
        assert f"- {s.topic.name}: {s.count} papers" in text
    every = {e.paper.pmid for s in view.sections for e in s.entries + s.preclinical}
    assert view.total == len(view.papers) == len(every)


def test_the_briefing_counts_add_up_to_the_new_papers(view: DigestView) -> None:
    briefing = view.briefing
    assert briefing is not None
    papers = [c for c in briefing.counts if c.anchor != "#changes" and c.anchor != "#trials"]
    assert sum(c.n for c in papers) == view.total
    assert str(briefing.counts[0]) == "1 RCT"
    assert briefing.subject.startswith("1 RCT, 1 safety report")
    assert briefing.subject.endswith(f"{view.total} new papers")


def test_preclinical_papers_fold_at_the_end_of_each_topic(view: DigestView) -> None:
    doc = lxml.html.document_fromstring(render_html(view))
    for topic in (FM, CRPS):
        (fold,) = doc.xpath(f'//section[@id="topic-{topic}"]/details[@class="preclinical"]')
        assert fold.get("open") is None  # collapsed
        pmids = [int(a.get("href").split("-")[1]) for a in fold.xpath('.//a[starts-with(@href, "#pmid-")]')]
        pmids += [int(a.get("id").split("-")[1]) for a in fold.xpath(".//article")]
        assert RAT_PMID in pmids
        topic_entries = doc.xpath(f'//section[@id="topic-{topic}"]/ol[@class="papers"]')[0]
        assert not topic_entries.xpath(f'.//*[@id="pmid-{RAT_PMID}"] | .//a[@href="#pmid-{RAT_PMID}"]')


def test_the_briefing_names_the_papers_to_read_first_with_design_n_and_conclusion(view: DigestView) -> None:
    doc = lxml.html.document_fromstring(render_html(view))
    (first, *_) = doc.xpath('//ol[@id="briefing-top"]/li')
    text = " ".join(first.text_content().split())
    assert text.startswith("RCT n = 408")
    assert "Conclusion: DC demonstrated statistically significant improvement" in text
    assert first.xpath(f'.//a[@href="#pmid-{RCT_PMID}"]')
    # Animal work never comes first, however strong its design label.
    assert all(e.evidence is not None and e.evidence.human is not False for e in view.briefing.top)  # type: ignore[union-attr]


def test_a_digest_with_trial_changes_but_no_papers_is_not_called_empty(cfg: Config) -> None:
    # SYNTHETIC trial change rows.
    trials = (
        TrialChange("NCT01234567", "Ketamine infusion in fibromyalgia", "COMPLETED", "results posted"),
        TrialChange("NCT07654321", "Oral ketamine for CRPS", "RECRUITING", "new"),
    )
    view = build_view(cfg, [], period=PERIOD, generated_at=NOW, trials=trials)
    assert view.briefing is not None
    assert view.briefing.subject == "1 trial posted results, 1 new registered trial"
    for html in (render_html(view), render_email_html(view, abstract_chars=300)):
        words = " ".join(lxml.html.document_fromstring(html).text_content().split())
        assert "No new papers this period" not in words and "0 new papers" not in words
        assert "1 trial posted results · 1 new registered trial" in words
    text = render_text(view, abstract_chars=300)
    assert "No new papers this period" not in text and "1 trial posted results · 1 new registered trial" in text


def test_an_empty_digest_still_says_no_new_papers(cfg: Config) -> None:
    view = build_view(cfg, [], period=PERIOD, generated_at=NOW)
    assert summarise(view).subject == "no new papers"
    assert "No new papers this period" in render_html(view)


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ((2026, 11, 25), (2026, 12, 1), "25 Nov–1 Dec"),
        ((2026, 11, 18), (2026, 11, 24), "18–24 Nov"),
        ((2025, 12, 28), (2026, 1, 3), "28 Dec 2025–3 Jan 2026"),
        ((2026, 12, 1), (2026, 12, 1), "1 Dec"),
    ],
)
def test_the_subject_dates_are_short(start: tuple[int, int, int], end: tuple[int, int, int], label: str) -> None:
    assert short_period(DateWindow(dt.date(*start), dt.date(*end))) == label


def test_the_safety_lane_says_why_each_paper_is_there(view: DigestView) -> None:
    doc = lxml.html.document_fromstring(render_html(view))
    (lane,) = doc.xpath('//section[@id="safety"]')
    why = " ".join(lane.xpath('.//p[@class="harm"]')[0].text_content().split())
    assert why == "Harm bladder and urinary tract · why here: title: “Ketamine-associated cystitis”"
    assert doc.xpath('//nav[@class="toc"]//a[@href="#safety"]')
    crps_line = doc.xpath(f'//section[@id="topic-{CRPS}"]//p[@class="also"][a[@href="#pmid-{SAFETY_PMID}"]]')[0]
    assert "also under Safety reports ↑" in " ".join(crps_line.text_content().split())


def test_hostile_text_in_a_safety_reason_stays_inert(cfg: Config) -> None:
    # SYNTHETIC hostile title that the safety rule quotes back.
    hostile = dataclasses.replace(
        safety_paper(), pmid=99999997, title="Ketamine-induced cystitis &lt;script&gt;alert(1)&lt;/script&gt;"
    )
    view = build_view(cfg, [stored(hostile, CRPS)], period=PERIOD, generated_at=NOW)
    for html in (render_html(view), render_email_html(view, abstract_chars=300)):
        assert "<script>" not in html and "&lt;script&gt;" in html
    assert re.search(r"why here: title: “Ketamine-induced cystitis”", render_text(view, abstract_chars=300))
