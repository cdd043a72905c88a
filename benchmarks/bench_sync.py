"""How many requests a sync makes, against the minimum, and how close it runs to NCBI's rate limit.

Runs the real fetch job against the fake E-utilities server on loopback (replaying the recorded corpus,
NCBI's 3 requests/s enforced with HTTP 429) for a first run, an immediate second run, and a run whose
window is split because it "matches" more than 9,999 records (a synthetic count). For each: requests made,
the minimum (1 ESearch per topic and window slice + ceil(n / batch) EFetch), wall time, and the floor NCBI's
rate limit puts on that time ((requests - 1) / 3 s).

    .venv/bin/python benchmarks/bench_sync.py [--batch 50]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from configs import write_config
from littrack.config import load_config
from littrack.fetch.job import fetch_job
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import wide_window_override
from littrack.replay.server import FakeEutils


def run(label: str, srv: FakeEutils, cfg_path: Path, minimum: int, rate: float) -> None:
    srv.reset()
    start = time.perf_counter()
    summary = fetch_job(load_config(cfg_path))
    elapsed = time.perf_counter() - start
    made = len(srv.requests)
    floor = max(made - 1, 0) / rate
    print(
        f"{label:<34} {summary.new:>5} new  {made:>4} requests  minimum {minimum:>4}  ({made / max(minimum, 1):.2f}×)"
        f"  {elapsed:6.2f} s  rate-limit floor {floor:5.2f} s  ({elapsed / floor if floor else 0:.2f}× floor)"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=50)
    args = ap.parse_args()
    corpus = default_corpus()
    n, topics = len(corpus), 2
    print(f"corpus: {n} real recorded PubMed records; {topics} topics; batch {args.batch}; NCBI limit 3 requests/s\n")
    with tempfile.TemporaryDirectory() as tmp, FakeEutils(corpus, rate_limit=True) as srv:
        cfg = write_config(Path(tmp), srv.base_url, fetch={"batch_size": args.batch, "recheck_limit": 0},
                           ncbi={"backoff_seconds": 1.0})
        # First run: topic 1 fetches every record through the history server, topic 2 finds them all stored.
        run("first run (backfill)", srv, cfg, topics + math.ceil(n / args.batch), 3.0)
        run("immediate second run", srv, cfg, topics, 3.0)
    with tempfile.TemporaryDirectory() as tmp, FakeEutils(
        corpus, rate_limit=True, count_override=wide_window_override(max_days=365 * 20)
    ) as srv:
        cfg = write_config(Path(tmp), srv.base_url, fetch={"batch_size": args.batch, "recheck_limit": 0})
        start = time.perf_counter()
        fetch_job(load_config(cfg))
        searches = len(srv.requests_to("esearch"))
        fetches = len(srv.requests_to("efetch"))
        elapsed = time.perf_counter() - start
        print(
            f"{'first run, >9,999 hits (split)':<34} {searches} ESearch (window halved until every slice fits)"
            f" + {fetches} EFetch; {elapsed:.2f} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
