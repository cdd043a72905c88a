"""Passages: page furniture and reader comments are recognised and kept apart from the article body."""

from __future__ import annotations

from pathlib import Path

from littrack.background.documents import BackgroundDoc, shipped_documents
from littrack.background.passages import split_all, split_passages, split_sentences


def _by_id() -> dict[str, object]:
    return {p.id: p for p in split_all(shipped_documents())}


def test_liptan_comments_follow_the_article_and_are_labelled_comments() -> None:
    doc = shipped_documents()[0]
    passages = split_passages(doc)
    kinds = [p.kind for p in passages]
    first_comment = kinds.index("comment")
    assert "body" not in kinds[first_comment:]  # nothing after the boundary is the article's claim
    texts = {p.text: p.kind for p in passages}
    assert texts["newest oldest Notify of"] == "furniture"
    assert texts["Cindy May"] == "furniture"  # a commenter's name
    bladder = next(t for t in texts if t.startswith("Long term Ketamine use causes bladder problems"))
    assert texts[bladder] == "comment"
    assert (
        texts["Ketamine given intravenously is a more potent pain reliever than morphine for fibromyalgia."] == "body"
    )


def test_page_furniture_is_recognised_in_every_seed() -> None:
    furniture = {p.text for p in split_all(shipped_documents()) if p.kind == "furniture"}
    for text in (
        "This Could Be Big: Intravenous Ketamine for Fibromyalgia",  # repeated title
        "By Ginevra Liptan, MD",  # byline
        "Subscribe to our blog via email",
        "A deteriorating back turned Stephanies life around",  # caption printed twice
        "Pin It on Pinterest",
        "Share This",
        "Health Rising’s 2024 BIG (little) End of the Year Donation Drive",
        "75000 63000",
        "Previous Previous",
        "Key Takeaways:",
        "Conclusions",
        "Thank you for signing up!",
    ):
        assert text in furniture, text


def test_article_claims_are_body_passages() -> None:
    body = [p for p in split_all(shipped_documents()) if p.kind == "body"]
    assert any(p.text.startswith("In a 2007 French study") or "2007 French study" in p.text for p in body)
    assert any("six clinical trials involving 115 fibromyalgia patients" in p.text for p in body)
    assert not any(p.text.startswith("Keep the information flowing") for p in body)
    assert {p.doc_id for p in body} == {d.id for d in shipped_documents()}


def test_passage_ids_are_stable_document_and_index() -> None:
    passages = split_passages(shipped_documents()[3])
    assert [p.index for p in passages] == list(range(len(passages)))
    assert passages[15].id == "healthrising-overview#15"
    assert passages[15].text.startswith("Dutch researchers recently found")


def test_comment_section_is_detected_from_a_time_stamped_byline() -> None:
    text = (
        "A title line here\n\nThe article says ketamine helps some patients.\n\n"
        "Jane Doe says:\n\nIt helped me for a week.\n\nReply"
    )
    doc = BackgroundDoc("t", "A title line here", "", "", text, False, Path("t.txt"))
    assert [(p.text, p.kind) for p in split_passages(doc)] == [
        ("A title line here", "furniture"),
        ("The article says ketamine helps some patients.", "body"),
        ("Jane Doe says:", "furniture"),
        ("It helped me for a week.", "comment"),
        ("Reply", "furniture"),
    ]


def test_sentences_are_not_split_at_abbreviations() -> None:
    text = (
        "Dr. Podell reports that it works. A single dose has effects. Iadarola et. al. "
        "In a 2007 study (e.g. Fig. 2) it did."
    )
    assert split_sentences(text) == [
        "Dr. Podell reports that it works.",
        "A single dose has effects.",
        "Iadarola et. al.",
        "In a 2007 study (e.g. Fig. 2) it did.",
    ]
