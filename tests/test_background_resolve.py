"""Resolving study mentions through ESearch: the fake E-utilities server over loopback, real client.

SYNTHETIC: which PMIDs each query "finds" is made up for these tests. The fake server only returns
PMIDs of real recorded records, so real recorded records stand in as hits; they are not the studies
the seeds mention. The replies' eSearchResult envelopes are the fake server's synthetic ones.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Collection, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from littrack.background.documents import shipped_documents
from littrack.background.mentions import Mention, extract_mentions
from littrack.background.passages import split_all
from littrack.background.resolve import loose_query, resolve, resolve_all, strict_query, study_mentions, unresolved
from littrack.config import NcbiConfig
from littrack.eutils.client import EutilsClient
from littrack.ratelimit import RateLimiter
from littrack.replay.corpus import default_corpus
from littrack.replay.server import FakeEutils

FRENCH = Mention(
    "d",
    "In a 2007 French study, subcutaneous ketamine …",
    2007,
    "France",
    "fibromyalgia",
    "study",
    "subcutaneous",
    None,
    None,
)
WOOD = Mention(
    "d",
    "In a 2006 review article Wood suggested …",
    2006,
    None,
    "fibromyalgia",
    "review",
    "",
    None,
    None,
    author="Wood",
)
DANISH = Mention("d", "A successful 2000 Danish study …", 2000, "Denmark", "fibromyalgia", "study", "", None, None)
VAGUE = Mention(
    "d", "In one study, more than half of the patients …", None, None, "fibromyalgia", "study", "iv", None, None
)


def _synthetic_matcher(pmids: list[int]) -> object:
    """SYNTHETIC: strict French query → one record, strict Wood query → none but loose → one,
    strict Danish query → five (too many), anything else → nothing."""

    def match(term: str) -> Collection[int]:
        if "France[ad]" in term:
            return {pmids[0]}
        if "Wood[au]" in term and "review[pt]" not in term:
            return {pmids[1]}
        if "Denmark[ad]" in term:
            return set(pmids[2:7])
        if "2000[dp]" in term:
            return {pmids[7], pmids[8]}
        return set()

    return match


@pytest.fixture
def eutils_search() -> Iterator[tuple[FakeEutils, object, list[int]]]:
    corpus = default_corpus()
    pmids = sorted(r.pmid for r in corpus)[:10]
    with FakeEutils(corpus, term_matcher=_synthetic_matcher(pmids), rate_limit=False) as srv:  # type: ignore[arg-type]
        cfg = NcbiConfig(email="dev@example.org", tool="littrack-tests", base_url=srv.base_url, max_retries=1)
        client = EutilsClient(cfg, limiter=RateLimiter(1000), rng=random.Random(1), backoff_base=0.01)

        def search(term: str) -> tuple[int, ...]:
            return tuple(client.esearch(term, None, usehistory=False).ids)

        yield srv, search, pmids
        client.close()


def test_single_hit_on_the_strict_query_is_high_confidence(eutils_search: tuple[FakeEutils, object, list[int]]) -> None:
    srv, search, pmids = eutils_search
    r = resolve(FRENCH, search)  # type: ignore[arg-type]
    assert (r.pmids, r.confidence) == ((pmids[0],), "high")
    sent = srv.requests_to("esearch")[-1].get("term")
    assert sent == "ketamine[tiab] AND fibromyalgia[tiab] AND 2007[dp] AND subcutaneous[tiab] AND France[ad]"


def test_loose_query_hit_after_an_empty_strict_query_is_low_confidence(
    eutils_search: tuple[FakeEutils, object, list[int]],
) -> None:
    _, search, pmids = eutils_search
    r = resolve(WOOD, search)  # type: ignore[arg-type]
    assert (r.pmids, r.confidence) == ((pmids[1],), "low")
    assert r.queries == (
        "ketamine[tiab] AND fibromyalgia[tiab] AND 2006[dp] AND Wood[au] AND review[pt]",
        "ketamine[tiab] AND fibromyalgia[tiab] AND 2006[dp] AND Wood[au]",
    )


def test_too_many_hits_or_none_stay_unresolved_without_a_guess(
    eutils_search: tuple[FakeEutils, object, list[int]],
) -> None:
    srv, search, _ = eutils_search
    assert (resolve(DANISH, search).pmids, resolve(DANISH, search).confidence) == ((), "unresolved")  # type: ignore[arg-type]
    before = len(srv.requests_to("esearch"))
    vague = resolve(VAGUE, search)  # type: ignore[arg-type]
    assert (vague.pmids, vague.confidence, vague.queries) == ((), "unresolved", ())
    assert len(srv.requests_to("esearch")) == before  # too vague to look up: no request spent


def test_resolve_all_over_the_seeds_asks_each_distinct_query_once(
    eutils_search: tuple[FakeEutils, object, list[int]],
) -> None:
    srv, search, pmids = eutils_search
    mentions = extract_mentions(split_all(shipped_documents()))
    resolutions = resolve_all(mentions, search)  # type: ignore[arg-type]
    terms = [r.get("term") for r in srv.requests_to("esearch")]
    assert len(terms) == len(set(terms))
    by_sentence = {r.mention.sentence: r for r in resolutions}
    french = next(r for s, r in by_sentence.items() if "2007 French study" in s)
    assert (french.pmids, french.confidence) == ((pmids[0],), "high")
    two_thousand = [r for r in resolutions if r.mention.year == 2000 and r.mention.country is None]
    assert two_thousand and all(r.confidence == "medium" and r.pmids == (pmids[7], pmids[8]) for r in two_thousand)
    assert all(r.pmids == () for r in resolutions if r.confidence == "unresolved")
    titles = {d.id: d.title for d in shipped_documents()}
    rows = study_mentions(resolutions, titles)
    assert len(rows) == len(mentions)
    assert rows[0].doc_title == "This Could Be Big: Intravenous Ketamine for Fibromyalgia"


class _SyntheticESearch(BaseHTTPRequestHandler):
    """SYNTHETIC eSearchResult ID lists keyed by term, for a server-independent check of the callable."""

    replies: ClassVar[dict[str, tuple[int, ...]]] = {
        "ketamine[tiab] AND fibromyalgia[tiab] AND 2007[dp] AND subcutaneous[tiab] AND France[ad]": (111, 222)
    }

    def do_GET(self) -> None:
        term = parse_qs(urlsplit(self.path).query).get("term", [""])[0]
        ids = "".join(f"<Id>{i}</Id>" for i in self.replies.get(term, ()))
        count = len(self.replies.get(term, ()))
        body = (
            "<?xml version='1.0'?><!-- synthetic -->"
            f"<eSearchResult><Count>{count}</Count><IdList>{ids}</IdList></eSearchResult>"
        )
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_any_search_callable_works_here_a_plain_requests_call_to_a_loopback_server() -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SyntheticESearch)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/esearch.fcgi"

        def search(term: str) -> tuple[int, ...]:
            import re

            body = requests.get(url, params={"db": "pubmed", "term": term}, timeout=5).text
            return tuple(int(i) for i in re.findall(r"<Id>(\d+)</Id>", body))

        r = resolve(FRENCH, search)
        assert (r.pmids, r.confidence) == ((111, 222), "medium")
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_queries_built_from_mentions() -> None:
    assert strict_query(VAGUE) is None and loose_query(VAGUE) is None
    assert loose_query(DANISH) == "ketamine[tiab] AND fibromyalgia[tiab] AND 2000[dp]"
    ongoing = Mention("d", "Two studies underway", None, "Belgium", "fibromyalgia", "ongoing trial", "", None, 2)
    assert strict_query(ongoing) is None  # registered trials are not in PubMed yet


def test_unresolved_rows_offline_carry_no_pmids() -> None:
    rows = unresolved([FRENCH], {"d": "Doc"})
    assert (
        rows[0].confidence == "unresolved" and rows[0].pmids == () and rows[0].description.startswith("2007 · France")
    )
