"""Print the text classifier's per-class precision / recall (dev, held-out, all) and the details figures.

Run: .venv/bin/python tests/evidence_eval/measure.py [--rules] [--confusions] [--heldout-confusions]
[--details-mismatches] [--extra-confusions]

The Europe PMC sets (europepmc.py) are a second held-out set: their first measurement is in RESULTS.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evalset import LABEL_RULES, Evaluation, evaluate, first_pass_label, load_corpus, split, table

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from collections import Counter

from evidence_eval import details_eval, europepmc
from littrack.evidence.classify import classify


def main(argv: list[str]) -> None:
    corpus = load_corpus()
    dev, held = split(corpus)
    evaluations = (evaluate(dev, "development"), evaluate(held, "held-out"), evaluate(corpus, "all"))
    for evaluation in evaluations:
        print(table(evaluation), end="\n\n")
    print("With the first pass's label table (FIRST_PASS_LABEL_RULES):")
    for part, name in ((dev, "development"), (held, "held-out"), (corpus, "all")):
        old = evaluate(part, name, first_pass_label)
        obs = old.score("observational")
        print(
            f"- {name}: accuracy {old.correct}/{old.labelled}; observational recall {obs.correct}/{obs.support}, "
            f"precision {obs.correct}/{obs.predicted}"
        )
    print()
    details = details_eval.score()
    print(details_eval.table(details), end="\n\n")
    held_details = details_eval.score(details_eval.HAND_LABELS_HELDOUT)
    print(details_eval.table(held_details, "details, held-out hand labels"), end="\n\n")
    if "--details-mismatches" in argv:
        print("\n".join(details.mismatches + held_details.mismatches), end="\n\n")
    extra = _extra(argv)
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
    if "--extra-confusions" in argv:
        print("\nEurope PMC mismatches (held out: read after the rules are final):")
        for evaluation in extra:
            for pmid, truth, predicted, title in evaluation.confusions:
                print(f"{evaluation.name}\t{pmid}\t{truth}\t{predicted}\t{title}")


def _extra(argv: list[str]) -> tuple[Evaluation, ...]:
    """The Europe PMC sets: full records, title-only records (and predictions on unlabelled titles), details."""
    core = evaluate(europepmc.core_set(), "Europe PMC core (full records)")
    titles = evaluate(europepmc.title_set(), "Europe PMC titles (title only)", europepmc.title_label)
    for evaluation in (core, titles):
        print(table(evaluation), end="\n\n")
    unlabelled = Counter(
        str(classify(p, use_indexing=False).design) for p in europepmc.title_set() if europepmc.title_label(p) is None
    )
    print("Predictions on the title-only records whose types name no design:", dict(unlabelled.most_common()))
    details = details_eval.score(details_eval.HAND_LABELS_EUROPEPMC, europepmc.core_set())
    print(details_eval.table(details, "details, Europe PMC core"), end="\n\n")
    if "--details-mismatches" in argv:
        print("\n".join(details.mismatches), end="\n\n")
    return core, titles


if __name__ == "__main__":
    main(sys.argv[1:])
