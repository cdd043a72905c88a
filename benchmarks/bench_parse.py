"""Benchmark littrack's EFetch parser against Biopython's Entrez.read and a bare lxml iterparse pass.

    .venv/bin/python benchmarks/bench_parse.py [--records 20000] [--repeat 3] [--check]

The corpus is real: every PubmedArticle/PubmedBookArticle in littrack/replay/recorded/pubmed/ (see PROVENANCE.md),
replicated round-robin into one PubmedArticleSet of ``--records`` records, written to a temporary file. Each
contender parses that file in a fresh subprocess, so peak RSS (ru_maxrss) is its own: interpreter and imports
included, the corpus itself not held in memory. The time is the parse alone, best of ``--repeat`` runs
(Entrez.read runs once: it is an order of magnitude slower, so noise does not change its ratio).

Aims: littrack >= 5x Entrez.read, >= 0.5x the bare iterparse pass, peak RSS < 200 MB. ``--check`` exits 1
if one is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from littrack.replay import recorded_path

ROOT = Path(__file__).resolve().parent.parent
PUBMED = recorded_path("pubmed")
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")
# Entrez.read needs a DOCTYPE to find its DTD (Biopython ships pubmed_250101.dtd); littrack ignores it.
HEADER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
AIM_VS_ENTREZ = 5.0
AIM_VS_BARE = 0.5
AIM_RSS_MB = 200.0


def real_records() -> list[bytes]:
    """Every recorded PubMed record, serialised on its own."""
    parser = etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False, remove_blank_text=False)
    records = []
    for path in sorted(PUBMED.rglob("*.xml")):
        data = path.read_bytes()
        if b"<PubmedArticleSet" not in data[:4096]:
            continue
        root = etree.fromstring(data, parser)
        records += [etree.tostring(e) for e in root if e.tag in RECORD_TAGS]
    return records


def write_corpus(path: Path, count: int) -> int:
    records = real_records()
    with path.open("wb") as out:
        out.write(HEADER)
        for i in range(count):
            out.write(records[i % len(records)])
            out.write(b"\n")
        out.write(b"</PubmedArticleSet>\n")
    return len(records)


# --- contenders, each run in its own process -----------------------------------------------------


# Each loader imports its parser (outside the timed region) and returns the function that is timed.


def load_littrack() -> Callable[[str], int]:
    from littrack.eutils.pubmed_xml import iter_papers

    return lambda path: sum(1 for _ in iter_papers(path))


def load_entrez() -> Callable[[str], int]:
    from Bio import Entrez

    def run(path: str) -> int:
        with open(path, "rb") as handle:
            parsed = Entrez.read(handle, validate=False)  # type: ignore[no-untyped-call]
        return len(parsed["PubmedArticle"]) + len(parsed["PubmedBookArticle"])

    return run


def load_bare() -> Callable[[str], int]:
    def run(path: str) -> int:
        count = 0
        for _event, elem in etree.iterparse(path, events=("end",), tag=RECORD_TAGS):
            count += 1
            elem.clear(keep_tail=True)
            parent = elem.getparent()
            while elem.getprevious() is not None:
                del parent[0]
        return count

    return run


CONTENDERS = {"littrack": load_littrack, "entrez": load_entrez, "bare": load_bare}


def worker(name: str, path: str) -> None:
    parse = CONTENDERS[name]()
    start = time.perf_counter()
    count = parse(path)
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"records": count, "seconds": seconds, "rss_mb": rss_mb}))


def measure(name: str, path: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    out = subprocess.run(
        [sys.executable, __file__, "--worker", name, str(path)], check=True, capture_output=True, text=True, env=env
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of littrack and bare iterparse (best is kept)")
    ap.add_argument("--check", action="store_true", help="exit 1 if an aim is missed")
    ap.add_argument("--worker", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.xml"
        distinct = write_corpus(corpus, args.records)
        size_mb = corpus.stat().st_size / 1e6
        print(f"corpus: {args.records} records ({distinct} distinct real records replicated), {size_mb:.0f} MB")
        runs: dict[str, list[dict[str, float]]] = {"littrack": [], "bare": [], "entrez": []}
        for _ in range(args.repeat):  # interleaved, so background load hits every contender alike
            runs["bare"].append(measure("bare", corpus))
            runs["littrack"].append(measure("littrack", corpus))
        runs["entrez"].append(measure("entrez", corpus))

    best = {name: min(r, key=lambda x: x["seconds"]) for name, r in runs.items()}
    for name, result in best.items():
        if result["records"] != args.records:
            print(f"{name} counted {result['records']} records, expected {args.records}", file=sys.stderr)
            return 2
    rate = {name: r["records"] / r["seconds"] for name, r in best.items()}
    peak = {name: max(x["rss_mb"] for x in r) for name, r in runs.items()}
    vs_entrez = rate["littrack"] / rate["entrez"]
    vs_bare = rate["littrack"] / rate["bare"]

    print(f"\n{'parser':<22}{'seconds':>9}{'records/s':>12}{'peak RSS MB':>13}")
    labels = {"littrack": "littrack iter_papers", "entrez": "Bio.Entrez.read", "bare": "bare lxml iterparse"}
    for name in ("littrack", "entrez", "bare"):
        print(f"{labels[name]:<22}{best[name]['seconds']:>9.2f}{rate[name]:>12,.0f}{peak[name]:>13.0f}")
    aims = [
        (f"littrack vs Entrez.read: {vs_entrez:.1f}x (aim >= {AIM_VS_ENTREZ:g}x)", vs_entrez >= AIM_VS_ENTREZ),
        (f"littrack vs bare iterparse: {vs_bare:.2f}x (aim >= {AIM_VS_BARE:g}x)", vs_bare >= AIM_VS_BARE),
        (f"littrack peak RSS: {peak['littrack']:.0f} MB (aim < {AIM_RSS_MB:g} MB)", peak["littrack"] < AIM_RSS_MB),
    ]
    print()
    for text, met in aims:
        print(f"{'met   ' if met else 'MISSED'} {text}")
    return 1 if args.check and not all(met for _, met in aims) else 0


if __name__ == "__main__":
    sys.exit(main())
