"""A fake NCBI E-utilities server on 127.0.0.1 that serves real recorded PubMed records.

Used by the tests (real HTTP over loopback, no mocks) and by ``littrack demo`` (offline). It answers
``esearch.fcgi`` and ``efetch.fcgi`` like NCBI does, including the parts that hurt: the 9,999-record
cap, the history server, HTML without ``retmode=xml``, rate limiting with HTTP 429, and on request
(:meth:`FakeEutils.inject`) dropped connections, truncated bodies, 5xx, HTTP-200 ``<ERROR>`` bodies and
stalls, and (:meth:`FakeEutils.tamper`) hostile records. Records are verbatim recorded bytes unless tampered
with; envelopes and damage are synthetic (see :mod:`littrack.replay.replies`).

The rate limit counts requests the way NCBI's front end may: every request *arriving* in any sliding
1-second window, refused ones included. ``latency`` adds a random network delay (seeded) before a request
arrives and before its reply leaves, so a client that spaces request *starts* is not spared by luck.
This module holds the fake's state and controls and answers the two E-utilities; the HTTP side (parsing a
request, faults, the order of checks) is :mod:`littrack.replay.handler`.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import secrets
import threading
from http.server import ThreadingHTTPServer

from littrack.replay import replies
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.handler import PATH_PREFIX, PUBMED3_HTML, EutilsHandler, Fault, QueuedFault, RecordedRequest
from littrack.replay.replies import CountOverride, SyntheticHits, Tamper, TermMatcher

__all__ = ["PATH_PREFIX", "FakeEutils", "Fault", "RecordedRequest"]

_RATE_WINDOW = 1.0  # NCBI: at most 3 (10 with api_key) requests in any second, counted where they arrive


class FakeEutils:
    """``with FakeEutils(corpus) as srv: srv.base_url`` → ``http://127.0.0.1:PORT/entrez/eutils/``.

    ``term_matcher`` maps an ESearch term to the PMIDs it finds (None → every record);
    ``count_override(term, mindate, maxdate)`` can claim more hits than the corpus holds, to exercise
    the 9,999 cap; ``synthetic`` adds SYNTHETIC hits (counts and IDs, no records) to every search, for big
    backfills. ``rate_limit`` enforces NCBI's 3/s (10/s with api_key) with HTTP 429. ``latency`` (seconds)
    is the most a simulated network delays a request on its way in and its reply on its way out (uniform,
    seeded by ``seed``).
    """

    def __init__(
        self,
        corpus: Corpus | None = None,
        *,
        term_matcher: TermMatcher | None = None,
        count_override: CountOverride | None = None,
        synthetic: SyntheticHits | None = None,
        rate_limit: bool = True,
        require_identity: bool = True,
        slow_seconds: float = 5.0,
        latency: float = 0.0,
        seed: int = 0,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.corpus = corpus if corpus is not None else default_corpus()
        self.term_matcher = term_matcher
        self.count_override = count_override
        self.synthetic = synthetic
        self.rate_limit = rate_limit
        self.require_identity = require_identity
        self.slow_seconds = slow_seconds
        self.latency = latency
        self._rng = random.Random(seed)
        self.refused = 0  # HTTP 429 answers of the rate limit (injected faults not included)
        self._address = (host, port)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._faults: list[QueuedFault] = []
        self._tampered: dict[int, Tamper] = {}
        self._withheld: set[int] = set()
        self._history: dict[str, list[tuple[int, ...]]] = {}
        self._recent: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeEutils:
        httpd = ThreadingHTTPServer(self._address, EutilsHandler)
        httpd.daemon_threads = True
        httpd.fake = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeEutils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeEutils is not running; use it as a context manager or call start()")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{PATH_PREFIX}"

    # -- test controls ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, utility: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.utility == utility]

    def inject(self, fault: Fault, *, times: int = 1, utility: str | None = None, retry_after: float | str = 1) -> None:
        """Misbehave with ``fault`` on the next ``times`` requests (to ``utility`` only, if given).

        ``retry_after`` is the Retry-After header of HTTP_429: seconds, or an HTTP date string.
        """
        value = retry_after if isinstance(retry_after, str) else f"{retry_after:g}"
        with self._lock:
            self._faults.append(QueuedFault(fault, times, utility, value))

    def tamper(self, pmid: int, how: Tamper) -> None:
        """Serve record ``pmid`` with SYNTHETIC damage from now on (see :class:`~littrack.replay.replies.Tamper`)."""
        with self._lock:
            self._tampered[pmid] = how

    def untamper(self, pmid: int) -> None:
        """Serve record ``pmid`` as recorded again, as when NCBI corrects a record."""
        with self._lock:
            self._tampered.pop(pmid, None)

    def withhold(self, *pmids: int) -> None:
        """Act as if these records were not in PubMed yet: no search finds them, no EFetch returns them."""
        with self._lock:
            self._withheld.update(pmids)

    def release(self, *pmids: int) -> None:
        """The withheld records appear, with the Entrez dates they were recorded with (in the past)."""
        with self._lock:
            self._withheld.difference_update(pmids)

    def reset(self) -> None:
        """Forget recorded requests, queued faults, the rate-limit window and the 429 count."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._recent.clear()
            self.refused = 0

    def busiest_second(self) -> int:
        """The most requests that arrived within any 1-second window so far (what NCBI's counter would see)."""
        times = sorted(r.arrived for r in self.requests)
        most = first = 0
        for last, t in enumerate(times):
            while times[first] <= t - _RATE_WINDOW:
                first += 1
            most = max(most, last - first + 1)
        return most

    # -- used by the handler ------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _take_fault(self, utility: str) -> QueuedFault | None:
        with self._lock:
            for queued in self._faults:
                if queued.utility in (None, utility):
                    queued.remaining -= 1
                    if queued.remaining <= 0:
                        self._faults.remove(queued)
                    return queued
        return None

    def _delay(self) -> None:
        """One leg of the simulated network: up to ``latency`` seconds."""
        if self.latency > 0:
            with self._lock:
                seconds = self._rng.uniform(0, self.latency)
            self._stopping.wait(seconds)

    def _count_arrival(self, who: str, arrived: float) -> int:
        """Requests from ``who`` that arrived in the last second, this one included (refused ones count too)."""
        with self._lock:
            recent = self._recent[who]
            recent.append(arrived)
            while recent and recent[0] <= arrived - _RATE_WINDOW:
                recent.popleft()
            return len(recent)

    def _refuse(self) -> None:
        with self._lock:
            self.refused += 1

    def _remember(self, pmids: tuple[int, ...], webenv: str | None) -> tuple[str, str]:
        with self._lock:
            if not webenv or webenv not in self._history:
                webenv = "MCID_" + secrets.token_hex(12)  # NCBI's current WebEnv format
            self._history.setdefault(webenv, []).append(pmids)
            return webenv, str(len(self._history[webenv]))

    def _recall(self, webenv: str, query_key: str) -> tuple[int, ...] | None:
        with self._lock:
            queries = self._history.get(webenv, [])
            index = int(query_key) - 1 if query_key.isdigit() else -1
            return queries[index] if 0 <= index < len(queries) else None

    # -- the two E-utilities ------------------------------------------------------------------------

    def esearch(self, p: RecordedRequest) -> tuple[int, str, bytes]:
        if (p.get("db") or "pubmed") != "pubmed":
            return _xml(replies.error_xml("eSearchResult", f"Invalid db name specified: {p.get('db')}"))
        term = p.get("term") or ""
        if not term.strip():
            return _xml(replies.error_xml("eSearchResult", "Empty term and query_key - nothing todo"))
        mindate, maxdate = p.get("mindate"), p.get("maxdate")
        if (mindate or maxdate) and (p.get("datetype") or "pdat") != "edat":
            return _xml(replies.error_xml("eSearchResult", "littrack's fake server supports datetype=edat only"))
        try:
            start = replies.parse_ncbi_date(mindate, end=False) if mindate else None
            end = replies.parse_ncbi_date(maxdate, end=True) if maxdate else None
            retstart, retmax = int(p.get("retstart") or 0), int(p.get("retmax") or 20)
        except ValueError as exc:
            return _xml(replies.error_xml("eSearchResult", f"Invalid parameter: {exc}"))
        matched = self.corpus.in_window(start, end) if (start or end) else self.corpus.pmids
        allowed = self.term_matcher(term) if self.term_matcher else None
        if allowed is not None:
            matched = tuple(pmid for pmid in matched if pmid in allowed)
        if self.synthetic is not None:
            matched = self._with_synthetic(matched, start, end)
        with self._lock:
            withheld = set(self._withheld)
        matched = tuple(pmid for pmid in matched if pmid not in withheld)
        count = len(matched)
        if self.count_override is not None:
            override = self.count_override(term, mindate, maxdate)
            count = count if override is None else override
        if count > replies.PUBMED_CAP and retstart > replies.PUBMED_CAP - 1:
            return _xml(replies.error_xml("eSearchResult", replies.CAP_ERROR))
        warnings = []
        if count > replies.PUBMED_CAP and retstart + retmax > replies.PUBMED_CAP:
            retmax = replies.PUBMED_CAP - retstart
            warnings.append(f"Restrictions achieved. start and count adjusted to {retstart}, {retmax}")
        if p.get("rettype") == "count":
            return _xml(replies.esearch_count_xml(count))
        if count == 0:
            warnings.append("No items found.")
        webenv = query_key = None
        if (p.get("usehistory") or "").lower() == "y":
            webenv, query_key = self._remember(matched, p.get("WebEnv"))
        ids = matched[retstart : retstart + retmax]
        return _xml(
            replies.esearch_xml(count, ids, retstart, term, webenv=webenv, query_key=query_key, warnings=warnings)
        )

    def _with_synthetic(
        self, matched: tuple[int, ...], start: dt.date | None, end: dt.date | None
    ) -> tuple[int, ...]:
        """The recorded matches and the synthetic hits of the window, newest Entrez date first."""
        assert self.synthetic is not None
        dated = [(rec.entrez_date or dt.date.min, pmid) for pmid in matched if (rec := self.corpus.get(pmid))]
        dated += self.synthetic.in_window(start, end)
        return tuple(pmid for _, pmid in sorted(dated, reverse=True))

    def efetch(self, p: RecordedRequest) -> tuple[int, str, bytes]:
        if (p.get("db") or "") != "pubmed":
            return _xml(replies.error_xml("eFetchResult", f"Invalid db name specified: {p.get('db')}"))
        if (p.get("retmode") or "") != "xml":
            # NCBI's real answer without retmode=xml is an HTML page wrapping ASN.1 (recorded for PMID 19304878).
            return 200, "text/html; charset=UTF-8", PUBMED3_HTML.read_bytes()
        if p.params.get("id"):
            try:
                pmids = tuple(int(x) for value in p.params["id"] for x in value.split(",") if x.strip())
            except ValueError:
                return _xml(replies.error_xml("eFetchResult", "Invalid id value"))
        elif p.get("WebEnv") and p.get("query_key"):
            stored = self._recall(p.get("WebEnv") or "", p.get("query_key") or "")
            if stored is None:
                return _xml(replies.error_xml("eFetchResult", "Cannot retrieve query from history"))
            retstart, retmax = int(p.get("retstart") or 0), int(p.get("retmax") or 20)
            pmids = stored[retstart : retstart + retmax]
        else:
            return _xml(replies.error_xml("eFetchResult", "Empty id list - nothing todo"))
        with self._lock:
            damage = {pmid: self._tampered[pmid] for pmid in pmids if pmid in self._tampered}
        found = [rec for rec in (self.corpus.get(pmid) for pmid in pmids) if rec is not None]
        found = [rec for rec in found if rec.pmid not in self._withheld]
        records = [replies.tamper(r.xml, damage[r.pmid]) if r.pmid in damage else r.xml for r in found]
        return _xml(replies.efetch_xml(records, entity_bomb=Tamper.ENTITY_BOMB in damage.values()))


def _xml(body: bytes) -> tuple[int, str, bytes]:
    return 200, "text/xml; charset=UTF-8", body
