"""Rendering digests from real recorded PubMed records: content, structure and escaping of hostile text."""

from __future__ import annotations

import dataclasses
import re

import lxml.html
import pytest

from digest_samples import (
    HOSTILE_TITLE,
    RLO,
    bidi_paper,
    build_view,
    empty_view,
    hostile_paper,
    long_author_paper,
    real_papers,
)
from littrack.digest.email_html import render_email_html
from littrack.digest.render import doi_url, render_html, render_text, safe_href, shorten_markup
from littrack.digest.view import DigestView
from littrack.models import Design, Evidence, EvidenceSource, Paper, StudyDetails, Subjects

# Event-handler attributes and URL-bearing attributes a browser would act on.
_URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href")


@pytest.fixture(scope="module")
def papers() -> dict[int, Paper]:
    return real_papers()


@pytest.fixture(scope="module")
def view(papers: dict[int, Paper]) -> DigestView:
    order = [38914053, 27933116, 30108519, 29963580, 38962805, 34843274, 38048813, 35830032, 38011560]
    return build_view([papers[p] for p in order] + [long_author_paper(), hostile_paper()])


@pytest.fixture(scope="module")
def html(view: DigestView) -> str:
    return render_html(view)


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def article(html: str, pmid: int) -> lxml.html.HtmlElement:
    (node,) = tree(html).xpath(f'//article[@id="pmid-{pmid}"]')
    return node


def assert_inert(doc: lxml.html.HtmlElement) -> None:
    """No script element, no event handler, no link or resource with a non-http(s) scheme."""
    assert doc.xpath("//script") == []
    assert doc.xpath("//img") == []
    for el in doc.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), f"event handler {name} on <{el.tag}>"
            if name.lower() in _URL_ATTRS:
                scheme = re.match(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):", value)
                assert scheme is None or scheme.group(1).lower() in {"http", "https"}, value


def test_digest_is_semantic_self_contained_html(html: str) -> None:
    doc = tree(html)
    assert doc.get("lang") == "en"
    assert len(doc.xpath("//h1")) == 1
    assert doc.xpath("//link") == [] and doc.xpath("//script") == [] and doc.xpath("//img") == []
    assert "@import" not in html and "url(" not in html
    assert doc.xpath("//style") and doc.xpath("//time[@datetime='2026-11-14']")
    headings = [" ".join(h.text_content().split()) for h in doc.xpath("//h2")]
    # Issue 13: the briefing on top, then the safety lane before the topics.
    assert headings[:3] == ["What matters this period", "Changes to papers you were sent", "Safety reports 1"]
    assert headings[3].startswith("Ketamine for fibromyalgia") and headings[4].startswith("Ketamine for CRPS")
    assert headings[5:] == ["Registered trials", "Background articles", "Studies the background articles refer to"]


def test_header_shows_period_counts_and_retry_note_and_the_footer_the_queries(html: str, view: DigestView) -> None:
    doc = tree(html)
    header = doc.xpath("//header")[0].text_content()
    assert "14 Nov 2026" in header and "20 Nov 2026" in header and "Entrez dates" in header
    assert "21 Nov 2026, 07:00 UTC" in header
    # Issue 13 moved the PubMed queries from the top to the footer.
    codes = [c.text_content() for c in doc.xpath("//footer//details[@class='queries']//code")]
    assert codes == [s.topic.query for s in view.sections]
    assert doc.xpath("//header//code") == []
    counts = " ".join(doc.xpath("//p[@class='counts']")[0].text_content().split())
    assert counts.endswith(f"{view.total - 3} other papers")  # the RCT, the review and the safety report are named
    assert "Retrying: some of these papers were in a digest that could not be delivered" in " ".join(header.split())


def test_inline_markup_in_titles_renders_as_elements(html: str) -> None:
    title = article(html, 27933116).xpath(".//h3")[0]  # hawc title_with_child_text: <i>…</i> … Cu<sub>2</sub>O
    assert title.xpath(".//i") and title.xpath(".//sub")
    assert "<i>" not in title.text_content() and "&lt;" not in lxml.html.tostring(title, encoding="unicode")
    assert article(html, 38914053).xpath(".//h3//sub")


def test_mathml_abstract_renders_as_text_not_markup(html: str) -> None:
    for pmid in (30108519, 29963580):
        node = article(html, pmid)
        assert node.xpath(".//details/summary")[0].text_content() == "Abstract"
        assert node.xpath(".//*[local-name()='math']") == []
        assert len(node.xpath(".//div[@class='abstract-body']")[0].text_content()) > 200


def test_paper_without_authors_or_abstract_says_so(html: str) -> None:
    node = article(html, 38962805)
    assert node.xpath(".//p[@class='byline']")[0].text_content() == "No authors listed"
    assert node.xpath(".//p[@class='no-abstract']")[0].text_content() == "No abstract in PubMed."
    assert node.xpath(".//details") == []


def test_collective_name_is_shown_as_author(html: str, papers: dict[int, Paper]) -> None:
    group = next(a.collective_name for a in papers[34843274].authors if a.collective_name)
    assert group in article(html, 34843274).xpath(".//p[@class='byline']")[0].text_content()


def test_non_english_paper_names_its_language_and_original_title(html: str, papers: dict[int, Paper]) -> None:
    node = article(html, 38048813)
    assert "in German" in node.xpath(".//p[@class='source']")[0].text_content()
    if papers[38048813].vernacular_title:
        assert papers[38048813].vernacular_title in node.text_content()


def test_long_author_list_shows_first_three_and_et_al(html: str) -> None:
    paper = long_author_paper()
    assert len(paper.authors) > 10
    byline = article(html, paper.pmid).xpath(".//p[@class='byline']")[0].text_content()
    assert byline == ", ".join(a.display for a in paper.authors[:3]) + ", et al."


def test_links_have_meaningful_text_and_safe_targets(html: str, papers: dict[int, Paper]) -> None:
    paper = papers[38914053]
    links = {a.text_content(): a.get("href") for a in article(html, paper.pmid).xpath(".//ul[@class='links']//a")}
    assert links[f"PubMed record for PMID {paper.pmid}"] == f"https://pubmed.ncbi.nlm.nih.gov/{paper.pmid}/"
    assert paper.doi and links[f"DOI {paper.doi}"] == doi_url(paper.doi)
    if paper.pmcid:
        assert links[f"Full text in PMC ({paper.pmcid})"].endswith(f"/pmc/articles/{paper.pmcid}/")


def test_paper_matched_by_two_topics_is_in_full_once_and_one_line_under_the_other(html: str, view: DigestView) -> None:
    first = view.sections[0].entries[0].paper
    doc = tree(html)
    assert len(doc.xpath(f'//article[@id="pmid-{first.pmid}"]')) == 1
    tags = [t.text_content() for t in article(html, first.pmid).xpath(".//span[@class='topic-tag']")]
    assert tags == ["Ketamine for fibromyalgia", "Ketamine for CRPS"]
    # Issue 13 (was: shown once, "listed under another topic"): the CRPS section lists it too, as one line
    # pointing up to the full entry, so the CRPS heading counts what the CRPS section shows.
    (line,) = doc.xpath(f'//section[@id="topic-ketamine-crps"]//p[@class="also"][a[@href="#pmid-{first.pmid}"]]')
    assert "also under Ketamine for fibromyalgia ↑" in " ".join(line.text_content().split())
    crps = doc.xpath('//section[@id="topic-ketamine-crps"]')[0]
    shown = len(crps.xpath(".//ol[@class='papers']/li"))
    heading = crps.xpath(".//h2/span[@class='count']")[0].text_content()
    assert int(heading) == shown == view.sections[1].count


def test_entry_shows_evidence_badges_related_passage_and_trials(html: str, view: DigestView) -> None:
    node = article(html, view.sections[0].entries[0].paper.pmid)
    badges = [b.text_content() for b in node.xpath(".//li[contains(@class,'badge')]")]
    assert "Systematic review / meta-analysis · indexed" in badges and "n = 1,234" in badges
    assert (
        node.xpath(".//aside[@class='related']//p[@class='related-label']")[0].text_content()
        == "Background article (not peer-reviewed)"
    )
    trial_links = node.xpath(".//p[@class='trials-linked']//a")
    assert [a.get("href") for a in trial_links] == ["https://clinicaltrials.gov/study/NCT01234567"]


def test_retracted_and_not_yet_indexed_papers_are_marked(html: str, view: DigestView) -> None:
    retracted = next(e for s in view.sections for e in s.entries if e.retracted)
    node = article(html, retracted.paper.pmid)
    assert node.xpath(".//span[@class='retracted']") and "RETRACTED" in node.text_content()
    hostile = article(html, 99999999)  # synthetic record with status "Publisher"
    assert "Not yet indexed by NLM" in hostile.xpath(".//p[@class='note']")[0].text_content()


def test_optional_sections_render_their_rows(html: str) -> None:
    doc = tree(html)
    trials = doc.xpath("//section[@id='trials']")[0].text_content()
    assert "RECRUITING" in trials and "→" in trials and "COMPLETED" in trials
    background = doc.xpath("//section[@id='background']")[0].text_content()
    assert "Background article (not peer-reviewed)" in background and "New since this article" in background
    mentions = doc.xpath("//section[@id='mentions']")[0]
    text = " ".join(mentions.text_content().split())
    # Issue 13: "no PubMed record matched" (searched) is told apart from "not looked up" (never searched).
    assert "no PubMed record matched" in text and "not looked up yet" in text and "too vague to search" in text
    assert mentions.xpath(".//a[starts-with(@href,'https://pubmed')]")
    assert doc.xpath("//section[@id='changes']//a[text()='Read the notice (PMID 35767954)']")
    assert doc.xpath("//section[@id='changes']//span[@class='kind']")[0].text_content() == "Erratum"


def test_exports_link_only_to_relative_files(html: str) -> None:
    hrefs = [a.get("href") for a in tree(html).xpath("//p[@class='exports']//a")]
    assert hrefs == ["2026-11-21.ris", "2026-11-21.bib", "2026-11-21.json"]


def test_footer_has_ncbi_disclaimer_and_settings_help(html: str) -> None:
    footer = " ".join(tree(html).xpath("//footer")[0].text_content().split())
    assert "neither endorsed nor certified by the NCBI" in footer
    assert "may be copyrighted" in footer and "config.yaml" in footer


def test_empty_digest_says_no_new_papers() -> None:
    for text in (
        render_html(empty_view()),
        render_email_html(empty_view(), abstract_chars=600),
        render_text(empty_view(), abstract_chars=600),
    ):
        assert "No new papers this period" in text
    assert tree(render_html(empty_view())).xpath("//article") == []


def test_hostile_text_is_inert_in_digest_file(html: str) -> None:
    doc = tree(html)
    assert_inert(doc)
    node = article(html, 99999999)
    assert node.xpath(".//h3")[0].text_content() == HOSTILE_TITLE  # shown as text, not interpreted
    assert "DOI" not in " ".join(a.text_content() for a in node.xpath(".//a"))
    assert "onerror=alert(2)" in node.xpath(".//p[@class='byline']")[0].text_content()


def test_hostile_text_is_inert_in_email_html(view: DigestView) -> None:
    email = render_email_html(view, abstract_chars=200)
    assert_inert(tree(email))
    assert HOSTILE_TITLE in tree(email).text_content()


def test_hostile_text_stays_plain_in_text_part(view: DigestView) -> None:
    text = render_text(view, abstract_chars=200)
    assert "javascript:" not in text.replace("<script>alert(1)</script>", "")
    assert HOSTILE_TITLE in text  # plain text carries no markup meaning; the words are shown as they are


def test_email_html_has_no_details_and_shortens_abstracts_to_results_and_conclusions(
    view: DigestView, papers: dict[int, Paper]
) -> None:
    v = DigestView(**{**view.__dict__, "full_digest_url": "https://example.org/digests/2026-11-21.html"})
    doc = tree(render_email_html(v, abstract_chars=200))
    assert doc.xpath("//details") == [] and doc.xpath("//style")
    # The real RCT (structured abstract) is the first paper to read; its e-mail abstract keeps the conclusion.
    rct = papers[23435529]
    (entry,) = doc.xpath(f'//table[@id="pmid-{rct.pmid}"]')
    body = " ".join(entry.text_content().split())
    conclusion = next(s for s in rct.abstract if s.category == "CONCLUSIONS")
    assert " ".join(conclusion.text.split())[:80] in body
    assert "BACKGROUND" not in body.upper().split("CONCLUSION")[0]
    more = [a for a in entry.xpath(".//a") if a.text_content() == "The full abstract in the digest"]
    assert more[0].get("href") == f"https://example.org/digests/2026-11-21.html#pmid-{rct.pmid}"
    assert len(body) < len(rct.abstract_plain)


def test_text_part_has_every_paper_links_and_shortened_abstracts(view: DigestView) -> None:
    v = DigestView(**{**view.__dict__, "full_digest_url": "https://example.org/d.html"})
    text = render_text(v, abstract_chars=300)
    for section in view.sections:
        for e in (*section.entries, *section.preclinical):
            assert e.paper.pubmed_url in text
    assert "… the full abstract: https://example.org/d.html#pmid-23435529" in text
    assert "neither endorsed nor certified by the NCBI" in " ".join(text.split())


def test_doi_url_accepts_only_real_dois() -> None:
    assert doi_url("10.1073/pnas.2314440120") == "https://doi.org/10.1073/pnas.2314440120"
    assert (
        doi_url("10.1002/(SICI)1097-4636<1>3.0.CO;2-#") == "https://doi.org/10.1002/(SICI)1097-4636%3C1%3E3.0.CO;2-%23"
    )
    for bad in ("javascript:alert(1)", "10.12/x", "doi:10.1000/x", "10.1000/a b", ""):
        assert doi_url(bad) is None


def test_safe_href_rejects_other_schemes() -> None:
    assert safe_href("2026-11-21.ris") == "2026-11-21.ris"
    assert safe_href("https://example.org/x") == "https://example.org/x"
    for bad in (
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:x",
        "java\tscript:x",
        "data:text/html,x",
        "//evil.org",
        "a:b",
    ):
        assert safe_href(bad) is None


def test_shorten_markup_keeps_tags_balanced_and_entities_whole() -> None:
    text, cut = shorten_markup("Effect of <i>ketamine</i> on A &amp; B in <sub>rats</sub> and mice", 36)
    assert cut and text == "Effect of <i>ketamine</i> on A &amp; B in <sub>rats</sub>…"
    text, cut = shorten_markup("<b>bold words continue here</b>", 10)
    assert cut and text == "<b>bold words</b>…"
    assert shorten_markup("short", 10) == ("short", False)


def _with_evidence(view: DigestView, evidence: Evidence) -> DigestView:
    section = view.sections[0]
    entry = dataclasses.replace(section.entries[0], evidence=evidence)
    first = dataclasses.replace(section, entries=(entry, *section.entries[1:]))
    return dataclasses.replace(view, sections=(first, *view.sections[1:]))


def test_paper_card_shows_both_labels_when_pubmed_and_the_abstract_disagree(view: DigestView) -> None:
    # SYNTHETIC evidence row: what littrack.evidence returns for an abstract that contradicts its indexing.
    evidence = Evidence(
        Design.NARRATIVE_REVIEW,
        "Narrative review",
        6,
        EvidenceSource.INDEXED,
        True,
        ("n = 48", "chronic pain / infusion clinic", "ketamine 0.5 mg/kg/h IV"),
        indexed_as="Meta-Analysis",
        text_design=Design.NARRATIVE_REVIEW,
        text_label="Narrative review",
        automated=True,
    )
    changed = _with_evidence(view, evidence)
    pmid = changed.sections[0].entries[0].paper.pmid
    badges = [b.text_content() for b in article(render_html(changed), pmid).xpath(".//li[contains(@class,'badge')]")]
    assert "PubMed: Meta-Analysis · abstract: narrative review · indexed (automated)" in badges
    assert {"chronic pain / infusion clinic", "ketamine 0.5 mg/kg/h IV"} <= set(badges)
    text = render_text(changed, abstract_chars=300)
    assert "PubMed: Meta-Analysis · abstract: narrative review (indexed (automated))" in text
    assert "ketamine 0.5 mg/kg/h IV" in text


def test_paper_card_says_animal_study_in_words(view: DigestView) -> None:
    # SYNTHETIC evidence row for a rat study.
    evidence = Evidence(
        Design.PRECLINICAL,
        "Preclinical (animal / in vitro)",
        7,
        EvidenceSource.FROM_TEXT,
        False,
        details=StudyDetails(subjects=Subjects.ANIMAL),
    )
    changed = _with_evidence(view, evidence)
    pmid = changed.sections[0].entries[0].paper.pmid
    assert "Preclinical: animal study · from text" in article(render_html(changed), pmid).text_content()
    assert "Preclinical: animal study (from text)" in render_text(changed, abstract_chars=300)


def test_bidi_overrides_stay_inside_their_own_field_in_html(papers: dict[int, Paper]) -> None:
    view = build_view([papers[35830032], bidi_paper()])
    node = article(render_html(view), 99999996)
    holders = [t.getparent() for t in node.xpath(f'.//text()[contains(., "{RLO}")]')]
    assert len(holders) == 3 and all(h.tag == "bdi" for h in holders)  # title, the author, the journal
    assert [b.text_content() for b in node.xpath('.//p[@class="byline"]/bdi')] == [f"{RLO}Evil A", "Smith B"]
    # The e-mail's HTML part shows the paper in its own (table) layout: every overridden run is isolated there too.
    mail = tree(render_email_html(view, abstract_chars=200))
    holders = [t.getparent() for t in mail.xpath(f'//text()[contains(., "{RLO}")]')]
    assert holders and all(h.tag == "bdi" for h in holders)


def test_bidi_overrides_are_dropped_from_the_text_part(papers: dict[int, Paper]) -> None:
    text = render_text(build_view([papers[35830032], bidi_paper()]), abstract_chars=200)
    assert RLO not in text
    # The text part lists this paper on one line (title and link; authors and journal only for papers in full).
    assert "Ketamine reversed" in text
