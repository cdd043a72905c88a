"""The digest archive: ``digests/index.html`` (newest first, with counts) and ``digests/feed.xml`` (Atom 1.0).

Pure rendering from :class:`ArchiveEntry` records the digest job builds from its ledger; writing the
files is :func:`littrack.digest.files.write_atomic`'s job.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass

from feedgen.feed import FeedGenerator

from littrack.digest.render import environment, human_date, safe_href
from littrack.models import DateWindow


@dataclass(frozen=True)
class ArchiveEntry:
    """One delivered (or rebuilt) digest as the archive lists it; ``filename`` is relative to digests/."""

    digest_id: int
    filename: str
    title: str
    period: DateWindow | None
    generated_at: dt.datetime
    total: int
    per_topic: tuple[tuple[str, int], ...] = ()

    @property
    def heading(self) -> str:
        """'littrack digest, 14 Nov 2026 – 21 Nov 2026' (the period, else the generation date)."""
        if self.period:
            return f"{self.title}, {human_date(self.period.start)} – {human_date(self.period.end)}"
        return f"{self.title}, {human_date(self.generated_at)}"

    @property
    def summary(self) -> str:
        """'3 new papers: Ketamine × fibromyalgia 2, Ketamine × CRPS 1' or 'No new papers this period'."""
        if not self.total:
            return "No new papers this period"
        head = f"{self.total} new paper{'s' if self.total != 1 else ''}"
        counts = ", ".join(f"{name} {count}" for name, count in self.per_topic)
        return f"{head}: {counts}" if counts else head


@dataclass(frozen=True)
class ProfileLink:
    """A profile as ``digests/index.html`` lists it (with ``profiles:``): its folder, what it follows, its latest."""

    id: str
    name: str
    follows: str
    latest: ArchiveEntry | None
    count: int


def render_profiles(
    profiles: Iterable[ProfileLink], *, earlier: Iterable[ArchiveEntry] = (), title: str = "littrack digests"
) -> str:
    """The page listing the profiles, each linking to its own archive (``<id>/index.html``) and latest digest;
    then the ``earlier`` digests (written before profiles, in this folder), newest first."""
    return (
        environment()
        .get_template("profiles.html")
        .render(profiles=list(profiles), earlier=_newest_first(earlier), title=title, safe_href=safe_href)
    )


def _newest_first(entries: Iterable[ArchiveEntry]) -> list[ArchiveEntry]:
    return sorted(entries, key=lambda e: (_aware(e.generated_at), e.digest_id), reverse=True)


def _aware(value: dt.datetime) -> dt.datetime:
    """Naive times are taken as local time, so mixed inputs still sort and serialise consistently."""
    return value if value.tzinfo else value.astimezone()


def render_index(
    entries: Iterable[ArchiveEntry],
    *,
    title: str = "littrack digests",
    feed_href: str | None = "feed.xml",
    evidence_href: str | None = None,
) -> str:
    """The archive page: every digest newest first, with its period and counts per topic, and a link to the
    evidence page when there is one."""
    return (
        environment()
        .get_template("index.html")
        .render(
            entries=_newest_first(entries),
            title=title,
            feed_href=safe_href(feed_href),
            evidence_href=safe_href(evidence_href),
            safe_href=safe_href,
        )
    )


def render_feed(
    entries: Iterable[ArchiveEntry],
    *,
    feed_id: str,
    id_base: str,
    self_url: str | None,
    title: str = "littrack digests",
) -> str:
    """An Atom 1.0 feed with one entry per digest, newest first; entry ids ``<id_base>:digest:<id>``.

    ``id_base`` names the store (``urn:littrack:<store uuid>``): digest ids restart at 1 in every store, so
    without it two stores would publish the same entry id and a feed reader would keep only one of them.
    ``feed_id`` should be stable for a store and profile. Links are relative to the feed unless ``self_url``
    (the feed's public URL) is given, in which case every link is absolute.
    """
    ordered = _newest_first(entries)
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "littrack"})
    fg.subtitle("New PubMed papers for the watched topics, one entry per digest")
    base = self_url or ""
    fg.link(href=urllib.parse.urljoin(base, "index.html"), rel="alternate", type="text/html")
    if self_url:
        fg.link(href=self_url, rel="self", type="application/atom+xml")
    if ordered:
        fg.updated(_aware(ordered[0].generated_at))
    # feedgen prepends by default; append keeps our newest-first order in the document.
    for e in ordered:
        fe = fg.add_entry(order="append")
        fe.id(f"{id_base}:digest:{e.digest_id}")
        fe.title(e.heading)
        fe.updated(_aware(e.generated_at))
        fe.published(_aware(e.generated_at))
        fe.link(href=urllib.parse.urljoin(base, urllib.parse.quote(e.filename)), rel="alternate", type="text/html")
        fe.summary(e.summary)
    return str(fg.atom_str(pretty=True).decode("utf-8"))
