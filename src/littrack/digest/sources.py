"""The digest's parts from the sources beside PubMed: preprints, "now published" notes, free-full-text links,
and the sources that could not be reached.

:func:`collect_sources` reads them once per digest; the digest job hands them to the view and, on delivery,
:meth:`SourceExtras.mark_reported` records (inside the delivery transaction) which preprints and notes were sent,
so each is said once per profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from littrack.config import Config
from littrack.digest.view import PublishedPreprintNote
from littrack.models import OpenAccessLocation, Paper, Preprint, Source, SourceOutage
from littrack.store import Store
from littrack.store import preprints as preprint_store
from littrack.store.db import Connection
from littrack.store.sources import open_access_for, outages

# Run-ledger kind → what the digest calls the source when it could not be reached.
SOURCE_NAMES = {
    Source.EUROPEPMC.value: "Europe PMC (preprints)",
    Source.CROSSREF.value: "Crossref (corrections and retractions)",
    Source.UNPAYWALL.value: "Unpaywall (free full text)",
}  # ClinicalTrials.gov has its own notice in the trials section (littrack.trials.report)


@dataclass(frozen=True)
class SourceExtras:
    store: Store
    preprints: tuple[preprint_store.StoredPreprint, ...] = ()
    published: tuple[PublishedPreprintNote, ...] = ()
    outages: tuple[SourceOutage, ...] = ()

    @property
    def has_news(self) -> bool:
        """Something worth a digest even when no paper is new."""
        return bool(self.preprints or self.published)

    def open_access(self, papers: Sequence[Paper]) -> dict[str, OpenAccessLocation]:
        return open_access_for(self.store, [p.doi for p in papers if p.doi])

    def preprint_versions(self, pmids: Sequence[int]) -> dict[int, Preprint]:
        return preprint_store.preprint_versions(self.store, pmids)

    def preprint_rows(self) -> list[tuple[Preprint, tuple[str, ...]]]:
        return [(sp.preprint, sp.topic_ids) for sp in self.preprints]

    def mark_reported(self, conn: Connection, profile: str, digest_id: int) -> None:
        preprint_store.mark_preprints_delivered(conn, profile, digest_id, [sp.preprint.id for sp in self.preprints])
        preprint_store.mark_links_reported(conn, profile, digest_id, [n.preprint.id for n in self.published])


def _note(p: preprint_store.PublishedPreprint) -> PublishedPreprintNote:
    paper = p.paper
    return PublishedPreprintNote(
        preprint=p.preprint,
        pmid=paper.pmid,
        journal=(paper.journal_iso or paper.journal or "a journal").rstrip("."),
        title=paper.title,
        method=p.link.method,
    )


def collect_sources(
    cfg: Config,
    store: Store,
    profile: str,
    *,
    digest_id: int | None = None,
    topics: Sequence[str] | None = None,
    since: str = "",
    preprints_shown: bool = True,
) -> SourceExtras:
    """What the sources add to the next digest of ``profile`` (with ``digest_id``: what that digest showed).
    ``topics`` and ``since`` narrow the preprints to the profile's (see :func:`pending_preprints`); without
    ``preprints_shown`` (a profile without the preprint section) none are collected, so none is marked sent."""
    rebuilding = digest_id is not None
    preprints = (
        preprint_store.pending_preprints(store, profile, digest_id=digest_id, topics=topics, since=since)
        if preprints_shown and (rebuilding or cfg.sources.europepmc.enabled)
        else []
    )
    published = preprint_store.published_to_report(store, profile, digest_id=digest_id) if preprints_shown else []
    enabled = {
        Source.EUROPEPMC.value: cfg.sources.europepmc.enabled,
        Source.CROSSREF.value: cfg.sources.crossref.enabled,
        Source.UNPAYWALL.value: cfg.sources.unpaywall_on,
    }
    names = {kind: name for kind, name in SOURCE_NAMES.items() if enabled[kind]}
    return SourceExtras(
        store=store,
        preprints=tuple(preprints),
        published=tuple(_note(p) for p in published),
        outages=() if rebuilding else tuple(outages(store, names)),
    )
