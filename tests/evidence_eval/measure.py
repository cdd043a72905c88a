"""Print the text classifier's per-class precision / recall (dev, held-out, all) and the details figures.

Run: .venv/bin/python tests/evidence_eval/measure.py [--rules] [--confusions] [--heldout-confusions]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalset import LABEL_RULES, evaluate, load_corpus, split, table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from evidence_eval import details_eval


def main(argv: list[str]) -> None:
    corpus = load_corpus()
    dev, held = split(corpus)
    evaluations = (evaluate(dev, "development"), evaluate(held, "held-out"), evaluate(corpus, "all"))
    for evaluation in evaluations:
        print(table(evaluation), end="\n\n")
    details = details_eval.score()
    print(details_eval.table(details), end="\n\n")
    if "--details-mismatches" in argv:
        print("\n".join(details.mismatches), end="\n\n")
    if "--rules" in argv:
        print("Label rules (first match wins):")
        for name, text, _ in LABEL_RULES:
            print(f"- {name}: {text}")
    # Confusions of the development part only: the held-out part is not for tuning.
    if "--confusions" in argv:
        print("\nDevelopment mismatches (pmid, label, predicted, title):")
        for pmid, truth, predicted, title in evaluations[0].confusions:
            print(f"{pmid}\t{truth}\t{predicted}\t{title}")
    if "--heldout-confusions" in argv:
        print("\nHeld-out mismatches (read after the rules are final):")
        for pmid, truth, predicted, title in evaluations[1].confusions:
            print(f"{pmid}\t{truth}\t{predicted}\t{title}")


if __name__ == "__main__":
    main(sys.argv[1:])
