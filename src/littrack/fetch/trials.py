"""The fetch step that syncs registered trials from ClinicalTrials.gov (:mod:`littrack.trials.sync`).

A failure here never fails the fetch: the PubMed part is already committed. It is logged, recorded as a failed
``trials`` run in the ledger, named in the fetch summary, and the next fetch tries again.
"""

from __future__ import annotations

import logging

from littrack.errors import TrialsError
from littrack.fetch.steps import StepContext
from littrack.trials.client import CtgovClient
from littrack.trials.sync import sync_trials

log = logging.getLogger(__name__)


def step(ctx: StepContext) -> list[str]:
    with CtgovClient(ctx.cfg.trials) as ct:
        try:
            summary = sync_trials(ctx.cfg.trials, ctx.store, ct, topics=[t.id for t in ctx.cfg.topics], today=ctx.today)
        except TrialsError as exc:
            log.error("trials sync failed: %s", exc)
            return [f"trials: failed ({exc})"]
    return [summary.line()]
