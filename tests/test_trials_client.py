"""CtgovClient against the loopback fake CT.gov serving real recorded API v2 replies (errors are synthetic)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from littrack.config import TrialQuery, TrialsConfig
from littrack.errors import TrialsError
from littrack.ratelimit import RateLimiter
from littrack.replay.ctgov import FakeCtgov, Reply, recorded_json
from littrack.trials.client import CtgovClient
from littrack.trials.parse import parse_page, parse_study

QUERY = TrialQuery(condition="Phelan-McDermid Syndrome", intervention="oxytocin OR growth hormone")
PHELAN_TOKEN = recorded_json("search_phelan_limit5")["nextPageToken"]
PHELAN_NEXT_TOKEN = recorded_json("search_phelan_next")["nextPageToken"]
# Synthetic: the page after search_phelan_next was not recorded; an empty page without a token ends paging.
SYNTHETIC_LAST_PAGE = Reply.json({"studies": []})


@pytest.fixture
def fake() -> Iterator[FakeCtgov]:
    with FakeCtgov() as server:
        yield server


def client_for(fake: FakeCtgov, sleeps: list[float], **kw: object) -> CtgovClient:
    cfg = TrialsConfig(base_url=fake.base_url, requests_per_second=50.0)
    limiter = RateLimiter(cfg.requests_per_second, sleep=sleeps.append)
    return CtgovClient(cfg, sleep=sleeps.append, limiter=limiter, backoff_base=0.01, **kw)  # type: ignore[arg-type]


def serve_phelan_pair(fake: FakeCtgov) -> None:
    fake.on("studies", Reply.recorded("search_phelan_limit5"))
    fake.on("studies", Reply.recorded("search_phelan_next"), params={"pageToken": PHELAN_TOKEN})
    fake.on("studies", SYNTHETIC_LAST_PAGE, params={"pageToken": PHELAN_NEXT_TOKEN})


def test_search_follows_next_page_token_through_the_real_pagination_pair(fake: FakeCtgov) -> None:
    serve_phelan_pair(fake)
    client = client_for(fake, [])
    pages = list(client.search_pages(QUERY))
    ids = [s.nct_id for p in pages for s in parse_page(p)]
    assert ids == [
        "NCT02710084",
        "NCT05105685",
        "NCT01525901",
        "NCT03493607",
        "NCT07119606",
        "NCT05187377",
        "NCT03836300",
        "NCT07014020",
        "NCT05025241",
        "NCT07281079",
    ]
    tokens = [r.params.get("pageToken") for r in fake.requests]
    assert tokens == [None, PHELAN_TOKEN, PHELAN_NEXT_TOKEN]
    first = fake.requests[0].params
    assert first["query.cond"] == "Phelan-McDermid Syndrome"
    assert first["query.intr"] == "oxytocin OR growth hormone"
    assert first["pageSize"] == "100"
    assert first["format"] == "json"
    assert "filter.advanced" not in first
    assert client.requests_made == 3


def test_search_since_a_day_filters_on_last_update_post_date(fake: FakeCtgov) -> None:
    fake.on("studies", Reply.recorded("search_phelan_limit50"))
    list(client_for(fake, []).search_pages(QUERY, updated_since=dt.date(2026, 8, 1)))
    assert fake.requests[0].params["filter.advanced"] == "AREA[LastUpdatePostDate]RANGE[2026-08-01,MAX]"


def test_get_study_returns_the_single_study_reply(fake: FakeCtgov) -> None:
    fake.on("studies/NCT02576665", Reply.recorded("get_nct02576665"))
    study = parse_study(client_for(fake, []).get_study("NCT02576665"))
    assert study.nct_id == "NCT02576665"
    assert study.overall_status == "TERMINATED"


def test_server_error_is_retried_then_succeeds(fake: FakeCtgov) -> None:
    sleeps: list[float] = []
    # Synthetic 503 body, then the real reply.
    fake.on("studies", Reply(503, b"Service Unavailable"), Reply.recorded("search_phelan_limit50"))
    client = client_for(fake, sleeps)
    pages = list(client.search_pages(QUERY))
    assert len(parse_page(pages[0])) == 3
    assert client.requests_made == 2
    assert len([s for s in sleeps if s > 0]) >= 1  # one backoff pause (rate-limit pauses may add more)


def test_rate_limit_reply_waits_as_long_as_retry_after_says(fake: FakeCtgov) -> None:
    sleeps: list[float] = []
    # Synthetic 429 with Retry-After, then the real reply.
    fake.on(
        "studies",
        Reply(429, b'{"message":"Too many requests"}', {"Retry-After": "7"}),
        Reply.recorded("search_phelan_limit50"),
    )
    client = client_for(fake, sleeps)
    list(client.search_pages(QUERY))
    assert 7.0 in sleeps


def test_client_error_is_not_retried_and_says_what_to_check(fake: FakeCtgov) -> None:
    # Synthetic 400 body in the shape CT.gov uses for a bad parameter.
    fake.on("studies", Reply(400, b"invalid value for pageSize"))
    client = client_for(fake, [])
    with pytest.raises(TrialsError, match=r"HTTP 400.*invalid value for pageSize.*config.yaml"):
        list(client.search_pages(QUERY))
    assert client.requests_made == 1


def test_malformed_json_fails_after_bounded_retries(fake: FakeCtgov) -> None:
    # Synthetic: the real reply cut off halfway, every time.
    body = Reply.recorded("search_phelan_limit5").body
    fake.on("studies", Reply(200, body[: len(body) // 2], {"Content-Type": "application/json"}))
    client = client_for(fake, [], max_retries=2)
    with pytest.raises(TrialsError, match=r"not JSON.*after 3 attempts"):
        list(client.search_pages(QUERY))
    assert client.requests_made == 3


def test_dropped_connection_is_retried(fake: FakeCtgov) -> None:
    fake.on("studies", Reply(drop=True), Reply.recorded("search_phelan_limit50"))
    client = client_for(fake, [])
    assert len(parse_page(next(client.search_pages(QUERY)))) == 3
    assert client.requests_made == 2


def test_repeated_page_token_stops_with_an_error(fake: FakeCtgov) -> None:
    # Synthetic loop: every page hands back the same cursor.
    fake.on("studies", Reply.json({"studies": [], "nextPageToken": "same"}))
    with pytest.raises(TrialsError, match="repeated the page cursor"):
        list(client_for(fake, []).search_pages(QUERY))
