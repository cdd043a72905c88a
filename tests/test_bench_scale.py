"""The scale benchmark (benchmarks/bench_scale.py) in a tiny configuration: its counts, never its timings."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from scale_network import FIRST_PMID, Year, build_network, clone_xml  # noqa: E402

from littrack.eutils.salvage import read_papers  # noqa: E402
from littrack.replay import replies  # noqa: E402


def test_every_topic_is_followed_and_profiles_follow_3_to_20_topics() -> None:
    network = build_network(500, 200, random.Random(16))
    followed = {t for topics in network.profiles.values() for t in topics}
    assert followed == set(network.topic_ids)
    assert len(set(network.queries.values())) == 500
    assert all(3 <= len(t) <= 21 for t in network.profiles.values())  # +1: an orphan topic joins a small profile
    assert max(network.followers().values()) >= 24  # some topics shared by dozens of profiles


def test_a_clone_reads_as_its_real_record_with_the_synthetic_pmid_and_entrez_date() -> None:
    year = Year(700, dt.date(2026, 12, 2), [("t001",)] * 700)
    for i in range(0, 700, 7):
        [paper] = read_papers(replies.efetch_xml([year.xml(i)])).papers
        assert paper == year.paper(i)
        assert paper.pmid == FIRST_PMID + i and paper.entrez_date == year.day(i)
        assert paper.title == year.parsed[year.real(i).pmid].title
    assert b"SYNTHETIC clone" in clone_xml(year.real(0).xml, FIRST_PMID, dt.date(2026, 1, 1))


def _postgres_available() -> bool:
    import importlib.util

    import pg_server

    return pg_server.bin_dir() is not None and importlib.util.find_spec("psycopg") is not None


@pytest.mark.slow
def test_quick_run_counts(tmp_path: Path) -> None:
    backends = ["sqlite", "postgresql"] if _postgres_available() else ["sqlite"]
    out = tmp_path / "scale.json"
    args = ["--quick", "--backend", ",".join(backends), "--skip-gather", "--json", str(out)]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_scale.py"), *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr
    assert "SYNTHETIC scale corpus" in done.stdout
    figures = json.loads(out.read_text())
    fetch = figures["fetch"]
    topics, subscriptions = fetch["topics"], fetch["subscriptions"]
    assert fetch["daily"]["esearch"] == topics  # one search per distinct query, however many profiles follow it
    assert fetch["sweep"]["esearch"] == 2 * topics  # the weekly sweep: one more per topic
    assert fetch["naive"]["esearch"] == subscriptions  # an installation per profile searches each of its topics
    assert fetch["naive"]["efetch"] >= fetch["daily"]["efetch"]
    expected = expected_digest_papers(figures)
    for backend in backends:
        store = figures["store"][backend]
        assert store["daily"] == fetch["daily"], backend
        assert store["digests"] == figures["profiles"], backend
        assert store["digest_papers"] == expected, backend


def expected_digest_papers(figures: dict[str, int]) -> int:
    """Each profile's digest: the papers of its topics from the last week (the days since its last digest)."""
    from bench_scale import DIGEST_DAYS, build_scale

    scale = build_scale(figures["papers"], figures["topics"], figures["profiles"], 16)
    year, since = scale.year, scale.today - dt.timedelta(days=DIGEST_DAYS - 1)
    return sum(
        1
        for topics in scale.network.profiles.values()
        for i in range(year.n)
        if year.day(i) >= since and set(topics) & set(year.topics[i])
    )
