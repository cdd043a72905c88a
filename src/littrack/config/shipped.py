"""The shipped default configuration: ``littrack/config/config.yaml``, package data, the one source of truth.

The repository's top-level ``config.yaml`` is a byte-identical copy (a test checks it), so a reader of the
repository and a user of an installed wheel see the same defaults. ``littrack init`` writes a copy for a user
to edit; ``littrack demo`` reads it when no config file is found.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from littrack.errors import ConfigError

CONFIG_NAME = "config.yaml"


def shipped_config_path() -> Path:
    """Where the installed package keeps its default ``config.yaml`` (read-only for the user: copy it)."""
    return Path(str(resources.files(__package__).joinpath(CONFIG_NAME)))


def write_default_config(target: Path, *, force: bool = False) -> Path:
    """Copy the shipped ``config.yaml`` to ``target`` (a folder gets ``config.yaml`` inside); returns the file.

    Never overwrites an existing file unless ``force``: a user's edited config is worth more than the defaults.
    """
    path = (target / CONFIG_NAME if target.is_dir() else target).absolute()
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists; edit it, or pass --force to replace it with the shipped defaults")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(shipped_config_path().read_bytes())
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path
