"""The HTTP side of NCBI E-utilities: ESearch and EFetch requests, retries, rate limiting.

Network only: this module sends requests and hands back a parsed :class:`SearchResult` (ESearch) or
raw, cheaply validated XML bytes (EFetch; :mod:`littrack.eutils.pubmed_xml` streams them). It never
touches the store. Every failure that is still failing after ``cfg.max_retries`` retries becomes one
:class:`~littrack.errors.PubMedError` line; the API key never appears in a message or a log line.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

import requests
from lxml import etree

from littrack import __version__
from littrack.config import NcbiConfig
from littrack.errors import ParseError, PubMedError, ResultCapExceeded
from littrack.eutils.esearch import PUBMED_CAP, BackendError, parse_esearch
from littrack.http import Retrier, Retryable, send
from littrack.models import DateWindow, SearchResult
from littrack.ratelimit import RateLimiter, shared_limiter

__all__ = ["PUBMED_CAP", "EutilsClient", "ResultCapExceeded", "validate_efetch"]

log = logging.getLogger(__name__)
T = TypeVar("T")

_SAFE = {"load_dtd": False, "no_network": True, "resolve_entities": False}


class EutilsClient:
    """A polite E-utilities client: tool/email/api_key on every request, shared rate limit, bounded retries.

    ``backoff_base`` (seconds, default ``cfg.backoff_seconds``) and ``backoff_cap`` shape the exponential
    backoff between retries; tests pass a tiny base and a recording ``sleep``.
    """

    def __init__(
        self,
        cfg: NcbiConfig,
        *,
        session: requests.Session | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], object] = time.sleep,
        rng: random.Random | None = None,
        backoff_base: float | None = None,
        backoff_cap: float = 30.0,
    ) -> None:
        self.cfg = cfg
        self._own_session = session is None
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", f"littrack/{__version__} (+{cfg.tool})")
        self.limiter = limiter or shared_limiter(cfg.requests_per_second, urllib.parse.urlsplit(cfg.base_url).netloc)
        self._retrier = Retrier(
            self.limiter,
            max_retries=cfg.max_retries,
            backoff_base=cfg.backoff_seconds if backoff_base is None else backoff_base,
            backoff_cap=backoff_cap,
            sleep=sleep,
            rng=rng,
        )

    @property
    def requests_made(self) -> int:
        """Every HTTP attempt so far, retries included."""
        return self._retrier.attempts_made

    # -- public API ---------------------------------------------------------------------------

    def esearch(
        self, term: str, window: DateWindow | None, *, retmax: int = PUBMED_CAP, usehistory: bool = True
    ) -> SearchResult:
        """Search PubMed for ``term`` added (Entrez date) within ``window``.

        Raises :class:`ResultCapExceeded` (not retried) when more than 9,999 records match, so the
        caller can split the window; :class:`PubMedError` when NCBI keeps failing.
        """
        result = self._esearch(term, window, retmax=retmax, usehistory=usehistory)
        if result.count > PUBMED_CAP:
            where = f" in {window}" if window else ""
            raise ResultCapExceeded(
                f"PubMed reports {result.count} results{where}, more than the {PUBMED_CAP} ESearch hands out; "
                "split the date window",
                count=result.count,
            )
        return result

    def count(self, term: str, window: DateWindow | None) -> int:
        """How many records ``term`` finds in ``window``, however many: ESearch with ``retmax=0`` (no IDs)."""
        return self._esearch(term, window, retmax=0, usehistory=False).count

    def _esearch(self, term: str, window: DateWindow | None, *, retmax: int, usehistory: bool) -> SearchResult:
        params: dict[str, str] = {
            "db": "pubmed",
            "term": term,
            "retmode": "xml",
            "retstart": "0",
            "retmax": str(retmax),
        }
        if usehistory:
            params["usehistory"] = "y"
        if window is not None:
            params |= {"datetype": "edat", "mindate": _ncbi_date(window.start), "maxdate": _ncbi_date(window.end)}
        # POST: topic queries can be long, and NCBI answers over-long URLs with HTTP 414.
        return self._call("esearch", params, "POST", parse_esearch)

    def efetch_history(self, webenv: str, query_key: str, retstart: int, retmax: int) -> bytes:
        """Fetch records ``retstart .. retstart+retmax`` of a history-server result as PubMed XML.

        POST like every other request: the API key then never sits in a URL, where proxies and server logs
        keep it.
        """
        params = {
            "db": "pubmed",
            "WebEnv": webenv,
            "query_key": query_key,
            "retstart": str(retstart),
            "retmax": str(retmax),
            "retmode": "xml",
        }
        return self._call("efetch", params, "POST", validate_efetch)

    def efetch_ids(self, pmids: Sequence[int]) -> bytes:
        """Fetch the given PMIDs as PubMed XML (POST, so long lists do not hit HTTP 414)."""
        if not pmids:
            return b'<?xml version="1.0" ?>\n<PubmedArticleSet>\n</PubmedArticleSet>'
        params = {"db": "pubmed", "id": ",".join(str(int(p)) for p in pmids), "retmode": "xml"}
        return self._call("efetch", params, "POST", validate_efetch)

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> EutilsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the retry loop -----------------------------------------------------------------------

    def _call(self, utility: str, params: Mapping[str, str], method: str, validate: Callable[[bytes], T]) -> T:
        url = f"{self.cfg.base_url}{utility}.fcgi"
        full = dict(params) | self._identity()

        def attempt() -> T:
            try:
                return validate(self._attempt(utility, url, method, full))
            except Retryable as failure:
                raise Retryable(self._redact(failure.reason), failure.retry_after) from None
            except (ParseError, BackendError) as exc:  # truncated, HTML, or an HTTP-200 <ERROR>: retry
                raise Retryable(self._redact(str(exc))) from None

        def give_up(reason: str, attempts: int) -> PubMedError:
            return PubMedError(f"NCBI E-utilities kept failing: {reason} after {attempts} attempts; try again later")

        return self._retrier.run(attempt, label=utility, give_up=give_up)

    def _attempt(self, utility: str, url: str, method: str, params: Mapping[str, str]) -> bytes:
        def unsendable(detail: str) -> PubMedError:
            return PubMedError(f"cannot send the {utility} request: {self._redact(detail)}")

        resp = send(
            self.session, method, url, params, timeout=self.cfg.timeout, limiter=self.limiter, unsendable=unsendable
        )
        if resp.status_code != 200:
            raise PubMedError(
                f"NCBI E-utilities rejected the {utility} request: HTTP {resp.status_code} {resp.reason or ''}".rstrip()
                + "; check the topic query and the ncbi settings in config.yaml"
            )
        return resp.content

    def _identity(self) -> dict[str, str]:
        ident = {"tool": self.cfg.tool, "email": self.cfg.email}
        if self.cfg.api_key:
            ident["api_key"] = self.cfg.api_key
        return ident

    def _redact(self, text: str) -> str:
        key = self.cfg.api_key
        return text.replace(key, "<api_key>") if key else text


def validate_efetch(body: bytes) -> bytes:
    """Cheap checks that ``body`` is a whole ``PubmedArticleSet``; raises ParseError/BackendError otherwise.

    Not a parse: the streaming parser does that. This only catches what NCBI really sends on a bad day:
    an HTML page, a reply cut off mid-record, or an HTTP-200 body carrying an ``<ERROR>`` element. Errors are
    recognised by the document's structure, never by bytes: an abstract may well contain the text
    ``<![CDATA[<ERROR>x</ERROR>]]>``.
    """
    head = body[:4096].lstrip()
    if not (head.startswith(b"<?xml") or head.startswith(b"<PubmedArticleSet")):
        raise ParseError(f"EFetch reply is not XML (starts with {head[:40]!r})")
    root = _root_name(body)
    if root != "PubmedArticleSet" or b"<ERROR" in body:  # the bytes only decide whether to look closer
        error = ncbi_error(body)
        if error is not None:
            raise BackendError(f"NCBI EFetch answered with an error: {error}")
    if root != "PubmedArticleSet":
        raise ParseError("EFetch reply is XML but not a PubmedArticleSet")
    tail = body.rstrip()
    if not (tail.endswith(b"</PubmedArticleSet>") or tail.endswith(b"<PubmedArticleSet/>")):
        raise ParseError(f"EFetch reply is truncated ({len(body)} bytes, no closing </PubmedArticleSet>)")
    return body


def ncbi_error(body: bytes) -> str | None:
    """The text of an ``<ERROR>`` element directly under the root, which is how NCBI sends errors; else None.

    Text inside a record (CDATA included) is never an error; a document that breaks off before any such
    element has none (the parser reports what is broken).
    """
    try:
        for _event, elem in etree.iterparse(io.BytesIO(body), events=("end",), tag="ERROR", **_SAFE):
            parent = elem.getparent()
            if parent is None or parent.getparent() is None:  # the root, or a child of it
                return " ".join("".join(elem.itertext()).split())[:200] or "no message"
    except etree.XMLSyntaxError:
        return None
    return None


def _root_name(body: bytes) -> str | None:
    try:
        for _event, elem in etree.iterparse(io.BytesIO(body), events=("start",), **_SAFE):
            return str(elem.tag)
    except etree.XMLSyntaxError:
        return None
    return None


def _ncbi_date(day: dt.date) -> str:
    return day.strftime("%Y/%m/%d")
