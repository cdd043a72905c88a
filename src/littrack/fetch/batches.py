"""EFetch in batches, and a batch that holds a record nobody can read (issue 11 §5).

Network and parsing meet here; the store does not. A reply that passed validation but does not parse holds
a malformed record, and would fail the same way on every run. Records arrive in the order asked for and the
parser has yielded every record before the malformed one, so the suspect is the next record in the reply.
It is fetched on its own, to be certain: if it cannot be read alone either, it is set aside (unless removing
control characters, which carry no text, makes it readable) and the rest of the batch is fetched again
without it: two extra requests per bad record. When the suspect cannot be named, the rest is halved until
it can.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from littrack.eutils.client import EutilsClient
from littrack.eutils.salvage import read_papers, without_control_characters
from littrack.models import Paper, SearchResult

log = logging.getLogger(__name__)

FetchIds = Callable[[Sequence[int]], bytes]
# A record's own PMID: the first element of MedlineCitation (BookDocument for books). Other <PMID>s in a
# record (comments, corrections) belong to other records.
_OWN_PMID = re.compile(rb"<(?:MedlineCitation|BookDocument)\b[^>]*>\s*<PMID\b[^>]*>\s*(\d+)\s*</PMID>")


@dataclass
class Batch:
    """What one batch yielded: the records read, those set aside (pmid → why), those read after a repair."""

    papers: list[Paper] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)
    repaired: list[int] = field(default_factory=list)


def fetch_batches(
    client: EutilsClient, found: Sequence[SearchResult], wanted: Sequence[int], size: int
) -> Iterator[tuple[Sequence[int], bytes]]:
    """EFetch ``wanted`` in batches of ``size``, yielding (PMIDs asked for, reply).

    When one search found exactly what is wanted, its history-server pages are fetched, as NCBI recommends;
    otherwise (several slices, or only some records wanted) POSTed ID lists, so no slice ends in a part batch.
    """
    rest = list(wanted)
    if len(found) == 1 and found[0].webenv and found[0].query_key and list(found[0].ids) == rest[: len(found[0].ids)]:
        result = found[0]
        for start in range(0, len(result.ids), size):
            page = result.ids[start : start + size]
            yield page, client.efetch_history(result.webenv or "", result.query_key or "", start, size)
        rest = rest[len(result.ids) :]
    for start in range(0, len(rest), size):
        chunk = rest[start : start + size]
        yield chunk, client.efetch_ids(chunk)


def read_batch(fetch_ids: FetchIds, pmids: Sequence[int], body: bytes) -> Batch:
    """Every readable record of the reply ``body`` to a request for ``pmids``, fetching again what it must."""
    batch = Batch()
    _read(fetch_ids, list(pmids), body, batch)
    return batch


def _read(fetch_ids: FetchIds, pmids: list[int], body: bytes, batch: Batch) -> None:
    while True:
        reading = read_papers(body)
        batch.papers.extend(reading.papers)
        if reading.fault is None:
            return
        done = {p.pmid for p in reading.papers}
        rest = [p for p in pmids if p not in done]
        if not rest:
            return  # the fault lies after every record asked for
        if len(pmids) == 1:
            _alone(pmids[0], body, reading.fault, batch)
            return
        suspect = _next_record(body, done, set(rest))
        if suspect is None:
            half = len(rest) // 2
            for part in (rest[:half], rest[half:]):
                if part:
                    _read(fetch_ids, part, fetch_ids(part), batch)
            return
        _read(fetch_ids, [suspect], fetch_ids([suspect]), batch)
        pmids = [p for p in rest if p != suspect]
        if not pmids:
            return
        body = fetch_ids(pmids)


def _next_record(body: bytes, done: set[int], rest: set[int]) -> int | None:
    """The first record of the reply that was asked for and not read: where reading stopped."""
    for match in _OWN_PMID.finditer(body):
        pmid = int(match.group(1))
        if pmid in rest:
            return pmid
        if pmid not in done:
            return None  # a record nobody asked for: do not guess
    return None


def _alone(pmid: int, body: bytes, fault: str, batch: Batch) -> None:
    fixed = without_control_characters(body)
    if fixed is not None:
        again = read_papers(fixed)
        if again.fault is None and [p.pmid for p in again.papers] == [pmid]:
            log.warning("PMID %d holds control characters XML forbids; read without them", pmid)
            batch.papers.extend(again.papers)
            batch.repaired.append(pmid)
            return
    log.warning("PMID %d cannot be read (%s); set aside, tried again on every fetch", pmid, fault)
    batch.skipped[pmid] = fault
