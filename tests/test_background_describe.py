"""The `littrack background` listing: documents, passage counts and mentions, labelled as non-evidence."""

from __future__ import annotations

from littrack.background import describe_documents, extract_mentions, shipped_documents, split_all


def test_listing_names_every_document_with_counts_and_mentions() -> None:
    docs = shipped_documents()
    passages = split_all(docs)
    text = describe_documents(docs, passages, extract_mentions(passages))
    assert text.startswith("4 background documents. Background articles, not peer-reviewed evidence.\n")
    assert "liptan-iv-ketamine: This Could Be Big: Intravenous Ketamine for Fibromyalgia" in text
    assert "  passages: 10 body, 23 reader comments, 21 page furniture" in text
    assert "    - 2007 · France · fibromyalgia · study · subcutaneous" in text
    assert "studies mentioned: 11" in text
    assert "[15] body      Dutch researchers" not in text


def test_listing_can_show_each_passage() -> None:
    docs = shipped_documents()[3:]
    passages = split_all(docs)
    text = describe_documents(docs, passages, (), show_passages=True)
    assert "    [15] body      Dutch researchers recently found that 30-minute ketamine infusions reduced…" in text
    assert "    [38] furniture Pin It on Pinterest" in text
    assert "studies mentioned: none found" in text
