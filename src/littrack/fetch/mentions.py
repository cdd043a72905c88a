"""The fetch step that resolves the studies the background articles mention, through the same E-utilities
client (and so the same rate limiter); the answers are cached in the store for the digests."""

from __future__ import annotations

from littrack.background.corpus import load_corpus
from littrack.background.resolve import resolve_all
from littrack.errors import ResultCapExceeded
from littrack.fetch.steps import StepContext
from littrack.models import Confidence
from littrack.store.mentions import get_resolutions, save_resolution

MAX_IDS = 20  # a mention matching more than a handful of records is unresolved anyway


def step(ctx: StepContext) -> list[str]:
    """Resolve mentions not yet in the store; a note for the fetch summary (none when nothing was to do)."""
    mentions = load_corpus(ctx.cfg.background).mentions
    known = get_resolutions(ctx.store, [m.key for m in mentions])
    todo = [m for m in mentions if m.key not in known]
    if not todo:
        return []

    def search(query: str) -> tuple[int, ...]:
        try:
            return ctx.client.esearch(query, None, retmax=MAX_IDS, usehistory=False).ids
        except ResultCapExceeded:
            return tuple(range(MAX_IDS + 1))  # far too many hits: resolve() calls that unresolved

    resolutions = resolve_all(todo, search)
    with ctx.store.transaction() as conn:
        for r in resolutions:
            save_resolution(
                conn,
                r.mention.key,
                doc_id=r.mention.doc_id,
                sentence=r.mention.sentence,
                pmids=r.pmids,
                confidence=r.confidence,
                queries=r.queries,
            )
    found = sum(r.confidence != Confidence.UNRESOLVED for r in resolutions)
    return [f"background: resolved {found} of {len(resolutions)} study mentions"]
