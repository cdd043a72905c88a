"""littrack's configuration: ``config.yaml`` validated once into frozen, typed records.

- :mod:`.model` — the records (one dataclass per section) and their defaults;
- :mod:`.load` — :func:`load_config`: read the file, validate every key, resolve secrets from the environment;
- :mod:`.store` — the ``store:`` section (SQLite path or PostgreSQL URL) and the store folder check;
- :mod:`.section` — the validating reader every section parser uses;
- :mod:`.shipped` — the shipped default ``config.yaml`` (package data) and :func:`write_default_config`.
"""

from littrack.config.load import (
    load_config,
    parse_date,
    valid_email,
    validate_cron,
    validate_timezone,
)
from littrack.config.model import (
    DEFAULT_BASE_URL,
    DEFAULT_CROSSREF_URL,
    DEFAULT_CTGOV_URL,
    DEFAULT_EUROPEPMC_URL,
    DEFAULT_TRIAL_QUERIES,
    DEFAULT_UNPAYWALL_URL,
    DIGEST_SECTIONS,
    PLACEHOLDER_EMAIL,
    BackgroundConfig,
    Config,
    CrossrefConfig,
    DigestConfig,
    EmailConfig,
    EuropePmcConfig,
    FetchConfig,
    NcbiConfig,
    Profile,
    ScheduleConfig,
    SourcesConfig,
    StoreConfig,
    TrialQuery,
    TrialsConfig,
    UnpaywallConfig,
    require_contact_email,
)
from littrack.config.shipped import CONFIG_NAME, shipped_config_path, write_default_config
from littrack.config.store import check_store_folder

__all__ = [
    "CONFIG_NAME",
    "DEFAULT_BASE_URL",
    "DEFAULT_CROSSREF_URL",
    "DEFAULT_CTGOV_URL",
    "DEFAULT_EUROPEPMC_URL",
    "DEFAULT_TRIAL_QUERIES",
    "DEFAULT_UNPAYWALL_URL",
    "DIGEST_SECTIONS",
    "PLACEHOLDER_EMAIL",
    "BackgroundConfig",
    "Config",
    "CrossrefConfig",
    "DigestConfig",
    "EmailConfig",
    "EuropePmcConfig",
    "FetchConfig",
    "NcbiConfig",
    "Profile",
    "ScheduleConfig",
    "SourcesConfig",
    "StoreConfig",
    "TrialQuery",
    "TrialsConfig",
    "UnpaywallConfig",
    "check_store_folder",
    "load_config",
    "parse_date",
    "require_contact_email",
    "shipped_config_path",
    "valid_email",
    "validate_cron",
    "validate_timezone",
    "write_default_config",
]
