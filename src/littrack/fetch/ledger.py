"""One run-ledger row per optional source per fetch, and the rule that a source failing never fails the fetch.

The steps for Europe PMC, Crossref and Unpaywall run their work through :func:`run_source`: the ledger row
(kind = the source's name) says ok or failed with the requests made, ``littrack status`` and the digest read the
source's last success and error from it, and the fetch summary gets one line either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from littrack.errors import LittrackError, StoreError
from littrack.store import Store
from littrack.store.runs import finish_run, start_run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceResult:
    note: str  # one line for the fetch summary ("" for none)
    new: int = 0
    updated: int = 0


def run_source(
    store: Store, kind: str, label: str, work: Callable[[int], SourceResult], requests: Callable[[], int]
) -> list[str]:
    """Run ``work(run_id)`` as a ``kind`` run. Any failure but the store's own is recorded, logged and named in the
    returned note; the caller's fetch goes on, and the next fetch tries again (the work commits only what it did)."""
    run_id = start_run(store, kind)
    try:
        result = work(run_id)
    except StoreError:
        finish_run(store, run_id, status="failed", requests=requests(), error="the store could not be written")
        raise
    except Exception as exc:
        message = str(exc) or type(exc).__name__
        if isinstance(exc, LittrackError):
            log.error("%s failed: %s", label, message)
        else:
            log.exception("%s failed unexpectedly", label)  # a bug, not an outage: keep the traceback
        finish_run(store, run_id, status="failed", requests=requests(), error=message)
        return [f"{label}: failed ({message})"]
    except BaseException:
        finish_run(store, run_id, status="interrupted", requests=requests(), error="interrupted")
        raise
    finish_run(store, run_id, status="ok", new=result.new, updated=result.updated, requests=requests())
    return [result.note] if result.note else []
