"""Load and validate ``config.yaml`` once, into the frozen records of :mod:`littrack.config.model`.

Every error names the file and the key (``config.yaml: fetch.overlap_days: expected a whole number``)
and is raised as :class:`~littrack.errors.ConfigError` (exit code 2). Secrets are never read from the
file: the file names environment variables, and :func:`load_config` resolves them from ``environ``.
Each section is one dataclass plus one ``_parse_*`` function whose defaults come from that dataclass.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import yaml

from littrack.config.model import (
    DEFAULT_TRIAL_QUERIES,
    BackgroundConfig,
    Config,
    DigestConfig,
    EmailConfig,
    FetchConfig,
    NcbiConfig,
    ScheduleConfig,
    TrialQuery,
    TrialsConfig,
)
from littrack.config.profiles import EXAMPLE_DOMAIN_RE as _EXAMPLE_DOMAIN_RE
from littrack.config.profiles import check_subject, parse_profiles
from littrack.config.section import Section
from littrack.config.shipped import CONFIG_NAME, shipped_config_path
from littrack.config.sources import parse_sources
from littrack.config.store import parse_store
from littrack.errors import ConfigError
from littrack.models import Topic

T = TypeVar("T")
_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


class _Loader(yaml.SafeLoader):
    """Safe YAML, except that dates stay text: ``backfill: 2024-01-01`` is then validated (and an impossible
    ``2024-13-45`` rejected) with the key's name, instead of PyYAML raising a bare ValueError."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


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


def _url(s: Section, name: str, default: str | None) -> str | None:
    """An http(s) base address, normalised to end with '/' (relative paths are joined onto it)."""
    url: str | None = s.text(name, default)
    if url is None:
        return None
    if not re.match(r"^https?://[^\s\"'<>]+$", url):
        raise s.error(name, f"must be an http(s) address, got {url!r}")
    return url if url.endswith("/") else url + "/"


def _parse_ncbi(s: Section, environ: Mapping[str, str]) -> NcbiConfig:
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
        timeout=s.number("timeout", d.timeout, above=True),
        max_retries=s.whole("max_retries", d.max_retries, 0, 20),
        backoff_seconds=s.number("backoff_seconds", d.backoff_seconds),
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
        s = Section(file, f"topics[{i}]", item)
        tid = s.text("id", required=True)
        if not re.match(r"^[a-z0-9][a-z0-9_-]*$", tid):
            raise s.error("id", f"use lower-case letters, digits, '-' or '_', got {tid!r}")
        preprint_query = s.text("preprint_query")
        topic = Topic(
            id=tid,
            name=s.text("name", tid).strip() or tid,
            query=s.text("query", required=True).strip(),
            preprint_query=" ".join(preprint_query.split()) if preprint_query and preprint_query.strip() else None,
        )
        s.done()
        if any(t.id == topic.id for t in topics):
            raise s.error("id", f"duplicate topic id {tid!r}")
        topics.append(topic)
    return tuple(topics)


def _parse_fetch(s: Section) -> FetchConfig:
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
        if since > dt.date.today():
            raise s.error("backfill", f"{since} is in the future; give a past date or a number of days")
    cfg = FetchConfig(
        backfill_days=days,
        backfill_since=since,
        overlap_days=s.whole("overlap_days", d.overlap_days, 0, 365),
        batch_size=s.whole("batch_size", d.batch_size, 1, 10_000),
        recheck_limit=s.whole("recheck_limit", d.recheck_limit, 0, 10_000),
        reconcile_days=s.whole("reconcile_days", d.reconcile_days, 0, 366),
    )
    s.done()
    return cfg


def _parse_digest(s: Section) -> DigestConfig:
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


def _parse_email(s: Section, environ: Mapping[str, str], *, profiles: bool = False) -> EmailConfig:
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
    if enabled and not recipients and not profiles:  # with profiles:, each profile's own (checked there)
        raise s.error("to", "needs at least one address when email.enabled is true")
    subject = s.text("subject", d.subject)
    check_subject(s, subject)
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
        timeout=s.number("timeout", d.timeout, above=True),
        ca_file=s.path("ca_file", None),
    )
    s.done()
    if cfg.ca_file is not None and not cfg.ca_file.is_file():
        raise s.error("ca_file", f"file not found: {cfg.ca_file}")
    if enabled and username and not cfg.password:
        raise s.error("username", f"is set but the environment variable {password_env} holding the password is empty")
    if enabled:
        _refuse_placeholders(s, cfg)
    return cfg


def _refuse_placeholders(s: Section, cfg: EmailConfig) -> None:
    """With e-mail on, the shipped example host and addresses would "send" a digest nobody receives."""
    why = "is a placeholder ({} never receives mail); put in your own, or set email.enabled: false"
    if _EXAMPLE_DOMAIN_RE.search(cfg.host.strip().rstrip(".")):
        raise s.error("host", f"{cfg.host} {why.format('an example.org host')}")
    for key, address in (("from", cfg.sender), *(("to", r) for r in cfg.recipients)):
        if _EXAMPLE_DOMAIN_RE.search(address.strip()):
            raise s.error(key, f"{address} {why.format('an example.org address')}")


_DEFAULT_PORTS = {"starttls": EmailConfig.port, "ssl": 465, "none": 25}


def _parse_schedule(s: Section) -> ScheduleConfig:
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


def _parse_background(s: Section) -> BackgroundConfig:
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
        min_similarity=s.number("min_similarity", d.min_similarity, 0.0, 1.0),
        resolve_mentions=s.get("resolve_mentions", bool, d.resolve_mentions),
    )
    s.done()
    return cfg


def _parse_trials(s: Section, topics: tuple[Topic, ...]) -> TrialsConfig:
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
    rate = s.number("requests_per_second", d.requests_per_second, above=True)
    cfg = TrialsConfig(
        enabled=s.get("enabled", bool, d.enabled),
        base_url=_url(s, "base_url", d.base_url) or d.base_url,
        queries=queries,
        no_publication_after_days=s.whole("no_publication_after_days", d.no_publication_after_days, 0),
        requests_per_second=rate,
        timeout=s.number("timeout", d.timeout, above=True),
        max_retries=s.whole("max_retries", d.max_retries, 0, 20),
        backoff_seconds=s.number("backoff_seconds", d.backoff_seconds),
    )
    s.done()
    return cfg


def _section(top: Section, name: str, parse: Callable[[Section], T]) -> T:
    return parse(top.sub(name))


def load_config(path: str | os.PathLike[str], environ: Mapping[str, str] | None = None) -> Config:
    """Read, validate and resolve ``path``. Raises ConfigError with a one-line, actionable message."""
    env = os.environ if environ is None else environ
    file = Path(path).expanduser().absolute()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        init = "littrack init" if file == Path.cwd() / CONFIG_NAME else f"littrack init {file}"
        raise ConfigError(
            f"{file}: config file not found; `{init}` writes littrack's default config there for you"
            f" to edit (the defaults ship with littrack in {shipped_config_path()}), or pass --config PATH"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read config: {exc}") from None
    try:
        raw = yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{file}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    top = Section(file, "", raw)
    topics = _parse_topics(file, top.get("topics", list, required=True))
    digest, schedule = _section(top, "digest", _parse_digest), _section(top, "schedule", _parse_schedule)
    email = _parse_email(top.sub("email"), env, profiles=bool(top.data.get("profiles")))
    cfg = Config(
        path=file,
        ncbi=_parse_ncbi(top.sub("ncbi"), env),
        store=_section(top, "store", lambda s: parse_store(s, env)),
        topics=topics,
        fetch=_section(top, "fetch", _parse_fetch),
        digest=digest,
        email=email,
        schedule=schedule,
        background=_section(top, "background", _parse_background),
        trials=_parse_trials(top.sub("trials"), topics),
        sources=parse_sources(top.sub("sources"), _url, valid_email),
        profiles=parse_profiles(
            top, topics, digest, email, schedule, valid_email=valid_email, validate_cron=validate_cron
        ),
    )
    top.done()
    return cfg
