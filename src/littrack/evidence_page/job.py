"""Build and write ``digests/evidence.html``: after every delivered digest, and by ``littrack evidence``.

The file is written atomically (:func:`littrack.digest.files.write_atomic`). The digest job calls
:func:`write_page` only after the delivery is committed and treats a failure as a warning, so a page that
cannot be written never undoes a delivery; the next digest (or ``littrack evidence``) writes it again.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from littrack.config import Config
from littrack.digest.files import write_atomic
from littrack.evidence_page.claims import article_ledgers
from littrack.evidence_page.gather import gather, with_latest_delivery
from littrack.evidence_page.model import EvidencePage, Snapshot
from littrack.evidence_page.render import render_evidence_html
from littrack.evidence_page.tables import topic_tables
from littrack.progress import Progress
from littrack.store import open_store

EVIDENCE_PAGE = "evidence.html"  # beside the digests and index.html, which link to it


@dataclass(frozen=True)
class EvidenceResult:
    path: Path
    page: EvidencePage
    size: int  # bytes written
    profile_pages: tuple[Path, ...] = ()  # with profiles: each profile's own page, rewritten too

    def line(self) -> str:
        """'evidence: 412 human studies in 3 topics (38 new), 291 preclinical; 26 claims in 4 articles → …'."""
        human = len({r.paper.pmid for t in self.page.tables for r in t.rows})
        new = len({r.paper.pmid for t in self.page.tables for r in t.rows if r.new})
        pre = len({r.paper.pmid for t in self.page.tables for r in t.preclinical})
        topics = len(self.page.tables)
        articles = len(self.page.ledger)
        return (
            f"evidence: {human} human stud{'ies' if human != 1 else 'y'} in {topics} topic{'s' if topics != 1 else ''}"
            f" ({new} new), {pre} preclinical; {self.page.claims} claim{'s' if self.page.claims != 1 else ''}"
            f" in {articles} background article{'s' if articles != 1 else ''} → {self.path} ({self.size:,} bytes)"
            + (f"; and {len(self.profile_pages)} profiles' pages" if self.profile_pages else "")
        )


def build_page(snapshot: Snapshot, *, title: str, generated_at: dt.datetime, notice: str | None = None) -> EvidencePage:
    """The page's tables and claims ledger from one snapshot (pure)."""
    return EvidencePage(
        title=title,
        generated_at=generated_at,
        tables=topic_tables(snapshot),
        ledger=article_ledgers(snapshot),
        papers=len(snapshot.facts),
        latest_digest=snapshot.latest_digest,
        latest_digest_at=snapshot.latest_digest_at,
        notice=notice,
    )


def write_page(
    cfg: Config, snapshot: Snapshot, *, now: dt.datetime | None = None, notice: str | None = None
) -> EvidenceResult:
    """Render ``snapshot`` into ``<digest.output_dir>/evidence.html`` atomically (``notice``: a banner on top)."""
    generated = now or dt.datetime.now(dt.UTC).astimezone()
    page = build_page(snapshot, title=cfg.digest.title, generated_at=generated, notice=notice)
    html = render_evidence_html(page).encode("utf-8")
    target = cfg.digest.output_dir / EVIDENCE_PAGE
    write_atomic(target, html)
    return EvidenceResult(target, page, len(html))


def evidence_job(cfg: Config, *, now: dt.datetime | None = None, progress: Progress | None = None) -> EvidenceResult:
    """``littrack evidence``: read the store and write the page (the store's records are only read; the
    evidence cache takes what was classified). ``progress`` counts the papers classified.

    With ``profiles:`` each profile's digests write its own page (``digests/<id>/evidence.html``: its topics,
    "new" since its latest digest); this rewrites those too, from the same snapshot, besides the page of every
    topic at the top."""
    with open_store(cfg.store.location, password=cfg.store.password) as store:
        snapshot = gather(cfg, store, progress)
        profiles = [
            (mine, with_latest_delivery(dataclasses.replace(snapshot, topics=mine.topics), store, p.id))
            for p in cfg.profiles
            if p.explicit
            for mine in (cfg.for_profile(p),)
        ]
    result = write_page(cfg, snapshot, now=now)
    written = tuple(write_page(mine, theirs, now=now).path for mine, theirs in profiles)
    return dataclasses.replace(result, profile_pages=written)


def current_page(cfg: Config, *, now: dt.datetime | None = None) -> EvidencePage:
    """The page as it would be written now, without writing it (``littrack export --format evidence-csv``)."""
    with open_store(cfg.store.location, password=cfg.store.password) as store:
        snapshot = gather(cfg, store)
    return build_page(snapshot, title=cfg.digest.title, generated_at=now or dt.datetime.now(dt.UTC).astimezone())
