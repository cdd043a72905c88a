"""Profiles (issue 16 §1) on a PostgreSQL store (§2): two readers, each gets each paper of its topics exactly once,
and trial changes are told once per profile. A real server (conftest's ``pg_target``), the CLI through CliRunner;
the same synthetic topic matching as tests/test_profiles.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from configs import write_config
from conftest import StoreTarget
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.replies import split_matcher
from littrack.replay.server import FakeEutils
from test_profiles import CRPS, FM, PROFILES, cli


@pytest.fixture
def eutils() -> Iterator[FakeEutils]:
    corpus = Corpus(list(default_corpus())[:20])
    with FakeEutils(corpus, rate_limit=False, term_matcher=split_matcher(corpus.pmids, share=0.6)) as srv:
        yield srv


def _rows(target: StoreTarget, sql: str) -> list[tuple[object, ...]]:
    with target.open() as store:
        return [tuple(r) for r in store.conn.execute(sql)]


@pytest.mark.slow
def test_each_profile_gets_each_paper_of_its_topics_exactly_once_on_postgresql(
    tmp_path: Path, eutils: FakeEutils, pg_target: StoreTarget
) -> None:
    cfg = write_config(tmp_path, eutils.base_url, profiles=PROFILES, store={"url": pg_target.location})
    assert cli(cfg, "fetch")[0] == 0
    code, out, err = cli(cfg, "digest")
    assert code == 0, err
    topics: dict[str, set[int]] = {}
    for topic, pmid in _rows(pg_target, "SELECT topic_id, pmid FROM paper_topics"):
        topics.setdefault(str(topic), set()).add(int(pmid))  # type: ignore[call-overload]
    delivered: dict[str, set[int]] = {}
    for profile, pmid in _rows(pg_target, "SELECT profile, pmid FROM delivered_papers"):
        delivered.setdefault(str(profile), set()).add(int(pmid))  # type: ignore[call-overload]
    assert topics[CRPS] & topics[FM], "the synthetic matching should give some papers both topics"
    assert delivered == {"crps": topics[CRPS], "everything": topics[CRPS] | topics[FM]}
    code, out, _ = cli(cfg, "digest")
    assert code == 0 and "digest (crps): 0 papers" in out and "digest (everything): 0 papers" in out
    assert _rows(pg_target, "SELECT count(*) FROM delivered_papers") == [(sum(len(v) for v in delivered.values()),)]
    assert sorted(r[0] for r in _rows(pg_target, "SELECT id FROM profiles")) == ["crps", "default", "everything"]
