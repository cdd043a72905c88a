"""The files beside the digests that list them: each profile's ``index.html`` and ``feed.xml`` (from the delivered
digests of the ledger), and, with ``profiles:``, ``digests/index.html`` naming every profile (issue 16).

Called by the digest job after a delivery, holding the store's job lock; rendering is :mod:`.archive`'s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from littrack.config import DIGEST_SECTIONS, Config, Profile
from littrack.digest.archive import ArchiveEntry, ProfileLink, render_feed, render_index, render_profiles
from littrack.digest.files import write_atomic
from littrack.evidence_page.job import EVIDENCE_PAGE
from littrack.models import DEFAULT_PROFILE, DateWindow
from littrack.store import Store
from littrack.store import digests as ledger
from littrack.store.identity import store_uuid


def _label(cfg: Config, profile: Profile, row_profile: str) -> str:
    """The title a digest has in the archive: the profile's name, or (no profiles:) today's title."""
    if profile.explicit:
        return f"{cfg.digest.title} ({profile.name})"
    named = row_profile not in ("", DEFAULT_PROFILE)
    return f"{cfg.digest.title}{' (' + row_profile + ')' if named else ''}"


def archive_entries(cfg: Config, store: Store, profile: Profile) -> list[ArchiveEntry]:
    """The profile's delivered digests whose files exist in its folder (``cfg`` is the profile's config).

    The implicit profile lists every delivered digest in ``digests/`` as before profiles existed."""
    out = cfg.digest.output_dir
    rows = ledger.delivered_digests(store, profile.id if profile.explicit else None)
    return [
        ArchiveEntry(
            digest_id=r.id,
            filename=r.filename or "",
            title=_label(cfg, profile, r.profile),
            period=DateWindow(dt.date.fromisoformat(r.period_start), dt.date.fromisoformat(r.period_end))
            if r.period_start and r.period_end
            else None,
            generated_at=dt.datetime.fromisoformat(r.delivered_at or r.created_at),
            total=r.total,
            per_topic=tuple(r.per_topic.items()),
        )
        for r in rows
        if r.filename and (out / r.filename).is_file()
    ]


def write_archive(cfg: Config, store: Store, profile: Profile, reached: Callable[[str], None]) -> None:
    """index.html and feed.xml of ``profile``'s folder; regenerated after every delivery (``cfg``: the profile's).

    Feed ids carry the store's UUID and the profile id, so two stores or two profiles never share one; with
    ``digest.public_url`` the feed's links are absolute (a feed reader fetches the feed alone, so a relative link
    would resolve against nothing useful). Only pages that exist are listed (the evidence page too): the archive
    never links to a file somebody removed.
    """
    out = cfg.digest.output_dir
    entries = archive_entries(cfg, store, profile)
    evidence = EVIDENCE_PAGE if (out / EVIDENCE_PAGE).is_file() else None
    title = f"littrack digests: {profile.name}" if profile.explicit else "littrack digests"
    write_atomic(out / "index.html", render_index(entries, title=title, evidence_href=evidence))
    reached("wrote index.html")
    base = f"urn:littrack:{store_uuid(store)}"
    public = cfg.digest.public_url  # ends with "/" (the config loader normalises it)
    write_atomic(
        out / "feed.xml",
        render_feed(
            entries, feed_id=f"{base}:feed:{profile.id}", id_base=base, self_url=public + "feed.xml" if public else None
        ),
    )
    reached("wrote feed.xml")


def write_profiles_index(cfg: Config, store: Store) -> None:
    """``digests/index.html`` with ``profiles:``: each profile, what it follows, its latest digest, a link."""
    if not cfg.profiles:
        return
    links = []
    for p in cfg.profiles:
        entries = archive_entries(cfg.for_profile(p), store, p)
        latest = max(entries, key=lambda e: e.digest_id) if entries else None
        links.append(ProfileLink(p.id, p.name, follows_line(cfg, p), latest, len(entries)))
    # Digests written before profiles: their files stay in digests/, and this page keeps listing them.
    single = dataclasses.replace(cfg, profiles=())
    earlier = archive_entries(single, store, single.digest_profiles[0])
    write_atomic(cfg.digest.output_dir / "index.html", render_profiles(links, earlier=earlier))


def follows_line(cfg: Config, profile: Profile) -> str:
    """'Follows Ketamine for CRPS; sections: safety reports.' (every topic and section: 'Follows every topic.')"""
    topics = [t.name for t in cfg.topics if t.id in profile.topics]
    what = "every topic" if len(topics) == len(cfg.topics) else ", ".join(topics)
    line = f"Follows {what}"
    if tuple(profile.sections) != DIGEST_SECTIONS:
        line += "; sections: " + ", ".join(SECTION_LABELS[s] for s in profile.sections)
    return line + "."


def profile_lines(cfg: Config, profile: Profile, since: str, *, first: bool, before: int) -> tuple[str, ...]:
    """What a configured profile's digest says of itself: what it follows, and, in the first digest of a profile
    added to a store that already held ``before`` papers of its topics, that it starts at its registration."""
    if not profile.explicit:
        return ()
    lines = [f"Profile {profile.name}: {follows_line(cfg, profile)}"]
    if first and since and before:
        when = dt.datetime.fromisoformat(since).date().strftime("%-d %b %Y")
        papers = f"{before} paper{'s' if before != 1 else ''}"
        lines.append(
            f"This profile was added on {when}: its digests start then, not with the {papers} stored before"
            " (`littrack export` lists them)."
        )
    return tuple(lines)


SECTION_LABELS = {
    "changes": "changes to papers you were sent",
    "safety": "safety reports",
    "papers": "papers by topic",
    "preprints": "preprints",
    "trials": "registered trials",
    "background": "background articles",
}
