"""Measure the background module against the labelled sets: extractor precision/recall, relation precision/recall.

Run: .venv/bin/python tests/background_eval/measure.py   (prints the figures; the tests import the functions)
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, when run as a script

from background_eval.recorded_papers import recorded_papers
from littrack.background.documents import shipped_documents
from littrack.background.mentions import Mention, extract_mentions
from littrack.background.passages import split_all
from littrack.background.relate import DEFAULT_THRESHOLD, Relater

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Figures:
    precision: float
    recall: float
    tp: int
    fp: int
    fn: int

    def __str__(self) -> str:
        p = f"precision {self.precision:.2f} ({self.tp}/{self.tp + self.fp})"
        return f"{p}, recall {self.recall:.2f} ({self.tp}/{self.tp + self.fn})"


def _figures(tp: int, fp: int, fn: int) -> Figures:
    return Figures(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)


def pair_scores() -> list[tuple[dict[str, object], float]]:
    """Each labelled pair with its similarity (0 when the passage is not among the paper's hits)."""
    docs = shipped_documents()
    relater = Relater(split_all(docs), {d.id: d.title for d in docs})
    papers = recorded_papers()
    labels = json.loads((HERE / "relation_pairs.json").read_text(encoding="utf-8"))["pairs"]
    index = {p.id: i for i, p in enumerate(relater.passages)}
    out = []
    for pair in labels:
        scores = dict(relater.scores(papers[int(pair["pmid"])]))
        out.append((pair, scores.get(index[str(pair["passage"])], 0.0)))
    return out


def relation_figures(threshold: float = DEFAULT_THRESHOLD) -> Figures:
    tp = fp = fn = 0
    for pair, score in pair_scores():
        predicted, actual = score >= threshold, bool(pair["related"])
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    return _figures(tp, fp, fn)


def extracted_mentions() -> list[Mention]:
    docs = shipped_documents()
    return list(extract_mentions(split_all(docs)))


def mention_labels() -> list[dict[str, object]]:
    labels: list[dict[str, object]] = json.loads((HERE / "mentions_labels.json").read_text(encoding="utf-8"))["labels"]
    return labels


def match_label(mention: Mention, labels: list[dict[str, object]]) -> dict[str, object] | None:
    """The label whose quote occurs in the mention's sentence (and, when given, its year)."""
    for label in labels:
        same_place = label["doc"] == mention.doc_id and str(label["quote"]) in mention.sentence
        if same_place and (label.get("year") is None or label["year"] == mention.year):
            return label
    return None


def extractor_figures() -> Figures:
    labels = mention_labels()
    mentions = extracted_mentions()
    matched: list[dict[str, object] | None] = [match_label(m, labels) for m in mentions]
    tp = sum(1 for lab in matched if lab is not None and lab["real"])
    fp = sum(1 for lab in matched if lab is None or not lab["real"])
    found = {id(lab) for lab in matched if lab is not None}
    fn = sum(1 for lab in labels if lab["real"] and id(lab) not in found)
    return _figures(tp, fp, fn)


def main() -> None:
    pairs = pair_scores()
    print("relation pairs:", len(pairs), "related:", sum(bool(p["related"]) for p, _ in pairs))
    for t in (0.06, 0.08, 0.09, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15, 0.18, 0.2):
        f = relation_figures(t)
        f1 = 2 * f.precision * f.recall / (f.precision + f.recall) if f.precision + f.recall else 0.0
        print(f"  threshold {t:.2f}: {f}  F1 {f1:.2f}")
    print(f"relations at DEFAULT_THRESHOLD {DEFAULT_THRESHOLD}: {relation_figures()}")
    for pair, score in sorted(pairs, key=lambda x: -x[1]):
        print(f"    {score:.3f} {'R' if pair['related'] else '-'} {pair['pmid']} {pair['passage']}")
    if (HERE / "mentions_labels.json").exists():
        print("extractor:", extractor_figures())
        labels = mention_labels()
        for m in extracted_mentions():
            lab = match_label(m, labels)
            print(
                "   ",
                "OK " if lab and lab["real"] else "FP " if lab else "?? ",
                m.doc_id,
                m.year,
                m.country,
                m.condition,
                m.design,
                "|",
                m.sentence[:90],
            )


if __name__ == "__main__":
    main()
