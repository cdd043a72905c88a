"""Never trip NCBI's rate limit (issue 11 §3).

The real E-utilities client, with the process-wide limiter it builds for its host, against the fake server
on loopback. The server counts requests where NCBI's front end does: every request *arriving* within any
sliding 1-second window, refused ones included, and answers HTTP 429 with NCBI's JSON body and Retry-After.
A simulated network delays each request and each reply by a random (seeded) delay of up to 30 % of the
spacing between requests (100 ms without a key, 30 ms with one), so arrivals do not keep the spacing of the
starts. No timing is asserted: only what the server counted.
"""

from __future__ import annotations

import pytest

from littrack.config import NcbiConfig
from littrack.eutils.client import EutilsClient
from littrack.replay.server import FakeEutils

RUN = 40  # requests per run, as in the issue
KEY = "ncbi-test-key-not-a-secret"

pytestmark = pytest.mark.slow  # 40 requests through the real rate limiter, 4-16 s each


@pytest.mark.parametrize("batch", [100, 500])
@pytest.mark.parametrize("api_key", [None, KEY], ids=["no key (3/s)", "api key (10/s)"])
def test_forty_requests_with_latency_jitter_never_meet_a_429(batch: int, api_key: str | None) -> None:
    limit = 10 if api_key else 3
    with FakeEutils(latency=0.3 / limit, seed=batch) as srv:
        cfg = NcbiConfig(email="dev@example.org", tool="littrack-tests", api_key=api_key, base_url=srv.base_url)
        with EutilsClient(cfg) as client:  # no limiter given: the process-wide one for this host, as fetch uses
            found = client.esearch("ketamine", None)
            assert found.webenv and found.query_key
            while client.requests_made < RUN:
                start = (client.requests_made * batch) % found.count
                client.efetch_history(found.webenv, found.query_key, start, batch)
        assert len(srv.requests) == RUN
        assert srv.refused == 0
        assert srv.busiest_second() <= limit
