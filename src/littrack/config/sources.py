"""The ``sources:`` section of ``config.yaml``: Europe PMC preprints, Crossref notices, Unpaywall free full text.

Parsed like every other section (see :mod:`littrack.config.load`): defaults from the dataclasses in
:mod:`littrack.config.model`, one :class:`~littrack.errors.ConfigError` line naming file and key per mistake.
"""

from __future__ import annotations

from collections.abc import Callable

from littrack.config.model import CrossrefConfig, EuropePmcConfig, SourcesConfig, UnpaywallConfig
from littrack.config.section import Section

Url = Callable[[Section, str, str | None], str | None]
Email = Callable[[str], bool]


def _rate(s: Section, default: float) -> float:
    rate: float = s.get("requests_per_second", float, default)
    if rate <= 0:
        raise s.error("requests_per_second", f"must be more than 0, got {rate:g}")
    return rate


def parse_sources(s: Section, url: Url, valid_email: Email) -> SourcesConfig:
    """Validate ``sources:``; ``url`` and ``valid_email`` are the loader's own checks (one rule per kind)."""
    d = SourcesConfig()
    email = s.text("email", d.email)
    if email is not None:
        email = email.strip() or None
    if email is not None and not valid_email(email):
        raise s.error("email", f"is not an e-mail address: {email!r}")

    e = s.sub("europepmc")
    de = EuropePmcConfig()
    europepmc = EuropePmcConfig(
        enabled=e.get("enabled", bool, de.enabled),
        base_url=url(e, "base_url", de.base_url) or de.base_url,
        requests_per_second=_rate(e, de.requests_per_second),
        page_size=e.whole("page_size", de.page_size, 1, 1000),
        relink_limit=e.whole("relink_limit", de.relink_limit, 0, 10_000),
    )
    e.done()

    c = s.sub("crossref")
    dc = CrossrefConfig()
    crossref = CrossrefConfig(
        enabled=c.get("enabled", bool, dc.enabled),
        base_url=url(c, "base_url", dc.base_url) or dc.base_url,
        requests_per_second=_rate(c, dc.requests_per_second),
        batch_size=c.whole("batch_size", dc.batch_size, 1, 100),
        recheck_days=c.whole("recheck_days", dc.recheck_days, 1, 3650),
    )
    c.done()

    u = s.sub("unpaywall")
    du = UnpaywallConfig()
    unpaywall = UnpaywallConfig(
        enabled=u.get("enabled", bool, du.enabled),
        base_url=url(u, "base_url", du.base_url) or du.base_url,
        requests_per_second=_rate(u, du.requests_per_second),
        refresh_days=u.whole("refresh_days", du.refresh_days, 1, 3650),
        per_run_limit=u.whole("per_run_limit", du.per_run_limit, 0, 100_000),
    )
    u.done()

    cfg = SourcesConfig(
        email=email,
        timeout=s.get("timeout", float, d.timeout),
        max_retries=s.whole("max_retries", d.max_retries, 0, 20),
        backoff_seconds=s.get("backoff_seconds", float, d.backoff_seconds),
        europepmc=europepmc,
        crossref=crossref,
        unpaywall=unpaywall,
    )
    s.done()
    return cfg
