"""``littrack demo``: the whole job offline. A fake E-utilities server on loopback replays real recorded
NCBI records; the real fetch and digest code runs against it with a throwaway store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from littrack.config import Config
from littrack.digest.job import DigestResult, digest_job
from littrack.fetch.job import fetch_job
from littrack.fetch.summary import FetchSummary
from littrack.progress import NoProgress, Progress
from littrack.replay.corpus import default_corpus
from littrack.replay.replies import split_matcher
from littrack.replay.server import FakeEutils

DEMO_EMAIL = "littrack-demo@example.org"
DIGEST_NOTICE = (
    "offline demo: these records were replayed from real recorded NCBI responses and are NOT about the "
    "configured topics; the topic matches are synthetic. Run `littrack fetch` against PubMed for real results."
)
BANNER = (
    "demo: replaying REAL recorded NCBI responses from a fake E-utilities server on {url}\n"
    "demo: the recorded records are NOT about the configured topics; they only show the pipeline working"
)


def demo_config(cfg: Config, *, base_url: str, store_path: Path, out_dir: Path) -> Config:
    """The user's topics and digest settings, pointed at loopback, a throwaway store and no e-mail."""
    return dataclasses.replace(
        cfg,
        ncbi=dataclasses.replace(cfg.ncbi, base_url=base_url, email=DEMO_EMAIL, api_key=None),
        store=dataclasses.replace(cfg.store, path=store_path),
        # The recorded records span decades; backfill far enough to take all of them.
        fetch=dataclasses.replace(cfg.fetch, backfill_since=dt.date(1900, 1, 1)),
        digest=dataclasses.replace(cfg.digest, output_dir=out_dir, profile="demo", write_empty=True),
        email=dataclasses.replace(cfg.email, enabled=False),
        background=dataclasses.replace(cfg.background, resolve_mentions=False),
        trials=dataclasses.replace(cfg.trials, enabled=False),
    )


def run_demo(
    cfg: Config,
    *,
    out_dir: Path | None,
    say: Callable[[str], None],
    progress: Callable[[], AbstractContextManager[Progress]] = lambda: nullcontext(NoProgress()),
) -> tuple[FetchSummary, DigestResult]:
    corpus = default_corpus()
    out = out_dir or cfg.digest.output_dir
    with (
        FakeEutils(corpus, term_matcher=split_matcher(corpus.pmids, share=0.6)) as srv,
        tempfile.TemporaryDirectory(prefix="littrack-demo-") as tmp,
    ):
        say(BANNER.format(url=srv.base_url))
        demo = demo_config(cfg, base_url=srv.base_url, store_path=Path(tmp) / "demo.sqlite3", out_dir=out)
        with progress() as bar:  # closed (and cleared from the terminal) before the summary line
            fetched = fetch_job(demo, progress=bar)
        say(fetched.line())
        result = digest_job(demo, notice=DIGEST_NOTICE)
        say(result.line())
    return fetched, result
