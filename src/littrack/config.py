"""Load and validate ``config.yaml`` once, into frozen typed objects.

Every error names the file and the key (``config.yaml: fetch.overlap_days: expected a whole number``)
and is raised as :class:`~littrack.errors.ConfigError` (exit code 2). Secrets are never read from the
file: the file names environment variables, and :func:`load_config` resolves them from ``environ``.
Each section is one dataclass plus one ``_parse_*`` function; a new section slots in the same way.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml

from littrack.errors import ConfigError
from littrack.models import Topic

DEFAULT_BASE_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_CTGOV_URL = "https://clinicaltrials.gov/api/v2/"
PLACEHOLDER_EMAIL = "you@example.org"
_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")

T = TypeVar("T")


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


@dataclass(frozen=True)
class FetchConfig:
    backfill_days: int = 30
    backfill_since: dt.date | None = None  # overrides backfill_days when set
    overlap_days: int = 3
    batch_size: int = 500
    recheck_limit: int = 200  # papers already sent, re-checked for retractions per fetch


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
    subject: str = "littrack: {count} new papers ({start} to {end})"
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

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise ConfigError(f"{self.path}: no topic with id {topic_id!r}; known: {', '.join(t.id for t in self.topics)}")


class _Section:
    """A mapping being validated: typed getters that name the key, and a check for unknown keys."""

    def __init__(self, file: Path, prefix: str, data: Any) -> None:
        self.file, self.prefix = file, prefix
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise self.error("", f"expected a mapping, got {_kind(data)}")
        self.data: dict[str, Any] = dict(data)
        self.seen: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, message: str) -> ConfigError:
        where = self.key(name) if name else (self.prefix or "top level")
        return ConfigError(f"{self.file}: {where}: {message}")

    def get(self, name: str, kind: type[T] | tuple[type, ...], default: Any = None, required: bool = False) -> Any:
        self.seen.add(name)
        if name not in self.data or self.data[name] is None:
            if required:
                raise self.error(name, "is required")
            return default
        value = self.data[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(value, bool) and kind is not bool:
            raise self.error(name, f"expected {_kind_name(kind)}, got true/false")
        if not isinstance(value, kind):
            raise self.error(name, f"expected {_kind_name(kind)}, got {_kind(value)}")
        return value

    def text(self, name: str, default: str | None = None, required: bool = False) -> Any:
        value = self.get(name, str, default, required)
        if required and isinstance(value, str) and not value.strip():
            raise self.error(name, "must not be empty")
        return value

    def whole(self, name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
        value: int = self.get(name, int, default)
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise self.error(name, f"must be {bound}, got {value}")
        return value

    def path(self, name: str, default: str | None) -> Path | None:
        value = self.text(name, default)
        if value is None:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.file.parent / p)

    def sub(self, name: str) -> _Section:
        self.seen.add(name)
        return _Section(self.file, self.key(name), self.data.get(name))

    def done(self) -> None:
        unknown = sorted(set(self.data) - self.seen)
        if unknown:
            raise self.error(unknown[0], f"unknown key (known keys: {', '.join(sorted(self.seen))})")


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "text", bool: "true/false", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def _kind_name(kind: Any) -> str:
    names = {
        str: "text",
        int: "a whole number",
        float: "a number",
        bool: "true or false",
        list: "a list",
        dict: "a mapping",
    }
    if isinstance(kind, tuple):
        return " or ".join(names.get(k, k.__name__) for k in kind)
    return str(names.get(kind, kind.__name__))


def parse_date(text: str) -> dt.date:
    """YYYY-MM-DD (also YYYY/MM/DD) → date; ValueError otherwise."""
    return dt.date.fromisoformat(text.strip().replace("/", "-"))


def valid_email(address: str) -> bool:
    return bool(_EMAIL_RE.match(address)) and "\n" not in address and "\r" not in address


def validate_cron(expr: str) -> None:
    """Raise ValueError unless ``expr`` is a 5-field crontab (or ``@every 5s``, a testing aid) the service accepts."""
    # Lazy: littrack.schedule imports APScheduler (about 0.1 s), which only the service and this check need.
    from littrack.schedule import parse_schedule

    parse_schedule(expr)


def validate_timezone(name: str) -> None:
    ZoneInfo(name)


def require_contact_email(cfg: Config) -> None:
    """Refuse to talk to NCBI while ``ncbi.email`` is the shipped placeholder (NCBI requires a real contact)."""
    if cfg.ncbi.email_is_placeholder:
        raise ConfigError(
            f"{cfg.path}: ncbi.email is still the placeholder {PLACEHOLDER_EMAIL!r}; set it to your own address "
            "(NCBI requires a contact e-mail on every request)"
        )


def _url(s: _Section, name: str, default: str | None) -> str | None:
    """An http(s) base address, normalised to end with '/' (relative paths are joined onto it)."""
    url: str | None = s.text(name, default)
    if url is None:
        return None
    if not re.match(r"^https?://[^\s\"'<>]+$", url):
        raise s.error(name, f"must be an http(s) address, got {url!r}")
    return url if url.endswith("/") else url + "/"


def _parse_ncbi(s: _Section, environ: Mapping[str, str]) -> NcbiConfig:
    d = NcbiConfig()
    email = s.text("email", required=True)
    tool = s.text("tool", d.tool)
    if not tool or re.search(r"\s", tool):
        raise s.error("tool", "must be one word without spaces (NCBI's rule)")
    key_env = s.text("api_key_env", d.api_key_env)
    cfg = NcbiConfig(
        email=email.strip(),
        tool=tool,
        api_key_env=key_env,
        api_key=(environ.get(key_env) or None),
        base_url=_url(s, "base_url", d.base_url) or d.base_url,
        timeout=s.get("timeout", float, d.timeout),
        max_retries=s.whole("max_retries", d.max_retries, 0, 20),
        backoff_seconds=s.get("backoff_seconds", float, d.backoff_seconds),
    )
    if not cfg.email_is_placeholder and not valid_email(cfg.email):
        raise s.error("email", f"is not an e-mail address: {email!r}")
    s.done()
    return cfg


def _parse_topics(file: Path, raw: Any) -> tuple[Topic, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{file}: topics: expected a non-empty list of {{id, name, query}}")
    topics: list[Topic] = []
    for i, item in enumerate(raw):
        s = _Section(file, f"topics[{i}]", item)
        tid = s.text("id", required=True)
        if not re.match(r"^[a-z0-9][a-z0-9_-]*$", tid):
            raise s.error("id", f"use lower-case letters, digits, '-' or '_', got {tid!r}")
        topic = Topic(id=tid, name=s.text("name", tid).strip() or tid, query=s.text("query", required=True).strip())
        s.done()
        if any(t.id == topic.id for t in topics):
            raise s.error("id", f"duplicate topic id {tid!r}")
        topics.append(topic)
    return tuple(topics)


def _parse_fetch(s: _Section) -> FetchConfig:
    d = FetchConfig()
    backfill = s.get("backfill", (int, str), d.backfill_days)
    days, since = d.backfill_days, d.backfill_since
    if isinstance(backfill, int):
        if backfill < 1:
            raise s.error("backfill", "must be a number of days ≥ 1 or a date YYYY-MM-DD")
        days = backfill
    else:
        try:
            since = parse_date(backfill)
        except ValueError:
            raise s.error("backfill", f"expected days or a date YYYY-MM-DD, got {backfill!r}") from None
    cfg = FetchConfig(
        backfill_days=days,
        backfill_since=since,
        overlap_days=s.whole("overlap_days", d.overlap_days, 0, 365),
        batch_size=s.whole("batch_size", d.batch_size, 1, 10_000),
        recheck_limit=s.whole("recheck_limit", d.recheck_limit, 0, 10_000),
    )
    s.done()
    return cfg


def _parse_digest(s: _Section) -> DigestConfig:
    d = DigestConfig()
    profile = s.text("profile")
    if profile is not None and not re.match(r"^[a-z0-9][a-z0-9_-]*$", profile):
        raise s.error("profile", f"use lower-case letters, digits, '-' or '_', got {profile!r}")
    cfg = DigestConfig(
        output_dir=s.path("output_dir", str(d.output_dir)) or d.output_dir,
        profile=profile,
        write_empty=s.get("write_empty", bool, d.write_empty),
        send_empty=s.get("send_empty", bool, d.send_empty),
        period_days=s.whole("period_days", d.period_days, 1, 366),
        email_abstract_chars=s.whole("email_abstract_chars", d.email_abstract_chars, 0),
        title=s.text("title", d.title),
        public_url=_url(s, "public_url", d.public_url),
    )
    s.done()
    return cfg


def _parse_email(s: _Section, environ: Mapping[str, str]) -> EmailConfig:
    d = EmailConfig()
    enabled = s.get("enabled", bool, d.enabled)
    security = s.text("security", d.security)
    if security not in {"starttls", "ssl", "none"}:
        raise s.error("security", f"must be starttls, ssl or none, got {security!r}")
    to = s.get("to", (list, str), list(d.recipients))
    recipients = tuple([to] if isinstance(to, str) else to)
    for r in recipients:
        if not isinstance(r, str) or not valid_email(r):
            raise s.error("to", f"is not an e-mail address: {r!r}")
    sender = s.text("from", d.sender)
    if (enabled or sender) and not valid_email(sender):
        raise s.error("from", f"is not an e-mail address: {sender!r}")
    if enabled and not recipients:
        raise s.error("to", "needs at least one address when email.enabled is true")
    subject = s.text("subject", d.subject)
    if "\n" in subject or "\r" in subject:
        raise s.error("subject", "must be one line")
    try:
        subject.format(count=0, start="", end="", profile="", title="")
    except (KeyError, IndexError, ValueError) as exc:
        raise s.error(
            "subject", f"unknown placeholder {exc}; use {{count}}, {{start}}, {{end}}, {{profile}}, {{title}}"
        ) from None
    password_env = s.text("password_env", d.password_env)
    username = s.text("username", d.username)
    cfg = EmailConfig(
        enabled=enabled,
        host=s.text("host", d.host),
        port=s.whole("port", _DEFAULT_PORTS[security], 1, 65535),
        security=security,
        username=username,
        password_env=password_env,
        password=environ.get(password_env) or None,
        sender=sender,
        recipients=recipients,
        subject=subject,
        timeout=s.get("timeout", float, d.timeout),
        ca_file=s.path("ca_file", None),
    )
    s.done()
    if enabled and username and not cfg.password:
        raise s.error("username", f"is set but the environment variable {password_env} holding the password is empty")
    return cfg


_DEFAULT_PORTS = {"starttls": EmailConfig.port, "ssl": 465, "none": 25}


def _parse_schedule(s: _Section) -> ScheduleConfig:
    d = ScheduleConfig()
    values = {}
    for name in ("fetch", "digest"):
        expr = s.text(name, getattr(d, name))
        try:
            validate_cron(expr)
        except ValueError as exc:
            raise s.error(name, f"not a valid cron schedule: {exc}") from None
        values[name] = expr
    tz = s.text("timezone", d.timezone)
    if tz:
        try:
            validate_timezone(tz)
        except Exception:
            raise s.error("timezone", f"unknown time zone {tz!r} (use an IANA name such as Europe/Berlin)") from None
    cfg = ScheduleConfig(
        timezone=tz,
        misfire_grace_minutes=s.whole("misfire_grace_minutes", d.misfire_grace_minutes, 0),
        retry_minutes=s.whole("retry_minutes", d.retry_minutes, 0),
        max_retries=s.whole("max_retries", d.max_retries, 0, 100),
        **values,
    )
    s.done()
    return cfg


def _parse_background(s: _Section) -> BackgroundConfig:
    d = BackgroundConfig()
    docs = s.get("documents", list, [])
    paths: list[Path] = []
    for i, doc in enumerate(docs):
        if not isinstance(doc, str):
            raise s.error(f"documents[{i}]", "expected a file path")
        p = Path(doc).expanduser()
        p = p if p.is_absolute() else s.file.parent / p
        if p.suffix.lower() not in {".txt", ".md", ".html", ".htm"}:
            raise s.error(f"documents[{i}]", f"must be a .txt, .md or .html file, got {doc!r}")
        if not p.is_file():
            raise s.error(f"documents[{i}]", f"file not found: {p}")
        paths.append(p)
    cfg = BackgroundConfig(
        include_shipped=s.get("include_shipped", bool, d.include_shipped),
        documents=tuple(paths),
        min_similarity=s.get("min_similarity", float, d.min_similarity),
        resolve_mentions=s.get("resolve_mentions", bool, d.resolve_mentions),
    )
    s.done()
    return cfg


def _parse_trials(s: _Section, topics: tuple[Topic, ...]) -> TrialsConfig:
    d = TrialsConfig()
    qs = s.sub("queries")
    queries: dict[str, TrialQuery] = {}
    for tid in list(qs.data):
        if tid not in {t.id for t in topics}:
            raise qs.error(tid, "is not a topic id")
        q = qs.sub(tid)
        queries[tid] = TrialQuery(
            condition=q.text("condition", required=True), intervention=q.text("intervention", required=True)
        )
        q.done()
    if not qs.data:  # none configured: the shipped queries of the shipped topics that are configured
        queries = {t.id: DEFAULT_TRIAL_QUERIES[t.id] for t in topics if t.id in DEFAULT_TRIAL_QUERIES}
    rate = s.get("requests_per_second", float, d.requests_per_second)
    if rate <= 0:
        raise s.error("requests_per_second", f"must be more than 0, got {rate:g}")
    cfg = TrialsConfig(
        enabled=s.get("enabled", bool, d.enabled),
        base_url=_url(s, "base_url", d.base_url) or d.base_url,
        queries=queries,
        no_publication_after_days=s.whole("no_publication_after_days", d.no_publication_after_days, 0),
        requests_per_second=rate,
        timeout=s.get("timeout", float, d.timeout),
        max_retries=s.whole("max_retries", d.max_retries, 0, 20),
        backoff_seconds=s.get("backoff_seconds", float, d.backoff_seconds),
    )
    s.done()
    return cfg


def _section(top: _Section, name: str, parse: Callable[[_Section], T]) -> T:
    return parse(top.sub(name))


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve ``path``. Raises ConfigError with a one-line, actionable message."""
    env = os.environ if environ is None else environ
    file = Path(path).expanduser().absolute()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: config file not found; copy the shipped config.yaml or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read config: {exc}") from None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{file}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    top = _Section(file, "", raw)
    topics = _parse_topics(file, top.get("topics", list, required=True))
    store = top.sub("store")
    store_path = store.path("path", str(StoreConfig.path)) or StoreConfig.path
    store.done()
    cfg = Config(
        path=file,
        ncbi=_parse_ncbi(top.sub("ncbi"), env),
        store=StoreConfig(path=store_path),
        topics=topics,
        fetch=_section(top, "fetch", _parse_fetch),
        digest=_section(top, "digest", _parse_digest),
        email=_parse_email(top.sub("email"), env),
        schedule=_section(top, "schedule", _parse_schedule),
        background=_section(top, "background", _parse_background),
        trials=_parse_trials(top.sub("trials"), topics),
    )
    top.done()
    return cfg
