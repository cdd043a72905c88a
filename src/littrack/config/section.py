"""A mapping of ``config.yaml`` being validated: typed getters that name the file and key in every error."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, TypeVar

from littrack.errors import ConfigError

T = TypeVar("T")


class Section:
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

    def number(self, name: str, default: float, minimum: float = 0.0, maximum: float | None = None, *,
               above: bool = False) -> float:
        """A finite number ≥ ``minimum`` (> with ``above``: a timeout of 0 s is no timeout), ≤ ``maximum``."""
        value: float = self.get(name, float, default)
        low = value > minimum if above else value >= minimum
        if not math.isfinite(value) or not low or (maximum is not None and value > maximum):
            bound = f"more than {minimum:g}" if above else f"at least {minimum:g}"
            if maximum is not None:
                bound = f"between {minimum:g} and {maximum:g}"
            raise self.error(name, f"must be {bound}, got {value:g}")
        return value

    def path(self, name: str, default: str | None) -> Path | None:
        value = self.text(name, default)
        if value is None:
            return None
        p = Path(value).expanduser()
        return p if p.is_absolute() else (self.file.parent / p)

    def sub(self, name: str) -> Section:
        self.seen.add(name)
        return Section(self.file, self.key(name), self.data.get(name))

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
