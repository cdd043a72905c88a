"""Scale (issue 16 §3): 500 topics, 200 profiles, a year of papers (~50,000): NCBI requests, store, digests.

The network and the year are SYNTHETIC (``scale_network.py``): 500 distinct queries, 200 profiles following 3-20
topics each by Zipf-like popularity, and 50,000 papers that are clones of the 682 REAL recorded PubMed records with
rewritten PMIDs and Entrez dates, their topic matches made up. The fake E-utilities server (``littrack.replay``,
loopback, unthrottled) answers the synthetic queries with the clones; the real client and fetch job run against it.

Sections (``--only``):

- ``fetch``: one daily fetch of the whole network (one store, each distinct query searched once) on a store that
  holds the year up to yesterday: ESearch and EFetch counted at the server; the weekly reconciliation day too.
  Then the naive alternative, measured: a separate installation per profile (its own store and topics),
  each holding the last days (all a daily window searches), fetching the same day. Time at NCBI's limit
  (3 requests/s, 10 with an API key) is computed from the counts: (requests - 1) / rate, the floor; with
  ``--at-limit 3,10`` the daily fetch also runs through littrack's own limiter against a server enforcing it.
  And the daily fetch of the first 10, 25 and 50 % of the topics: requests against distinct queries.
- ``store``: the year written into a store with the store's own functions (batches of 500 in a transaction),
  every profile's earlier papers delivered in one past digest, the daily fetch, then store size on disk and the
  time to render every profile's next digest (the last week of its topics), on each ``--backend``.

    .venv/bin/python benchmarks/bench_scale.py [--papers 50000 --topics 500 --profiles 200] [--quick]
        [--only fetch,store] [--at-limit 3,10] [--backend sqlite,postgresql] [--digests N] [--skip-gather]
        [--json FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_network import DAYS, Network, Year, assign_topics, build_network

from configs import write_config
from littrack.config import Config, load_config
from littrack.digest.job import digest_job
from littrack.eutils.client import EutilsClient
from littrack.evidence_page.gather import gather
from littrack.fetch.job import fetch_job
from littrack.models import DateWindow
from littrack.ratelimit import RateLimiter
from littrack.replay.server import FakeEutils
from littrack.store import Store, open_store
from littrack.store import digests as ledger
from littrack.store.coverage import Coverage, set_coverage
from littrack.store.papers import link_topic, save_papers
from littrack.store.profiles import register_profiles
from littrack.store.runs import finish_run, set_watermark, start_run

OVERLAP_DAYS = 3  # littrack's default fetch.overlap_days
DIGEST_DAYS = 7  # a weekly digest: the last week of papers waits for it
NCBI_RATES = {"without a key": 3.0, "with an API key": 10.0}
PG_PASSWORD_ENV = "LITTRACK_BENCH_DB_PASSWORD"
UNTHROTTLED = 1_000_000.0  # the client's limiter, for counting: the fake server does not rate-limit either
BENCH_KEY = "bench-key-not-a-secret"  # the fake server grants 10 requests/s to any api_key


@dataclasses.dataclass(frozen=True)
class Scale:
    network: Network
    year: Year
    today: dt.date  # the simulated day of the daily fetch: the year's last day

    @property
    def queries(self) -> dict[str, frozenset[int]]:
        return self.year.pmids_by_query(self.network.queries)


def build_scale(papers: int, topics: int, profiles: int, seed: int) -> Scale:
    rng = random.Random(seed)
    network = build_network(topics, profiles, rng)
    # The simulated day of the daily fetch is tomorrow: what the benchmark stores is stamped today, as a year of
    # daily fetches up to yesterday leaves it (records not yet indexed are then due their daily refresh).
    today = dt.date.today() + dt.timedelta(days=1)
    return Scale(network, Year(papers, today, assign_topics(papers, network.topic_ids, rng)), today)


# -- the fake server and configs --------------------------------------------------------------------------------


@contextlib.contextmanager
def fake_ncbi(scale: Scale, since: dt.date | None = None, *, rate_limit: bool = False) -> Iterator[FakeEutils]:
    """The fake E-utilities server answering the network's queries with the year's clones (``rate_limit``: NCBI's
    3 or 10 requests/s enforced with HTTP 429, else none)."""
    found = scale.queries
    corpus = scale.year.corpus(since)
    with FakeEutils(corpus, term_matcher=lambda term: found.get(term, frozenset()), rate_limit=rate_limit) as srv:
        yield srv


def topic_entries(network: Network, topic_ids: Sequence[str]) -> list[dict[str, str]]:
    return [{"id": t, "name": f"Synthetic topic {t}", "query": network.queries[t]} for t in topic_ids]


def write_bench_config(
    folder: Path,
    base_url: str,
    network: Network,
    topic_ids: Sequence[str],
    store: dict[str, Any],
    *,
    profiles: bool = False,
    **sections: Any,
) -> Config:
    """A config of these topics (and, with ``profiles``, the network's profiles: its 200 readers)."""
    if profiles:
        sections["profiles"] = [{"id": p, "topics": list(t)} for p, t in network.profiles.items()]
    path = write_config(
        folder,
        base_url,
        store=store,
        topics=topic_entries(network, topic_ids),
        fetch={"overlap_days": OVERLAP_DAYS, "batch_size": 500, "recheck_limit": 0, "reconcile_days": 7},
        **sections,
    )
    return load_config(path)


def counted_fetch(cfg: Config, srv: FakeEutils, today: dt.date) -> tuple[Counter[str], float]:
    """One fetch job on ``today``: requests by utility the server saw, and the job's wall time (unthrottled)."""
    before = len(srv.requests)
    client = EutilsClient(cfg.ncbi, limiter=RateLimiter(UNTHROTTLED))
    start = time.perf_counter()
    fetch_job(cfg, today=today, client=client)
    elapsed = time.perf_counter() - start
    return Counter(r.utility for r in srv.requests[before:]), elapsed


def at_limit(requests: int) -> str:
    return ", ".join(f"{(requests - 1) / rate:,.0f} s {label}" for label, rate in NCBI_RATES.items())


def describe(label: str, made: Counter[str], elapsed: float | None = None) -> str:
    total = made["esearch"] + made["efetch"]
    own = f"; littrack's own work {elapsed:.1f} s (loopback, unthrottled)" if elapsed is not None else ""
    return (
        f"{label}: {total:,} requests ({made['esearch']:,} ESearch + {made['efetch']:,} EFetch);"
        f" at NCBI's limit {at_limit(total)}{own}"
    )


# -- filling a store with the year ------------------------------------------------------------------------------


def fill_store(store: Store, scale: Scale, through: dt.date, batch: int = 500) -> int:
    """Every paper dated up to ``through`` saved and filed under its topics; each topic's watermark at
    ``through``, reconciled that day, as a daily fetch would have left them. Returns the papers saved."""
    year, network = scale.year, scale.network
    window = DateWindow(year.first_day, through)
    register_profiles(store, network.profiles)  # before the papers: a profile's digests start at its registration
    run_id = start_run(store, "fetch", window)
    indices = year.on_or_before(through)
    for start in range(0, len(indices), batch):
        chunk = indices[start : start + batch]
        with store.transaction() as conn:
            save_papers(conn, [year.paper(i) for i in chunk], topic_id=None, run_id=run_id)
            for i in chunk:
                for topic in year.topics[i]:
                    link_topic(conn, year.pmid(i), topic, run_id)
    with store.transaction() as conn:
        for topic in network.topic_ids:
            set_watermark(conn, topic, network.queries[topic], through, run_id)
            set_coverage(conn, topic, Coverage(year.first_day, through))
    finish_run(store, run_id, status="ok", new=len(indices), requests=0, window=window)
    return len(indices)


def deliver_earlier(store: Store, scale: Scale, before: dt.date) -> int:
    """One past digest per profile, delivered, holding its topics' papers dated before ``before``."""
    year, delivered = scale.year, 0
    for profile, topics in scale.network.profiles.items():
        followed = set(topics)
        pmids = [year.pmid(i) for i in range(year.n) if year.day(i) < before and followed & set(year.topics[i])]
        digest_id = ledger.create_digest(store, profile, pmids, DateWindow(year.first_day, before), {})
        with store.transaction() as conn:
            ledger.mark_delivered(conn, digest_id, profile, emailed=False, change_ids=[])
        delivered += len(pmids)
    return delivered


# -- sections -----------------------------------------------------------------------------------------------------


def fetch_section(scale: Scale, results: dict[str, Any], at_limit_rates: Sequence[float] = ()) -> None:
    network, today = scale.network, scale.today
    print(f"## requests per daily fetch ({network.sharing()})")
    with tempfile.TemporaryDirectory(prefix="littrack-bench-scale-") as tmp:
        with fake_ncbi(scale) as srv:
            cfg = write_bench_config(Path(tmp), srv.base_url, network, network.topic_ids, {"path": "store.sqlite3"})
            with open_store(cfg.store.path) as store:
                fill_store(store, scale, today - dt.timedelta(days=1))
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            by_queries = fetch_subsets(scale, cfg, srv, Path(tmp))
            limited = {rate: fetch_at_limit(scale, cfg, Path(tmp), rate) for rate in at_limit_rates}
            daily, elapsed = counted_fetch(cfg, srv, today)
            print(describe(f"one store, {len(network.topic_ids)} distinct queries, a daily fetch", daily, elapsed))
            sweep, _ = counted_fetch(cfg, srv, today + dt.timedelta(days=6))
            print(describe("the same, on the weekly reconciliation day (no new records)", sweep))
        naive = naive_fetch(scale, Path(tmp))
    print(describe(f"naive: an installation per profile ({network.subscriptions:,} topic searches)", naive))
    shared_total, naive_total = sum(daily.values()), sum(naive.values())
    print(
        f"ratio: the naive fetch costs {naive_total / shared_total:.1f}x the shared one;"
        f" requests per distinct query: {shared_total / len(network.topic_ids):.2f}"
    )
    results["fetch"] = {
        "daily": dict(daily),
        "sweep": dict(sweep),
        "naive": dict(naive),
        "by_queries": by_queries,
        "at_limit": limited,
        "seconds": elapsed,
        "topics": len(network.topic_ids),
        "subscriptions": network.subscriptions,
    }


def fetch_at_limit(scale: Scale, cfg: Config, tmp: Path, rate: float) -> dict[str, float]:
    """The daily fetch through the client's own limiter at NCBI's ``rate`` (10: with an API key), against a server
    that enforces it: wall time against the floor, and the 429s it answered. From a copy of the filled store."""
    folder = tmp / f"at-{rate:g}"
    folder.mkdir()
    shutil.copy(cfg.store.path, folder / "store.sqlite3")
    with fake_ncbi(scale, rate_limit=True) as srv:
        limited = write_bench_config(
            folder, srv.base_url, scale.network, scale.network.topic_ids, {"path": "store.sqlite3"}
        )
        key = BENCH_KEY if rate >= 10 else None
        limited = dataclasses.replace(limited, ncbi=dataclasses.replace(limited.ncbi, api_key=key))
        start = time.perf_counter()
        fetch_job(limited, today=scale.today)
        elapsed = time.perf_counter() - start
        made, refused = len(srv.requests), srv.refused
    floor = (made - 1) / rate
    print(
        f"the daily fetch through littrack's limiter at {rate:g}/s: {made:,} requests in {elapsed:.1f} s"
        f" (floor {floor:.1f} s, {elapsed / floor:.2f}x), {refused} x 429"
    )
    shutil.rmtree(folder)
    return {"requests": made, "seconds": elapsed, "floor": floor, "refused": refused}


def fetch_subsets(scale: Scale, cfg: Config, srv: FakeEutils, tmp: Path) -> dict[int, dict[str, int]]:
    """Requests of the daily fetch against the number of distinct queries: the first 10, 25 and 50 % of the topics
    fetched, each from a copy of the filled store (the same papers, the same day)."""
    topics = scale.network.topic_ids
    sizes = sorted({max(1, round(f * len(topics))) for f in (0.1, 0.25, 0.5)} - {len(topics)})
    out: dict[int, dict[str, int]] = {}
    for n in sizes:
        folder = tmp / f"queries-{n}"
        folder.mkdir()
        shutil.copy(cfg.store.path, folder / "store.sqlite3")
        subset = write_bench_config(folder, srv.base_url, scale.network, topics[:n], {"path": "store.sqlite3"})
        made, _ = counted_fetch(subset, srv, scale.today)
        print(describe(f"the first {n} topics only, a daily fetch", made))
        out[n] = dict(made)
        shutil.rmtree(folder)
    return out


def naive_fetch(scale: Scale, tmp: Path) -> Counter[str]:
    """Each profile in its own store with only its topics, holding the days a daily window searches (so the fake
    server needs only those days' records: a window search sees no others)."""
    network, today = scale.network, scale.today
    seed_from = today - dt.timedelta(days=1 + OVERLAP_DAYS)
    made: Counter[str] = Counter()
    with fake_ncbi(scale, since=seed_from) as srv:
        for profile, topics in network.profiles.items():
            folder = tmp / "naive" / profile
            folder.mkdir(parents=True)
            cfg = write_bench_config(folder, srv.base_url, network, topics, {"path": "store.sqlite3"})
            cfg = dataclasses.replace(cfg, fetch=dataclasses.replace(cfg.fetch, backfill_since=seed_from))
            counted_fetch(cfg, srv, today - dt.timedelta(days=1))  # the state a year of daily fetches leaves
            made += counted_fetch(cfg, srv, today)[0]
    return made


def store_section(
    scale: Scale, backend: str, digests: int, results: dict[str, Any], *, gather_alone: bool = True
) -> None:
    network, year, today = scale.network, scale.year, scale.today
    print(
        f"## store and digests on {backend}: {year.n:,} papers (SYNTHETIC clones of {len(year.records)} real"
        f" recorded records), {len(network.topic_ids)} topics, {len(network.profiles)} profiles"
    )
    with (
        tempfile.TemporaryDirectory(prefix="littrack-bench-scale-") as tmp,
        fake_ncbi(scale) as srv,
        store_for(backend, Path(tmp)) as (store_section_cfg, size),
    ):
        cfg = write_bench_config(Path(tmp), srv.base_url, network, network.topic_ids, store_section_cfg, profiles=True)
        start = time.perf_counter()
        with open_bench_store(cfg) as store:
            saved = fill_store(store, scale, today - dt.timedelta(days=1))
            filled = time.perf_counter() - start
            delivered = deliver_earlier(store, scale, today - dt.timedelta(days=DIGEST_DAYS - 1))
        daily, fetch_s = counted_fetch(cfg, srv, today)
        print(
            f"filled: {saved:,} papers in {filled:.1f} s ({saved / filled:,.0f} papers/s, batches of 500);"
            f" {delivered:,} deliveries in {len(network.profiles)} past digests"
        )
        print(describe("daily fetch on this store", daily, fetch_s))
        bytes_on_disk = size()
        print(
            f"store size: {bytes_on_disk:,} bytes ({bytes_on_disk / 2**20:,.0f} MiB,"
            f" {bytes_on_disk / year.n / 1024:.1f} KiB a paper)"
        )
        rendered = render_digests(cfg, scale, digests, gather_alone=gather_alone)
    results.setdefault("store", {})[backend] = {
        "papers": year.n,
        "fill_seconds": filled,
        "bytes": bytes_on_disk,
        "daily": dict(daily),
        "fetch_seconds": fetch_s,
        **rendered,
    }


@contextlib.contextmanager
def store_for(backend: str, tmp: Path) -> Iterator[tuple[dict[str, Any], Callable[[], int]]]:
    """The config's ``store:`` section for ``backend`` and a function measuring the store's size on disk."""
    if backend == "sqlite":
        path = tmp / "store.sqlite3"

        def file_size() -> int:
            with open_store(path) as store:
                store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            return path.stat().st_size

        yield {"path": str(path)}, file_size
    elif backend == "postgresql":
        import pg_server  # tests/pg_server.py: a throwaway cluster (Debian's server binaries), fsync off

        with pg_server.running() as pg, _environ(PG_PASSWORD_ENV, pg.password):

            def database_size() -> int:
                with open_store(pg.url, password=pg.password) as store:
                    return int(store.conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])

            yield {"url": pg.url, "password_env": PG_PASSWORD_ENV}, database_size
    else:
        raise SystemExit(f"unknown backend {backend!r}: sqlite or postgresql")


@contextlib.contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old


def open_bench_store(cfg: Config) -> Store:
    return open_store(cfg.store.location, password=cfg.store.password)


def time_gather(cfg: Config) -> float:
    start = time.perf_counter()
    with open_bench_store(cfg) as store:
        gathered = len(gather(cfg, store).facts)
    seconds = time.perf_counter() - start
    print(
        f"evidence snapshot (every stored paper classified and related) gathered alone: {seconds:.1f} s"
        f" for {gathered:,} papers ({seconds / gathered * 1000:.1f} ms a paper)"
    )
    return seconds


def render_digests(cfg: Config, scale: Scale, limit: int, *, gather_alone: bool = True) -> dict[str, Any]:
    """Each profile's next digest through the digest job, as ``littrack digest`` does for every profile; ``limit``
    profiles (0: all), timed; and the evidence snapshot every digest gathers, timed alone once."""
    profiles = cfg.digest_profiles[:limit] if limit else cfg.digest_profiles
    now = dt.datetime.combine(scale.today, dt.time(7), dt.UTC)
    gather_s = time_gather(cfg) if gather_alone else None
    times, papers = [], 0
    for profile in profiles:
        start = time.perf_counter()
        result = digest_job(cfg, profile=profile, now=now)
        times.append(time.perf_counter() - start)
        papers += result.total
    total = sum(times)
    print(
        f"digests: {len(profiles)} of {len(cfg.digest_profiles)} profiles rendered in {total:.1f} s"
        f" ({total / len(profiles):.2f} s a digest, slowest {max(times):.2f} s), {papers:,} papers in them"
    )
    return {"digests": len(profiles), "digest_seconds": total, "digest_papers": papers, "gather_seconds": gather_s}


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, default=50_000)
    ap.add_argument("--topics", type=int, default=500)
    ap.add_argument("--profiles", type=int, default=200)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--quick", action="store_true", help="a tiny network: 2,000 papers, 20 topics, 8 profiles")
    ap.add_argument("--only", default="fetch,store", help="comma-separated sections: fetch, store")
    ap.add_argument("--backend", default="sqlite", help="comma-separated: sqlite, postgresql")
    ap.add_argument("--digests", type=int, default=0, help="render this many profiles' digests (0: all)")
    ap.add_argument(
        "--at-limit", default="", help="also run the daily fetch through littrack's limiter at these rates (3,10)"
    )
    ap.add_argument("--skip-gather", action="store_true", help="do not time the evidence snapshot alone")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if args.quick:
        args.papers, args.topics, args.profiles = 2_000, 20, 8
    os.environ.pop("NCBI_API_KEY", None)  # counts do not depend on it; times at the limit are computed for both
    scale = build_scale(args.papers, args.topics, args.profiles, args.seed)
    print(
        f"SYNTHETIC scale corpus: {args.papers:,} clones of {len(scale.year.records)} REAL recorded PubMed records"
        f" (PMIDs from {scale.year.pmid(0):,}, Entrez dates over the {DAYS} days to {scale.today}), topic matches"
        f" and queries made up; see benchmarks/scale_network.py"
    )
    results: dict[str, Any] = {"papers": args.papers, "topics": args.topics, "profiles": args.profiles}
    sections = args.only.split(",")
    if "fetch" in sections:
        fetch_section(scale, results, [float(r) for r in args.at_limit.split(",") if r])
    if "store" in sections:
        for backend in args.backend.split(","):
            store_section(scale, backend, args.digests, results, gather_alone=not args.skip_gather)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
