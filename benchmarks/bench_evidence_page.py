"""Benchmark: regenerate digests/evidence.html for a store of 10,000 papers.

Papers are the real recorded PubMed records in littrack/replay/recorded/pubmed/ (about 680 distinct ones), cycled to
``--papers`` with fresh PMIDs and saved into a fresh SQLite store under the three shipped topics (each paper in one
topic, every fifth in a second one too; topic matches are synthetic). 90 % are recorded as delivered in a first
digest and 5 % in a second, the last 5 % wait: the page marks the last 10 % new. The shipped config supplies the
topics and the four seed articles.

Timed, each from the store on disk, as ``littrack evidence`` and the digest job do it, once with the evidence
cache empty (cold: every paper classified and cached, as after an upgrade) and ``--repeat`` times with it current
(warm: every later digest, every other profile's digest):
  * gather: read every paper, classify it (or take its evidence from the cache), relate it to the background
    passages, read corrections, trial links, mention lookups and the latest delivery
    (`littrack.evidence_page.gather.gather`);
  * build: the topic tables and the claims ledger (pure);
  * render + write: Jinja2 to HTML and the atomic write.
Also printed: the store read, classifying and relating on their own (the parts of gather), rows per topic, page
size, ledger entries per article.

Run: .venv/bin/python benchmarks/bench_evidence_page.py [--papers 10000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from background_eval.recorded_papers import recorded_papers
from littrack.background.corpus import load_corpus
from littrack.config import load_config, shipped_config_path
from littrack.digest.files import write_atomic
from littrack.evidence.classify import classify
from littrack.evidence_page.gather import gather
from littrack.evidence_page.job import build_page
from littrack.evidence_page.render import render_evidence_html
from littrack.store import digests as ledger
from littrack.store import open_store
from littrack.store.papers import iter_papers, save_papers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()

    recorded = list(recorded_papers().values())
    papers = [dataclasses.replace(recorded[i % len(recorded)], pmid=10**9 + i) for i in range(args.papers)]
    with tempfile.TemporaryDirectory(prefix="littrack-bench-evidence-") as tmp:
        shipped = load_config(shipped_config_path())
        cfg = dataclasses.replace(
            shipped,
            store=dataclasses.replace(shipped.store, path=Path(tmp) / "store.sqlite3"),
            digest=dataclasses.replace(shipped.digest, output_dir=Path(tmp) / "digests"),
        )
        topics = [t.id for t in cfg.topics]
        with open_store(cfg.store.path) as store:
            with store.transaction() as conn:
                for i, p in enumerate(papers):
                    save_papers(conn, [p], topic_id=topics[i % len(topics)], run_id=None)
                    if i % 5 == 0:
                        save_papers(conn, [p], topic_id=topics[(i + 1) % len(topics)], run_id=None)
            earlier, latest = int(len(papers) * 0.9), int(len(papers) * 0.95)
            profile = cfg.digest_profiles[0].id  # the implicit profile ("default") whose deliveries mark rows new
            for batch in (papers[:earlier], papers[earlier:latest]):  # the last 5 % wait for the next digest
                digest_id = ledger.create_digest(store, profile, [p.pmid for p in batch], None, {})
                with store.transaction() as conn:
                    ledger.mark_delivered(conn, digest_id, profile, emailed=False, change_ids=[])
        print(f"{len(papers):,} papers (from {len(recorded)} real recorded records) in {len(topics)} topics")

        # The first run finds the evidence cache empty and classifies every paper (as the first digest after an
        # upgrade does); the later ones find it current (every later digest, every other profile's digest).
        runs: list[dict[str, float]] = []
        for _ in range(1 + args.repeat):
            t0 = time.perf_counter()
            with open_store(cfg.store.path) as store:
                snapshot = gather(cfg, store)
            t1 = time.perf_counter()
            page = build_page(snapshot, title=cfg.digest.title, generated_at=dt.datetime.now(dt.UTC))
            t2 = time.perf_counter()
            html = render_evidence_html(page).encode("utf-8")
            write_atomic(cfg.digest.output_dir / "evidence.html", html)
            t3 = time.perf_counter()
            runs.append({"gather": t1 - t0, "build": t2 - t1, "render+write": t3 - t2, "total": t3 - t0})
        cold = runs[0]
        best = {name: min(r[name] for r in runs[1:]) for name in cold}
        # The parts of gather on their own: the store read, classifying, relating.
        start = time.perf_counter()
        with open_store(cfg.store.path) as store:
            stored = [sp.paper for sp in iter_papers(store)]
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        for p in stored:
            classify(p)
        classify_s = time.perf_counter() - start
        relater = load_corpus(cfg.background).relater
        assert relater is not None
        start = time.perf_counter()
        for p in stored:
            relater.relate(p, top_k=2)
        relate_s = time.perf_counter() - start

    print(f"{'':>13}  {'cold cache':>10}  {'warm cache':>10}")
    for name in ("gather", "build", "render+write", "total"):
        print(f"{name:>13}: {cold[name]:8.2f} s  {best[name]:8.2f} s")
    print(f"warm / cold total: {best['total'] / cold['total']:.3f} ({cold['total'] / best['total']:.1f}x faster)")
    print(
        f"   (alone: store read {read_s:.2f} s, classify {classify_s:.2f} s = {classify_s / len(papers) * 1000:.2f} ms"
        f" a paper, relate {relate_s:.2f} s)"
    )
    print(f"page size: {len(html):,} bytes ({len(html) / 1024 / 1024:.1f} MiB)")
    for t in page.tables:
        print(f"  {t.topic.id}: {len(t.rows):,} rows ({t.new_count:,} new), {len(t.preclinical):,} preclinical")
    print("ledger entries per article: " + ", ".join(f"{a.doc_id} {len(a.entries)}" for a in page.ledger))
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
