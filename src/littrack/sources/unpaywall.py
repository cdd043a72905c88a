"""Free full text from Unpaywall (API v2): one DOI per request, its best open-access location.

Network and parsing only. Unpaywall answers only requests that carry an e-mail address (``?email=``) and allows
100,000 a day; littrack asks about each DOI once and again only after ``refresh_days``. A DOI Unpaywall does not
know is a 404, which is an answer ("no free copy known"), not a failure.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from littrack.config import SourcesConfig
from littrack.errors import ParseError, SourceError
from littrack.jsonapi import JsonClient
from littrack.models import OaKind, OpenAccessLocation

_KINDS = {k.value: k for k in OaKind}


class UnpaywallClient(JsonClient):
    name = "Unpaywall"
    config_key = "sources.unpaywall"

    def __init__(self, cfg: SourcesConfig, **kwargs: Any) -> None:
        if not cfg.email:
            raise SourceError("Unpaywall needs a contact e-mail: set sources.email in config.yaml")
        options: dict[str, Any] = {
            "requests_per_second": cfg.unpaywall.requests_per_second,
            "timeout": cfg.timeout,
            "max_retries": cfg.max_retries,
            "backoff_seconds": cfg.backoff_seconds,
            "email": cfg.email,
        } | kwargs
        super().__init__(cfg.unpaywall.base_url, **options)

    def lookup(self, doi: str) -> Mapping[str, Any] | None:
        """Unpaywall's record of ``doi``, or None when it does not know the DOI."""
        return self.get(urllib.parse.quote(doi, safe="/:;()[]"), {"email": self.email or ""}, allow_404=True)


def parse_location(doi: str, record: Mapping[str, Any] | None) -> OpenAccessLocation | None:
    """The best open-access location, or None (closed, unknown DOI, or no usable link).

    Raises :class:`~littrack.errors.ParseError` when the reply is about another DOI: a link to the wrong paper's
    full text would be worse than none.
    """
    if record is None:
        return None
    answered = str(record.get("doi") or "").strip().lower()
    if answered != doi.strip().lower():
        raise ParseError(f"Unpaywall answered about {answered!r} when asked about {doi!r}; the link was not stored")
    kind = _KINDS.get(str(record.get("oa_status") or "").lower())
    best = record.get("best_oa_location")
    if not record.get("is_oa") or kind is None or not isinstance(best, dict):
        return None
    landing, pdf = best.get("url_for_landing_page"), best.get("url_for_pdf")
    url = best.get("url") or landing or pdf
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    return OpenAccessLocation(
        doi=doi.strip().lower(),
        kind=kind,
        url=landing if isinstance(landing, str) and landing.startswith(("https://", "http://")) else url,
        pdf_url=pdf if isinstance(pdf, str) and pdf.startswith(("https://", "http://")) else None,
        host_type=str(best.get("host_type") or ""),
        version=str(best.get("version") or ""),
        license=best.get("license") if isinstance(best.get("license"), str) else None,
    )
