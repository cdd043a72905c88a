"""What every step after the PubMed fetch receives (see :data:`littrack.fetch.job.AFTER_FETCH`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from littrack.config import Config
from littrack.eutils.client import EutilsClient
from littrack.store import Store


@dataclass(frozen=True)
class StepContext:
    """The config, the open store, the E-utilities client (shared rate limit) and the day the job runs for."""

    cfg: Config
    store: Store
    client: EutilsClient
    today: dt.date
