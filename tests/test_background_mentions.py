"""Study mentions: extraction from the seeds against the labelled set, and field extraction."""

from __future__ import annotations

from background_eval.measure import extractor_figures, match_label, mention_labels
from littrack.background.documents import shipped_documents
from littrack.background.mentions import Mention, extract_mentions
from littrack.background.passages import Passage, split_all


def _mentions() -> tuple[Mention, ...]:
    return extract_mentions(split_all(shipped_documents()))


def test_extractor_quality_on_the_four_seeds_meets_the_measured_figures() -> None:
    # Measured on tests/background_eval/mentions_labels.json: precision 1.00 (26/26), recall 0.96 (26/27).
    figures = extractor_figures()
    assert figures.precision >= 0.95
    assert figures.recall >= 0.90


def test_every_extracted_candidate_is_labelled() -> None:
    labels = mention_labels()
    unlabelled = [m.sentence for m in _mentions() if match_label(m, labels) is None]
    assert unlabelled == []


def test_the_issue_examples_are_extracted_with_their_fields() -> None:
    ms = _mentions()

    def find(text: str, year: int | None = None) -> Mention:
        return next(m for m in ms if text in m.sentence and (year is None or m.year == year))

    m2011 = find("A 2011 study found that 30 minute")
    assert (m2011.year, m2011.condition, m2011.design) == (2011, "fibromyalgia", "study")
    assert "30 minute ketamine infusions" in m2011.intervention
    french = find("2007 French study")
    assert (french.year, french.country, french.intervention) == (2007, "France", "subcutaneous")
    review = find("Advances in Rheumatology")
    assert (review.design, review.n_trials, review.n_patients, review.journal) == (
        "systematic review",
        6,
        115,
        "Advances in Rheumatology",
    )
    danish = find("A successful 2000 Danish study")
    assert (danish.year, danish.country, danish.condition) == (2000, "Denmark", "fibromyalgia")
    dutch = find("Dutch researchers")
    assert dutch.country == "Netherlands" and "30-minute ketamine infusions" in dutch.intervention
    wood = find("2006 review article Wood")
    assert (wood.year, wood.author, wood.design) == (2006, "Wood", "review")
    assert find("A 1997 study", 1997).year == 1997 and find("a 2000 study", 2000).year == 2000
    crps = [m for m in ms if m.condition == "CRPS" and m.design == "randomized controlled trial"]
    assert len(crps) == 2 and all("long infusion times" in m.intervention for m in crps)
    belgian = find("underway in 2022")
    assert (belgian.year, belgian.country, belgian.design) == (None, "Belgium", "ongoing trial")


def test_comments_are_not_searched_for_mentions() -> None:
    p = Passage("d", 0, "A 2010 Swedish study of 40 patients found ketamine helped.", "comment")
    assert extract_mentions([p]) == ()


def test_generic_study_talk_is_not_a_mention() -> None:
    body = Passage(
        "d",
        0,
        "Numerous studies have validated its effectiveness. More studies are needed. The study found it safe.",
        "body",
    )
    assert extract_mentions([body]) == ()


def test_description_summarises_the_fields() -> None:
    m = Mention("d", "s", 2007, "France", "fibromyalgia", "study", "subcutaneous", None, None)
    assert m.description == "2007 · France · fibromyalgia · study · subcutaneous"


def test_two_studies_cited_in_one_sentence_have_their_own_keys() -> None:
    # "A 1997 study reported … and a 2000 study suggested …": one sentence, two studies, two PubMed lookups.
    mentions = _mentions()
    pair = [m for m in mentions if m.sentence.startswith("A 1997 study reported")]
    assert [m.year for m in pair] == [1997, 2000]
    assert len({m.key for m in pair}) == 2
    assert len({m.key for m in mentions}) == len(mentions)
