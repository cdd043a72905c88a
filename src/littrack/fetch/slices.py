"""Split an Entrez-date window where its records are, so every slice fits PubMed's 9,999 (issue 11 §4).

Network only (ESearch through the client); no store. The first search asks for the whole window's IDs:
nearly every window fits (a daily run, most backfills), and then that one request is all it costs. When it
reports more than 9,999 hits, the window is carved from its recent end, where PubMed's records are: each
slice is cut where the counts known so far say it will hold a share of the cap, and searched for its IDs.
Its reply's count becomes a known point, so the next cut is better placed; the remainder's count is known
by subtraction, and once it fits it is searched whole, however many empty decades it spans. A slice that
turns out too big is cut smaller. Nothing is truncated: a slice is used only when all its IDs came back.

Between known points the records are assumed to grow as PubMed does (about twice as many a year as twelve
years before). The guess only decides where to cut, never what is fetched: a poor guess costs a request.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterator

from littrack.eutils.client import EutilsClient, ResultCapExceeded
from littrack.models import DateWindow, SearchResult

MAX_RETRIEVABLE = 9_999  # PubMed serves at most this many records of one query (NCBI.md)
DOUBLING_YEARS = 12.0  # PubMed's yearly additions double about every twelve years
FIRST_FILL = 0.5  # a first cut, placed by the growth guess alone, aims at half the cap
FILL = 0.8  # a cut between two measured counts aims at 80 % of it
_DAY = dt.timedelta(days=1)

Slices = Iterator[tuple[DateWindow, SearchResult]]


def search_slices(client: EutilsClient, query: str, window: DateWindow) -> Slices:
    """Yield (slice, ESearch result with every ID) covering ``window`` without gaps or overlaps, newest first."""
    try:
        result = client.esearch(query, window)
    except ResultCapExceeded as exc:
        total = exc.count if exc.count is not None else client.count(query, window)
    else:
        if _complete(result):
            yield window, result
            return
        total = result.count
    yield from _carve(client, query, window, total)


def _carve(client: EutilsClient, query: str, window: DateWindow, total: int) -> Slices:
    curve = _Counts(window, total)
    right = window.end
    fill = FIRST_FILL
    while True:
        rest = DateWindow(window.start, right)
        if curve.at(right) <= MAX_RETRIEVABLE or rest.days == 1:
            result, count = _search(client, query, rest)
            if result is not None:
                yield rest, result
                return
            if rest.days == 1:
                raise _one_day(rest, count)
            curve.learn(right, count)  # the sums were off (records added meanwhile): NCBI's count decides
            continue
        first = curve.cut(right, fill)
        piece = DateWindow(first, right)
        result, count = _search(client, query, piece)
        curve.learn(first - _DAY, curve.at(right) - count)
        if result is not None:
            yield piece, result
            right = first - _DAY
            fill = FILL  # the counts on both sides of the next cut are measured now
        elif piece.days == 1:
            raise _one_day(piece, count)
        else:
            fill = FIRST_FILL  # the guess was off: aim lower next time


def _search(client: EutilsClient, query: str, window: DateWindow) -> tuple[SearchResult | None, int]:
    """The slice's IDs if they all came back, and its count either way."""
    try:
        result = client.esearch(query, window, usehistory=False)
    except ResultCapExceeded as exc:
        return None, exc.count if exc.count is not None else client.count(query, window)
    return (result if _complete(result) else None), result.count


def _complete(result: SearchResult) -> bool:
    return result.count <= MAX_RETRIEVABLE and len(result.ids) >= result.count


def _one_day(day: DateWindow, count: int) -> ResultCapExceeded:
    return ResultCapExceeded(
        f"{count} records were added to PubMed on {day.start} for one topic query, more than the 9,999 "
        "PubMed lets a query retrieve; narrow the topic's query",
        count=count,
    )


class _Counts:
    """What is known of the window's records: F(day) = how many have an Entrez date from the start to ``day``."""

    def __init__(self, window: DateWindow, total: int) -> None:
        self.window = window
        self.days = [window.start - _DAY, window.end]  # sorted; F is known exactly on these days
        self.counts = [0, total]

    def at(self, day: dt.date) -> int:
        return self.counts[self.days.index(day)]

    def learn(self, day: dt.date, count: int) -> None:
        """F(``day``) = ``count``; the other points are clamped so F never decreases (NCBI may count anew)."""
        i = bisect.bisect_left(self.days, day)
        if i < len(self.days) and self.days[i] == day:
            self.counts[i] = max(count, 0)
        else:
            self.days.insert(i, day)
            self.counts.insert(i, max(count, 0))
        for j in range(len(self.days)):
            if j < i:
                self.counts[j] = min(self.counts[j], self.counts[i])
            elif j > i:
                self.counts[j] = max(self.counts[j], self.counts[i])

    def cut(self, right: dt.date, fill: float) -> dt.date:
        """The first day of the next slice ending at ``right``: where it should hold ``fill`` of the cap."""
        r = self.days.index(right)
        want = self.counts[r] - fill * MAX_RETRIEVABLE
        a = max(i for i in range(r + 1) if self.counts[i] <= want)
        b = min(i for i in range(a + 1, r + 1) if self.counts[i] >= want)
        share = (want - self.counts[a]) / (self.counts[b] - self.counts[a]) if self.counts[b] > self.counts[a] else 0.5
        u = self._u(self.days[a]) + share * (self._u(self.days[b]) - self._u(self.days[a]))
        last_older = self._day(u)
        lowest = max(self.days[a] + _DAY, self.window.start)
        last_older = min(max(last_older, lowest), right - _DAY)
        return last_older + _DAY

    def _u(self, day: dt.date) -> float:
        """Share-of-growth axis: records pile up towards the present, so distances are measured in it."""
        return float(2.0 ** ((day - self.window.end).days / (365.25 * DOUBLING_YEARS)))

    def _day(self, u: float) -> dt.date:
        return self.window.end + dt.timedelta(days=round(math.log2(u) * 365.25 * DOUBLING_YEARS))
