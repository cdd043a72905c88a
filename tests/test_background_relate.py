"""Relating papers to background passages: local BM25, calibrated threshold, brief excerpts, quality gates."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from background_eval.measure import relation_figures
from background_eval.recorded_papers import recorded_papers
from littrack.background.documents import shipped_documents
from littrack.background.passages import Passage, split_all
from littrack.background.relate import DEFAULT_THRESHOLD, EXCERPT_CHARS, Relater, excerpt, tokens
from littrack.models import AbstractSection, Paper


@pytest.fixture(scope="module")
def relater() -> Relater:
    docs = shipped_documents()
    return Relater(split_all(docs), {d.id: d.title for d in docs})


def papers_by_document(
    relater: Relater, papers: Iterable[Paper], threshold: float | None = None
) -> dict[str, list[int]]:
    """Document id → PMIDs of papers with a passage of that document above the threshold, best first.

    A paper counts for every document that holds a matching passage, reprinted paragraphs included.
    """
    limit = threshold or DEFAULT_THRESHOLD
    best: dict[str, list[tuple[float, int]]] = {}
    for paper in papers:
        per_doc: dict[str, float] = {}
        for i, s in relater.scores(paper):
            if s < limit:
                break
            doc = relater.passages[i].doc_id
            per_doc[doc] = max(per_doc.get(doc, 0.0), s)
        for doc, s in per_doc.items():
            best.setdefault(doc, []).append((s, paper.pmid))
    return {doc: [pmid for _, pmid in sorted(hits, key=lambda x: (-x[0], x[1]))] for doc, hits in best.items()}


def test_relation_quality_on_labelled_pairs_meets_the_measured_figures() -> None:
    # Measured at DEFAULT_THRESHOLD on tests/background_eval/relation_pairs.json: precision 1.00, recall 0.50.
    figures = relation_figures()
    assert figures.precision >= 0.95
    assert figures.recall >= 0.45


def test_ketamine_depression_review_relates_to_the_depression_passages(relater: Relater) -> None:
    paper = recorded_papers()[38011560]
    related = relater.relate(paper)
    assert 1 <= len(related) <= 2
    assert {r.document_id for r in related} == {"healthrising-stephanie"}
    assert all(r.score >= DEFAULT_THRESHOLD and len(r.excerpt) <= EXCERPT_CHARS for r in related)
    assert related[0].document_title.startswith("A deteriorating back")
    assert "depress" in " ".join(r.excerpt for r in related).lower()


def test_unrelated_recorded_papers_get_no_passages(relater: Relater) -> None:
    papers = recorded_papers()
    for pmid in (9575322, 23685357, 11731716, 3966235, 1669026):  # back pain, spines, drug policy, phthalates, Belgium
        assert relater.relate(papers[pmid]) == ()


def test_papers_by_document_lists_new_papers_under_the_article_they_bear_on(relater: Relater) -> None:
    by_doc = papers_by_document(relater, recorded_papers().values())
    assert 38011560 in by_doc["healthrising-stephanie"]
    assert all(38011560 not in pmids for doc, pmids in by_doc.items() if doc == "neuropain-systematic-review")


def test_comments_and_furniture_are_never_related() -> None:
    passages = [
        Passage("d", 0, "Ketamine infusions fibromyalgia pain relief lasted weeks in my case", "comment"),
        Passage("d", 1, "Ketamine infusions fibromyalgia pain relief newsletter signup", "furniture"),
        Passage("d", 2, "Depression responds quickly to ketamine infusions given over forty minutes", "body"),
    ]
    relater = Relater(passages)
    paper = Paper(
        pmid=1,
        title="Ketamine infusions for fibromyalgia pain relief",
        abstract=(AbstractSection("Ketamine infusion reduced fibromyalgia pain."),),
    )
    assert [p.kind for p in relater.passages] == ["body"]
    assert all(r.document_id == "d" and "Depression" in r.excerpt for r in relater.relate(paper, threshold=0.001))


def test_duplicate_paragraphs_reprinted_in_two_seeds_are_shown_once(relater: Relater) -> None:
    paper = Paper(
        pmid=2,
        title="Ketamine infusion in complex regional pain syndrome: complete remission and long infusion times",
        abstract=(
            AbstractSection(
                "Placebo-controlled randomized study of long ketamine infusions in CRPS; "
                "pain reduction lasted three months."
            ),
        ),
    )
    related = relater.relate(paper)
    assert len(related) == 2
    assert related[0].excerpt != related[1].excerpt
    assert related[0].score >= related[1].score


def test_relating_is_deterministic(relater: Relater) -> None:
    paper = Paper(
        pmid=3,
        title="Subcutaneous ketamine and brain blood flow in fibromyalgia",
        abstract=(AbstractSection("SPECT perfusion after ketamine."),),
    )
    assert relater.relate(paper, threshold=0.01) == relater.relate(paper, threshold=0.01)
    assert relater.scores(paper) == Relater(split_all(shipped_documents())).scores(paper)


def test_excerpt_cuts_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "word " * 100
    short = excerpt(text, 40)
    assert len(short) <= 40 and short.endswith("…") and not short[:-1].endswith(" ")
    assert excerpt("Short text.", 40) == "Short text."


def test_excerpt_starts_at_the_sentence_the_paper_is_about() -> None:
    text = (
        "Stephanie had surgery on her back many times over the years. " * 4
    ) + "Ketamine reduced her depression within hours."
    out = excerpt(text, 120, focus=tokens("ketamine depression"))
    assert out.startswith("… Ketamine reduced her depression")


def test_tokens_drop_clinical_filler_and_normalise_synonyms() -> None:
    assert tokens("Patients in the study: FM, CRPS and IV ketamine infusions") == [
        "fibromyalgia",
        "crps",
        "intravenous",
        "ketamine",
        "infusion",
    ]
    assert "crps" in tokens("complex regional pain syndrome type 1")
