"""The configuration as frozen, typed records, with every default written once (on the dataclass).

:mod:`littrack.config.load` reads ``config.yaml`` into these; everything else only receives them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from littrack.errors import ConfigError
from littrack.models import DEFAULT_PROFILE, Topic

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_CTGOV_URL = "https://clinicaltrials.gov/api/v2/"
DEFAULT_EUROPEPMC_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
DEFAULT_CROSSREF_URL = "https://api.crossref.org/"
DEFAULT_UNPAYWALL_URL = "https://api.unpaywall.org/v2/"
PLACEHOLDER_EMAIL = "you@example.org"


@dataclass(frozen=True)
class NcbiConfig:
    email: str = PLACEHOLDER_EMAIL
    tool: str = "littrack"
    api_key_env: str = "NCBI_API_KEY"
    api_key: str | None = field(default=None, repr=False)  # resolved from the environment
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 30.0
    max_retries: int = 5
    backoff_seconds: float = 1.0  # first retry delay; doubles per attempt (with jitter), capped at 30 s

    @property
    def email_is_placeholder(self) -> bool:
        return self.email.strip().lower() in {"", PLACEHOLDER_EMAIL}

    @property
    def requests_per_second(self) -> float:
        """NCBI's published limits: 3/s without an API key, 10/s with one."""
        return 10.0 if self.api_key else 3.0


@dataclass(frozen=True)
class StoreConfig:
    path: Path = Path("littrack.sqlite3")  # relative paths resolve against the config file's folder
    url: str | None = None  # postgresql://user@host[:port]/db instead of the SQLite file (no password in it)
    password_env: str = "LITTRACK_DB_PASSWORD"
    password: str | None = field(default=None, repr=False)  # resolved from the environment

    @property
    def location(self) -> str:
        """What :func:`littrack.store.open_store` opens: the PostgreSQL URL, else the SQLite file."""
        return self.url or str(self.path)

    @property
    def is_postgresql(self) -> bool:
        return self.url is not None

    @property
    def display(self) -> str:
        """The store as messages and logs name it (a URL never carries a password: the config refuses one)."""
        return self.url or str(self.path)


@dataclass(frozen=True)
class FetchConfig:
    backfill_days: int = 30
    backfill_since: dt.date | None = None  # overrides backfill_days when set
    overlap_days: int = 3
    batch_size: int = 500
    recheck_limit: int = 200  # papers already sent, re-checked for retractions per fetch
    reconcile_days: int = 7  # sweep each topic without a date window this often (0: never), for late records


@dataclass(frozen=True)
class DigestConfig:
    output_dir: Path = Path("digests")  # relative paths resolve against the config file's folder
    profile: str | None = None
    write_empty: bool = True
    send_empty: bool = False
    period_days: int = 7
    email_abstract_chars: int = 600
    title: str = "littrack digest"
    public_url: str | None = None  # where digests/ is published; e-mails link to it (else to PubMed)


@dataclass(frozen=True)
class EmailConfig:
    enabled: bool = False
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str | None = None
    password_env: str = "LITTRACK_SMTP_PASSWORD"
    password: str | None = field(default=None, repr=False)  # resolved from the environment
    sender: str = ""
    recipients: tuple[str, ...] = ()
    # {summary}: "2 RCTs, 1 retraction, 14 new papers" (without papers: the events); {dates}: "25 Nov–1 Dec"
    subject: str = "littrack: {summary} ({dates})"
    timeout: float = 30.0
    ca_file: Path | None = None  # extra CA bundle, e.g. a private relay or the tests' certificate


@dataclass(frozen=True)
class ScheduleConfig:
    fetch: str = "0 6 * * *"
    digest: str = "0 7 * * mon"
    timezone: str | None = None  # None: the machine's
    misfire_grace_minutes: int = 720
    retry_minutes: int = 15
    max_retries: int = 3


@dataclass(frozen=True)
class BackgroundConfig:
    include_shipped: bool = True
    documents: tuple[Path, ...] = ()
    min_similarity: float = 0.0  # 0: use the calibrated default
    resolve_mentions: bool = True


@dataclass(frozen=True)
class TrialQuery:
    condition: str
    intervention: str

    @property
    def key(self) -> str:
        """How the store remembers the query: a changed query starts that topic's sync from scratch."""
        return f"cond={self.condition}; intr={self.intervention}"


# ClinicalTrials.gov queries (query.cond × query.intr) for the shipped topics, used when config.yaml names none.
# Esketamine is its own intervention name on the registry, so it is named explicitly.
_KETAMINE = "ketamine OR esketamine"
DEFAULT_TRIAL_QUERIES: Mapping[str, TrialQuery] = MappingProxyType(
    {
        "ketamine-fibromyalgia": TrialQuery(condition="Fibromyalgia", intervention=_KETAMINE),
        "ketamine-crps": TrialQuery(
            condition="Complex Regional Pain Syndromes OR Reflex Sympathetic Dystrophy OR CRPS", intervention=_KETAMINE
        ),
        "ketamine-chronic-pain": TrialQuery(
            condition="Chronic Pain OR Neuralgia OR Neuropathic Pain", intervention=_KETAMINE
        ),
    }
)


@dataclass(frozen=True)
class TrialsConfig:
    enabled: bool = True
    base_url: str = DEFAULT_CTGOV_URL
    queries: Mapping[str, TrialQuery] = field(default_factory=dict)  # topic id → query; defaults resolved here
    no_publication_after_days: int = 365
    requests_per_second: float = 2.0  # CT.gov publishes no limit; be polite
    timeout: float = 30.0
    max_retries: int = 4
    backoff_seconds: float = 1.0


@dataclass(frozen=True)
class EuropePmcConfig:
    """Preprints from Europe PMC (``SRC:PPR``), per topic."""

    enabled: bool = True
    base_url: str = DEFAULT_EUROPEPMC_URL
    requests_per_second: float = 5.0  # Europe PMC publishes no figure; stay well below what EBI tolerates
    page_size: int = 100  # the API allows 1,000; a week of preprints for one topic fits in one page
    relink_limit: int = 200  # unlinked preprints re-asked per fetch whether a journal version appeared


@dataclass(frozen=True)
class CrossrefConfig:
    """Crossref as a second source of corrections and retractions (and preprint relations, references)."""

    enabled: bool = True
    base_url: str = DEFAULT_CROSSREF_URL
    # Crossref's published limits (x-rate-limit-* headers): 5 requests/s, one at a time, in the public pool;
    # 10/s with a mailto. The client also slows down to whatever the headers say.
    requests_per_second: float = 4.0
    batch_size: int = 20  # DOIs per `filter=doi:…` request (URL length stays far below 8 KB)
    recheck_days: int = 7  # a sent paper is asked again after this many days


@dataclass(frozen=True)
class UnpaywallConfig:
    """Free full text from Unpaywall: needs ``sources.email``; off without it."""

    enabled: bool = True
    base_url: str = DEFAULT_UNPAYWALL_URL
    requests_per_second: float = 5.0  # Unpaywall allows 100,000 calls a day; no per-second figure
    refresh_days: int = 180  # a looked-up DOI is asked again after this long (embargoes end, copies appear)
    per_run_limit: int = 500  # lookups per fetch, newest papers first; the rest wait for the next fetch


@dataclass(frozen=True)
class SourcesConfig:
    """The optional sources beside PubMed; each can be switched off, and one failing never fails a fetch."""

    email: str | None = None  # contact sent to Europe PMC, Crossref (polite pool) and Unpaywall (required there)
    timeout: float = 30.0
    max_retries: int = 4
    backoff_seconds: float = 1.0
    europepmc: EuropePmcConfig = field(default_factory=EuropePmcConfig)
    crossref: CrossrefConfig = field(default_factory=CrossrefConfig)
    unpaywall: UnpaywallConfig = field(default_factory=UnpaywallConfig)

    @property
    def unpaywall_on(self) -> bool:
        """Unpaywall answers only requests that carry an e-mail address, so it runs only with one."""
        return self.unpaywall.enabled and bool(self.email)


# The parts of a digest a profile can choose (``profiles[].sections``), in the order the digest shows them. The
# briefing on top ("What matters this period") is no choice: it summarises whatever the profile's digest holds.
DIGEST_SECTIONS = ("changes", "safety", "papers", "preprints", "trials", "background")


@dataclass(frozen=True)
class Profile:
    """Who gets a digest, of what, when: one reader or group (``profiles:``), or the implicit one.

    ``id`` keys the store's delivery ledger. ``explicit`` profiles write into ``digests/<id>/`` and add their id
    to file names; the implicit profile keeps the layout of a config without profiles (``file_tag`` is
    ``digest.profile``, usually None). E-mail settings beside ``recipients`` and ``subject`` stay in ``email:``.
    """

    id: str
    name: str
    topics: tuple[str, ...]  # topic ids, in config order
    schedule: str  # cron, like schedule.digest
    recipients: tuple[str, ...]
    subject: str
    send_empty: bool
    sections: tuple[str, ...] = DIGEST_SECTIONS  # a subset of DIGEST_SECTIONS, in that order
    email_enabled: bool = True  # off: files only for this profile, even with email.enabled
    explicit: bool = False
    file_tag: str | None = None

    def shows(self, section: str) -> bool:
        return section in self.sections

    @property
    def job(self) -> str:
        """The service's job id for this profile's digest: ``digest:<id>``; ``digest`` for the implicit one."""
        return f"digest:{self.id}" if self.explicit else "digest"


@dataclass(frozen=True)
class Config:
    path: Path
    ncbi: NcbiConfig
    store: StoreConfig
    topics: tuple[Topic, ...]
    fetch: FetchConfig
    digest: DigestConfig
    email: EmailConfig
    schedule: ScheduleConfig
    background: BackgroundConfig
    trials: TrialsConfig
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    profiles: tuple[Profile, ...] = ()  # from ``profiles:``; empty: one implicit profile (see digest_profiles)

    @property
    def digest_profiles(self) -> tuple[Profile, ...]:
        """The configured profiles, or the one implicit profile made from ``digest``, ``email`` and ``schedule``."""
        if self.profiles:
            return self.profiles
        return (
            Profile(
                id=self.digest.profile or DEFAULT_PROFILE,
                name=self.digest.title,
                topics=tuple(t.id for t in self.topics),
                schedule=self.schedule.digest,
                recipients=self.email.recipients,
                subject=self.email.subject,
                send_empty=self.digest.send_empty,
                file_tag=self.digest.profile,
            ),
        )

    def profile(self, profile_id: str) -> Profile:
        """The profile with this id; ConfigError naming the known ids otherwise."""
        for p in self.digest_profiles:
            if p.id == profile_id:
                return p
        known = ", ".join(p.id for p in self.digest_profiles)
        raise ConfigError(f"{self.path}: no profile with id {profile_id!r}; known: {known}")

    def for_profile(self, profile: Profile) -> Config:
        """This config as the digest of ``profile`` sees it: its topics, folder, file names, recipients, subject;
        ``digest_profiles`` is that profile alone."""
        out, public = self.digest.output_dir, self.digest.public_url
        if profile.explicit:
            out, public = out / profile.id, (public + profile.id + "/" if public else None)
        return dataclasses.replace(
            self,
            profiles=(profile,) if profile.explicit else (),
            topics=tuple(t for t in self.topics if t.id in profile.topics),
            digest=dataclasses.replace(
                self.digest, output_dir=out, public_url=public, profile=profile.file_tag, send_empty=profile.send_empty
            ),
            email=dataclasses.replace(
                self.email,
                enabled=self.email.enabled and profile.email_enabled and bool(profile.recipients),
                recipients=profile.recipients,
                subject=profile.subject,
            ),
        )

    def secrets(self) -> tuple[str, ...]:
        """The values no log line or message may show (resolved from the environment)."""
        return tuple(s for s in (self.ncbi.api_key, self.email.password, self.store.password) if s)

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise ConfigError(f"{self.path}: no topic with id {topic_id!r}; known: {', '.join(t.id for t in self.topics)}")


def require_contact_email(cfg: Config) -> None:
    """Refuse to talk to NCBI while ``ncbi.email`` is the shipped placeholder (NCBI requires a real contact)."""
    if cfg.ncbi.email_is_placeholder:
        raise ConfigError(
            f"{cfg.path}: ncbi.email is still the placeholder {PLACEHOLDER_EMAIL!r}; set it to your own address "
            "(NCBI requires a contact e-mail on every request)"
        )
