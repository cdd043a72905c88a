"""Shortened abstracts (e-mail, text part) keep Results and Conclusions, on real recorded abstracts (issue 13).

Before, a 600-character cut of a structured abstract showed Background and Methods and stopped there.
"""

from __future__ import annotations

import re

import pytest

from digest_samples import RCT_PMID, real_papers
from littrack.digest.shorten import short_abstract, tail_markup
from littrack.markup import to_plain
from littrack.models import Paper


@pytest.fixture(scope="module")
def papers() -> dict[int, Paper]:
    return real_papers()


@pytest.mark.parametrize("pmid", [RCT_PMID, 35830032])  # an RCT and a meta-analysis, both structured
def test_a_structured_abstract_keeps_results_and_the_whole_conclusion(papers: dict[int, Paper], pmid: int) -> None:
    sections, cut = short_abstract(papers[pmid].abstract, 600)
    labels = [label for label, _ in sections]
    assert cut and labels == ["RESULTS", "CONCLUSION"]
    conclusion = next(s for s in papers[pmid].abstract if s.category == "CONCLUSIONS")
    assert sections[-1][1] == conclusion.text  # in full, not cut
    assert sum(len(to_plain(text)) for _, text in sections) <= 600 + 1  # the ellipsis


def test_a_tight_limit_keeps_the_conclusion_before_any_result(papers: dict[int, Paper]) -> None:
    sections, cut = short_abstract(papers[RCT_PMID].abstract, 120)
    assert cut and [label for label, _ in sections] == ["CONCLUSION"]
    assert to_plain(sections[0][1]).startswith("DC demonstrated statistically significant improvement")


def test_an_unstructured_abstract_keeps_its_closing_sentences_with_markup_balanced(papers: dict[int, Paper]) -> None:
    abstract = papers[38914053].abstract  # one section, with <sub>/<i> markup
    ((label, text),), cut = short_abstract(abstract, 400)
    assert cut and label is None and text.startswith("…")
    assert to_plain(text).endswith(to_plain(abstract[0].text)[-60:])
    assert len(re.findall(r"<(i|b|sub|sup|u)>", text)) == len(re.findall(r"</(i|b|sub|sup|u)>", text))


def test_a_short_abstract_is_kept_whole(papers: dict[int, Paper]) -> None:
    sections, cut = short_abstract(papers[RCT_PMID].abstract, 10_000)
    assert not cut and [label for label, _ in sections] == ["PURPOSE", "PATIENTS AND METHODS", "RESULTS", "CONCLUSION"]


def test_tail_never_splits_inside_a_tag() -> None:
    markup = "First sentence. Second <i>has. A dot</i> inside. Third one here."
    text, cut = tail_markup(markup, 45)
    assert cut and text == "…Second <i>has. A dot</i> inside. Third one here."
