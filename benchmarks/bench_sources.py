"""Requests per source (E-utilities, Europe PMC, Crossref, Unpaywall) for the offline demo's data, and the
weekly load of a real-sized store estimated from the counts each step makes.

Runs the real fetch and digest jobs against the fake E-utilities server (310 real records, the demo's synthetic
topic match) and the fake Europe PMC / Crossref / Unpaywall server (their real recorded replies):

1. first fetch (backfill), 2. an immediate second fetch, 3. digest, then "a week later" (the store's lookup times
moved back eight days) a fetch that re-checks every sent paper at Crossref and re-asks Europe PMC about unlinked
preprints.

    .venv/bin/python benchmarks/bench_sources.py [--new-per-week 20] [--sent 1000] [--stored 2000]
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from configs import sources_section, write_config
from littrack.config import load_config
from littrack.digest.job import digest_job
from littrack.fetch.job import fetch_job
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import split_matcher
from littrack.replay.server import FakeEutils
from littrack.replay.sources import FakeSources

SERVICES = ("europepmc", "crossref", "unpaywall")
TOPICS = load_config(Path(__file__).resolve().parents[1] / "config.yaml", environ={}).topics


def _counts(fake: FakeSources, before: dict[str, int], eutils: int) -> dict[str, int]:
    return {"E-utilities": eutils, **{s: fake.count(s) - before.get(s, 0) for s in SERVICES}}


def run_demo_data() -> list[tuple[str, dict[str, int], int]]:
    corpus = default_corpus()
    rows = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeEutils(corpus, term_matcher=split_matcher(corpus.pmids, share=0.6), rate_limit=False) as srv,
        FakeSources() as fake,
    ):
        topics = [{"id": t.id, "name": t.name, "query": t.query} for t in TOPICS]
        cfg = load_config(
            write_config(Path(tmp), srv.base_url, topics=topics, sources=sources_section(fake)), environ={}
        )
        for label in ("first fetch (backfill)", "second fetch, at once"):
            before = {s: fake.count(s) for s in SERVICES}
            summary = fetch_job(cfg)
            rows.append((label, _counts(fake, before, summary.requests), summary.new))
        digest_job(cfg)
        with sqlite3.connect(cfg.store.path) as conn:
            sent = conn.execute(
                "SELECT count(DISTINCT d.pmid) FROM delivered_papers d JOIN papers p USING (pmid)"
                " WHERE p.doi IS NOT NULL"
            ).fetchone()[0]
            conn.execute("UPDATE source_lookups SET checked_at = '2000-01-01T00:00:00+00:00' WHERE source = 'crossref'")
            conn.execute("UPDATE preprints SET first_seen_at = '2000-01-01T00:00:00+00:00'")
        before = {s: fake.count(s) for s in SERVICES}
        summary = fetch_job(cfg)
        rows.append((f"a week later ({sent} sent papers with a DOI)", _counts(fake, before, summary.requests), 0))
    return rows


def weekly_estimate(new_per_week: int, sent: int, stored: int, unlinked: int, doi_share: float) -> dict[str, float]:
    """Requests in a week of daily fetches for a store of ``stored`` papers, ``sent`` of them sent in digests."""
    fetches, topics = 7, len(TOPICS)
    return {
        # One search page per topic and fetch (a page holds 100; a topic's preprints of a few days fit in one),
        # plus the weekly re-ask of unlinked preprints, 50 ids per query.
        "europepmc": fetches * topics + math.ceil(unlinked / 50),
        # Every sent paper with a DOI once a week, 20 DOIs per request (≤ fetch.recheck_limit papers per fetch).
        "crossref": math.ceil(sent * doi_share / 20),
        # Each new DOI once, and each stored DOI again every 180 days.
        "unpaywall": new_per_week * doi_share + stored * doi_share * 7 / 180,
    }


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--new-per-week", type=int, default=20)
    ap.add_argument("--sent", type=int, default=1000)
    ap.add_argument("--stored", type=int, default=2000)
    ap.add_argument("--unlinked", type=int, default=50)
    ap.add_argument("--doi-share", type=float, default=0.98)
    args = ap.parse_args(argv)
    print(f"{'run':48} {'E-utilities':>11} {'Europe PMC':>10} {'Crossref':>8} {'Unpaywall':>9}")
    for label, c, _new in run_demo_data():
        print(f"{label:48} {c['E-utilities']:>11} {c['europepmc']:>10} {c['crossref']:>8} {c['unpaywall']:>9}")
    est = weekly_estimate(args.new_per_week, args.sent, args.stored, args.unlinked, args.doi_share)
    print(
        f"\nweek of daily fetches, {len(TOPICS)} topics, {args.new_per_week} new papers/week, {args.sent} sent,"
        f" {args.stored} stored, {args.unlinked} unlinked preprints, DOI share {args.doi_share}:"
    )
    for source, n in est.items():
        print(f"  {source:10} {n:7.0f} requests/week")


if __name__ == "__main__":
    main(sys.argv[1:])
