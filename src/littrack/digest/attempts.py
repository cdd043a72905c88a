"""The files and ledger rows of digest attempts: which names are free, what undelivered attempts left behind,
how an attempt that did not deliver is recorded, and the warning when papers may reach a reader twice.

The digest job (:mod:`littrack.digest.job`) calls these while holding the store's job lock, so no other
process is writing to the digests folder or the ledger at the same time.
"""

from __future__ import annotations

import logging
from pathlib import Path

from littrack.config import Config
from littrack.digest.files import any_exists, digest_files, remove_temp_files, withdraw
from littrack.errors import LittrackError
from littrack.store import Store
from littrack.store import digests as ledger
from littrack.store.runs import finish_run

log = logging.getLogger(__name__)


def duplicate_warning(notice: str | None, maybe_sent: list[ledger.DigestRow]) -> str | None:
    """Warn (log and banner) when papers of an attempt that may have reached the readers are sent again."""
    if not maybe_sent:
        return notice
    ids = ", ".join(f"#{r.id}" for r in maybe_sent)
    log.warning(
        "digest %s may have been e-mailed already: it was handed to the SMTP server but never recorded as "
        "delivered (the process ended or the send failed); its papers are sent again, so readers may get them twice",
        ids,
    )
    warning = (
        f"Some of these papers may have reached you already: an earlier digest ({ids}) was handed to the mail "
        "server, but littrack could not record its delivery."
    )
    return f"{notice} {warning}" if notice else warning


def withdraw_leftovers(cfg: Config, store: Store, profile: str) -> None:
    """Remove what earlier undelivered attempts of this profile left in digests/, and free their names.

    A file name that a delivered digest owns (an attempt's name, reused after the attempt's files went) is
    left alone: only the ledger row lets go of it.
    """
    out = cfg.digest.output_dir
    remove_temp_files(out)
    for old in ledger.stale_attempts(store, profile):
        assert old.filename is not None
        owner = ledger.filename_owner(store, old.filename)
        if owner is not None and owner.id == old.id:
            withdraw(out, old.filename)
        ledger.set_filename(store, old.id, None)


def occupied(store: Store, path: Path) -> bool:
    """A name is taken while a digest claims it, or while any file of it exists (it may be a delivered
    digest of a store we do not know about, or the user's)."""
    return ledger.filename_owner(store, path.name) is not None or any_exists(digest_files(path.parent, path.name))


def end_attempt(
    cfg: Config, store: Store, digest_id: int, run_id: int, target: Path | None, status: str, message: str
) -> None:
    """Withdraw this attempt's files and record how it ended.

    Best effort: when this fails too (the store is on the full disk), the caller's error is still the one
    the user sees, and the next digest finishes the bookkeeping (interrupted row, leftover files).
    """
    try:
        if target is not None:
            withdraw(cfg.digest.output_dir, target.name)
            ledger.set_filename(store, digest_id, None)
    except LittrackError as exc:  # reported at INFO: the user's one line is the error that ended the attempt
        log.info("%s", exc)
    try:
        ledger.mark_failed(store, digest_id, message, status=status)
        finish_run(store, run_id, status=status, error=message)
    except LittrackError as exc:
        log.info("could not record digest #%d as %s: %s; the next digest will", digest_id, status, exc)
