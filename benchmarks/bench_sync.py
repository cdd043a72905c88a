"""Requests per sync against the minimum, NCBI's rate limit, big backfills, unreadable and late records.

Runs the real client and fetch job against the fake E-utilities server on loopback (replaying the recorded
corpus). Sections (``--only`` picks some):

- ``rate``: 40 requests through the client's process-wide limiter, with and without an API key, at EFetch
  batches of 100 and 500, the server counting arrivals in any sliding second (refused ones included) and
  delaying each request and reply by up to 30 % of the request spacing: 429s seen, most arrivals in a second.
- ``sync``: a first run (backfill) and an immediate second run: requests, the minimum, time against the
  floor NCBI's limit puts on it ((requests - 1) / 3 s).
- ``backfill``: 18,672 SYNTHETIC hits (IDs, no records) from 1800-01-01 in several shapes: ESearch (fitting
  slices + over the cap), EFetch, total against the minimum (fitting slices + ceil(hits / 500)).
- ``unreadable``: one record of each kind of damage among the corpus (SYNTHETIC damage): stored, set aside,
  repaired, requests against the minimum; then NCBI corrects them: recovered.
- ``sweep``: what the weekly reconciliation sweep costs, and the late record it finds.

    .venv/bin/python benchmarks/bench_sync.py [--only rate,sync,backfill,unreadable,sweep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from configs import TOPICS, write_config
from littrack.config import NcbiConfig, load_config
from littrack.errors import LittrackError
from littrack.eutils.client import EutilsClient
from littrack.fetch.job import fetch_job
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.replies import PUBMED_CAP, SyntheticHits, Tamper, parse_ncbi_date
from littrack.replay.server import FakeEutils, RecordedRequest

TODAY = dt.date.today()
KEY = "bench-key-not-a-secret"


def rate() -> None:
    print("## rate limit: 40 requests, 1 ESearch + 39 EFetch through the history server")
    for api_key in (None, KEY):
        limit = 10 if api_key else 3
        for batch in (100, 500):
            with FakeEutils(latency=0.3 / limit, seed=batch) as srv:
                cfg = NcbiConfig(email="bench@example.org", tool="littrack-bench", api_key=api_key,
                                 base_url=srv.base_url)
                start = time.perf_counter()
                with EutilsClient(cfg) as client:
                    found = client.esearch("ketamine", None)
                    while len(srv.requests) < 40:
                        first = (client.requests_made * batch) % found.count
                        client.efetch_history(found.webenv or "", found.query_key or "", first, batch)
                elapsed = time.perf_counter() - start
                print(f"{'key' if api_key else 'no key'} ({limit}/s), batch {batch}: {len(srv.requests)} requests,"
                      f" {srv.refused} x 429, busiest second {srv.busiest_second()} (limit {limit}),"
                      f" {elapsed:.1f} s (floor {39 / limit:.1f} s)")


def sync() -> None:
    print("## requests per sync (310 recorded records, 2 topics, batch 50, 3 requests/s enforced)")
    corpus = default_corpus()
    with tempfile.TemporaryDirectory() as tmp, FakeEutils(corpus) as srv:
        cfg = write_config(Path(tmp), srv.base_url, fetch={"batch_size": 50, "recheck_limit": 0},
                           ncbi={"backoff_seconds": 1.0})
        for label, minimum in (("first run (backfill)", 2 + math.ceil(len(corpus) / 50)), ("second run", 2)):
            srv.reset()
            start = time.perf_counter()
            summary = fetch_job(load_config(cfg))
            elapsed = time.perf_counter() - start
            made = len(srv.requests)
            floor = (made - 1) / 3
            print(f"{label}: {summary.new} new, {made} requests, minimum {minimum}, {srv.refused} x 429,"
                  f" {elapsed:.2f} s, rate-limit floor {floor:.2f} s ({elapsed / floor:.2f}x)")


SHAPES: dict[str, dict[int, float]] = {
    "quadratic growth since 1965": {y: (y - 1964) ** 2 for y in range(1965, TODAY.year + 1)},
    "doubling every 8 years since 1950": {y: 2 ** ((y - TODAY.year) / 8) for y in range(1950, TODAY.year + 1)},
    "linear growth since 1970": {y: y - 1969 for y in range(1970, TODAY.year + 1)},
    "even since 1990": dict.fromkeys(range(1990, TODAY.year + 1), 1.0),
    "a peak 1995-2005": {y: 1.0 if 1995 <= y <= 2005 else 0.05 for y in range(1960, TODAY.year + 1)},
    "a burst: 95 % since 2020": {y: 10.0 if y >= 2020 else 0.1 for y in range(1990, TODAY.year + 1)},
    "a burst: all in the last 3 years": dict.fromkeys(range(TODAY.year - 2, TODAY.year + 1), 1.0),
}


def backfill(hits: int = 18_672, batch: int = 500) -> None:
    print(f"## backfill from 1800-01-01, {hits:,} SYNTHETIC hits, batch {batch}, one topic")
    for shape, weights in SHAPES.items():
        synthetic = SyntheticHits(hits, weights, end=TODAY)
        with tempfile.TemporaryDirectory() as tmp, FakeEutils(Corpus([]), synthetic=synthetic,
                                                              rate_limit=False) as srv:
            cfg = write_config(Path(tmp), srv.base_url, topics=TOPICS[:1],
                               fetch={"backfill": "1800-01-01", "batch_size": batch, "recheck_limit": 0})
            fetch_job(load_config(cfg))
            searches, fetches = srv.requests_to("esearch"), srv.requests_to("efetch")
        fitting = sum(1 for r in searches if synthetic.count(*_window(r)) <= PUBMED_CAP)
        minimum = fitting + math.ceil(hits / batch)
        made = len(searches) + len(fetches)
        print(f"{shape}: {len(searches)} ESearch ({fitting} fitting slices + {len(searches) - fitting} over"
              f" the cap) + {len(fetches)} EFetch = {made} requests; minimum {minimum}: +{made - minimum}")


def unreadable() -> None:
    print("## unreadable records: one of each kind among 310 recorded records, batch 100, 2 topics")
    corpus = default_corpus()
    damaged = dict(zip(corpus.pmids[10:220:50], [Tamper.CONTROL_REF, Tamper.RAW_ESC, Tamper.INVALID_UTF8,
                                                  Tamper.ENTITY_BOMB, Tamper.CDATA_ERROR], strict=True))
    with tempfile.TemporaryDirectory() as tmp, FakeEutils(corpus, rate_limit=False) as srv:
        for pmid, how in damaged.items():
            srv.tamper(pmid, how)
        cfg = write_config(Path(tmp), srv.base_url, fetch={"batch_size": 100, "recheck_limit": 0})
        minimum = 2 + math.ceil(len(corpus) / 100)
        _attempt("damaged records in the batches", lambda: fetch_job(load_config(cfg)), srv, cfg, minimum)
        for pmid in damaged:
            srv.untamper(pmid)
        srv.reset()
        _attempt("NCBI corrected them, next run", lambda: fetch_job(load_config(cfg)), srv, cfg, None)


def _attempt(label: str, run: Callable[[], object], srv: FakeEutils, cfg: Path, minimum: int | None) -> None:
    try:
        summary = run()
        outcome = getattr(summary, "line", lambda: "")()
    except LittrackError as exc:
        outcome = f"FAILED: {exc}"
    papers = sqlite3.connect(cfg.parent / "store.sqlite3").execute("SELECT count(*) FROM papers").fetchone()[0]
    versus = f", minimum {minimum}" if minimum is not None else ""
    print(f"{label}: {papers} papers stored, {len(srv.requests)} requests{versus}\n  {outcome}")


def sweep() -> None:
    print("## reconciliation sweep: 2 topics, 310 recorded records, a record released after its window")
    corpus = default_corpus()
    late = 27454254  # Entrez date 2016-07-28
    first = TODAY - dt.timedelta(days=8)
    with tempfile.TemporaryDirectory() as tmp, FakeEutils(corpus, rate_limit=False) as srv:
        srv.withhold(late)
        cfg = write_config(Path(tmp), srv.base_url, fetch={"recheck_limit": 0})
        fetch_job(load_config(cfg), today=first)
        srv.release(late)
        for days in (1, 7):
            srv.reset()
            summary = fetch_job(load_config(cfg), today=first + dt.timedelta(days=days))
            kinds = ", ".join(f"{n} {u}" for u in ("esearch", "efetch") if (n := len(srv.requests_to(u))))
            print(f"day {days} after the backfill: {kinds}\n  {summary.line()}")


def _window(request: RecordedRequest) -> tuple[dt.date, dt.date]:
    return (parse_ncbi_date(request.get("mindate") or "", end=False),
            parse_ncbi_date(request.get("maxdate") or "", end=True))


SECTIONS = {"rate": rate, "sync": sync, "backfill": backfill, "unreadable": unreadable, "sweep": sweep}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    args = ap.parse_args()
    for name in args.only.split(","):
        if name in ("backfill", "unreadable", "sweep"):  # counts, not times: an API key makes them 3x sooner
            os.environ["NCBI_API_KEY"] = KEY
        else:
            os.environ.pop("NCBI_API_KEY", None)
        SECTIONS[name]()
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
