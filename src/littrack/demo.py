"""``littrack demo``: the whole job offline. A fake E-utilities server on loopback replays real recorded
NCBI records, and a fake Europe PMC / Crossref / Unpaywall server replays their real recorded replies; the real
fetch and digest code runs against them with a throwaway store."""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from littrack.config import Config, SourcesConfig
from littrack.digest.job import DigestResult, digest_job
from littrack.eutils.pubmed_xml import iter_papers
from littrack.fetch.job import fetch_job
from littrack.fetch.topics import FetchSummary
from littrack.progress import NoProgress, Progress
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.replies import split_matcher
from littrack.replay.server import FakeEutils
from littrack.replay.sources import CROSSREF, EUROPEPMC, UNPAYWALL, FakeSources, unpaywall_recordings

DEMO_EMAIL = "littrack-demo@example.org"
DIGEST_NOTICE = (
    "offline demo: these records were replayed from real recorded NCBI responses and are NOT about the "
    "configured topics; the topic matches are synthetic. The preprints are real Europe PMC records (a recorded "
    "search for cancer); their topic match is synthetic too. The free-full-text links of a few papers are real "
    "Unpaywall answers recorded for OTHER papers, shown to demonstrate where the link appears. Run `littrack fetch` "
    "against PubMed for real results."
)
BANNER = (
    "demo: replaying REAL recorded NCBI responses from a fake E-utilities server on {url}\n"
    "demo: the recorded records are NOT about the configured topics; they only show the pipeline working\n"
    "demo: replaying REAL recorded Europe PMC, Crossref and Unpaywall replies from {sources_url}"
)


def demo_sources(cfg: SourcesConfig, fake: FakeSources) -> SourcesConfig:
    """Every source on, pointed at the fake server, with the demo's contact address (Unpaywall needs one)."""
    return dataclasses.replace(
        cfg,
        email=DEMO_EMAIL,
        europepmc=dataclasses.replace(cfg.europepmc, enabled=True, base_url=fake.url(EUROPEPMC)),
        crossref=dataclasses.replace(cfg.crossref, enabled=True, base_url=fake.url(CROSSREF)),
        unpaywall=dataclasses.replace(cfg.unpaywall, enabled=True, base_url=fake.url(UNPAYWALL)),
    )


def unpaywall_aliases(corpus: Corpus) -> dict[str, str]:
    """SYNTHETIC: the newest recorded papers with a DOI, each answered with one recorded Unpaywall reply (none of
    the recorded Unpaywall DOIs belongs to a recorded PubMed record)."""
    recorded = sorted(unpaywall_recordings())
    dois: list[str] = []
    for rec in corpus:
        for paper in iter_papers(b"<PubmedArticleSet>" + rec.xml + b"</PubmedArticleSet>"):
            if paper.doi and paper.doi.lower() not in dois:
                dois.append(paper.doi.lower())
        if len(dois) == len(recorded):
            break
    return dict(zip(dois, recorded, strict=False))


def demo_config(
    cfg: Config, *, base_url: str, store_path: Path, out_dir: Path, sources: SourcesConfig | None = None
) -> Config:
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
        sources=sources or SourcesConfig(
            europepmc=dataclasses.replace(cfg.sources.europepmc, enabled=False),
            crossref=dataclasses.replace(cfg.sources.crossref, enabled=False),
        ),
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
        FakeSources(unpaywall_aliases=unpaywall_aliases(corpus)) as fake,
        tempfile.TemporaryDirectory(prefix="littrack-demo-") as tmp,
    ):
        say(BANNER.format(url=srv.base_url, sources_url=fake.url(EUROPEPMC).split("/europepmc")[0]))
        demo = demo_config(
            cfg,
            base_url=srv.base_url,
            store_path=Path(tmp) / "demo.sqlite3",
            out_dir=out,
            sources=demo_sources(cfg.sources, fake),
        )
        with progress() as bar:  # closed (and cleared from the terminal) before the summary line
            fetched = fetch_job(demo, progress=bar)
        say(fetched.line())
        result = digest_job(demo, notice=DIGEST_NOTICE)
        say(result.line())
        counts = ", ".join(f"{name} {fake.count(svc)}" for name, svc in _SERVICES)
        say(f"demo: requests per source: E-utilities {fetched.requests}, {counts}")
    return fetched, result


_SERVICES = (("Europe PMC", EUROPEPMC), ("Crossref", CROSSREF), ("Unpaywall", UNPAYWALL))
