"""EutilsClient against the fake E-utilities server over loopback HTTP; the rate limiter; the ESearch parser."""

from __future__ import annotations

import datetime as dt
import email.utils
import itertools
import logging
import random
import re
import threading
import time
from collections.abc import Callable

import pytest

from littrack.config import NcbiConfig
from littrack.errors import ParseError, PubMedError, ResultCapExceeded
from littrack.eutils.client import EutilsClient, validate_efetch
from littrack.eutils.esearch import BackendError, parse_esearch
from littrack.models import DateWindow
from littrack.ratelimit import RateLimiter, shared_limiter
from littrack.replay import recorded_path
from littrack.replay.replies import wide_window_override
from littrack.replay.server import FakeEutils, Fault

EVERYTHING = DateWindow(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
SECRET = "ncbi-secret-key-0123456789"
BIOPYTHON = recorded_path("pubmed", "biopython", "Tests", "Entrez")


class Recorder:
    """A ``sleep`` that records instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def make_client(
    srv: FakeEutils,
    *,
    api_key: str | None = None,
    max_retries: int = 3,
    timeout: float = 10.0,
    email: str = "dev@example.org",
) -> tuple[EutilsClient, Recorder]:
    cfg = NcbiConfig(
        email=email,
        tool="littrack-tests",
        api_key=api_key,
        base_url=srv.base_url,
        timeout=timeout,
        max_retries=max_retries,
    )
    sleeps = Recorder()
    limiter = RateLimiter(1000, sleep=Recorder())
    client = EutilsClient(cfg, limiter=limiter, sleep=sleeps, rng=random.Random(7), backoff_base=0.01)
    return client, sleeps


def record_pmids(body: bytes) -> list[int]:
    return [int(m) for m in re.findall(rb"<(?:MedlineCitation|BookDocument)[^>]*>\s*<PMID[^>]*>(\d+)</PMID>", body)]


# -- normal operation ---------------------------------------------------------------------------


def test_esearch_with_history_then_efetch_batches_returns_every_matching_record(fake_eutils: FakeEutils) -> None:
    client, _ = make_client(fake_eutils)
    result = client.esearch("ketamine", EVERYTHING)
    assert result.count == len(fake_eutils.corpus) == len(result.ids)
    assert result.webenv and result.webenv.startswith("MCID_") and result.query_key == "1"

    fetched: list[int] = []
    for start in range(0, result.count, 100):
        body = client.efetch_history(result.webenv, result.query_key, start, 100)
        fetched += record_pmids(body)
    assert fetched == list(result.ids)
    assert client.requests_made == 1 + (result.count + 99) // 100


def test_esearch_sends_edat_window_as_ncbi_dates_by_post(fake_eutils: FakeEutils) -> None:
    client, _ = make_client(fake_eutils)
    day = fake_eutils.corpus.get(38011560).entrez_date  # type: ignore[union-attr]
    assert day is not None
    result = client.esearch("ketamine depression", DateWindow(day, day))
    assert 38011560 in result.ids
    (req,) = fake_eutils.requests
    assert req.method == "POST" and req.utility == "esearch"
    assert (req.get("datetype"), req.get("mindate"), req.get("maxdate")) == (
        "edat",
        day.strftime("%Y/%m/%d"),
        day.strftime("%Y/%m/%d"),
    )
    assert (req.get("db"), req.get("retmode"), req.get("usehistory")) == ("pubmed", "xml", "y")


def test_efetch_ids_posts_the_id_list_and_returns_the_recorded_records_verbatim(fake_eutils: FakeEutils) -> None:
    client, _ = make_client(fake_eutils)
    body = client.efetch_ids([38011560, 26468569])  # a journal article and a PubmedBookArticle
    assert record_pmids(body) == [38011560, 26468569]
    for pmid in (38011560, 26468569):
        record = fake_eutils.corpus.get(pmid)
        assert record is not None and record.xml in body
    (req,) = fake_eutils.requests
    assert req.method == "POST" and req.get("id") == "38011560,26468569"


def test_zero_hits_is_a_valid_empty_result(fake_eutils: FakeEutils) -> None:
    client, _ = make_client(fake_eutils)
    result = client.esearch("ketamine", DateWindow(dt.date(1901, 1, 1), dt.date(1901, 1, 31)))
    assert (result.count, result.ids) == (0, ())
    assert "OutputMessage: No items found." in result.warnings


def test_every_request_carries_tool_email_and_api_key(fake_eutils: FakeEutils) -> None:
    client, _ = make_client(fake_eutils, api_key=SECRET)
    result = client.esearch("x", EVERYTHING)
    client.efetch_history(result.webenv or "", result.query_key or "", 0, 5)
    client.efetch_ids([38011560])
    assert len(fake_eutils.requests) == 3
    for req in fake_eutils.requests:
        assert (req.get("tool"), req.get("email"), req.get("api_key")) == ("littrack-tests", "dev@example.org", SECRET)


def test_no_api_key_parameter_without_a_key(fake_eutils: FakeEutils) -> None:
    client, _ = make_client(fake_eutils)
    client.efetch_ids([38011560])
    assert "api_key" not in fake_eutils.requests[0].params


# -- faults -------------------------------------------------------------------------------------

FAULTS = [
    Fault.HTTP_429,
    Fault.HTTP_500,
    Fault.HTTP_502,
    Fault.HTTP_503,
    Fault.DROP,
    Fault.TRUNCATE,
    Fault.HTML,
    Fault.ERROR_200,
    Fault.SLOW,
]


@pytest.mark.parametrize("how", ["esearch", "efetch_ids", "efetch_history"])
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_transient_fault_is_retried_until_it_succeeds(fake_eutils: FakeEutils, fault: Fault, how: str) -> None:
    fake_eutils.slow_seconds = 3.0
    client, _ = make_client(fake_eutils, timeout=0.3 if fault is Fault.SLOW else 10.0)
    history = client.esearch("ketamine", EVERYTHING)
    fake_eutils.reset()
    before = client.requests_made
    calls: dict[str, Callable[[], object]] = {
        "esearch": lambda: client.esearch("ketamine", EVERYTHING),
        "efetch_ids": lambda: client.efetch_ids([38011560, 26468569]),
        "efetch_history": lambda: client.efetch_history(history.webenv or "", history.query_key or "", 0, 10),
    }
    fake_eutils.inject(fault, times=2, utility="esearch" if how == "esearch" else "efetch")
    assert calls[how]()
    assert len(fake_eutils.requests) == 3 == client.requests_made - before


def test_persistent_fault_raises_one_line_pubmed_error_after_bounded_attempts(fake_eutils: FakeEutils) -> None:
    client, sleeps = make_client(fake_eutils, max_retries=3)
    fake_eutils.inject(Fault.HTTP_503, times=100)
    with pytest.raises(PubMedError) as info:
        client.esearch("ketamine", EVERYTHING)
    assert str(info.value) == "NCBI E-utilities kept failing: HTTP 503 after 4 attempts; try again later"
    assert len(fake_eutils.requests) == 4 == client.requests_made
    assert len(sleeps.calls) == 3


def test_backoff_grows_exponentially_with_jitter(fake_eutils: FakeEutils) -> None:
    client, sleeps = make_client(fake_eutils, max_retries=4)
    fake_eutils.inject(Fault.HTTP_500, times=100)
    with pytest.raises(PubMedError):
        client.efetch_ids([38011560])
    for attempt, slept in enumerate(sleeps.calls, start=1):
        assert 0.01 * 2 ** (attempt - 1) * 0.5 <= slept <= 0.01 * 2 ** (attempt - 1)


def test_429_waits_for_retry_after_seconds_and_blocks_the_limiter(fake_eutils: FakeEutils) -> None:
    cfg = NcbiConfig(email="dev@example.org", base_url=fake_eutils.base_url)
    sleeps, limiter_sleeps = Recorder(), Recorder()
    client = EutilsClient(cfg, limiter=RateLimiter(1000, sleep=limiter_sleeps), sleep=sleeps, backoff_base=0.01)
    fake_eutils.inject(Fault.HTTP_429, retry_after=7)
    client.efetch_ids([38011560])
    assert sleeps.calls == [7.0]
    assert max(limiter_sleeps.calls) > 6.0  # the shared limiter holds every other request's start too


def test_429_understands_retry_after_as_an_http_date(fake_eutils: FakeEutils) -> None:
    client, sleeps = make_client(fake_eutils)
    fake_eutils.inject(Fault.HTTP_429, retry_after=email.utils.formatdate(time.time() + 30, usegmt=True))
    client.efetch_ids([38011560])
    assert 20 <= sleeps.calls[0] <= 31


def test_client_error_4xx_is_not_retried(fake_eutils: FakeEutils) -> None:
    client, sleeps = make_client(fake_eutils, email="")  # the fake server answers 400 without an email
    with pytest.raises(PubMedError, match=r"rejected the efetch request: HTTP 400"):
        client.efetch_ids([38011560])
    assert len(fake_eutils.requests) == 1 and sleeps.calls == []


def test_a_refused_request_http_4xx_is_not_retried(fake_eutils: FakeEutils) -> None:
    fake_eutils.require_identity = True
    client, _ = make_client(fake_eutils, email="")  # no contact address: NCBI refuses the request (HTTP 400)
    with pytest.raises(PubMedError, match=r"HTTP 400"):
        client.efetch_ids([38011560])
    assert len(fake_eutils.requests) == 1


def test_a_long_history_key_travels_in_the_body_and_is_never_refused_as_a_long_url(fake_eutils: FakeEutils) -> None:
    # NCBI's Apache answers a GET whose URL passes ~8 KB with HTTP 414; littrack's history EFetch is a POST.
    client, _ = make_client(fake_eutils, max_retries=0)
    with pytest.raises(PubMedError, match="Cannot retrieve query from history") as info:  # an unknown key, as NCBI
        client.efetch_history("MCID_" + "x" * 9000, "1", 0, 10)
    assert "414" not in str(info.value) and [r.method for r in fake_eutils.requests] == ["POST"]


def test_api_key_never_appears_in_errors_or_logs(fake_eutils: FakeEutils, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = make_client(fake_eutils, api_key=SECRET, max_retries=2)
    fake_eutils.inject(Fault.DROP, times=100)
    with pytest.raises(PubMedError) as info:
        client.efetch_history("MCID_x", "1", 0, 10)
    fake_eutils.reset()
    fake_eutils.inject(Fault.HTTP_429, times=100)  # NCBI echoes the key in its 429 JSON body
    with pytest.raises(PubMedError) as info2:
        client.efetch_ids([1])
    for text in (str(info.value), str(info2.value), caplog.text):
        assert SECRET not in text
    assert "connection dropped" in str(info.value) and "after 3 attempts" in str(info.value)


# -- the 9,999 cap -------------------------------------------------------------------------------


def test_count_over_the_cap_raises_result_cap_exceeded_without_retrying() -> None:
    with FakeEutils(rate_limit=False, count_override=wide_window_override(max_days=31)) as srv:
        client, _ = make_client(srv)
        with pytest.raises(ResultCapExceeded) as info:
            client.esearch("ketamine", DateWindow(dt.date(2020, 1, 1), dt.date(2020, 12, 31)))
        assert info.value.count == 12_000 and "split the date window" in str(info.value)
        assert client.requests_made == 1
        assert client.esearch("ketamine", DateWindow(dt.date(2020, 1, 1), dt.date(2020, 1, 31))).count == 0


def test_restrictions_achieved_warning_raises_result_cap_exceeded() -> None:
    with FakeEutils(rate_limit=False, count_override=lambda *_: 15_000) as srv:
        client, _ = make_client(srv)
        with pytest.raises(ResultCapExceeded, match="Restrictions achieved"):
            client.esearch("ketamine", EVERYTHING, retmax=10_000)
        assert client.requests_made == 1


# -- rate limiting --------------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_rate_limiter_spaces_request_starts() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        with limiter.request():
            starts.append(clock.now)
    assert [round(b - a, 6) for a, b in itertools.pairwise(starts)] == [0.25] * 3
    clock.now += 10  # idle time is not banked into a burst
    with limiter.request():
        pass
    with limiter.request():
        pass
    assert clock.slept[-1] == pytest.approx(0.25)


def test_rate_limiter_starts_the_fifth_request_a_second_and_a_margin_after_the_first_ended() -> None:
    """NCBI counts arrivals; a request arrives at the latest when its reply is back, so the limiter counts from
    there: with 4 per second, request 5 waits until request 1 finished 1 s + margin ago, however slow it was."""
    clock = FakeClock()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)
    ends = []
    for latency in (0.6, 0.0, 0.0, 0.0, 0.0):
        with limiter.request():
            clock.now += latency  # the request travels and its reply comes back
        ends.append(clock.now)
    fifth_start = ends[4]  # it took no time
    assert limiter.window == pytest.approx(1.1)
    assert fifth_start == pytest.approx(ends[0] + 1.1)


def test_rate_limiter_block_until_holds_every_start() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10, clock=clock, sleep=clock.sleep)
    with limiter.request():
        limiter.block_until(clock.now + 2)
    with limiter.request():
        assert clock.now == pytest.approx(102.0)


@pytest.mark.slow  # the second request waits out a real second
def test_rate_limiter_waits_for_a_request_still_in_flight_in_another_thread() -> None:
    limiter = RateLimiter(1, margin=0.0)
    order: list[str] = []
    first_started, first_may_end = threading.Event(), threading.Event()

    def first() -> None:
        with limiter.request():
            first_started.set()
            first_may_end.wait(5)
            order.append("first ended")

    thread = threading.Thread(target=first)
    thread.start()
    first_started.wait(5)
    threading.Timer(0.05, first_may_end.set).start()
    with limiter.request():
        order.append("second started")
    thread.join(5)
    assert order == ["first ended", "second started"]


def test_shared_limiter_is_one_instance_per_host_and_rate() -> None:
    host = "eutils.ncbi.nlm.nih.gov"
    assert shared_limiter(3.0, host) is shared_limiter(3.0, host)
    assert shared_limiter(3.0, host) is not shared_limiter(10.0, host)
    assert shared_limiter(3.0, host) is not shared_limiter(3.0, "clinicaltrials.gov")
    cfg = NcbiConfig(email="dev@example.org")
    with EutilsClient(cfg) as one, EutilsClient(cfg) as two:
        assert one.limiter is two.limiter is shared_limiter(3.0, host)


@pytest.mark.slow
def test_client_with_a_real_limiter_stays_under_the_servers_rate_limit() -> None:
    with FakeEutils() as srv:  # rate limit on: 3/s without a key
        cfg = NcbiConfig(email="dev@example.org", tool="littrack-tests", base_url=srv.base_url, max_retries=3)
        client = EutilsClient(cfg, limiter=RateLimiter(3))
        result = client.esearch("ketamine", EVERYTHING)
        for start in range(0, 9, 3):
            assert record_pmids(client.efetch_history(result.webenv or "", result.query_key or "", start, 3))


# -- parsing recorded bodies --------------------------------------------------------------------


def test_parse_esearch_reads_history_from_a_recorded_reply() -> None:
    result = parse_esearch((BIOPYTHON / "esearch2.xml").read_bytes())
    assert (result.count, len(result.ids), result.query_key) == (42249, 100, "1")
    assert result.webenv == "MCID_6927d6e7fee3e90f880ec190"
    biocommons = recorded_path("pubmed", "biocommons-eutils", "extracted_bodies", "test_esearchresult__1_esearch.xml")
    recorded = parse_esearch(biocommons.read_bytes())
    assert recorded.count == 34 == len(recorded.ids) and recorded.webenv


def test_parse_esearch_treats_phrase_not_found_as_zero_hits() -> None:
    result = parse_esearch((BIOPYTHON / "esearch8.xml").read_bytes())
    assert (result.count, result.ids) == (0, ())
    assert result.warnings == ("PhraseNotFound: abcXYZ", "OutputMessage: No items found.")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ((BIOPYTHON / "pubmed3.html").read_bytes(), ParseError),
        ((BIOPYTHON / "einfo4.xml").read_bytes(), ParseError),
        ((BIOPYTHON / "esummary8.xml").read_bytes(), ParseError),  # an <ERROR> but not eSearchResult
        (
            b"<eSearchResult><ERROR>Search Backend failed: Database is not supported: pubmed</ERROR></eSearchResult>",
            BackendError,
        ),
        (b'{"error":"API rate limit exceeded","api-key":"1.2.3.4","count":"5","limit":"3"}', ParseError),
    ],
)
def test_parse_esearch_rejects_what_is_not_an_answer(body: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_esearch(body)


def test_validate_efetch_accepts_recorded_replies_and_rejects_broken_ones() -> None:
    for name in ("pubmed1.xml", "pubmed7.xml"):
        validate_efetch((BIOPYTHON / name).read_bytes())
    empty = recorded_path("pubmed", "metapub", "tests", "fixtures", "pmid_xml", "37909814.xml")
    validate_efetch(empty.read_bytes())  # an empty set is an answer
    whole = recorded_path("pubmed", "hawc", "extracted_bodies", "TestPubmed.test_search__2_efetch.xml").read_bytes()
    with pytest.raises(ParseError, match="truncated"):
        validate_efetch(whole[: len(whole) // 2])
    with pytest.raises(ParseError, match="not XML"):
        validate_efetch((BIOPYTHON / "pubmed3.html").read_bytes())
    with pytest.raises(ParseError, match="not a PubmedArticleSet"):
        validate_efetch((BIOPYTHON / "einfo4.xml").read_bytes())
    with pytest.raises(BackendError):
        validate_efetch(b'<?xml version="1.0" ?><eFetchResult><ERROR>Search Backend failed</ERROR></eFetchResult>')


def test_every_request_is_a_post_so_the_api_key_never_sits_in_a_url(fake_eutils: FakeEutils) -> None:
    # Proxies and server logs keep URLs; a key in a POST body stays out of them (issue 11 §2).
    client, _ = make_client(fake_eutils, api_key="SENTINEL-KEY-in-no-url")
    result = client.esearch("ketamine", None)
    assert result.webenv and result.query_key
    client.efetch_history(result.webenv, result.query_key, 0, 5)
    client.efetch_ids([38011560])
    assert [r.method for r in fake_eutils.requests] == ["POST", "POST", "POST"]
    assert all("SENTINEL" not in r.path for r in fake_eutils.requests)
    assert all(r.get("api_key") == "SENTINEL-KEY-in-no-url" for r in fake_eutils.requests)
