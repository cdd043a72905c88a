"""Print the text classifier's per-class precision / recall on the labelled recorded set.

Run: .venv/bin/python tests/evidence_eval/measure.py [--confusions]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalset import LABEL_RULES, evaluate, load_corpus, table


def main(argv: list[str]) -> None:
    evaluation = evaluate(load_corpus())
    print(f"{evaluation.records} distinct records, {evaluation.labelled} with a label from indexing\n")
    print(table(evaluation))
    if "--rules" in argv:
        print("\nLabel rules (first match wins):")
        for name, text, _ in LABEL_RULES:
            print(f"- {name}: {text}")
    if "--confusions" in argv:
        print("\nMismatches (pmid, label, predicted, title):")
        for pmid, truth, predicted, title in evaluation.confusions:
            print(f"{pmid}\t{truth}\t{predicted}\t{title}")


if __name__ == "__main__":
    main(sys.argv[1:])
