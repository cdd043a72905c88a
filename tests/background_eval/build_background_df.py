"""Rebuild src/littrack/background/seeds/background_df.json: how common each word is in general PubMed text.

Relating papers to passages needs to know which words are informative. Inside the seed articles
"ketamine" is everywhere, so IDF computed from the passages alone would ignore it, while generic words
("drug", "health", "care") would look rare. The shipped table adds a general background: the document
frequency of each word (after littrack.background.relate.tokens) over every distinct real PubMed record
in shared/recorded/ (682 records on 2026 recordings). Only frequencies are kept, no text; words seen
in a single record are dropped (they weigh like unseen words anyway).

Run: .venv/bin/python tests/background_eval/build_background_df.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, when run as a script

from background_eval.recorded_papers import recorded_papers
from littrack.background.relate import paper_text, tokens

OUT = Path(__file__).resolve().parents[2] / "src" / "littrack" / "background" / "seeds" / "background_df.json"


def main() -> None:
    papers = recorded_papers()
    df: Counter[str] = Counter()
    for paper in papers.values():
        df.update(set(tokens(paper_text(paper))))
    kept = {t: n for t, n in sorted(df.items()) if n >= 2}
    OUT.write_text(
        json.dumps(
            {
                "provenance": "document frequencies of words over the distinct real PubMed records in shared/recorded/ "
                "(title, abstract, keywords, MeSH; tokenised by littrack.background.relate.tokens); "
                "words in one record dropped",
                "documents": len(papers),
                "df": kept,
            },
            separators=(",", ":"),
            ensure_ascii=False,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"{OUT}: {len(papers)} records, {len(kept)} words")


if __name__ == "__main__":
    main()
