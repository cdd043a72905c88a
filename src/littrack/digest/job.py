"""The digest job: select what is waiting, render, write atomically, e-mail, and only then mark delivered.

Exactly once per profile: a digest row is created as *pending* with its papers; it claims its file name in
the ledger, then the exports and the page are written with temp-file + rename; when e-mail is on, the row
becomes *sending* just before SMTP DATA and the server must accept the message; only then one transaction
marks the digest delivered, its papers as sent (``delivered_papers``' primary key forbids a second
delivery) and its run as ok. Any failure before that commit leaves the papers waiting, and the next digest
retries them.

Files: a delivered digest's page and exports are never removed or overwritten by a later command. A new
digest takes the first name that no ledger row claims and no file occupies; the files of an attempt that
was never delivered are withdrawn when it fails, or by the next digest when a kill left them (that digest
also records the killed attempt as *interrupted*). An attempt killed or failed after the SMTP server took
the message may have reached the readers: the next digest says its papers may arrive twice.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from littrack.config import DIGEST_SECTIONS, Config, Profile
from littrack.digest import addons, attempts
from littrack.digest.assemble import build_view
from littrack.digest.briefing import short_period
from littrack.digest.email_html import render_email_html
from littrack.digest.files import unique_digest_path, write_atomic
from littrack.digest.mail import build_message, format_subject, send_message
from littrack.digest.publish import profile_lines, write_archive, write_profiles_index
from littrack.digest.render import briefing_of, render_background_page, render_html, render_text
from littrack.digest.view import DigestView
from littrack.errors import DigestError, LittrackError
from littrack.evidence_page.gather import with_latest_delivery
from littrack.evidence_page.job import EVIDENCE_PAGE, write_page
from littrack.export import to_bibtex, to_csl_json, to_ris
from littrack.lock import HeldJobLock, job_lock
from littrack.models import DateWindow, Paper, PaperChange
from littrack.store import Store, open_store
from littrack.store import digests as ledger
from littrack.store.coverage import late_pmids
from littrack.store.papers import get_papers
from littrack.store.profiles import first_seen, register_profiles
from littrack.store.runs import mark_interrupted, record_finish, start_run
from littrack.store.unreadable import unreadable_pmids

log = logging.getLogger(__name__)

# The named points of one digest, in order. Each is where a kill, a full disk or a failure may strike;
# tests/test_digest_faults.py kills the process at every one of them.
STEPS = (
    "withdrawn",  # leftovers of earlier undelivered attempts removed
    "created",  # the pending row and its papers committed
    "named",  # the file name claimed in the ledger
    "wrote .ris",
    "wrote .bib",
    "wrote .csl.json",
    "wrote .html",
    "sending",  # the row is 'sending': the SMTP server has the envelope, DATA comes next
    "sent",  # the server accepted the message; the ledger does not know yet
    "delivered",  # the delivery transaction committed
    "wrote index.html",
    "wrote feed.xml",
)


def reached(step: str) -> None:
    """Called at each of :data:`STEPS`. Does nothing; the fault tests replace it to kill the process there."""


BACKGROUND_PAGE = "background.html"  # beside the digests: the background articles and every study they mention


@dataclass(frozen=True)
class DigestResult:
    path: Path | None
    digest_id: int | None
    total: int
    emailed: bool
    dry_run: bool = False
    retrying: bool = False
    skipped: bool = False
    profile: str | None = None  # a configured profile's id (profiles:); None for the implicit one

    def line(self) -> str:
        head = f"digest ({self.profile}):" if self.profile else "digest:"
        if self.skipped:
            return f"{head} no new papers; nothing written (digest.write_empty is false)"
        what = (
            "dry run, nothing marked or sent"
            if self.dry_run
            else ("written and e-mailed" if self.emailed else "written")
        )
        retry = "; retrying papers from an undelivered digest" if self.retrying else ""
        return f"{head} {self.total} paper{'s' if self.total != 1 else ''} → {self.path} ({what}){retry}"


def _period(store: Store, profile: str) -> DateWindow | None:
    """The Entrez-date span of the successful fetches since this profile's last delivered digest, or, before its
    first, since it was registered (a profile added later gets no paper stored before it, so its period does not
    reach back to the store's first fetch either)."""
    last = store.conn.execute(
        "SELECT max(delivered_at) FROM digests WHERE profile=? AND status='delivered'", (profile,)
    ).fetchone()[0]
    row = store.conn.execute(
        "SELECT min(window_start), max(window_end) FROM runs WHERE kind='fetch' AND status IN ('ok', 'partial')"
        " AND ended_at > ?",
        (max(last or "", first_seen(store, profile) or ""),),
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
        reached(f"wrote {suffix}")
        out.append((label, target.name))
    return tuple(out)


def _render_and_write(view: DigestView, target: Path, public_url: str | None) -> DigestView:
    """The export files beside the digest, the background page, then the digest itself (linking to both), each
    written atomically.

    ``public_url`` is where the digests folder is published; e-mails link there (a file:// link would be useless
    to a reader on another machine), otherwise to PubMed.
    """
    papers = [e.paper for e in view.papers]
    exports = _write_exports(target.with_suffix(""), papers)
    view = dataclasses.replace(view, exports=exports, full_digest_url=public_url + target.name if public_url else None)
    if view.mentions is not None:
        write_atomic(target.with_name(BACKGROUND_PAGE), render_background_page(view))
    write_atomic(target, render_html(view))
    reached("wrote .html")
    return view


def digest_job(
    cfg: Config,
    *,
    profile: Profile | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
    lock_wait: float | None = None,
    notice: str | None = None,
    synthetic_trials: Collection[str] = (),
) -> DigestResult:
    """Produce the next digest of ``profile`` (default: the config's first, the implicit one without
    ``profiles:``). See the module docstring for the guarantees.

    ``notice`` and ``synthetic_trials`` are the offline demo's: a banner, and the trials whose changes it staged.
    """
    now = now or dt.datetime.now(dt.UTC).astimezone()
    whole, p = cfg, profile or cfg.digest_profiles[0]
    cfg = cfg.for_profile(p)
    key = p.id
    # The implicit profile reads the ledgers exactly as before profiles; a configured one only its topics.
    topics = p.topics if p.explicit else None
    with (
        job_lock(cfg.store, wait=lock_wait) as held,
        open_store(cfg.store.location, password=cfg.store.password) as store,
    ):
        register_profiles(store, [q.id for q in whole.digest_profiles])
        since = first_seen(store, key) or ""  # registered just above
        mark_interrupted(store)
        ledger.mark_interrupted(store)
        pmids = ledger.waiting_pmids(store, key, topics, since)
        changes = ledger.pending_changes(store, key, topics=topics, since=since) if p.shows("changes") else []
        extras = addons.collect(
            cfg, store, key, synthetic_trials=synthetic_trials, topics=topics, since=since, sections=p.sections
        )
        if not dry_run:
            attempts.withdraw_leftovers(cfg, store, key)
            reached("withdrawn")
        view = _view(
            cfg,
            store,
            pmids,
            extras,
            [c for _, c in changes],
            period=_period(store, key),
            generated_at=now,
            retrying=ledger.previously_attempted(store, key, pmids),
            notice=attempts.duplicate_warning(notice, ledger.maybe_sent(store, key, pmids)),
            shown_sections=p.sections,
            profile_lines=profile_lines(
                whole, p, since, first=ledger.latest_delivery(store, key) is None,
                before=ledger.backlog_count(store, p.topics, since) if p.explicit and since else 0,
            ),
        )
        tag = key if p.explicit else None
        if p.explicit:
            view = dataclasses.replace(view, profile=p.name)
        if not view.total and not changes and not extras.has_news and not cfg.digest.write_empty:
            return DigestResult(None, None, 0, False, dry_run=dry_run, skipped=True, profile=tag)
        if dry_run:
            stem = now.date().isoformat() + (f"-{cfg.digest.profile}" if cfg.digest.profile else "")
            target = cfg.digest.output_dir / f"{stem}.dry-run.html"
            _render_and_write(view, target, cfg.digest.public_url)
            return DigestResult(target, None, view.total, False, dry_run=True, retrying=view.retrying, profile=tag)
        return _deliver(cfg, store, view, [cid for cid, _ in changes], extras, now, whole=whole, profile=p, held=held)


def _view(
    cfg: Config,
    store: Store,
    pmids: list[int],
    extras: addons.Extras,
    changes: list[PaperChange],
    **kwargs: Any,
) -> DigestView:
    stored = list(get_papers(store, pmids).values())
    public = cfg.digest.public_url
    sources = extras.sources
    view = build_view(
        cfg,
        stored,
        changes=changes,
        retracted=ledger.retracted_pmids(store, pmids),
        late=late_pmids(store, pmids),
        trials=[t.change for t in extras.trials],
        trials_check=extras.trials_check,
        trial_links=extras.trial_links(pmids),
        relate=extras.relate,
        background=extras.background_for(stored),
        mentions=extras.mentions_section(page=BACKGROUND_PAGE),
        open_access=sources.open_access([sp.paper for sp in stored]) if sources else None,
        preprint_versions=sources.preprint_versions(pmids) if sources else None,
        preprints=sources.preprint_rows() if sources else (),
        published_preprints=sources.published if sources else (),
        outages=sources.outages if sources else (),
        unreadable=unreadable_pmids(store),
        **kwargs,
    )
    return dataclasses.replace(
        view,
        claim_changes=extras.claim_changes,
        evidence_href=EVIDENCE_PAGE,
        evidence_url=public + EVIDENCE_PAGE if public else None,
    )


def _deliver(
    cfg: Config,
    store: Store,
    view: DigestView,
    change_ids: list[int],
    extras: addons.Extras,
    now: dt.datetime,
    *,
    whole: Config,
    profile: Profile,
    held: HeldJobLock,
) -> DigestResult:
    """Deliver ``view`` as ``profile``'s digest (``cfg``: the profile's config, ``whole``: the whole one).

    ``held`` is confirmed before the e-mail and before the delivery commit: a job that lost its lock (PostgreSQL)
    stops there, as a failed attempt, rather than send or mark what another job may be sending."""
    key = profile.id
    pmids = [e.paper.pmid for e in view.papers]
    per_topic = {s.topic.name: s.count for s in view.sections}
    digest_id = ledger.create_digest(store, key, pmids, view.period, per_topic)
    reached("created")
    view = dataclasses.replace(view, digest_id=digest_id)
    run_id = start_run(store, "digest", view.period)
    emailed = False
    target: Path | None = None
    try:
        taken = partial(attempts.occupied, store)
        cfg.digest.output_dir.mkdir(parents=True, exist_ok=True)  # a profile's own folder, inside digests/
        target = unique_digest_path(cfg.digest.output_dir, now.date(), cfg.digest.profile, taken)
        ledger.set_filename(store, digest_id, target.name)
        reached("named")
        view = _render_and_write(view, target, cfg.digest.public_url)
        if cfg.email.enabled and (
            view.total > 0 or view.changes or view.trials or extras.has_news or cfg.digest.send_empty
        ):
            held.confirm()
            _send(cfg, view, target, before_data=partial(_sending, store, digest_id))
            emailed = True
            reached("sent")
        held.confirm()
        with store.transaction() as conn:
            ledger.mark_delivered(conn, digest_id, key, emailed=emailed, change_ids=change_ids)
            extras.mark_reported(conn, digest_id)
            record_finish(conn, run_id, status="ok", new=view.total)
    except (LittrackError, OSError) as exc:
        message = str(exc) if isinstance(exc, LittrackError) else f"cannot write digest: {exc}"
        attempts.end_attempt(cfg, store, digest_id, run_id, target, ledger.FAILED, message)
        if isinstance(exc, LittrackError):
            raise
        raise DigestError(message) from exc
    except BaseException as exc:  # Ctrl-C, or the service stopping: the attempt is over, not failed
        stopped = f"stopped ({type(exc).__name__})"
        attempts.end_attempt(cfg, store, digest_id, run_id, target, ledger.INTERRUPTED, stopped)
        raise
    reached("delivered")
    _write_evidence_page(cfg, store, extras, now, view.notice, key)  # first: the archive links it once it exists
    try:
        write_archive(cfg, store, profile, reached)
        write_profiles_index(whole, store)
    except LittrackError as exc:  # the digest itself is delivered; the archive is rebuilt next time
        log.warning("digest archive not updated: %s", exc)
    return DigestResult(
        target, digest_id, view.total, emailed, retrying=view.retrying, profile=key if profile.explicit else None
    )


def _write_evidence_page(
    cfg: Config, store: Store, extras: addons.Extras, now: dt.datetime, notice: str | None, profile: str
) -> None:
    """digests/evidence.html from the snapshot the digest was built from, "new" counted from this delivery, with
    the digest's banner (the offline demo's: its records are not about the topics).

    Never undoes the delivery: a failure is logged, and the next digest or ``littrack evidence`` writes it.
    """
    if extras.snapshot is None:
        return
    try:
        write_page(cfg, with_latest_delivery(extras.snapshot, store, profile), now=now, notice=notice)
    except LittrackError as exc:
        log.warning("evidence page not updated: %s", exc)


def _sending(store: Store, digest_id: int) -> None:
    ledger.mark_sending(store, digest_id)
    reached("sending")


def _send(cfg: Config, view: DigestView, target: Path, *, before_data: Callable[[], None]) -> None:
    """E-mail the digest. Without a public copy to link to, the digest file goes along as an attachment."""
    dates = short_period(view.period) or short_period(DateWindow(view.generated_at.date(), view.generated_at.date()))
    subject = format_subject(
        cfg.email,
        count=view.total,
        start=view.period.start.isoformat() if view.period else "",
        end=view.period.end.isoformat() if view.period else "",
        profile=view.profile or "",
        title=view.title,
        summary=briefing_of(view).subject,
        dates=dates,
    )
    chars = cfg.digest.email_abstract_chars
    attachment = None if view.full_digest_url else target.name
    msg = build_message(
        cfg.email,
        subject=subject,
        text=render_text(view, abstract_chars=chars, attachment=attachment),
        html=render_email_html(view, abstract_chars=chars, attachment=attachment),
        attachment=(target.name, render_html(view)) if attachment else None,
    )
    send_message(cfg.email, msg, before_data=before_data)


def rebuild_digest(cfg: Config, digest_id: int, *, lock_wait: float | None = None) -> Path:
    """Re-render a digest from the store, changing nothing in the ledger.

    A delivered digest is rewritten into its own files; any other goes to ``rebuild-<id>.html`` beside
    them, since the name it once claimed may belong to a delivered digest now.
    """
    with job_lock(cfg.store, wait=lock_wait), open_store(cfg.store.location, password=cfg.store.password) as store:
        row = ledger.get_digest(store, digest_id)
        if row is None:
            raise DigestError(f"no digest #{digest_id} in the store; `littrack status` lists them")
        period = (
            DateWindow(dt.date.fromisoformat(row.period_start), dt.date.fromisoformat(row.period_end))
            if row.period_start and row.period_end
            else None
        )
        p = next((q for q in cfg.digest_profiles if q.id == row.profile), None)
        sections = p.sections if p else DIGEST_SECTIONS
        cfg = cfg.for_profile(p) if p else cfg
        changes = [c for _, c in ledger.pending_changes(store, row.profile, digest_id=digest_id)]
        extras = addons.collect(cfg, store, row.profile, digest_id=digest_id, sections=sections)
        view = _view(
            cfg,
            store,
            ledger.digest_pmids(store, digest_id),
            extras,
            changes,
            period=period,
            generated_at=dt.datetime.fromisoformat(row.created_at),
            digest_id=digest_id,
            shown_sections=sections,
        )
        own = row.filename if row.status == ledger.DELIVERED and row.filename else None
        target = cfg.digest.output_dir / (own or f"rebuild-{digest_id}.html")
        _render_and_write(view, target, cfg.digest.public_url)
        return target
