"""Score the details extractors (n, drug-bound doses, setting) on the hand-labelled real abstracts.

Labels: ``hand_labels.yaml`` (provenance per record). The classifier runs as it does in a digest
(indexing on), so n, doses and setting are only shown for studies it reads as human.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from evidence_eval.evalset import load_corpus, wilson
from littrack.evidence.classify import classify
from littrack.models import Paper, Setting

HAND_LABELS = Path(__file__).resolve().parent / "hand_labels.yaml"
# The second, independent set: Europe PMC core abstracts, labelled before the second pass tuned anything.
HAND_LABELS_EUROPEPMC = Path(__file__).resolve().parent / "hand_labels_europepmc.yaml"
# The other second-pass set: recorded records not in hand_labels.yaml, labelled before the extractor ran on them.
HAND_LABELS_HELDOUT = Path(__file__).resolve().parent / "hand_labels_heldout.yaml"


@cache
def hand_labels(path: Path = HAND_LABELS) -> tuple[dict[str, Any], ...]:
    return tuple(yaml.safe_load(path.read_text(encoding="utf-8"))["records"])


@dataclasses.dataclass(frozen=True)
class Fraction:
    k: int
    n: int

    @property
    def value(self) -> float | None:
        return self.k / self.n if self.n else None

    def __str__(self) -> str:
        if not self.n:
            return "–"
        low, high = wilson(self.k, self.n) or (0.0, 0.0)
        return f"{self.k}/{self.n} = {self.k / self.n:.2f} ({low:.2f}–{high:.2f})"


@dataclasses.dataclass(frozen=True)
class DetailsScore:
    records: int
    n_correct_when_shown: Fraction  # shown n equals the labelled total
    n_shown_when_stated: Fraction  # coverage: an n shown for abstracts that state one
    n_silent_when_not_stated: Fraction
    dose_precision: Fraction
    dose_recall: Fraction
    setting_precision: dict[str, Fraction]  # per shown setting label
    mismatches: tuple[str, ...]


def _dose_text(chip: str) -> str:
    return chip.replace("μ", "µ").lower()


def score(path: Path = HAND_LABELS, corpus: Iterable[Paper] | None = None) -> DetailsScore:
    """Score the labels in ``path`` against ``corpus`` (default: the recorded PubMed corpus)."""
    papers = {p.pmid: p for p in (load_corpus() if corpus is None else corpus)}
    n_right = n_shown = stated = stated_shown = silent = unstated = 0
    dose_hits = dose_pred = dose_true = 0
    setting_counts: dict[str, list[int]] = {}
    mismatches = []
    for rec in hand_labels(path):
        evidence = classify(papers[rec["pmid"]])
        shown = evidence.sample_size
        if rec["n"] is None:
            unstated += 1
            silent += shown is None
            if shown is not None:
                mismatches.append(f"{rec['pmid']} n: shown {shown}, none stated")
        else:
            stated += 1
            stated_shown += shown is not None
        if shown is not None and rec["n"] is not None:
            n_shown += 1
            n_right += shown == rec["n"]
            if shown != rec["n"]:
                mismatches.append(f"{rec['pmid']} n: shown {shown}, labelled {rec['n']}")
        predicted = {_dose_text(d.chip) for d in evidence.details.doses}
        truth = {_dose_text(d) for d in rec["doses"]}
        dose_pred += len(predicted)
        dose_true += len(truth)
        dose_hits += len(predicted & truth)
        for wrong in predicted - truth:
            mismatches.append(f"{rec['pmid']} dose shown but not labelled: {wrong}")
        setting = evidence.details.setting.value
        if setting != Setting.UNKNOWN.value:
            counts = setting_counts.setdefault(setting, [0, 0])
            counts[1] += 1
            counts[0] += setting == rec["setting"]
            if setting != rec["setting"]:
                mismatches.append(f"{rec['pmid']} setting: shown {setting}, labelled {rec['setting']}")
    return DetailsScore(
        records=len(hand_labels(path)),
        n_correct_when_shown=Fraction(n_right, n_shown),
        n_shown_when_stated=Fraction(stated_shown, stated),
        n_silent_when_not_stated=Fraction(silent, unstated),
        dose_precision=Fraction(dose_hits, dose_pred),
        dose_recall=Fraction(dose_hits, dose_true),
        setting_precision={k: Fraction(*v) for k, v in sorted(setting_counts.items())},
        mismatches=tuple(mismatches),
    )


def table(s: DetailsScore, name: str = "details") -> str:
    lines = [
        f"**{name}**: {s.records} hand-labelled real abstracts",
        "",
        "| figure | value (95% CI) |",
        "|---|---|",
        f"| shown n correct | {s.n_correct_when_shown} |",
        f"| n shown when the abstract states one | {s.n_shown_when_stated} |",
        f"| nothing shown when it states none | {s.n_silent_when_not_stated} |",
        f"| drug-bound dose chips correct (precision) | {s.dose_precision} |",
        f"| labelled doses found (recall) | {s.dose_recall} |",
    ]
    lines += [f'| setting "{k}" correct when shown | {v} |' for k, v in s.setting_precision.items()]
    return "\n".join(lines)
