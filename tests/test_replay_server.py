"""The fake E-utilities server and its corpus, exercised with plain HTTP requests over loopback."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Mapping

import pytest
import requests
from lxml import etree

from littrack.errors import ResultCapExceeded
from littrack.eutils.esearch import parse_esearch
from littrack.replay import recorded_path
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.replies import split_matcher, substring_matcher
from littrack.replay.server import FakeEutils, Fault

IDENTITY = {"tool": "littrack-tests", "email": "dev@example.org"}


def get(srv: FakeEutils, utility: str, **params: str | int | None) -> requests.Response:
    return requests.get(f"{srv.base_url}{utility}.fcgi", params={**IDENTITY, **params}, timeout=10)


def post(srv: FakeEutils, utility: str, data: Mapping[str, object] | list[tuple[str, object]]) -> requests.Response:
    items = list(IDENTITY.items()) + (list(data.items()) if isinstance(data, Mapping) else list(data))
    return requests.post(f"{srv.base_url}{utility}.fcgi", data=items, timeout=10)


# -- corpus ----------------------------------------------------------------------------------------


def test_corpus_slices_every_record_verbatim_with_its_real_entrez_date() -> None:
    path = recorded_path("pubmed", "hawc", "extracted_bodies", "TestPubmed.test_search__2_efetch.xml")
    body = path.read_bytes()
    corpus = Corpus.from_files([path])
    assert len(corpus) == 259
    for rec in corpus:
        assert rec.xml in body and rec.xml.startswith(b"<PubmedArticle>") and rec.xml.endswith(b"</PubmedArticle>")
        pubmed_date = etree.fromstring(rec.xml).find("PubmedData/History/PubMedPubDate[@PubStatus='pubmed']")
        assert rec.entrez_date is not None and pubmed_date is not None
        assert rec.entrez_date.year == int(pubmed_date.findtext("Year") or 0)


def test_default_corpus_holds_books_and_ketamine_records_newest_first() -> None:
    corpus = default_corpus()
    assert len(corpus) > 300
    assert corpus.get(26468569).xml.startswith(b"<PubmedBookArticle>")  # type: ignore[union-attr]
    assert 38011560 in corpus and 35726897 in corpus
    dates = [r.entrez_date for r in corpus]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]


# -- esearch / efetch ---------------------------------------------------------------------------------


def test_esearch_reply_is_a_labelled_synthetic_esearchresult(fake_eutils: FakeEutils) -> None:
    resp = post(
        fake_eutils,
        "esearch",
        {
            "db": "pubmed",
            "term": "ketamine",
            "usehistory": "y",
            "retmax": 5,
            "datetype": "edat",
            "mindate": "2023/01/01",
            "maxdate": "2023/12/31",
        },
    )
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/xml")
    assert b"<!-- synthetic reply by littrack's fake E-utilities server -->" in resp.content
    result = parse_esearch(resp.content)
    expected = fake_eutils.corpus.in_window(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert result.count == len(expected) > 0 and result.ids == expected[:5]
    assert result.webenv and result.query_key == "1"


def test_efetch_history_pages_through_the_stored_search(fake_eutils: FakeEutils) -> None:
    result = parse_esearch(post(fake_eutils, "esearch", {"db": "pubmed", "term": "x", "usehistory": "y"}).content)
    page = get(
        fake_eutils,
        "efetch",
        db="pubmed",
        retmode="xml",
        WebEnv=result.webenv,
        query_key=result.query_key,
        retstart=3,
        retmax=4,
    )
    pmids = [int(e.text) for e in etree.fromstring(page.content).iterfind("*/*/PMID")]
    assert pmids == list(fake_eutils.corpus.pmids[3:7])


@pytest.mark.parametrize("style", ["comma GET", "repeated id= POST"])
def test_efetch_by_ids_returns_records_in_order_and_skips_unknown_ids(fake_eutils: FakeEutils, style: str) -> None:
    ids = [35726897, 12345, 38011560]
    if style == "comma GET":
        resp = get(fake_eutils, "efetch", db="pubmed", retmode="xml", id=",".join(map(str, ids)))
    else:
        resp = post(fake_eutils, "efetch", [("db", "pubmed"), ("retmode", "xml")] + [("id", i) for i in ids])
    root = etree.fromstring(resp.content)
    assert root.tag == "PubmedArticleSet"
    assert [int(e.text) for e in root.iterfind("PubmedArticle/MedlineCitation/PMID")] == [35726897, 38011560]
    assert fake_eutils.corpus.get(38011560).xml in resp.content  # type: ignore[union-attr]


def test_efetch_without_retmode_xml_answers_html_like_ncbi(fake_eutils: FakeEutils) -> None:
    resp = get(fake_eutils, "efetch", db="pubmed", id="38011560")
    assert resp.headers["Content-Type"].startswith("text/html")
    assert resp.content == recorded_path("pubmed", "biopython", "Tests", "Entrez", "pubmed3.html").read_bytes()


def test_requests_without_tool_or_email_are_refused_and_all_requests_are_recorded(fake_eutils: FakeEutils) -> None:
    resp = requests.get(f"{fake_eutils.base_url}esearch.fcgi", params={"db": "pubmed", "term": "x"}, timeout=10)
    assert resp.status_code == 400
    post(fake_eutils, "efetch", {"db": "pubmed", "retmode": "xml", "id": "1"})
    (first, second) = fake_eutils.requests
    assert (first.method, first.utility, first.get("term"), first.get("tool")) == ("GET", "esearch", "x", None)
    assert (second.method, second.utility, second.get("id"), second.get("tool")) == (
        "POST",
        "efetch",
        "1",
        "littrack-tests",
    )


def test_term_matchers_give_stable_overlapping_subsets() -> None:
    pmids = default_corpus().pmids
    split = split_matcher(pmids, share=0.5)
    a, b = (set(split(q) or ()) for q in ("ketamine AND fibromyalgia", "ketamine AND (CRPS OR complex regional pain)"))
    assert a == set(split("  KETAMINE and  fibromyalgia ") or ()) and a and b
    assert a & b and a - b and b - a
    by_word = substring_matcher({"ketamine": [38011560], "fibromyalgia": [35726897]})
    assert by_word("ketamine[tiab] AND fibromyalgia") == {38011560, 35726897}
    assert by_word("unrelated") == frozenset()


def test_term_matcher_filters_esearch(fake_eutils: FakeEutils) -> None:
    fake_eutils.term_matcher = substring_matcher({"fibromyalgia": [35726897]})
    result = parse_esearch(post(fake_eutils, "esearch", {"db": "pubmed", "term": "Fibromyalgia[mh]"}).content)
    assert (result.count, result.ids) == (1, (35726897,))


# -- the 9,999 cap ----------------------------------------------------------------------------------


def test_count_override_reproduces_the_pubmed_cap_replies() -> None:
    with FakeEutils(rate_limit=False, count_override=lambda term, lo, hi: 12_000) as srv:
        over = post(srv, "esearch", {"db": "pubmed", "term": "pain", "retstart": 10_000})
        assert b"'retstart' cannot be larger than 9998" in over.content
        with pytest.raises(ResultCapExceeded):
            parse_esearch(over.content)
        wide = post(srv, "esearch", {"db": "pubmed", "term": "pain", "retmax": 20_000})
        assert b"Restrictions achieved. start and count adjusted to 0, 9999" in wide.content
        count_only = post(srv, "esearch", {"db": "pubmed", "term": "pain", "rettype": "count"})
        assert etree.fromstring(count_only.content).findtext("Count") == "12000"


# -- faults and limits -------------------------------------------------------------------------------


def test_rate_limit_answers_429_json_with_retry_after() -> None:
    with FakeEutils() as srv:
        statuses = [post(srv, "esearch", {"db": "pubmed", "term": "x"}) for _ in range(6)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited and statuses[0].status_code == 200
    assert limited[0].headers["Retry-After"] == "1"
    body = json.loads(limited[0].content)
    assert body["error"] == "API rate limit exceeded" and body["limit"] == "3"


def test_the_fake_server_counts_arrivals_in_a_sliding_second_and_answers_429_like_ncbi() -> None:
    with FakeEutils() as srv:
        replies = [
            requests.post(
                f"{srv.base_url}esearch.fcgi",
                data={"db": "pubmed", "term": "x", "tool": "littrack-tests", "email": "dev@example.org"},
                timeout=10,
            )
            for _ in range(5)
        ]
        assert srv.busiest_second() == 5
    assert [r.status_code for r in replies] == [200, 200, 200, 429, 429]
    assert [r.headers["X-RateLimit-Remaining"] for r in replies] == ["2", "1", "0", "0", "0"]
    refused = replies[3]
    assert refused.headers["Retry-After"] == "1" and refused.headers["Content-Type"] == "application/json"
    assert json.loads(refused.content) == {
        "error": "API rate limit exceeded",
        "api-key": "127.0.0.1",
        "count": "4",
        "limit": "3",
    }
    assert srv.refused == 2


def test_injected_faults_hit_only_their_utility_and_wear_off(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault.HTTP_503, times=2, utility="efetch")
    assert post(fake_eutils, "esearch", {"db": "pubmed", "term": "x"}).status_code == 200
    efetch = {"db": "pubmed", "retmode": "xml", "id": "38011560"}
    assert [post(fake_eutils, "efetch", efetch).status_code for _ in range(3)] == [503, 503, 200]


def test_drop_closes_the_connection_without_a_reply(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault.DROP)
    with pytest.raises(requests.ConnectionError):
        post(fake_eutils, "esearch", {"db": "pubmed", "term": "x"})


def test_truncate_and_error_200_send_broken_bodies_with_status_200(fake_eutils: FakeEutils) -> None:
    efetch = {"db": "pubmed", "retmode": "xml", "id": "38011560"}
    whole = post(fake_eutils, "efetch", efetch).content
    fake_eutils.inject(Fault.TRUNCATE)
    assert post(fake_eutils, "efetch", efetch).content == whole[: len(whole) // 2]
    fake_eutils.inject(Fault.ERROR_200)
    error = post(fake_eutils, "esearch", {"db": "pubmed", "term": "x"})
    assert error.status_code == 200
    assert b"<ERROR>Search Backend failed: Database is not supported: pubmed</ERROR>" in error.content


def test_long_get_urls_get_ncbis_recorded_414_page(fake_eutils: FakeEutils) -> None:
    resp = get(fake_eutils, "efetch", db="pubmed", retmode="xml", id=",".join(str(40_000_000 + i) for i in range(1000)))
    assert resp.status_code == 414 and b"Submitted URI too large!" in resp.content


def test_server_runs_as_a_separate_process_and_prints_its_base_url() -> None:
    command = [sys.executable, "-m", "littrack.replay", "--port", "0", "--no-rate-limit"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            base_url = proc.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/entrez/eutils/")
            params = {**IDENTITY, "db": "pubmed", "term": "x"}
            resp = requests.get(f"{base_url}esearch.fcgi", params=params, timeout=10)
            assert parse_esearch(resp.content).count == len(default_corpus())
        finally:
            proc.terminate()
        assert proc.wait(timeout=10) == 0
