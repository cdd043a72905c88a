"""The reconciliation sweep: never miss a record that became searchable after its window passed (issue 11 §6).

A record's Entrez date does not always match the day it became searchable, and a query using MeSH terms
starts to match a record only once it is indexed, weeks later. Either way its Entrez date lies before the
window that was searched then, and date windows never see it again. Every ``fetch.reconcile_days`` days,
each topic is searched once without a window (from the first day its fetches cover; IDs only), and what the
store lacks is fetched (:func:`littrack.fetch.topics.fetch_topic` does that part). A topic with more than
9,999 records is swept over its last :data:`RECENT_SPAN_DAYS` days instead, split as any window is.

Network only: the search side of the sweep.
"""

from __future__ import annotations

import datetime as dt

from littrack.eutils.client import EutilsClient, ResultCapExceeded
from littrack.fetch.slices import MAX_RETRIEVABLE, search_slices
from littrack.models import DateWindow, SearchResult

RECENT_SPAN_DAYS = 365  # a topic too big for one search is swept over this many recent days


def due(reconciled_on: dt.date | None, every_days: int, today: dt.date) -> bool:
    """Whether a sweep is due ``today`` after the last one on ``reconciled_on`` (``every_days`` 0: never)."""
    if every_days <= 0:
        return False
    return reconciled_on is None or (today - reconciled_on).days >= every_days


def sweep(client: EutilsClient, query: str, covered: DateWindow, known_size: int) -> list[SearchResult]:
    """The IDs the topic's query finds in all it covers: one ESearch when that fits; else the recent span.

    ``known_size`` is how many papers the store already files under the topic: when that alone is over the
    cap, the search over everything would only report so (a reply of 9,999 unused IDs), so it is skipped.
    """
    if known_size <= MAX_RETRIEVABLE:
        try:
            return [client.esearch(query, covered, usehistory=False)]
        except ResultCapExceeded:
            pass
    recent = DateWindow(max(covered.start, covered.end - dt.timedelta(days=RECENT_SPAN_DAYS - 1)), covered.end)
    return [result for _, result in search_slices(client, query, recent)]
