"""``littrack demo``: the whole job offline, from any folder, into a fresh folder of its own.

Three fake servers on loopback replay real recordings: E-utilities serves recorded PubMed records
(:mod:`littrack.replay.server`), the ClinicalTrials.gov API v2 serves recorded whole study records
(:mod:`littrack.replay.ctgov`), and Europe PMC / Crossref / Unpaywall serve their recorded replies
(:mod:`littrack.replay.sources`). The real fetch and digest code runs against them with a throwaway store. What the
demo makes up is said where it shows: which topic "matches" a record or a preprint, the earlier states of two real
trials, staged in the store before the sync so that the digest shows changes (marked "synthetic change" there),
and which papers the few recorded Unpaywall answers are given to.
Background study mentions are not looked up: no recorded PubMed replies exist for those searches, and the
replayed term matching would "find" unrelated records.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from littrack.config import Config, SourcesConfig, TrialQuery
from littrack.digest.job import DigestResult, digest_job
from littrack.errors import ConfigError
from littrack.eutils.pubmed_xml import iter_papers
from littrack.fetch.job import fetch_job
from littrack.fetch.summary import FetchSummary
from littrack.models import Study
from littrack.progress import NoProgress, Progress
from littrack.replay.corpus import Corpus, default_corpus
from littrack.replay.ctgov import FakeCtgov, Reply, recorded_study, study_page
from littrack.replay.replies import split_matcher
from littrack.replay.server import FakeEutils
from littrack.replay.sources import CROSSREF, EUROPEPMC, UNPAYWALL, FakeSources, unpaywall_recordings
from littrack.store import open_store
from littrack.store.trials import mark_trial_changes_reported
from littrack.trials.parse import parse_study
from littrack.trials.sync import record_studies

DEMO_EMAIL = "littrack-demo@example.org"
DIGEST_NOTICE = (
    "offline demo: the papers are real recorded PubMed records and the registered trials real ClinicalTrials.gov "
    "records, but they are NOT about the configured topics; which topic matches them is synthetic, and so is "
    "every trial change marked as a synthetic change. The preprints are real Europe PMC records (a recorded "
    "search for cancer); their topic match is synthetic too. The free-full-text links of a few papers are real "
    "Unpaywall answers recorded for OTHER papers, shown to demonstrate where the link appears. The studies the "
    "background articles refer to were not looked up in the demo. Run `littrack fetch` for real results."
)
BANNER = (
    "demo: replaying REAL recorded NCBI responses from a fake E-utilities server on {pubmed}\n"
    "demo: replaying REAL recorded ClinicalTrials.gov study records from a fake API v2 server on {ctgov}\n"
    "demo: replaying REAL recorded Europe PMC, Crossref and Unpaywall replies from {sources}\n"
    "demo: the recorded records are NOT about the configured topics; they only show the pipeline working"
)
_SERVICES = (("Europe PMC", EUROPEPMC), ("Crossref", CROSSREF), ("Unpaywall", UNPAYWALL))
# The recorded study records the demo's trial searches return (shipped under replay/recorded/ctgov/aact/), dealt
# to the configured topics in turn. Real records; the topic each lands in is synthetic.
DEMO_STUDIES = ("NCT00763412", "NCT00973089", "NCT02210780", "NCT06171568", "NCT03475563", "NCT05594173")
STAGED_DAYS_AGO = 56
# A digest id no digest has: the staged first sightings count as reported, as if an earlier digest had shown them.
STAGED_DIGEST_ID = 0


def earlier_states() -> tuple[Study, ...]:
    """SYNTHETIC earlier states of two real recorded studies, so that the demo's sync finds changes in them.

    NCT00763412 (really COMPLETED, results posted, 31 enrolled) was active with 40 planned and no results;
    NCT00973089 (really WITHDRAWN, 0 enrolled) was not yet recruiting with 60 planned.
    """
    done = parse_study_file("NCT00763412")
    withdrawn = parse_study_file("NCT00973089")
    return (
        dataclasses.replace(
            done,
            overall_status="ACTIVE_NOT_RECRUITING",
            has_results=False,
            enrollment=40,
            enrollment_type="ESTIMATED",
            completion_date_type="ESTIMATED",
        ),
        dataclasses.replace(
            withdrawn, overall_status="NOT_YET_RECRUITING", enrollment=60, enrollment_type="ESTIMATED", why_stopped=None
        ),
    )


# The fake servers are on loopback: spacing their requests as politely as the real services' would only make a
# newcomer wait (262 Unpaywall lookups took a minute at 5 per second). The trials fake runs as fast.
LOOPBACK_RATE = 50.0


def demo_sources(cfg: SourcesConfig, fake: FakeSources) -> SourcesConfig:
    """Every source on, pointed at the fake server, with the demo's contact address (Unpaywall needs one)."""
    return dataclasses.replace(
        cfg,
        email=DEMO_EMAIL,
        europepmc=dataclasses.replace(
            cfg.europepmc, enabled=True, base_url=fake.url(EUROPEPMC), requests_per_second=LOOPBACK_RATE
        ),
        crossref=dataclasses.replace(
            cfg.crossref, enabled=True, base_url=fake.url(CROSSREF), requests_per_second=LOOPBACK_RATE
        ),
        unpaywall=dataclasses.replace(
            cfg.unpaywall, enabled=True, base_url=fake.url(UNPAYWALL), requests_per_second=LOOPBACK_RATE
        ),
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


def parse_study_file(nct_id: str) -> Study:
    return parse_study(json.loads(recorded_study(nct_id).read_bytes()))


def studies_by_topic(topic_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The demo's recorded studies dealt to the topics in turn (every topic gets at least one when there are few)."""
    return {t: DEMO_STUDIES[i :: len(topic_ids)] for i, t in enumerate(topic_ids)}


def trial_queries(cfg: Config) -> dict[str, TrialQuery]:
    """Each topic's configured ClinicalTrials.gov query, or a stand-in for topics without one."""
    return {
        t.id: cfg.trials.queries.get(t.id) or TrialQuery(condition=t.name, intervention="ketamine") for t in cfg.topics
    }


def demo_config(
    cfg: Config,
    *,
    base_url: str,
    store_path: Path,
    out_dir: Path,
    ctgov_url: str | None = None,
    trial_queries: Mapping[str, TrialQuery] | None = None,
    sources: SourcesConfig | None = None,
) -> Config:
    """The user's topics and digest settings, pointed at loopback, a throwaway store and no e-mail."""
    trials = (
        dataclasses.replace(
            cfg.trials,
            enabled=True,
            base_url=ctgov_url,
            queries=dict(trial_queries or {}),
            requests_per_second=LOOPBACK_RATE,
        )
        if ctgov_url
        else dataclasses.replace(cfg.trials, enabled=False)
    )
    return dataclasses.replace(
        cfg,
        ncbi=dataclasses.replace(cfg.ncbi, base_url=base_url, email=DEMO_EMAIL, api_key=None),
        store=dataclasses.replace(cfg.store, path=store_path),
        # The recorded records span decades; backfill far enough to take all of them.
        fetch=dataclasses.replace(cfg.fetch, backfill_since=dt.date(1900, 1, 1)),
        digest=dataclasses.replace(cfg.digest, output_dir=out_dir, profile="demo", write_empty=True, public_url=None),
        profiles=(),  # one digest, the implicit profile "demo", whatever profiles config.yaml has
        email=dataclasses.replace(cfg.email, enabled=False),
        background=dataclasses.replace(cfg.background, resolve_mentions=False),
        trials=trials,
        sources=sources
        or dataclasses.replace(
            cfg.sources,
            europepmc=dataclasses.replace(cfg.sources.europepmc, enabled=False),
            crossref=dataclasses.replace(cfg.sources.crossref, enabled=False),
            unpaywall=dataclasses.replace(cfg.sources.unpaywall, enabled=False),
        ),
    )


def stage_earlier_trials(
    store_path: Path, topic_of: Mapping[str, str], now: dt.datetime, profile: str = "demo"
) -> tuple[str, ...]:
    """Put the SYNTHETIC earlier states in the store as seen ``STAGED_DAYS_AGO`` days ago and already reported;
    returns their NCT ids, for the digest to mark their changes synthetic."""
    seen = now - dt.timedelta(days=STAGED_DAYS_AGO)
    staged = [s for s in earlier_states() if s.nct_id in topic_of]
    with open_store(store_path) as store, store.transaction() as conn:
        events = [e for s in staged for e in record_studies(conn, [s], topic_id=topic_of[s.nct_id], now=seen)]
        mark_trial_changes_reported(conn, STAGED_DIGEST_ID, [e.id for e in events], profile)
    return tuple(s.nct_id for s in staged)


def fresh_out_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="littrack-demo-"))


def run_demo(
    cfg: Config,
    *,
    out_dir: Path | None,
    say: Callable[[str], None],
    progress: Callable[[], AbstractContextManager[Progress]] = lambda: nullcontext(NoProgress()),
    real_digests: Path | None = None,
) -> tuple[FetchSummary, DigestResult]:
    """Fetch and digest against the fake servers into ``out_dir`` (default: a fresh folder, named in the output).

    ``real_digests`` is the user's digests folder: the demo refuses to write there.
    """
    if out_dir is not None and real_digests is not None and out_dir.resolve() == real_digests.resolve():
        raise ConfigError(f"--out {out_dir} is your digests folder; the demo never writes there, pick another folder")
    out = out_dir or fresh_out_dir()
    corpus = default_corpus()
    queries = trial_queries(cfg)
    dealt = studies_by_topic(list(queries))
    with (
        FakeEutils(corpus, term_matcher=split_matcher(corpus.pmids, share=0.6)) as srv,
        FakeCtgov() as ct,
        FakeSources(unpaywall_aliases=unpaywall_aliases(corpus)) as fake,
        tempfile.TemporaryDirectory(prefix="littrack-demo-store-") as tmp,
    ):
        for topic_id, query in queries.items():
            params = {"query.cond": query.condition, "query.intr": query.intervention}
            ct.on("studies", Reply.body_json(study_page(dealt[topic_id])), params=params)
        say(BANNER.format(pubmed=srv.base_url, ctgov=ct.base_url, sources=fake.url(EUROPEPMC).split("/europepmc")[0]))
        say(f"demo: writing to {out}" + ("" if out_dir else " (a fresh folder; your digests/ folder is untouched)"))
        store_path = Path(tmp) / "demo.sqlite3"
        demo = demo_config(
            cfg,
            base_url=srv.base_url,
            store_path=store_path,
            out_dir=out,
            ctgov_url=ct.base_url,
            trial_queries=queries,
            sources=demo_sources(cfg.sources, fake),
        )
        topic_of = {nct: t for t, ncts in dealt.items() for nct in ncts}
        staged = stage_earlier_trials(store_path, topic_of, dt.datetime.now(dt.UTC))
        with progress() as bar:  # closed (and cleared from the terminal) before the summary line
            fetched = fetch_job(demo, progress=bar)
        say(fetched.line())
        result = digest_job(demo, notice=DIGEST_NOTICE, synthetic_trials=staged)
        say(result.line())
        counts = ", ".join(f"{name} {fake.count(svc)}" for name, svc in _SERVICES)
        say(
            f"demo: requests per source: E-utilities {fetched.requests},"
            f" ClinicalTrials.gov {len(ct.requests)}, {counts}"
        )
    return fetched, result
