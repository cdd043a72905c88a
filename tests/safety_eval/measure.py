"""Measure the safety-lane rule (littrack.evidence.safety) on real citations and on the recorded PubMed corpus.

Regenerate RESULTS.md: ``.venv/bin/python tests/safety_eval/measure.py > tests/safety_eval/RESULTS.md``.

Two real sources, reported separately:

- ``real_citations.yaml``: real ketamine citations (titles, and PubMed's MeSH where the page showed it),
  hand-labelled harm / not harm: precision and recall with 95 % Wilson intervals.
- every distinct record in the recorded PubMed corpus (``src/littrack/replay/recorded/pubmed/``) and the real
  Europe PMC records of ``tests/evidence_eval/data/europepmc/``: what the rule puts in the lane there (none is a
  report of harm from ketamine, so every hit is a false alarm).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evidence_eval.europepmc import core_set, title_set
from evidence_eval.evalset import load_corpus, wilson
from littrack.evidence.classify import classify
from littrack.evidence.safety import safety_signal
from littrack.markup import escape_text
from littrack.models import MeshHeading, Paper, SafetySignal

CITATIONS = Path(__file__).with_name("real_citations.yaml")
_NO_PMID = 1_000_000_000  # stand-in ids for citations without a PMID (never shown)


@dataclass(frozen=True)
class Citation:
    paper: Paper
    harm: bool
    url: str


def mesh_heading(text: str) -> MeshHeading:
    """'Cystitis/chemically induced*' as PubMed's web page writes it → MeshHeading."""
    descriptor, _, qualifier = text.partition("/")
    if not qualifier:
        return MeshHeading(descriptor.rstrip("*"), major=descriptor.endswith("*"))
    return MeshHeading(descriptor, qualifiers=((qualifier.rstrip("*"), qualifier.endswith("*")),))


def load_citations() -> list[Citation]:
    raw = yaml.safe_load(CITATIONS.read_text(encoding="utf-8"))["citations"]
    out = []
    for i, c in enumerate(raw):
        mesh = tuple(mesh_heading(m) for m in c.get("mesh", ()))
        paper = Paper(
            pmid=c["pmid"] or _NO_PMID + i,
            title=escape_text(c["title"]),
            mesh=mesh,
            publication_types=tuple(c.get("publication_types", ())),
            status="MEDLINE" if mesh else "Publisher",  # without MeSH the rule has only the text to go on
        )
        out.append(Citation(paper, bool(c["harm"]), c["url"]))
    return out


def decide(paper: Paper) -> SafetySignal | None:
    return safety_signal(paper, classify(paper))


def _ratio(k: int, n: int) -> str:
    ci = wilson(k, n)
    digits = 3 if ci and ci[1] < 0.05 else 2  # 0/682 needs three decimals to say anything
    return f"{k}/{n} = {k / n:.{digits}f} ({ci[0]:.{digits}f}–{ci[1]:.{digits}f})" if ci else f"{k}/{n}"


def report() -> str:
    citations = load_citations()
    tp = [c for c in citations if c.harm and decide(c.paper)]
    fp = [c for c in citations if not c.harm and decide(c.paper)]
    fn = [c for c in citations if c.harm and not decide(c.paper)]
    positives = sum(c.harm for c in citations)
    lines = [
        "# Safety lane: how often the rule is right, on real records",
        "",
        "Regenerate: `.venv/bin/python tests/safety_eval/measure.py > tests/safety_eval/RESULTS.md`. Intervals are",
        "95 % Wilson score intervals. The rule: `src/littrack/evidence/safety.py` (its docstring says how a paper",
        "qualifies).",
        "",
        "## Real ketamine citations (`real_citations.yaml`)",
        "",
        f"{len(citations)} real papers on ketamine ({positives} reports of harm, {len(citations) - positives} not),"
        " collected from stored public web pages",
        f"and hand-labelled; the title for all, PubMed's MeSH for {sum(bool(c.paper.mesh) for c in citations)}."
        " No abstracts (not copied), so this is the",
        "rule on what a not-yet-indexed record offers. Caveats: the rule was written with these titles in view (a",
        "development set, not a held-out one), the labels are the rule author's, and the sample was searched for,",
        "so its harm share (about half) is far above a real digest's: expect lower precision in practice.",
        "",
        f"- **precision** (papers in the lane that report harm): {_ratio(len(tp), len(tp) + len(fp))}",
        f"- **recall** (reports of harm that reach the lane): {_ratio(len(tp), positives)}",
        "",
    ]
    if fp:
        lines += ["False alarms:", ""] + [f"- {c.paper.title_plain} — {decide(c.paper).reason}" for c in fp] + [""]  # type: ignore[union-attr]
    if fn:
        lines += ["Missed:", ""] + [f"- {c.paper.title_plain}" for c in fn] + [""]
    corpus = load_corpus()
    hits = [(p, s) for p in corpus if (s := decide(p)) is not None]
    ketamine = [p for p in corpus if "ketamin" in (p.title_plain + p.abstract_plain).lower()]
    lines += [
        "## The recorded PubMed corpus (`src/littrack/replay/recorded/pubmed/`)",
        "",
        f"{len(corpus)} distinct real PubMed records (full records: title, abstract, MeSH, publication types), of"
        f" which {len(ketamine)}",
        f"mention ketamine ({', '.join(str(p.pmid) for p in ketamine)}) and none reports harm from it; every hit"
        " would be a false alarm.",
        "",
        f"- **false alarms**: {_ratio(len(hits), len(corpus))} of records put in the lane",
        "",
    ]
    lines += [f"- {p.pmid} {p.title_plain} — {s.reason}" for p, s in hits]
    others = {p.pmid: p for p in (*core_set(), *title_set())}
    other_hits = [(p, s) for p in others.values() if (s := decide(p)) is not None]
    lines += [
        "## Europe PMC records (`tests/evidence_eval/data/europepmc/`)",
        "",
        f"{len(others)} distinct real MEDLINE records from Europe PMC search replies (a query for cancer), titles"
        " with",
        "publication types (25 of them full records with abstract and MeSH). None is about ketamine.",
        "",
        f"- **false alarms**: {_ratio(len(other_hits), len(others))} of records put in the lane",
        "",
    ]
    lines += [f"- {p.pmid} {p.title_plain} — {s.reason}" for p, s in other_hits]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(report())
