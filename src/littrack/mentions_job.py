"""Resolve the studies the background articles mention, during fetch, through the same E-utilities client
(and so the same rate limiter); cache the answers in the store for the digests."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from littrack.background.documents import BackgroundDoc, load_documents
from littrack.background.mentions import Mention, extract_mentions
from littrack.background.passages import Passage, split_all
from littrack.background.resolve import Resolution, resolve_all
from littrack.background.resolve import study_mentions as to_view
from littrack.config import Config
from littrack.errors import ResultCapExceeded
from littrack.eutils.client import EutilsClient
from littrack.models import StudyMention
from littrack.store import Store
from littrack.store.mentions import get_resolutions, save_resolution

MAX_IDS = 20  # a mention matching more than a handful of records is unresolved anyway


def mention_key(m: Mention) -> str:
    return f"{m.doc_id}:{hashlib.sha1(m.sentence.encode('utf-8')).hexdigest()[:12]}"


def resolve_pending_mentions(cfg: Config, store: Store, client: EutilsClient) -> list[str]:
    """Resolve mentions not yet in the store; returns a note for the fetch summary (empty when nothing to do)."""
    mentions = extract_mentions(split_all(load_documents(cfg.background)))
    known = get_resolutions(store, [mention_key(m) for m in mentions])
    todo = [m for m in mentions if mention_key(m) not in known]
    if not todo:
        return []

    def search(query: str) -> tuple[int, ...]:
        try:
            return client.esearch(query, None, retmax=MAX_IDS, usehistory=False).ids
        except ResultCapExceeded:
            return tuple(range(MAX_IDS + 1))  # far too many hits: resolve() calls that unresolved

    resolutions = resolve_all(todo, search)
    with store.transaction() as conn:
        for r in resolutions:
            save_resolution(
                conn,
                mention_key(r.mention),
                doc_id=r.mention.doc_id,
                sentence=r.mention.sentence,
                pmids=r.pmids,
                confidence=r.confidence,
                queries=r.queries,
            )
    found = sum(r.confidence != "unresolved" for r in resolutions)
    return [f"background: resolved {found} of {len(resolutions)} study mentions"]


def study_mentions(
    store: Store, passages: Sequence[Passage], docs: Sequence[BackgroundDoc]
) -> tuple[StudyMention, ...]:
    """Every mention with its stored resolution; never looked up yet → listed as unresolved."""
    mentions = extract_mentions(passages)
    known = get_resolutions(store, [mention_key(m) for m in mentions])
    resolutions = [
        Resolution(m, known[k].pmids, known[k].confidence, known[k].queries)
        if (k := mention_key(m)) in known
        else Resolution(m, (), "unresolved")
        for m in mentions
    ]
    return to_view(resolutions, {d.id: d.title for d in docs})
