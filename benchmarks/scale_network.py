"""The simulated network and the synthetic year of papers of ``bench_scale.py`` (issue 16 §3). No I/O but reading
the shipped recorded records.

- **Network**: ``topics`` distinct PubMed queries (SYNTHETIC query strings; the fake server decides what each
  finds), ``profiles`` readers each following 3-20 of them, drawn by Zipf-like popularity so a few topics are
  followed by dozens of profiles and every topic by at least one.
- **Year of papers**: the REAL recorded PubMed records (``littrack.replay``'s recorded tree, 682 distinct
  records; see ``recorded/PROVENANCE.md``), cloned round-robin with SYNTHETIC PMIDs and Entrez dates spread over
  365 days. A clone's XML is the recorded bytes with its own PMID, its ``pubmed`` ArticleId and its Entrez date
  rewritten, and a comment saying so; nothing else is changed, nothing is invented. Each clone is filed under
  1-3 topics (SYNTHETIC matches), topics drawn by another Zipf-like weight (some topics are big, most small).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from littrack.eutils.salvage import read_papers
from littrack.models import Paper
from littrack.replay import recorded_path, replies
from littrack.replay.corpus import Corpus, RecordedArticle, recorded_efetch_files

FIRST_PMID = 700_000_001  # far above any real PMID (about 41 million in 2026), below the fake server's SyntheticHits
DAYS = 365
PROFILE_SIZES = (3, 20)  # topics a profile follows, uniform


def zipf_weights(n: int, s: float, rng: random.Random) -> list[float]:
    """Weights 1/rank**s, ranks shuffled over the ``n`` items."""
    ranks = list(range(1, n + 1))
    rng.shuffle(ranks)
    return [1 / r**s for r in ranks]


def _draw_distinct(rng: random.Random, weights: Sequence[float], k: int) -> list[int]:
    """``k`` distinct indices, each drawn with probability proportional to its weight among those left."""
    chosen: set[int] = set()
    while len(chosen) < k:
        chosen.update(rng.choices(range(len(weights)), weights=weights, k=k - len(chosen)))
    return sorted(chosen)


@dataclass(frozen=True)
class Network:
    topic_ids: tuple[str, ...]
    queries: Mapping[str, str]  # topic id → its (SYNTHETIC) PubMed query, all distinct
    profiles: Mapping[str, tuple[str, ...]]  # profile id → the topic ids it follows

    @property
    def subscriptions(self) -> int:
        """Topics × profiles: what a separate installation per profile would search."""
        return sum(len(t) for t in self.profiles.values())

    def followers(self) -> Counter[str]:
        return Counter(t for topics in self.profiles.values() for t in topics)

    def sharing(self) -> str:
        f = self.followers()
        counts = sorted(f.values(), reverse=True)
        return (
            f"{len(self.topic_ids)} topics (distinct queries), {len(self.profiles)} profiles following"
            f" {self.subscriptions:,} topics in all ({self.subscriptions / len(self.profiles):.1f} a profile);"
            f" followers per topic: most {counts[0]}, median {counts[len(counts) // 2]},"
            f" {sum(c >= 2 for c in counts)} topics shared by 2+ profiles, {sum(c >= 10 for c in counts)} by 10+"
        )


def build_network(n_topics: int, n_profiles: int, rng: random.Random) -> Network:
    ids = tuple(f"t{i:03d}" for i in range(1, n_topics + 1))
    queries = {t: f'"littrack scale benchmark topic {t[1:]}"[tiab] (SYNTHETIC)' for t in ids}
    weights = zipf_weights(n_topics, 1.0, rng)
    lo, hi = PROFILE_SIZES
    chosen = [_draw_distinct(rng, weights, min(rng.randint(lo, hi), n_topics)) for _ in range(n_profiles)]
    followed = {i for topics in chosen for i in topics}
    for orphan in (i for i in range(n_topics) if i not in followed):  # every topic is someone's
        smallest = min(range(n_profiles), key=lambda p: (len(chosen[p]), p))
        chosen[smallest] = sorted([*chosen[smallest], orphan])
    profiles = {f"p{p + 1:03d}": tuple(ids[i] for i in topics) for p, topics in enumerate(chosen)}
    return Network(ids, queries, profiles)


def assign_topics(n_papers: int, topic_ids: Sequence[str], rng: random.Random) -> list[tuple[str, ...]]:
    """The SYNTHETIC topic matches of each clone: 1 topic, 30 % a second, 10 % a third; big topics and small."""
    weights = zipf_weights(len(topic_ids), 0.8, rng)
    out = []
    for _ in range(n_papers):
        k = 1 + (rng.random() < 0.3) + (rng.random() < 0.1)
        out.append(tuple(topic_ids[i] for i in _draw_distinct(rng, weights, min(k, len(topic_ids)))))
    return out


_OWN_PMID = re.compile(rb"(<(?:MedlineCitation|BookDocument)\b[^>]*>\s*<PMID\b[^>]*>)\s*(\d+)\s*(</PMID>)")
_PUBMED_DATE = re.compile(
    rb'(<PubMedPubDate PubStatus="pubmed">\s*<Year>)\d+(</Year>\s*<Month>)\d+(</Month>\s*<Day>)\d+(</Day>)'
)


def clone_xml(xml: bytes, pmid: int, day: dt.date) -> bytes:
    """A recorded record with a SYNTHETIC PMID and Entrez date, marked as such; every other byte recorded."""
    real = _OWN_PMID.search(xml)
    if real is None:
        raise ValueError("record without its own PMID")
    out = _OWN_PMID.sub(lambda m: m[1] + str(pmid).encode() + m[3], xml, count=1)
    out = out.replace(b'<ArticleId IdType="pubmed">' + real[2] + b"</ArticleId>",
                      b'<ArticleId IdType="pubmed">' + str(pmid).encode() + b"</ArticleId>", 1)  # fmt: skip
    date = (str(day.year).encode(), str(day.month).encode(), str(day.day).encode())
    out, n = _PUBMED_DATE.subn(lambda m: m[1] + date[0] + m[2] + date[1] + m[3] + date[2] + m[4], out, count=1)
    if n != 1:
        raise ValueError(f"record {real[2].decode()} has no pubmed history date")
    note = f"<!-- SYNTHETIC clone by littrack's scale benchmark of real PMID {real[2].decode()}: PMID and Entrez date"
    first = out.index(b">") + 1
    return out[:first] + note.encode() + b" rewritten -->" + out[first:]


class Year:
    """``n`` clones of the real recorded records, clone ``i`` dated ``i % 365`` days after ``first_day``."""

    def __init__(self, n: int, last_day: dt.date, topics: Sequence[tuple[str, ...]]) -> None:
        sources = sorted(p.name for p in recorded_path("pubmed").iterdir() if p.is_dir())
        real = Corpus.from_files(recorded_efetch_files(sources))
        self.records: tuple[RecordedArticle, ...] = tuple(r for r in real if _PUBMED_DATE.search(r.xml))
        self.n = n
        self.first_day = last_day - dt.timedelta(days=DAYS - 1)
        self.topics = topics

    @cached_property
    def parsed(self) -> dict[int, Paper]:
        """The real records as littrack's parser reads them (parsed once; clones are copies with two fields set)."""
        reading = read_papers(replies.efetch_xml([r.xml for r in self.records]))
        return {p.pmid: p for p in reading.papers}

    def pmid(self, i: int) -> int:
        return FIRST_PMID + i

    def index(self, pmid: int) -> int:
        return pmid - FIRST_PMID

    def day(self, i: int) -> dt.date:
        return self.first_day + dt.timedelta(days=i % DAYS)

    def real(self, i: int) -> RecordedArticle:
        return self.records[i % len(self.records)]

    def paper(self, i: int) -> Paper:
        return dataclasses.replace(self.parsed[self.real(i).pmid], pmid=self.pmid(i), entrez_date=self.day(i))

    def xml(self, i: int) -> bytes:
        return clone_xml(self.real(i).xml, self.pmid(i), self.day(i))

    def on_or_before(self, day: dt.date) -> list[int]:
        return [i for i in range(self.n) if self.day(i) <= day]

    def pmids_by_query(self, queries: Mapping[str, str]) -> dict[str, frozenset[int]]:
        found: dict[str, set[int]] = {q: set() for q in queries.values()}
        for i, topics in enumerate(self.topics[: self.n]):
            for t in topics:
                found[queries[t]].add(self.pmid(i))
        return {q: frozenset(p) for q, p in found.items()}

    def corpus(self, since: dt.date | None = None) -> ClonedCorpus:
        """The fake server's corpus: the whole year, or the records dated ``since`` or later."""
        return ClonedCorpus(self, since or self.first_day)


class ClonedCorpus(Corpus):
    """The year as the fake E-utilities server's corpus: dates for searching up front, XML cloned when fetched
    (50,000 clones would be about 800 MB of bytes)."""

    def __init__(self, year: Year, since: dt.date) -> None:
        source = "SYNTHETIC clone of a recorded record"
        kept = (i for i in range(year.n) if year.day(i) >= since)
        super().__init__(RecordedArticle(year.pmid(i), year.day(i), b"", source) for i in kept)
        self._year = year

    def get(self, pmid: int) -> RecordedArticle | None:
        rec = super().get(pmid)
        return None if rec is None else dataclasses.replace(rec, xml=self._year.xml(self._year.index(pmid)))
