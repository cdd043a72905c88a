"""The PubMed → Europe PMC rewrite for the preprint search (littrack.sources.query)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from littrack.sources.query import UntranslatableQuery, to_europepmc

SHIPPED = yaml.safe_load((Path(__file__).resolve().parents[1] / "config.yaml").read_text(encoding="utf-8"))


def test_title_abstract_terms_search_title_or_abstract_and_keep_phrases_and_truncation():
    assert to_europepmc('ketamin*[tiab] AND "chronic pain"[tiab]') == (
        '(TITLE:ketamin* OR ABSTRACT:ketamin*) AND (TITLE:"chronic pain" OR ABSTRACT:"chronic pain")'
    )


def test_title_only_author_and_untagged_terms_use_their_own_fields():
    assert to_europepmc("pain[ti] AND Smith J[au] AND ketamine") == 'TITLE:pain AND AUTH:"Smith J" AND ketamine'


def test_adjacent_terms_mean_and_as_in_pubmed():
    assert to_europepmc("ketamine fibromyalgia") == "ketamine AND fibromyalgia"


def test_mesh_terms_match_no_preprint_so_or_keeps_the_free_text_half():
    assert to_europepmc("(ketamine[mh] OR ketamine[tiab]) AND fibromyalgia[tiab]") == (
        "(TITLE:ketamine OR ABSTRACT:ketamine) AND (TITLE:fibromyalgia OR ABSTRACT:fibromyalgia)"
    )


def test_a_not_clause_only_mesh_can_trigger_excludes_nothing_like_for_unindexed_pubmed_records():
    query = 'ketamine[tiab] NOT (("pain, postoperative"[majr] OR anesthesia[majr]) NOT "chronic pain"[ti])'
    assert to_europepmc(query) == "(TITLE:ketamine OR ABSTRACT:ketamine)"


def test_an_and_with_a_mesh_only_side_matches_nothing_and_is_refused():
    with pytest.raises(UntranslatableQuery, match="only MeSH"):
        to_europepmc("ketamine[mh] AND fibromyalgia[mh]")


def test_a_field_europe_pmc_cannot_express_is_refused_with_its_tag():
    with pytest.raises(UntranslatableQuery, match=r"\[pt\]"):
        to_europepmc("ketamine[tiab] AND randomized controlled trial[pt]")


def test_unbalanced_parentheses_are_refused():
    with pytest.raises(UntranslatableQuery, match="parenthes"):
        to_europepmc("(ketamine[tiab] OR esketamine[tiab]")


def test_operators_are_evaluated_left_to_right_and_the_output_is_fully_parenthesised():
    # PubMed reads a OR b AND c as (a OR b) AND c; Europe PMC would bind AND first without the parentheses.
    assert to_europepmc("a OR b AND c") == "(a OR b) AND c"


@pytest.mark.parametrize("topic", SHIPPED["topics"], ids=lambda t: t["id"])
def test_every_shipped_topic_translates_with_its_free_text_terms_and_no_mesh(topic):
    out = to_europepmc(topic["query"])
    assert "ketamin*" in out and "esketamine" in out
    assert "[" not in out and "MESH" not in out.upper()
    assert out.count("(") == out.count(")")


def test_a_tag_after_several_plain_words_applies_to_them_as_one_phrase_like_pubmed():
    assert to_europepmc("chronic pain[tiab]") == '(TITLE:"chronic pain" OR ABSTRACT:"chronic pain")'
