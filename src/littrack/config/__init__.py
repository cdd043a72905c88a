"""littrack's configuration: ``config.yaml`` validated once into frozen, typed records.

- :mod:`.model` — the records (one dataclass per section) and their defaults;
- :mod:`.load` — :func:`load_config`: read the file, validate every key, resolve secrets from the environment;
- :mod:`.section` — the validating reader every section parser uses.
"""

from littrack.config.load import load_config, parse_date, valid_email, validate_cron, validate_timezone
from littrack.config.model import (
    DEFAULT_BASE_URL,
    DEFAULT_CTGOV_URL,
    DEFAULT_TRIAL_QUERIES,
    PLACEHOLDER_EMAIL,
    BackgroundConfig,
    Config,
    DigestConfig,
    EmailConfig,
    FetchConfig,
    NcbiConfig,
    ScheduleConfig,
    StoreConfig,
    TrialQuery,
    TrialsConfig,
    require_contact_email,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_CTGOV_URL",
    "DEFAULT_TRIAL_QUERIES",
    "PLACEHOLDER_EMAIL",
    "BackgroundConfig",
    "Config",
    "DigestConfig",
    "EmailConfig",
    "FetchConfig",
    "NcbiConfig",
    "ScheduleConfig",
    "StoreConfig",
    "TrialQuery",
    "TrialsConfig",
    "load_config",
    "parse_date",
    "require_contact_email",
    "valid_email",
    "validate_cron",
    "validate_timezone",
]
