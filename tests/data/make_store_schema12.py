"""Write ``store-schema12.sqlite3``: a small store as littrack's release before profiles (schema 12) left it.

Run with that release's code (commit ba1ca3f, before issue 16), from the repository root:

    .venv/bin/python tests/data/make_store_schema12.py

It fetches 20 real recorded PubMed records and 4 real ClinicalTrials.gov studies for the two test topics from
the loopback fakes (topic matches synthetic, as in the demo; two trials get a staged earlier state so that the
sync reports changes), then makes and delivers one digest without ``digest.profile`` (ledger profile ``''``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from configs import write_config
from littrack.config import TrialQuery, load_config
from littrack.demo import stage_earlier_trials
from littrack.digest.job import digest_job
from littrack.fetch.job import fetch_job
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.ctgov import FakeCtgov, Reply, study_page
from littrack.replay.replies import split_matcher
from littrack.replay.server import FakeEutils

OUT = Path(__file__).with_name("store-schema12.sqlite3")
STUDIES = {"ketamine-fibromyalgia": ("NCT00763412", "NCT02210780"), "ketamine-crps": ("NCT00973089", "NCT06171568")}


def main() -> None:
    corpus = Corpus(list(default_corpus())[:20])
    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeEutils(corpus, rate_limit=False, term_matcher=split_matcher(corpus.pmids, share=0.6)) as srv,
        FakeCtgov() as ct,
    ):
        queries = {t: TrialQuery(condition=t, intervention="ketamine") for t in STUDIES}
        for topic_id, q in queries.items():
            params = {"query.cond": q.condition, "query.intr": q.intervention}
            ct.on("studies", Reply.body_json(study_page(STUDIES[topic_id])), params=params)
        path = write_config(
            Path(tmp),
            srv.base_url,
            trials={"enabled": True, "base_url": ct.base_url, "requests_per_second": 1000},
        )
        cfg = load_config(path)
        cfg = dataclasses.replace(cfg, trials=dataclasses.replace(cfg.trials, queries=queries))
        topic_of = {nct: t for t, ncts in STUDIES.items() for nct in ncts}
        stage_earlier_trials(cfg.store.path, topic_of, dt.datetime.now(dt.UTC))
        print(fetch_job(cfg).line())
        print(digest_job(cfg).line())
        store = Path(tmp) / "store.sqlite3"
        import sqlite3

        src = sqlite3.connect(store)
        src.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        OUT.unlink(missing_ok=True)
        src.execute("VACUUM INTO ?", (str(OUT),))
        src.close()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
