"""The Europe PMC, Crossref and Unpaywall clients and parsers against the loopback fake replaying real replies.

Real HTTP on 127.0.0.1 (littrack.replay.sources.FakeSources), the recorded bodies, the shared retries and limiter.
Replies marked SYNTHETIC below are made in the test and say so.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

import pytest

from littrack.config import CrossrefConfig, EuropePmcConfig, SourcesConfig, UnpaywallConfig
from littrack.errors import SourceError
from littrack.models import NoticeKind, OaKind
from littrack.ratelimit import RateLimiter
from littrack.replay import recorded_path
from littrack.replay.sources import (
    CROSSREF,
    CROSSREF_WORK_LIST,
    CROSSREF_WORKS,
    EUROPEPMC,
    PREPRINT_PAGE,
    UNPAYWALL,
    FakeSources,
    Reply,
    recorded,
)
from littrack.sources.crossref import CrossrefClient, parse_works, published_rate
from littrack.sources.europepmc import EuropePmcClient, parse_preprints, window_query
from littrack.sources.unpaywall import UnpaywallClient, parse_location


@pytest.fixture
def fake() -> Iterator[FakeSources]:
    with FakeSources() as srv:
        yield srv


def _cfg(fake: FakeSources, email: str | None = "tester@example.org") -> SourcesConfig:
    return SourcesConfig(
        email=email,
        timeout=2,
        max_retries=2,
        backoff_seconds=0.01,
        europepmc=EuropePmcConfig(base_url=fake.url(EUROPEPMC), requests_per_second=1000),
        crossref=CrossrefConfig(base_url=fake.url(CROSSREF), requests_per_second=1000),
        unpaywall=UnpaywallConfig(base_url=fake.url(UNPAYWALL), requests_per_second=1000),
    )


def _quick() -> dict[str, object]:
    """No waiting in tests: a limiter that never sleeps and a retrier sleep that returns at once."""
    return {"sleep": lambda _s: None, "limiter": RateLimiter(1000, sleep=lambda _s: None), "rng": random.Random(1)}


# --- Europe PMC --------------------------------------------------------------------------------------


def test_preprint_search_follows_the_cursor_to_the_empty_last_page_and_sends_email_and_core(fake):
    with EuropePmcClient(_cfg(fake), **_quick()) as client:
        pages = list(client.search_pages("ketamine AND SRC:PPR"))
    assert len(pages) == 2 and client.requests_made == 2
    first, second = (s.params for s in fake.requests)
    assert first["cursorMark"] == "*" and first["email"] == "tester@example.org" and first["resultType"] == "core"
    assert second["cursorMark"] == json.loads(recorded(PREPRINT_PAGE))["nextCursorMark"]


def test_only_the_24_real_preprints_of_the_recorded_page_are_kept_with_server_version_and_doi():
    preprints = parse_preprints(json.loads(recorded(PREPRINT_PAGE)))
    assert len(preprints) == 24
    servers = {p.server for p in preprints}
    assert servers == {"Research Square", "bioRxiv", "Preprints.org", "medRxiv"}
    medrxiv = next(p for p in preprints if p.id == "PPR1036674")
    assert (medrxiv.doi, medrxiv.server, medrxiv.version) == ("10.1101/2025.06.13.25329599", "medRxiv", None)
    assert medrxiv.first_published is not None and medrxiv.first_published.isoformat() == "2025-06-16"
    assert medrxiv.first_author_surname == "Mendez"
    rs = next(p for p in preprints if p.server == "Research Square")
    assert rs.version == 1 and rs.doi is not None and rs.doi.endswith("/v1")


def test_a_search_limited_to_preprints_and_a_first_publication_window():
    import datetime as dt

    from littrack.models import DateWindow

    q = window_query("ketamine", DateWindow(dt.date(2025, 6, 1), dt.date(2025, 6, 30)))
    assert q == "(ketamine) AND SRC:PPR AND FIRST_PDATE:[2025-06-01 TO 2025-06-30]"


def test_the_europe_pmc_link_to_a_journal_version_is_read_from_a_core_record():
    # SYNTHETIC record around a real recorded preprint: a core reply adds commentCorrectionList ("Preprint of").
    page = json.loads(recorded(PREPRINT_PAGE))
    record = next(r for r in page["resultList"]["result"] if r["id"] == "PPR1036674")
    record["commentCorrectionList"] = {
        "commentCorrection": [{"id": "40000001", "source": "MED", "type": "Preprint of"}]
    }
    (preprint,) = parse_preprints({"resultList": {"result": [record]}})
    assert preprint.published_pmid == 40000001


def test_europe_pmc_outage_is_retried_then_reported_as_one_source_error(fake):
    fake.queue(EUROPEPMC, Reply(503, b"busy"), Reply(503, b"busy"), Reply(503, b"busy"))
    with EuropePmcClient(_cfg(fake), **_quick()) as client, pytest.raises(SourceError, match="Europe PMC kept failing"):
        list(client.search_pages("ketamine"))
    assert client.requests_made == 3  # 1 + max_retries


def test_a_dropped_connection_then_a_good_page_succeeds(fake):
    fake.queue(EUROPEPMC, Reply(drop=True))
    with EuropePmcClient(_cfg(fake), **_quick()) as client:
        pages = list(client.search_pages("ketamine"))
    assert len(pages) == 2 and client.requests_made == 3


def test_a_repeated_page_cursor_is_an_error_not_an_endless_loop(fake):
    # SYNTHETIC: the recorded first page re-served where the second belongs, with another cursor each time.
    body = json.loads(recorded(PREPRINT_PAGE))
    loop = dict(body, nextCursorMark="LOOP")
    fake.queue(EUROPEPMC, Reply(200, json.dumps(body).encode()), Reply(200, json.dumps(loop).encode()))
    fake.queue(EUROPEPMC, Reply(200, json.dumps(dict(body, nextCursorMark=body["nextCursorMark"])).encode()))
    with EuropePmcClient(_cfg(fake), **_quick()) as client, pytest.raises(SourceError, match="repeated"):
        list(client.search_pages("ketamine"))


def test_a_bad_request_is_not_retried_and_names_the_config_section(fake):
    fake.queue(EUROPEPMC, Reply(400, b'{"errMsg":"Invalid query"}'))
    with EuropePmcClient(_cfg(fake), **_quick()) as client, pytest.raises(SourceError, match=r"sources\.europepmc"):
        list(client.search_pages("("))
    assert client.requests_made == 1


# --- Crossref ----------------------------------------------------------------------------------------


def test_works_are_asked_for_in_one_doi_filter_batch_with_mailto(fake):
    with CrossrefClient(_cfg(fake), **_quick()) as client:
        works = parse_works(client.works(["10.1371/journal.pbio.0050002", "10.1371/journal.pgen.1011490"]))
    (seen,) = fake.requests
    assert seen.path == "works" and seen.params["mailto"] == "tester@example.org"
    assert seen.params["filter"] == "doi:10.1371/journal.pbio.0050002,doi:10.1371/journal.pgen.1011490"
    assert {"10.1371/journal.pbio.0050002", "10.1371/journal.pgen.1011490"} <= {w.doi for w in works}


def test_the_real_correction_is_a_correction_and_self_pointing_new_versions_are_not_notices():
    works = {w.doi: w for w in parse_works(json.loads(recorded(CROSSREF_WORK_LIST)))}
    (notice,) = works["10.1371/journal.pbio.0050002"].notices
    assert (notice.kind, notice.notice_doi, notice.source) == (
        NoticeKind.CORRECTION,
        "10.1371/journal.pbio.0060304",
        "publisher",
    )
    assert works["10.1371/journal.ppat.1006930"].notices == ()  # new_version pointing at itself
    assert works["10.1371/journal.pgen.1011490"].has_preprint == ("10.1101/2024.07.14.24310389",)
    (other,) = parse_works(json.loads(recorded(CROSSREF_WORKS["10.1371/journal.ppat.1008184"])))
    assert other.notices == ()  # update-to and updated-by of type new_version


def test_the_single_work_reply_carries_its_correction_and_cited_dois():
    (work,) = parse_works(json.loads(recorded(CROSSREF_WORKS["10.1371/journal.pone.0033693"])))
    assert [n.kind for n in work.notices] == [NoticeKind.CORRECTION]
    assert len(work.references) > 10 and all(r.startswith("10.") for r in work.references)


def test_the_synthetic_retraction_is_a_retraction_from_retraction_watch():
    body = recorded_path("crossref", "synthetic", "retraction_10.1371_journal.pbio.0050002.json").read_bytes()
    (work,) = parse_works(json.loads(body))
    (notice,) = work.notices
    assert (notice.kind, notice.source) == (NoticeKind.RETRACTION, "retraction-watch")


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("retraction", NoticeKind.RETRACTION),
        ("withdrawal", NoticeKind.RETRACTION),
        ("expression_of_concern", NoticeKind.EXPRESSION_OF_CONCERN),
        ("erratum", NoticeKind.CORRECTION),
        ("corrigendum", NoticeKind.CORRECTION),
        ("partial_retraction", NoticeKind.CORRECTION),
        ("new_version", None),
    ],
)
def test_crossref_update_types_are_kept_in_their_own_class(kind, expected):
    # SYNTHETIC updated-by entries: one per Crossref update type, on a made-up DOI.
    body = {
        "status": "ok",
        "message-type": "work",
        "message": {"DOI": "10.5555/x", "updated-by": [{"DOI": "10.5555/notice", "type": kind, "source": "publisher"}]},
    }
    (work,) = parse_works(body)
    assert [n.kind for n in work.notices] == ([expected] if expected else [])


def test_crossref_published_rate_headers_slow_the_client_down_never_up(fake):
    fake.queue(
        CROSSREF,
        Reply(200, recorded(CROSSREF_WORK_LIST), {"x-rate-limit-limit": "5", "x-rate-limit-interval": "1s"}),
    )
    with CrossrefClient(_cfg(fake), **_quick()) as client:
        client.works(["10.1371/journal.pbio.0050002"])
    assert client.limiter.rate_per_second == 5.0
    assert published_rate("50", "1s") == 50.0 and published_rate("5", "2s") == 2.5 and published_rate("x", "1s") is None


def test_a_crossref_429_waits_the_retry_after_and_then_succeeds(fake):
    slept: list[float] = []
    fake.queue(CROSSREF, Reply(429, b"", {"Retry-After": "3"}))
    with CrossrefClient(_cfg(fake), **(_quick() | {"sleep": slept.append})) as client:
        client.works(["10.1371/journal.pbio.0050002"])
    assert slept == [3.0] and client.requests_made == 2


# --- Unpaywall ---------------------------------------------------------------------------------------


def test_unpaywall_needs_an_email():
    with pytest.raises(SourceError, match=r"sources\.email"):
        UnpaywallClient(SourcesConfig(email=None))


@pytest.mark.parametrize(
    ("doi", "kind", "host"),
    [
        ("10.1016/j.envint.2020.105730", OaKind.GOLD, "publisher"),
        ("10.1038/nature12373", OaKind.GREEN, "repository"),
        ("10.1103/physreve.88.012814", OaKind.HYBRID, "publisher"),
        ("10.1016/j.tmaid.2020.101663", OaKind.BRONZE, "publisher"),
    ],
)
def test_each_recorded_unpaywall_reply_gives_its_best_location_and_kind(fake, doi, kind, host):
    with UnpaywallClient(_cfg(fake), **_quick()) as client:
        location = parse_location(doi, client.lookup(doi))
    assert location is not None and (location.kind, location.host_type) == (kind, host)
    assert location.url.startswith("http") and fake.requests[0].params["email"] == "tester@example.org"


def test_an_unknown_doi_is_an_answer_not_a_failure(fake):
    with UnpaywallClient(_cfg(fake), **_quick()) as client:
        assert parse_location("10.5555/unknown", client.lookup("10.5555/unknown")) is None
    assert client.requests_made == 1


def test_a_reply_about_another_doi_is_refused():
    from littrack.errors import ParseError

    body = json.loads(
        recorded_path("unpaywall", "unpywall", "extracted_bodies", "10.1038_nature12373.json").read_bytes()
    )
    with pytest.raises(ParseError, match="asked about"):
        parse_location("10.1016/j.envint.2020.105730", body)


def test_a_closed_work_has_no_location():
    # SYNTHETIC: a real reply with its open-access fields switched off, as Unpaywall answers for a closed work.
    body = json.loads(
        recorded_path("unpaywall", "unpywall", "extracted_bodies", "10.1038_nature12373.json").read_bytes()
    )
    body.update(is_oa=False, oa_status="closed", best_oa_location=None)
    assert parse_location("10.1038/nature12373", body) is None


def test_a_page_shorter_than_the_page_size_is_the_last_so_a_quiet_topic_costs_one_request(fake):
    # SYNTHETIC page: the recorded page cut to its 24 preprints, as Europe PMC answers an SRC:PPR query.
    page = json.loads(recorded(PREPRINT_PAGE))
    page["resultList"]["result"] = [r for r in page["resultList"]["result"] if r["source"] == "PPR"]
    fake.queue(EUROPEPMC, Reply(200, json.dumps(page).encode()))
    with EuropePmcClient(_cfg(fake), **_quick()) as client:
        (only,) = list(client.search_pages("ketamine AND SRC:PPR"))
    assert len(parse_preprints(only)) == 24 and client.requests_made == 1
