"""The shipped topic queries carry every synonym an information specialist would expect, and exclude only
what config.yaml says they exclude (perioperative-only and depression-only records), never chronic pain."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from littrack.config import load_config

SHIPPED = Path(__file__).resolve().parents[1] / "config.yaml"

KETAMINE = (
    "ketamine[mh]",
    "ketamin*[tiab]",
    "esketamine[tiab]",
    "arketamine[tiab]",
    '"S-ketamine"[tiab]',
    '"(S)-ketamine"[tiab]',
    "Ketalar[tiab]",
    "Ketanest[tiab]",
    "Spravato[tiab]",
)
CONDITION = {
    "ketamine-fibromyalgia": ("fibromyalgia[mh]", "fibromyalg*[tiab]", '"chronic widespread pain"[tiab]'),
    "ketamine-crps": (
        '"complex regional pain syndromes"[mh]',
        "CRPS[tiab]",
        '"reflex sympathetic dystrophy"[tiab]',
        "causalgia[tiab]",
        "Sudeck*[tiab]",
        "algoneurodystroph*[tiab]",
        "algodystroph*[tiab]",
    ),
    "ketamine-chronic-pain": (
        '"chronic pain"[mh]',
        '"pain, intractable"[mh]',
        '"central nervous system sensitization"[mh]',
        '"phantom limb"[mh]',
        '"diabetic neuropathies"[mh]',
        '"cancer pain"[mh]',
        "neuralgia[mh]",
        '"refractory pain"[tiab]',
        "nociplastic[tiab]",
        '"neuropathic pain"[tiab]',
    ),
}


@pytest.fixture(scope="module")
def queries() -> dict[str, str]:
    cfg = load_config(SHIPPED, environ={})
    return {t.id: " ".join(t.query.split()) for t in cfg.topics}


def test_shipped_topics_are_the_three_the_digest_is_built_for(queries: dict[str, str]) -> None:
    assert set(queries) == set(CONDITION)


@pytest.mark.parametrize("topic", sorted(CONDITION))
def test_every_topic_names_ketamine_by_every_name_and_its_condition_by_heading_and_text(
    queries: dict[str, str], topic: str
) -> None:
    query = queries[topic]
    missing = [t for t in (*KETAMINE, *CONDITION[topic]) if t.lower() not in query.lower()]
    assert missing == []
    assert query.count("(") == query.count(")")


def _exclusions(query: str) -> list[str]:
    """The operand of each top-level NOT, by balanced parentheses."""
    out = []
    for m in re.finditer(r"\bNOT \(", query):
        depth, i = 0, m.end() - 1
        for j in range(i, len(query)):
            depth += {"(": 1, ")": -1}.get(query[j], 0)
            if depth == 0:
                out.append(query[i : j + 1])
                break
    return [x for x in out if not any(x in y and x != y for y in out)]


def test_only_the_chronic_pain_topic_excludes_and_never_a_record_that_names_chronic_pain(
    queries: dict[str, str],
) -> None:
    assert "NOT" not in queries["ketamine-fibromyalgia"] and "NOT" not in queries["ketamine-crps"]
    excluded = _exclusions(queries["ketamine-chronic-pain"])
    assert len(excluded) == 2  # perioperative-only, depression-only
    perioperative, depression = excluded
    # Each exclusion is "X NOT (rescue)": the records it drops are X minus anything about chronic pain.
    assert '"pain, postoperative"[majr]' in perioperative and " NOT (" in perioperative
    for rescue in ('"chronic pain"[mh]', "neuralgia[mh]", '"cancer pain"[mh]', '"persistent postsurgical pain"[tiab]'):
        assert rescue in perioperative.split(" NOT (", 1)[1]
    assert "depression[majr]" in depression and "pain[mh]" in depression.split(" NOT (", 1)[1]


def test_the_config_file_explains_the_queries_and_the_exclusion_decision() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert "Decision on perioperative and depression-only papers" in text
