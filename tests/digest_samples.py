"""Digest views for the rendering tests, built from REAL recorded PubMed records plus labelled synthetic parts.

Papers are real recorded efetch replies (byte-for-byte copies shipped in ``littrack/replay/recorded/pubmed/``,
see PROVENANCE.md there; originally from ../shared/recorded/), parsed by littrack's own parser.
Three things here are synthetic, and are labelled so: the hostile paper (PMID 99999999, a made-up
record to prove escaping), the safety-lane paper (PMID 99999998, a paraphrased ketamine-cystitis case
report: the recorded corpus holds no report of harm from ketamine; littrack's real rule puts it in the
lane) and the optional view parts (evidence chips, background passages, corrections, trials, mentions)
that other modules fill in production; they are view-model rows, not PubMed records. The RCT and the
rat study that fill the briefing and the preclinical fold are real records, classified by littrack.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import littrack.replay
from littrack.digest.briefing import summarise
from littrack.digest.view import SAFETY, BackgroundDocument, DigestView, MentionsSection, PaperEntry, TopicSection
from littrack.eutils.pubmed_xml import parse_papers
from littrack.evidence.classify import classify
from littrack.evidence.safety import safety_signal
from littrack.markup import escape_text
from littrack.models import (
    AbstractSection,
    Author,
    DateWindow,
    Evidence,
    Lookup,
    Paper,
    PaperChange,
    PartialDate,
    RelatedPassage,
    StudyMention,
    Topic,
    TrialChange,
)
from littrack.replay.corpus import default_corpus
from littrack.store.papers import StoredPaper

# The copies shipped with the package, so the tests run from a fresh clone (CI) without ../shared/.
PUBMED = littrack.replay.recorded_path("pubmed")

# (file under PUBMED, PMIDs to take from it or None for all): each is a case the issue names.
SOURCES: dict[str, tuple[int, ...] | None] = {
    "hawc/extracted_bodies/TestPubMedFetch.test_title_with_child_text__0_efetch.xml": None,  # <i>/<sub> title
    "metapub/tests/fixtures/pmid_xml/38914053.xml": None,  # <sub> in title, markup in abstract
    "biopython/Tests/Entrez/pubmed6.xml": None,  # MathML in the abstract
    "biopython/Tests/Entrez/pubmed7.xml": None,  # extensive MathML, CollectiveName
    "metapub/tests/fixtures/pmid_xml/38962805.xml": None,  # no authors, no abstract (erratum)
    "metapub/tests/fixtures/pmid_xml/34843274.xml": None,  # CollectiveName
    "metapub/tests/fixtures/pmid_xml/38048813.xml": None,  # German, bracketed title, VernacularTitle
    "metapub/tests/fixtures/pmid_xml/35830032.xml": None,  # meta-analysis, structured abstract
    "metapub/tests/fixtures/pmid_xml/38011560.xml": None,  # ketamine review
    "metapub/tests/test_data/sample_article_23435529.xml": None,  # RCT, structured abstract, n = 408
    "hawc/extracted_bodies/TestPubmed.test_search__2_efetch.xml": (8540215,),  # a rat study: preclinical
}
RCT_PMID = 23435529
RAT_PMID = 8540215
SAFETY_PMID = 99999998

TOPIC_FM = Topic(
    "ketamine-fibromyalgia",
    "Ketamine for fibromyalgia",
    "(ketamine[MeSH Terms] OR ketamine[tiab] OR esketamine[tiab] OR arketamine[tiab]) "
    "AND (fibromyalgia[MeSH Terms] OR fibromyalgia[tiab] OR fibrositis[tiab])",
)
TOPIC_CRPS = Topic(
    "ketamine-crps",
    "Ketamine for CRPS",
    '(ketamine[MeSH Terms] OR ketamine[tiab] OR esketamine[tiab]) AND ("complex regional pain syndromes"[MeSH Terms] '
    'OR "complex regional pain syndrome"[tiab] OR CRPS[tiab] OR "reflex sympathetic dystrophy"[tiab])',
)

HOSTILE_TITLE = '<script>alert(1)</script> and "><img src=x onerror=alert(1)> ketamine'
HOSTILE_RAW = '"><img src=x onerror=alert(2)><script>alert(3)</script>'


def parse_file(path: Path) -> list[Paper]:
    return parse_papers(path.read_bytes())


def real_papers() -> dict[int, Paper]:
    """Every paper from :data:`SOURCES`, by PMID, parsed by littrack's parser."""
    out: dict[int, Paper] = {}
    for rel, wanted in SOURCES.items():
        for paper in parse_file(PUBMED / rel):
            if wanted is None or paper.pmid in wanted:
                out[paper.pmid] = paper
    return out


def long_author_paper() -> Paper:
    """The record with the most authors in the hawc 259-record reply (real)."""
    papers = parse_file(PUBMED / "hawc/extracted_bodies/TestPubmed.test_search__2_efetch.xml")
    return max(papers, key=lambda p: len(p.authors))


def hostile_paper() -> Paper:
    """SYNTHETIC record (not from PubMed): hostile text where a parser would put it.

    The title is escaped the way the parser escapes text into safe markup; journal, author and DOI fields
    are raw, unescaped strings, as a buggy or malicious source could deliver them.
    """
    return Paper(
        pmid=99999999,
        title=escape_text(HOSTILE_TITLE),
        abstract=(),
        authors=(
            Author(last_name=HOSTILE_RAW, initials="X"),
            Author(collective_name="<b onmouseover=alert(4)>Group</b>"),
        ),
        journal=HOSTILE_RAW,
        journal_iso=None,
        pub_date=PartialDate(year=2026),
        entrez_date=dt.date(2026, 11, 18),
        doi="javascript:alert(1)",
        pmcid='javascript:alert(5)"',
        publication_types=("Journal Article",),
        status="Publisher",
    )


RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: reverses everything after it, up to the end of its isolate or paragraph


def bidi_paper() -> Paper:
    """SYNTHETIC record (not from PubMed): right-to-left overrides left open in the title, an author and the
    journal, as a hostile or broken source could deliver them."""
    return Paper(
        pmid=99999996,
        title=escape_text(f"{RLO}Ketamine reversed"),
        authors=(Author(last_name=f"{RLO}Evil", initials="A"), Author(last_name="Smith", initials="B")),
        journal=f"{RLO}Hostile Journal",
        journal_iso=None,
        volume="12",
        pub_date=PartialDate(year=2026),
        entrez_date=dt.date(2026, 11, 18),
        publication_types=("Journal Article",),
        status="MEDLINE",
    )


def safety_paper() -> Paper:
    """SYNTHETIC record (not from PubMed): a paraphrased case report of ketamine cystitis, not yet indexed.

    The recorded corpus holds no report of harm from ketamine; this one lets the digest show its safety lane.
    """
    return Paper(
        pmid=SAFETY_PMID,
        title=escape_text("Ketamine-associated cystitis after repeated outpatient infusions for CRPS: a case report"),
        abstract=(
            AbstractSection(escape_text("A woman with CRPS received ketamine infusions every month."), "CASE"),
            AbstractSection(escape_text("Ketamine uropathy can follow medical or recreational use."), "CONCLUSION"),
        ),
        authors=(Author(last_name="Example", initials="A"),),
        journal="Synthetic Case Reports",
        pub_date=PartialDate(year=2026),
        entrez_date=dt.date(2026, 11, 19),
        publication_types=("Journal Article", "Case Reports"),
        status="Publisher",
    )


def build_view(papers: list[Paper], *, extras: bool = True, total: int | None = None) -> DigestView:
    """A two-topic view: the first paper matched both topics (in full under the first, a line under the second),
    the rest split between them. With ``extras``: a safety-lane paper, a real RCT in both topics and a real rat
    study (the preclinical fold), and a row in every optional section."""
    first, rest = papers[0], papers[1:]
    head = PaperEntry(
        first,
        (TOPIC_FM, TOPIC_CRPS),
        # SYNTHETIC evidence/background rows: filled by littrack.evidence / littrack.background in production.
        evidence=Evidence(
            "systematic_review", "Systematic review / meta-analysis", 1, "indexed", True, ("n = 1,234", "IV")
        )
        if extras
        else None,
        related=(
            RelatedPassage(
                "seed-1",
                "Ketamine for fibromyalgia (patient magazine, 2019)",
                "A 2011 study found that 30 minute ketamine infusions were effective in the short term.",
                3.2,
            ),
        )
        if extras
        else (),
        trial_ids=("NCT01234567", "javascript:alert(6)") if extras else (),
    )
    fm_entries, crps_entries = [head], [head]
    for i, p in enumerate(rest):
        evidence = Evidence("other", "Other", 5, "from text", None) if extras and i % 2 else None
        entry = PaperEntry(p, (TOPIC_FM,) if i % 2 else (TOPIC_CRPS,), evidence=evidence, retracted=extras and i == 1)
        (fm_entries if i % 2 else crps_entries).append(entry)
    fm_pre: list[PaperEntry] = []
    crps_pre: list[PaperEntry] = []
    lane: tuple[PaperEntry, ...] = ()
    if extras:
        real = real_papers()
        rct = PaperEntry(real[RCT_PMID], (TOPIC_FM, TOPIC_CRPS), evidence=classify(real[RCT_PMID]))
        rat = PaperEntry(real[RAT_PMID], (TOPIC_FM, TOPIC_CRPS), evidence=classify(real[RAT_PMID]))
        harm = safety_paper()
        harm_evidence = classify(harm)
        lane = (
            PaperEntry(
                harm,
                (TOPIC_FM, TOPIC_CRPS),
                evidence=harm_evidence,
                safety=safety_signal(harm, harm_evidence),
                home=SAFETY,
            ),
        )
        fm_entries[1:1] = [rct, lane[0]]
        crps_entries[1:1] = [rct, lane[0]]
        fm_pre.append(rat)
        crps_pre.append(rat)
    sections = (
        TopicSection(TOPIC_FM, tuple(fm_entries), tuple(fm_pre)),
        TopicSection(TOPIC_CRPS, tuple(crps_entries), tuple(crps_pre)),
    )
    common = dict(
        title="littrack digest",
        profile=None,
        period=DateWindow(dt.date(2026, 11, 14), dt.date(2026, 11, 20)),
        generated_at=dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC),
        sections=sections,
        total=len(papers) + (3 if extras else 0) if total is None else total,
        digest_id=7,
        exports=(
            ("RIS", "2026-11-21.ris"),
            ("BibTeX", "2026-11-21.bib"),
            ("CSL-JSON", "2026-11-21.json"),
            ("evil", "javascript:alert(7)"),
        ),
    )
    if not extras:
        view = DigestView(**common)  # type: ignore[arg-type]
        return dataclasses.replace(view, briefing=summarise(view))
    # SYNTHETIC rows for the optional sections (their own modules produce them in production).
    view = DigestView(
        **common,  # type: ignore[arg-type]
        retrying=True,
        changes=(_erratum_change(),),
        safety=lane,
        trials=(
            TrialChange(
                "NCT01234567",
                "Ketamine infusion in fibromyalgia",
                "COMPLETED",
                "status",
                "RECRUITING",
                "COMPLETED",
                (first.pmid,),
            ),
        ),
        background=(
            BackgroundDocument(
                "seed-1",
                "Ketamine for fibromyalgia (patient magazine, 2019)",
                "Example Health",
                "2019",
                ((first.pmid, first.title_plain),),
            ),
        ),
        mentions=MentionsSection(
            (
                StudyMention(
                    "Ketamine for fibromyalgia",
                    "A 2011 study found that 30 minute ketamine infusions were effective in the short term.",
                    2011,
                    "2011 · infusion · short term",
                    (first.pmid,),
                    "medium",
                    Lookup.MATCHED,
                    "seed-1:2011",
                ),
                StudyMention(
                    "Ketamine for fibromyalgia",
                    "A successful 2000 Danish study.",
                    2000,
                    "2000 · Denmark",
                    lookup=Lookup.NO_MATCH,
                    key="seed-1:2000",
                ),
                StudyMention(
                    "Ketamine for fibromyalgia",
                    "Several studies have since tried ketamine.",
                    None,
                    "study",
                    lookup=Lookup.TOO_VAGUE,
                    key="seed-1:vague",
                ),
                StudyMention(
                    "Ketamine for fibromyalgia",
                    "A 2019 Belgian study of oral ketamine.",
                    2019,
                    "2019 · Belgium · oral",
                    lookup=Lookup.NOT_YET,
                    key="seed-1:2019",
                ),
            ),
            full=True,
            changed=frozenset({"seed-1:2011"}),
            page="background.html",
        ),
    )
    return dataclasses.replace(view, briefing=summarise(view))


def _erratum_change() -> PaperChange:
    """A change row from a real record's ErratumIn link (PMID 35649368 → notice 35767954)."""
    paper = parse_file(PUBMED / "metapub/tests/fixtures/pmid_xml/35649368.xml")[0]
    (cc,) = [c for c in paper.comments_corrections if c.ref_type == "ErratumIn"]
    return PaperChange(
        paper.pmid, paper.title, cc.ref_type, "An erratum was published for this paper.", cc.pmid, cc.source
    )


def empty_view() -> DigestView:
    return DigestView(
        title="littrack digest",
        profile="weekly",
        period=DateWindow(dt.date(2026, 11, 14), dt.date(2026, 11, 20)),
        generated_at=dt.datetime(2026, 11, 21, 7, 0, tzinfo=dt.UTC),
        sections=(TopicSection(TOPIC_FM, ()), TopicSection(TOPIC_CRPS, ())),
        total=0,
    )


def recorded_stored(n: int, topic_ids: tuple[str, ...]) -> list[StoredPaper]:
    """``n`` REAL recorded PubMed records (the demo's replay corpus, parsed by littrack), cycled with fresh PMIDs
    (90000000 + i) once the ~310 records run out. Which topics matched each is SYNTHETIC: one to all of
    ``topic_ids`` in turn, so papers repeat across topics as real multi-topic matches do."""
    corpus = [parse_papers(b"<PubmedArticleSet>" + r.xml + b"</PubmedArticleSet>")[0] for r in default_corpus()]
    out = []
    for i in range(n):
        paper = corpus[i % len(corpus)]
        if i >= len(corpus):
            paper = dataclasses.replace(paper, pmid=90_000_000 + i)
        out.append(StoredPaper(paper, topic_ids[: 1 + i % len(topic_ids)], "2026-11-20", "2026-11-20"))
    return out
