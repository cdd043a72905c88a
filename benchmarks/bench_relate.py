"""Benchmark: relate 1,000 papers to every background passage, against the obvious alternatives.

Papers are the real recorded PubMed records in littrack/replay/recorded/pubmed/ (copies of shared/recorded/; about 680
distinct ones, cycled to 1,000 with fresh PMIDs so no cache helps). Compared in the same run:
  * littrack's Relater (dict postings, built once);
  * rank-bm25's BM25Okapi over the same tokens (if installed: `pip install rank-bm25`), scoring each paper
    against every passage; it gives raw BM25, not littrack's normalised score, so this compares speed only;
  * a naive per-pair loop computing the same cosine from scratch for every (paper, passage) pair.

Run: .venv/bin/python benchmarks/bench_relate.py [--papers 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from background_eval.recorded_papers import recorded_papers
from littrack.background.documents import shipped_documents
from littrack.background.passages import split_all
from littrack.background.relate import K1, Relater, paper_text, tokens


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    recorded = list(recorded_papers().values())
    papers = [dataclasses.replace(recorded[i % len(recorded)], pmid=10**9 + i) for i in range(args.papers)]
    docs = shipped_documents()
    passages = split_all(docs)
    build_start = time.perf_counter()
    relater = Relater(passages, {d.id: d.title for d in docs})
    build = time.perf_counter() - build_start
    n_body = len(relater.passages)
    print(
        f"{len(papers)} papers (from {len(recorded)} real recorded records) x {n_body} body passages; "
        f"index built in {build * 1000:.1f} ms"
    )

    def ours() -> None:
        for p in papers:
            relater.relate(p)

    t_cold = best(ours, 1)  # the first pass also fills the tokenizer's word cache
    t_ours = best(ours, args.repeat)
    print(
        f"littrack Relater.relate:   {t_ours:.3f} s  ({len(papers) / t_ours:,.0f} papers/s); first pass {t_cold:.3f} s"
    )

    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        print("rank-bm25 not installed: skipped (pip install rank-bm25)")
    else:
        corpus = [tokens(p.text) for p in relater.passages]
        bm25 = BM25Okapi(corpus)

        def theirs() -> None:
            for p in papers:
                scores = bm25.get_scores(tokens(paper_text(p)))
                sorted(range(len(scores)), key=lambda i: -scores[i])[:2]

        t_bm = best(theirs, args.repeat)
        print(
            f"rank-bm25 BM25Okapi:       {t_bm:.3f} s  ({len(papers) / t_bm:,.0f} papers/s)  "
            f"littrack is {t_bm / t_ours:.1f}x faster"
        )

    passage_tokens = [Counter(tokens(p.text)) for p in relater.passages]

    def naive() -> None:
        for p in papers:
            q = Counter(tokens(paper_text(p)))
            for ptf in passage_tokens:  # recompute both vectors for every pair
                wq = {t: relater._idf(t) * c * (K1 + 1) / (c + K1) for t, c in q.items()}
                wp = {t: relater._idf(t) * c * (K1 + 1) / (c + K1) for t, c in ptf.items()}
                dot = sum(w * wp.get(t, 0.0) for t, w in wq.items())
                _ = dot / (
                    math.sqrt(sum(w * w for w in wq.values())) * math.sqrt(sum(w * w for w in wp.values())) or 1.0
                )

    t_naive = best(naive, 1)
    print(
        f"naive per-pair loop:       {t_naive:.3f} s  ({len(papers) / t_naive:,.0f} papers/s)  "
        f"littrack is {t_naive / t_ours:.1f}x faster"
    )


if __name__ == "__main__":
    main()
