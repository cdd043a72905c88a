"""Fewer requests for a big backfill (issue 11 §4).

The real CLI against the fake E-utilities server. The 18,672 hits are SYNTHETIC
(:class:`littrack.replay.replies.SyntheticHits`): made-up PMIDs spread over Entrez dates by a weight per
year, which answer ESearch counts and ID lists; EFetch finds no record for them (NCBI omits a PMID it holds
no record for), so no record is invented and nothing is stored. What is measured is the requests.

The minimum, as the issue defines it: one ESearch per slice that fits + ceil(hits / batch_size) EFetch.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from configs import TOPICS, write_config
from littrack.cli import main
from littrack.replay.corpus import Corpus
from littrack.replay.replies import PUBMED_CAP, SyntheticHits, parse_ncbi_date
from littrack.replay.server import FakeEutils, RecordedRequest


def today() -> dt.date:
    """The fetch's "today", read when asserting (a module constant goes stale if the suite runs past midnight)."""
    return dt.date.today()

HITS = 18_672
BATCH = 500
# Hits per year (relative weights): how a broad clinical query's literature grows, in three shapes.
SHAPES = {
    "quadratic growth since 1965": {y: (y - 1964) ** 2 for y in range(1965, today().year + 1)},
    "doubling every 8 years since 1950": {y: 2 ** ((y - today().year) / 8) for y in range(1950, today().year + 1)},
    "even since 1990": dict.fromkeys(range(1990, today().year + 1), 1.0),
}

pytestmark = pytest.mark.slow  # about 40 requests through the real rate limiter per run


def window_of(request: RecordedRequest) -> tuple[dt.date, dt.date]:
    return (
        parse_ncbi_date(request.get("mindate") or "", end=False),
        parse_ncbi_date(request.get("maxdate") or "", end=True),
    )


@pytest.mark.parametrize("shape", SHAPES)
def test_a_backfill_from_1800_of_18672_hits_costs_at_most_the_minimum_plus_two_requests(
    tmp_path: Path, shape: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "test-key-not-a-secret")  # 10 requests/s: the same requests, sooner
    hits = SyntheticHits(HITS, SHAPES[shape], end=today())
    with FakeEutils(Corpus([]), synthetic=hits, rate_limit=False) as srv:
        cfg = write_config(
            tmp_path,
            srv.base_url,
            topics=TOPICS[:1],
            fetch={"backfill": "1800-01-01", "batch_size": BATCH, "recheck_limit": 0},
        )
        result = CliRunner().invoke(main, ["--config", str(cfg), "fetch"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        searches, fetches = srv.requests_to("esearch"), srv.requests_to("efetch")

    fitting = [r for r in searches if hits.count(*window_of(r)) <= PUBMED_CAP]
    minimum = len(fitting) + math.ceil(HITS / BATCH)
    assert len(searches) + len(fetches) <= minimum + 2
    # The slices that fit tile the whole window, 1800-01-01 to today, without a gap or an overlap.
    spans = sorted(window_of(r) for r in fitting)
    assert spans[0][0] == dt.date(1800, 1, 1) and spans[-1][1] == today()
    assert all(later[0] - earlier[1] == dt.timedelta(days=1) for earlier, later in itertools.pairwise(spans))
    # Every hit was asked for exactly once.
    asked = [int(pmid) for r in fetches for pmid in (r.get("id") or "").split(",")]
    assert sorted(asked) == list(hits.pmids)
