"""Progress of long jobs: the :class:`Progress` protocol the jobs report to, and its two implementations
(a tqdm bar on stderr when it is a terminal; nothing, for the service and tests)."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Protocol

from tqdm import tqdm


class Progress(Protocol):
    """What a job reports to a progress bar: more work became known, some work got done."""

    def add_total(self, n: int) -> None: ...
    def advance(self, n: int) -> None: ...


class NoProgress:
    """A progress sink that shows nothing."""

    def add_total(self, n: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass


class TerminalProgress:
    """Implements :class:`Progress` with tqdm; ``disable=None`` turns it off when not a TTY."""

    def __init__(self, desc: str, unit: str = "rec") -> None:
        self._bar = tqdm(total=0, desc=desc, unit=unit, file=sys.stderr, disable=None, leave=False, dynamic_ncols=True)

    def add_total(self, n: int) -> None:
        if n:
            self._bar.total = (self._bar.total or 0) + n
            self._bar.refresh()

    def advance(self, n: int) -> None:
        self._bar.update(n)

    def __enter__(self) -> TerminalProgress:
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._bar.close()
