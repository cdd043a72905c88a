"""The ``store:`` section: a SQLite file (``store.path``) or a PostgreSQL database (``store.url``), and the
check that a SQLite store's folder is there and writable."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping

from littrack.config.model import Config, StoreConfig
from littrack.config.section import Section
from littrack.errors import ConfigError


def parse_store(s: Section, environ: Mapping[str, str]) -> StoreConfig:
    d = StoreConfig()
    url = s.text("url")
    if url is not None and s.data.get("path") is not None:
        raise s.error("url", "and store.path are both set; keep one (store.url: PostgreSQL, store.path: SQLite)")
    path = s.path("path", str(d.path)) or d.path
    password_env = s.text("password_env", d.password_env)
    s.done()
    if url is None:
        return StoreConfig(path=path, password_env=password_env)
    url = url.strip()
    if not url.startswith(("postgresql://", "postgres://")):
        raise s.error("url", "must start with postgresql:// (a SQLite file goes in store.path)")
    try:
        parts = urllib.parse.urlsplit(url)
        written_password = parts.password
    except ValueError as exc:
        raise s.error("url", f"is not a valid URL ({exc})") from None
    if written_password is not None:
        # Never echo the URL here: it holds the password.
        raise s.error("url", f"contains a password; remove it from the config and put it in the environment "
                             f"variable {password_env} (store.password_env)")
    if not parts.hostname or not parts.path.strip("/"):
        raise s.error("url", "must name a host and a database: postgresql://user@host[:port]/database")
    return StoreConfig(path=d.path, url=url, password_env=password_env, password=environ.get(password_env) or None)


def check_store_folder(cfg: Config) -> None:
    """ConfigError unless ``store.path`` names a file in an existing, writable folder.

    littrack never creates that folder: a mistyped path would silently start a new, empty store that backfills
    and sends every paper again. Checked by every command on the user's config (not by :func:`load_config`,
    which the demo also uses on the shipped defaults inside the installed package, where no store is kept).
    """
    if cfg.store.is_postgresql:
        return  # a database server: nothing on this machine's disk to check
    path, folder = cfg.store.path, cfg.store.path.parent

    def error(message: str) -> ConfigError:
        return ConfigError(f"{cfg.path}: store.path: {message}")

    if path.is_dir():
        raise error(f"{path} is a folder; name the SQLite file, e.g. {path / StoreConfig.path.name}")
    if not folder.is_dir():
        state = "is a file, not a folder" if folder.exists() else "does not exist"
        raise error(f"the folder {folder} {state}; create it or correct the path (littrack never creates it: "
                    "a new, empty store would fetch and send every paper again)")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.R_OK | os.W_OK)):
        raise error(f"{path if path.exists() else folder} is read-only; littrack writes the store, its journal "
                    "and its lock file there")
