"""The digest job: select what is waiting, render, write atomically, e-mail, and only then mark delivered.

Exactly once per profile: a digest row is created as *pending* with its papers; the file is written with
temp-file + rename; when e-mail is on the SMTP server must accept the message; only then one transaction
marks the digest delivered and its papers as sent (``delivered_papers``' primary key forbids a second
delivery). Any failure before that commit leaves the papers waiting, and the next digest retries them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from littrack.config import Config
from littrack.digest import addons
from littrack.digest.archive import ArchiveEntry, render_feed, render_index
from littrack.digest.assemble import build_view
from littrack.digest.files import unique_digest_path, write_atomic
from littrack.digest.mail import build_message, format_subject, send_message
from littrack.digest.render import render_email_html, render_html, render_text
from littrack.digest.view import DigestView
from littrack.errors import DigestError, LittrackError
from littrack.export import to_bibtex, to_csl_json, to_ris
from littrack.lock import hold_lock, job_lock_path
from littrack.models import DateWindow, Paper, PaperChange
from littrack.store import Store, open_store
from littrack.store import digests as ledger
from littrack.store.coverage import late_pmids
from littrack.store.papers import get_papers
from littrack.store.runs import finish_run, mark_interrupted, start_run
from littrack.store.unreadable import unreadable_pmids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestResult:
    path: Path | None
    digest_id: int | None
    total: int
    emailed: bool
    dry_run: bool = False
    retrying: bool = False
    skipped: bool = False

    def line(self) -> str:
        if self.skipped:
            return "digest: no new papers; nothing written (digest.write_empty is false)"
        what = (
            "dry run, nothing marked or sent"
            if self.dry_run
            else ("written and e-mailed" if self.emailed else "written")
        )
        retry = "; retrying papers from an undelivered digest" if self.retrying else ""
        return f"digest: {self.total} paper{'s' if self.total != 1 else ''} → {self.path} ({what}){retry}"


def _period(store: Store, profile: str) -> DateWindow | None:
    """The Entrez-date span of the successful fetches since this profile's last delivered digest."""
    last = store.conn.execute(
        "SELECT max(delivered_at) FROM digests WHERE profile=? AND status='delivered'", (profile,)
    ).fetchone()[0]
    row = store.conn.execute(
        "SELECT min(window_start), max(window_end) FROM runs WHERE kind='fetch' AND status IN ('ok', 'partial')"
        " AND ended_at > ?",
        (last or "",),
    ).fetchone()
    if not row[0]:
        return None
    return DateWindow(dt.date.fromisoformat(row[0]), dt.date.fromisoformat(row[1]))


def _write_exports(stem: Path, papers: list[Paper]) -> tuple[tuple[str, str], ...]:
    files = (("RIS", ".ris", to_ris), ("BibTeX", ".bib", to_bibtex), ("CSL-JSON", ".csl.json", to_csl_json))
    out = []
    for label, suffix, fn in files:
        target = stem.with_name(stem.name + suffix)
        write_atomic(target, fn(papers))
        out.append((label, target.name))
    return tuple(out)


def _render_and_write(view: DigestView, target: Path, public_url: str | None) -> DigestView:
    """The export files beside the digest, then the digest itself (linking to them), each written atomically.

    ``public_url`` is where the digests folder is published; e-mails link there (a file:// link would be useless
    to a reader on another machine), otherwise to PubMed.
    """
    papers = [e.paper for s in view.sections for e in s.entries]
    exports = _write_exports(target.with_suffix(""), papers)
    view = dataclasses.replace(view, exports=exports, full_digest_url=public_url + target.name if public_url else None)
    write_atomic(target, render_html(view))
    return view


def write_archive(cfg: Config, store: Store) -> None:
    """digests/index.html and feed.xml from the delivered digests; regenerated after every delivery."""
    rows = ledger.delivered_digests(store)
    entries = [
        ArchiveEntry(
            digest_id=r.id,
            filename=r.filename or "",
            title=f"{cfg.digest.title}{' (' + r.profile + ')' if r.profile else ''}",
            period=DateWindow(dt.date.fromisoformat(r.period_start), dt.date.fromisoformat(r.period_end))
            if r.period_start and r.period_end
            else None,
            generated_at=dt.datetime.fromisoformat(r.delivered_at or r.created_at),
            total=r.total,
            per_topic=tuple(r.per_topic.items()),
        )
        for r in rows
        if r.filename
    ]
    out = cfg.digest.output_dir
    write_atomic(out / "index.html", render_index(entries))
    write_atomic(
        out / "feed.xml",
        render_feed(entries, feed_id=f"urn:littrack:feed:{cfg.digest.profile or 'default'}", self_url=None),
    )


def digest_job(
    cfg: Config,
    *,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    lock_wait: float | None = None,
    notice: str | None = None,
) -> DigestResult:
    """Produce the next digest for ``cfg.digest.profile``. See the module docstring for the guarantees."""
    now = now or dt.datetime.now(dt.UTC).astimezone()
    profile = cfg.digest.profile or ""
    with hold_lock(job_lock_path(cfg.store.path), wait=lock_wait), open_store(cfg.store.path) as store:
        mark_interrupted(store)
        pmids = ledger.waiting_pmids(store, profile)
        changes = ledger.pending_changes(store, profile)
        extras = addons.collect(cfg, store, profile)
        if not pmids and not changes and not extras.trials and not cfg.digest.write_empty:
            return DigestResult(None, None, 0, False, dry_run=dry_run, skipped=True)
        view = _view(
            cfg,
            store,
            pmids,
            extras,
            [c for _, c in changes],
            period=_period(store, profile),
            generated_at=now,
            retrying=ledger.previously_attempted(store, profile, pmids),
            notice=notice,
        )
        if dry_run:
            target = cfg.digest.output_dir / f"{now.date().isoformat()}{'-' + profile if profile else ''}.dry-run.html"
            _render_and_write(view, target, cfg.digest.public_url)
            return DigestResult(target, None, view.total, False, dry_run=True, retrying=view.retrying)
        return _deliver(cfg, store, view, [cid for cid, _ in changes], extras, now)


def _view(
    cfg: Config,
    store: Store,
    pmids: list[int],
    extras: addons.Extras,
    changes: list[PaperChange],
    **kwargs: Any,
) -> DigestView:
    stored = list(get_papers(store, pmids).values())
    return build_view(
        cfg,
        stored,
        changes=changes,
        retracted=ledger.retracted_pmids(store, pmids),
        late=late_pmids(store, pmids),
        trials=[t.change for t in extras.trials],
        trial_links=extras.trial_links(pmids),
        relate=extras.relate,
        background=extras.background_for(stored),
        mentions=extras.mentions,
        unreadable=unreadable_pmids(store),
        **kwargs,
    )


def _deliver(
    cfg: Config, store: Store, view: DigestView, change_ids: list[int], extras: addons.Extras, now: dt.datetime
) -> DigestResult:
    profile = cfg.digest.profile or ""
    pmids = [e.paper.pmid for s in view.sections for e in s.entries]
    per_topic = {s.topic.name: s.count for s in view.sections}
    digest_id = ledger.create_digest(store, profile, pmids, view.period, per_topic)
    view = dataclasses.replace(view, digest_id=digest_id)
    run_id = start_run(store, "digest", view.period)
    emailed = False
    try:
        target = unique_digest_path(
            cfg.digest.output_dir, now.date(), cfg.digest.profile, lambda p: ledger.filename_taken(store, p.name)
        )
        for old in ledger.stale_attempts(store, profile):
            # Files of digests that were never delivered are withdrawn: their papers are in this one.
            if old.id != digest_id and old.filename and old.filename != target.name:
                (cfg.digest.output_dir / old.filename).unlink(missing_ok=True)
        ledger.set_filename(store, digest_id, target.name)
        view = _render_and_write(view, target, cfg.digest.public_url)
        if cfg.email.enabled and (view.total > 0 or view.changes or view.trials or cfg.digest.send_empty):
            _send(cfg, view)
            emailed = True
        with store.transaction() as conn:
            ledger.mark_delivered(conn, digest_id, profile, emailed=emailed, change_ids=change_ids)
            extras.mark_reported(conn, digest_id)
    except (LittrackError, OSError) as exc:
        message = str(exc) if isinstance(exc, LittrackError) else f"cannot write digest: {exc}"
        ledger.mark_failed(store, digest_id, message)
        finish_run(store, run_id, status="failed", error=message)
        if isinstance(exc, LittrackError):
            raise
        raise DigestError(message) from exc
    except BaseException as exc:
        finish_run(store, run_id, status="interrupted", error=type(exc).__name__)
        raise
    finish_run(store, run_id, status="ok", new=view.total)
    try:
        write_archive(cfg, store)
    except LittrackError as exc:  # the digest itself is delivered; the archive is rebuilt next time
        log.warning("digest archive not updated: %s", exc)
    return DigestResult(target, digest_id, view.total, emailed, retrying=view.retrying)


def _send(cfg: Config, view: DigestView) -> None:
    subject = format_subject(
        cfg.email,
        count=view.total,
        start=view.period.start.isoformat() if view.period else "",
        end=view.period.end.isoformat() if view.period else "",
        profile=view.profile or "",
        title=view.title,
    )
    chars = cfg.digest.email_abstract_chars
    msg = build_message(
        cfg.email,
        subject=subject,
        text=render_text(view, abstract_chars=chars),
        html=render_email_html(view, abstract_chars=chars),
    )
    send_message(cfg.email, msg)


def rebuild_digest(cfg: Config, digest_id: int) -> Path:
    """Re-render a digest from the store into its file, changing nothing in the ledger."""
    with open_store(cfg.store.path) as store:
        row = ledger.get_digest(store, digest_id)
        if row is None:
            raise DigestError(f"no digest #{digest_id} in the store; `littrack status` lists them")
        period = (
            DateWindow(dt.date.fromisoformat(row.period_start), dt.date.fromisoformat(row.period_end))
            if row.period_start and row.period_end
            else None
        )
        changes = [c for _, c in ledger.pending_changes(store, row.profile, digest_id=digest_id)]
        extras = addons.collect(cfg, store, row.profile, digest_id=digest_id)
        view = _view(
            cfg,
            store,
            ledger.digest_pmids(store, digest_id),
            extras,
            changes,
            period=period,
            generated_at=dt.datetime.fromisoformat(row.created_at),
            digest_id=digest_id,
        )
        target = cfg.digest.output_dir / (row.filename or f"rebuild-{digest_id}.html")
        _render_and_write(view, target, cfg.digest.public_url)
        return target
