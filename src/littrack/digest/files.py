"""Digest file names and atomic writes: the only place a digest (or its index/feed/exports) touches disk.

A reader (a browser, a feed reader, the next ``littrack digest``) sees either the old file or the complete
new one, never a half-written file: data go to a temp file in the same directory, are flushed and
fsynced, then renamed over the target with :func:`os.replace`. A digest's files are its page
``<stem>.html`` and the exports beside it (:data:`EXPORT_SUFFIXES`); :func:`withdraw` removes the files of
an attempt that was never delivered, :func:`remove_temp_files` what a killed write left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from littrack.errors import DigestError

_PROFILE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
EXPORT_SUFFIXES = (".ris", ".bib", ".csl.json")
# The pages beside the digests that every delivery rewrites (the archive, the feed, the standing pages).
FIXED_PAGES = ("index.html", "feed.xml", "background.html", "evidence.html")
# What write_atomic's temp files are called (".<target>.<8 random chars>.tmp") for the targets the digest
# job writes: its pages and exports (named from a date) and the fixed pages.
_OUR_TEMP_RE = re.compile(
    r"^\.(?:\d{4}-\d\d-\d\d[a-z0-9_.-]*|" + "|".join(re.escape(p) for p in FIXED_PAGES) + r")\.[a-z0-9_]{8}\.tmp$"
)


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``data`` (str as UTF-8) to ``path`` atomically; raise DigestError with one line on failure.

    On failure the temp file is removed and any existing file at ``path`` is left untouched.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a digest is meant to be opened by others
        os.replace(tmp, path)
        tmp = None
        _fsync_dir(path.parent)
    except OSError as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        reason = exc.strerror or str(exc)
        raise DigestError(
            f"cannot write digest file {path}: {reason}; free space or fix permissions in {path.parent} "
            "and run the digest again (nothing was marked as sent)"
        ) from exc


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable; some filesystems do not allow opening a directory, which is fine."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def digest_filename(date: dt.date, profile: str | None, suffix: int | None = None) -> str:
    """``2026-11-21.html``, ``2026-11-21-work.html``, or with ``suffix=2`` ``2026-11-21-work-2.html``."""
    if profile is not None and not _PROFILE_RE.match(profile):
        raise DigestError(
            f"digest profile {profile!r} cannot be part of a file name; use lower-case letters, digits, '-' or '_'"
        )
    stem = date.isoformat() + (f"-{profile}" if profile else "")
    if suffix is not None and suffix > 1:
        stem += f"-{suffix}"
    return stem + ".html"


def unique_digest_path(directory: Path, date: dt.date, profile: str | None, taken: Callable[[Path], bool]) -> Path:
    """The first of ``<date>[-<profile>].html``, ``…-2.html``, ``…-3.html``… for which ``taken`` is False.

    ``taken`` is the caller's rule (e.g. "a file exists there for a different digest id").
    """
    n = 1
    while True:
        candidate = directory / digest_filename(date, profile, n)
        if not taken(candidate):
            return candidate
        n += 1


def digest_files(directory: Path, filename: str) -> list[Path]:
    """The page ``filename`` and the export files beside it (whether or not they exist)."""
    stem = filename.removesuffix(".html")
    return [directory / filename, *(directory / (stem + suffix) for suffix in EXPORT_SUFFIXES)]


def any_exists(paths: list[Path]) -> bool:
    return any(p.exists() for p in paths)


def withdraw(directory: Path, filename: str) -> None:
    """Remove the page and exports of an undelivered attempt; DigestError if one cannot be removed."""
    for path in digest_files(directory, filename):
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            continue  # nothing there (not even the folder)
        except OSError as exc:
            raise DigestError(
                f"cannot remove {path}, left by a digest that was never delivered: {exc.strerror or exc}; "
                f"fix permissions in {directory} and run the digest again"
            ) from exc


def remove_temp_files(directory: Path) -> None:
    """Temp files of atomic writes that a killed process never renamed (call only while holding the job lock)."""
    try:
        names = [p for p in directory.iterdir() if _OUR_TEMP_RE.match(p.name)]
    except OSError:
        return  # no folder yet, or unreadable: the write that follows reports it
    for path in names:
        with contextlib.suppress(OSError):
            path.unlink()
