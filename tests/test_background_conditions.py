""""New since this article" lists only papers that bear on the article's subject (issue 13).

Real: the four shipped seed articles, the real BM25 relater, and the recorded PubMed records (the depression
review 38011560 shares enough words with a seed article to be related to it; a pain review and a chronic pain
classification paper are real pain records). SYNTHETIC (marked): a paraphrased ketamine-for-fibromyalgia
record that the relater links to the seeds.
"""

from __future__ import annotations

import pytest

from evidence_eval.records import by_pmid, metapub
from littrack.background.conditions import PAIN, bears_on, document_conditions, paper_conditions
from littrack.background.corpus import load_corpus
from littrack.background.documents import shipped_documents
from littrack.config import BackgroundConfig
from littrack.digest.addons import Extras
from littrack.markup import escape_text
from littrack.models import AbstractSection, Paper
from littrack.store.papers import StoredPaper

DEPRESSION_REVIEW = 38011560  # "Ketamine and the neurobiology of depression", MeSH Depression/drug therapy


def test_each_shipped_article_is_about_fibromyalgia_whatever_else_it_mentions() -> None:
    conditions = {d.id: document_conditions(d.title, d.text) for d in shipped_documents()}
    assert conditions["liptan-iv-ketamine"] == {"fibromyalgia"}
    assert conditions["healthrising-stephanie"] == {"fibromyalgia"}  # depression 22 times in the text, not the title
    assert conditions["neuropain-systematic-review"] == {"fibromyalgia", "chronic pain"}
    assert conditions["healthrising-overview"] == {"fibromyalgia"}


def test_an_untitled_article_takes_its_most_frequent_conditions() -> None:
    text = "CRPS after a fracture. CRPS and ketamine. Complex regional pain syndrome. Depression too."
    assert document_conditions("Untitled", text) == {"CRPS"}


def test_a_depression_review_is_not_news_for_a_fibromyalgia_article() -> None:
    review = metapub(DEPRESSION_REVIEW)
    assert paper_conditions(review) == {"depression"}
    assert not bears_on(frozenset({"fibromyalgia"}), paper_conditions(review))
    assert bears_on(frozenset({"depression"}), paper_conditions(review))


@pytest.mark.parametrize("pmid", [32525788, 36890755])  # "Pain Perception and Management", "[Chronic Pain: …]"
def test_a_real_pain_paper_is_news_for_a_pain_article(pmid: int) -> None:
    concerns = paper_conditions(by_pmid(pmid))
    assert PAIN in concerns
    assert bears_on(frozenset({"fibromyalgia"}), concerns)


def test_a_crps_trial_is_news_for_a_fibromyalgia_article_because_both_are_pain() -> None:
    assert bears_on(frozenset({"fibromyalgia"}), frozenset({"CRPS", PAIN}))
    assert not bears_on(frozenset({"depression"}), frozenset({"CRPS", PAIN}))


def synthetic_fibromyalgia_trial() -> Paper:
    """SYNTHETIC record (not from PubMed): a paraphrased ketamine-for-fibromyalgia trial."""
    return Paper(
        pmid=90000002,
        title=escape_text("Intravenous ketamine infusions for fibromyalgia pain: a randomised trial"),
        abstract=(
            AbstractSection(
                escape_text(
                    "Patients with fibromyalgia received 30 minute ketamine infusions; pain fell in the short term, "
                    "and the effect of ketamine on widespread pain faded by week 8."
                )
            ),
        ),
        status="Publisher",
    )


def test_new_since_this_article_keeps_the_pain_trial_and_drops_the_related_depression_review() -> None:
    corpus = load_corpus(BackgroundConfig())
    extras = Extras(store=None, relater=corpus.relater, documents=corpus.documents)  # type: ignore[arg-type]
    review, trial = metapub(DEPRESSION_REVIEW), synthetic_fibromyalgia_trial()
    assert extras.relate(review), "the relater links the depression review to a seed article by shared words"
    docs = extras.background_for(
        [StoredPaper(p, ("ketamine-fibromyalgia",), "", "") for p in (review, trial)]  # topics: SYNTHETIC
    )
    listed = {pmid for d in docs for pmid, _ in d.new_papers}
    assert DEPRESSION_REVIEW not in listed
    assert trial.pmid in listed
