"""What a fetch did, per topic and as the one line the CLI prints and the service logs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from littrack.errors import LittrackError
from littrack.models import DateWindow


@dataclass(frozen=True)
class TopicResult:
    topic_id: str
    window: DateWindow
    matched: int
    new: int
    updated: int
    fetched: int
    skipped: tuple[int, ...] = ()  # could not be read; set aside and asked for again on every fetch
    repaired: tuple[int, ...] = ()  # read once control characters were removed
    recovered: tuple[int, ...] = ()  # set aside by an earlier fetch, read now
    late: tuple[int, ...] = ()  # found by the reconciliation sweep after their Entrez date's window had passed
    reconciled: bool = False  # this run swept the topic


@dataclass(frozen=True)
class TopicFailure:
    topic_id: str
    error: LittrackError


@dataclass(frozen=True)
class FetchSummary:
    topics: tuple[TopicResult, ...]  # the topics that were fetched
    requests: int
    failed: tuple[TopicFailure, ...] = ()  # the topics that failed (their watermarks did not move)
    extra: tuple[str, ...] = field(default=())  # one-line notes from add-ons (corrections, trials)

    @property
    def new(self) -> int:
        return sum(t.new for t in self.topics)

    @property
    def updated(self) -> int:
        return sum(t.updated for t in self.topics)

    @property
    def window(self) -> DateWindow | None:
        if not self.topics:
            return None
        return DateWindow(min(t.window.start for t in self.topics), max(t.window.end for t in self.topics))

    @property
    def skipped(self) -> tuple[int, ...]:
        return _distinct(p for t in self.topics for p in t.skipped)

    @property
    def repaired(self) -> tuple[int, ...]:
        return _distinct(p for t in self.topics for p in t.repaired)

    @property
    def recovered(self) -> tuple[int, ...]:
        return _distinct(p for t in self.topics for p in t.recovered)

    @property
    def late(self) -> tuple[int, ...]:
        return _distinct(p for t in self.topics for p in t.late)

    def line(self) -> str:
        """`fetch: 37 new, 4 updated papers in 3 topics (window 2026-11-14..2026-11-21, 9 requests)`, then notes."""
        n = len(self.topics)
        where = f"{n} of {n + len(self.failed)} topics" if self.failed else f"{n} topic{'s' if n != 1 else ''}"
        text = (
            f"fetch: {self.new} new, {self.updated} updated papers in {where}"
            f" (window {self.window}, {self.requests} request{'s' if self.requests != 1 else ''})"
        )
        notes = []
        if self.failed:
            notes.append("failed: " + ", ".join(f.topic_id for f in self.failed))
        if self.skipped:
            notes.append(f"{_n(self.skipped)} could not be read: {_pmids(self.skipped)} (tried again on every fetch)")
        if self.repaired:
            notes.append(f"{_n(self.repaired)} read after removing a control character: {_pmids(self.repaired)}")
        if self.recovered:
            were = "was" if len(self.recovered) == 1 else "were"
            notes.append(f"{_n(self.recovered)} that could not be read before {were} read: {_pmids(self.recovered)}")
        if self.late:
            were = "was" if len(self.late) == 1 else "were"
            notes.append(f"{_n(self.late)} added to PubMed late {were} found: {_pmids(self.late)}")
        return "; ".join((text, *notes, *self.extra))

    def failure_message(self) -> str:
        """The error line of a partial run: which topics failed and why, and what the next run does."""
        failures = "; ".join(f"topic {f.topic_id} failed: {' '.join(str(f.error).split())}" for f in self.failed)
        return (
            f"fetch incomplete: {failures}. The other topics were fetched; "
            "`littrack fetch` again repeats only what failed"
        )


def _distinct(pmids: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted(set(pmids)))


def _n(pmids: tuple[int, ...]) -> str:
    return f"{len(pmids)} record{'s' if len(pmids) != 1 else ''}"


def _pmids(pmids: tuple[int, ...]) -> str:
    return f"PMID{'s' if len(pmids) != 1 else ''} {', '.join(map(str, pmids))}"
