"""Print the preprint ↔ published matching figures (see pairs.py for what each set is).

Run: .venv/bin/python tests/preprint_eval/measure.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from littrack.sources.match import TITLE_THRESHOLD
from preprint_eval.pairs import crossref_relation_pairs, measure

if __name__ == "__main__":
    f = measure()
    print(f"title threshold {TITLE_THRESHOLD}")
    print(
        f"real non-pairs compared: {f.negatives_pairs:,} (same first-author surname: {f.negatives_same_surname});"
        f" false links: {f.false_links}; best title similarity among same-surname non-pairs:"
        f" {f.best_negative_similarity}"
    )
    print(
        f"real identifier pairs (PubMed UpdateOf → preprint DOI): {f.identifier_found} of {f.identifier_pairs} linked"
    )
    print(f"real Crossref has-preprint relations recorded: {len(crossref_relation_pairs())}")
    for edit, (found, of) in f.synthetic_recall.items():
        print(f"SYNTHETIC journal version, {edit}: {found} of {of} linked")
