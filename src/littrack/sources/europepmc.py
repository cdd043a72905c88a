"""Preprints from the Europe PMC REST API: the search (``SRC:PPR``) paged with ``cursorMark``, and its parsing.

Network and parsing only. :class:`EuropePmcClient` sends ``GET {base_url}search`` and yields the decoded pages;
:func:`parse_preprints` turns a page into :class:`~littrack.models.Preprint` records. The store never sees this
module: :mod:`littrack.fetch.preprints` joins the two.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from littrack.config import SourcesConfig
from littrack.errors import SourceError
from littrack.jsonapi import JsonClient
from littrack.models import DateWindow, Preprint

MAX_PAGES = 200  # 200 pages of up to 1,000: far beyond a topic's preprints, so reaching it means a looping cursor
IDS_PER_QUERY = 50  # preprints re-asked in one `EXT_ID:… OR …` query (the URL stays short)
_TAG_RE = re.compile(r"<[^>]+>")


class EuropePmcClient(JsonClient):
    """A polite Europe PMC client: the host's shared limiter, the shared retries, ``email`` on every search."""

    name = "Europe PMC"
    config_key = "sources.europepmc"

    def __init__(self, cfg: SourcesConfig, **kwargs: Any) -> None:
        """Rate, timeout and retries from ``cfg``; tests override any of them (``sleep``, ``limiter``, …)."""
        options: dict[str, Any] = {
            "requests_per_second": cfg.europepmc.requests_per_second,
            "timeout": cfg.timeout,
            "max_retries": cfg.max_retries,
            "backoff_seconds": cfg.backoff_seconds,
            "email": cfg.email,
        } | kwargs
        super().__init__(cfg.europepmc.base_url, **options)
        self.page_size = cfg.europepmc.page_size

    def search_pages(self, query: str) -> Iterator[Mapping[str, Any]]:
        """Yield every page of a search, following ``nextCursorMark`` until the last page.

        A page shorter than ``pageSize`` is the last one (the usual case: one request per topic and fetch); Europe
        PMC also marks the end by repeating the cursor it was given, or sending none, or no results.
        """
        params = {
            "query": query,
            "format": "json",
            "resultType": "core",  # core carries the abstract and the "Preprint of" link to the journal version
            "pageSize": str(self.page_size),
            "cursorMark": "*",
        }
        if self.email:
            params["email"] = self.email
        seen = {"*"}
        for _ in range(MAX_PAGES):
            page = self.get("search", params)
            yield page
            results = (page.get("resultList") or {}).get("result") or []
            cursor = page.get("nextCursorMark")
            if len(results) < self.page_size or not isinstance(cursor, str) or cursor == params["cursorMark"]:
                return
            if cursor in seen:
                raise SourceError(f"Europe PMC repeated an earlier page cursor {cursor!r}; the next fetch tries again")
            seen.add(cursor)
            params = params | {"cursorMark": cursor}
        raise SourceError(f"Europe PMC kept paging past {MAX_PAGES} pages; narrow the topic's preprint_query")


def window_query(topic_query: str, window: DateWindow) -> str:
    """The topic's Europe PMC query limited to preprints first published inside ``window``."""
    return f"({topic_query}) AND SRC:PPR AND FIRST_PDATE:[{window.start.isoformat()} TO {window.end.isoformat()}]"


def ids_query(ids: Sequence[str]) -> str:
    """Ask again about known preprints, e.g. whether Europe PMC now links a journal version."""
    return "(" + " OR ".join(f"EXT_ID:{i}" for i in ids) + ") AND SRC:PPR"


def id_batches(ids: Sequence[str], size: int = IDS_PER_QUERY) -> Iterator[Sequence[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# --- parsing ---------------------------------------------------------------------------------------


def _plain(value: object) -> str:
    """Europe PMC titles and abstracts may carry HTML (``<i>``, ``<sup>``, entities); keep the text."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG_RE.sub(" ", value)).split())


def _date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _int(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _authors(record: Mapping[str, Any]) -> tuple[str, ...]:
    listed = ((record.get("authorList") or {}).get("author")) or []
    names = [a.get("fullName") or a.get("collectiveName") or "" for a in listed if isinstance(a, dict)]
    if not any(names):  # lite replies: "Mendez JS, Queme B, Fu Y."
        names = [n.strip().rstrip(".") for n in str(record.get("authorString") or "").split(",")]
    return tuple(n.strip() for n in names if n and n.strip())


def _published_pmid(record: Mapping[str, Any]) -> int | None:
    """The PMID Europe PMC gives as this preprint's journal version ("Preprint of" a MED record)."""
    links = ((record.get("commentCorrectionList") or {}).get("commentCorrection")) or []
    for link in links if isinstance(links, list) else []:
        if (
            isinstance(link, dict)
            and str(link.get("type", "")).lower() == "preprint of"
            and str(link.get("source", "")).upper() == "MED"
        ):
            return _int(link.get("id"))
    return None


def parse_preprint(record: Mapping[str, Any]) -> Preprint | None:
    """One search result as a preprint, or None when it is not one (another source, or no id or title)."""
    if str(record.get("source", "")).upper() != "PPR":
        return None
    pid, title = record.get("id"), _plain(record.get("title"))
    if not isinstance(pid, str) or not pid or not title:
        return None
    details = record.get("bookOrReportDetails") or {}
    server = details.get("publisher") if isinstance(details, dict) else None
    doi = record.get("doi")
    first = _date(record.get("firstPublicationDate"))
    return Preprint(
        id=pid,
        title=title,
        server=str(server or "preprint server"),
        doi=doi.strip().lower() if isinstance(doi, str) and doi.strip().startswith("10.") else None,
        version=_int(record.get("versionNumber")),
        authors=_authors(record),
        first_published=first,
        year=_int(record.get("pubYear")) or (first.year if first else None),
        abstract=_plain(record.get("abstractText")),
        published_pmid=_published_pmid(record),
    )


def parse_preprints(page: Mapping[str, Any]) -> list[Preprint]:
    """The preprints of one search page. Other records are dropped even if the query let them through, so a
    journal article never lands in the preprint section."""
    results = (page.get("resultList") or {}).get("result") or []
    if not isinstance(results, list):
        raise SourceError("Europe PMC reply has no result list; the next fetch tries again")
    return [p for r in results if isinstance(r, dict) and (p := parse_preprint(r)) is not None]


def unique(preprints: Iterable[Preprint]) -> list[Preprint]:
    """First occurrence of each id (pages of one search may overlap when the index changes under the cursor)."""
    first: dict[str, Preprint] = {}
    for p in preprints:
        first.setdefault(p.id, p)
    return list(first.values())
